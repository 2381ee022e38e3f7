import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import type { Occurrence, ScheduleKind } from '../domain/scheduled-series.js';
import type { ScheduledChargeFact, ScheduledFact } from '../domain/recurring-figures.js';

export interface ScheduledGift {
  id: string;
  campaignId: string;
  organizationId: string;
  currency: string;
  amount: bigint;
  kind: ScheduleKind;
  weeks: number | null;
  timeZone: string;
  status: 'pending' | 'active' | 'completed' | 'cancelled';
  platformFeeBps: number;
  donorName: string | null;
  /** Null only once erased. */
  donorEmail: string;
  anonymous: boolean;
  locale: 'en' | 'ar';
  stripeCustomerId: string | null;
  stripePaymentMethodId: string | null;
  endReason?: ScheduledEndReason | null;
  movedFromCampaignId?: string | null;
  createdAt?: Date;
  /** Every occurrence's designation (null: the campaign declared none, so general). */
  designation?: string | null;
  /** The donor ticked "e-mail me this campaign's updates": every occurrence's gift carries it (the update mailer reads gifts). */
  updatesOptIn?: boolean;
}

export type ScheduledEndReason = 'donor' | 'campaign_closed' | 'erasure';

/** An occurrence as the donor's pages and e-mails see it. */
export interface ScheduledCharge {
  occurrence: number;
  localDate: string;
  chargeAt: Date;
  status: 'planned' | 'charging' | 'paid' | 'failed' | 'cancelled';
  donationId: string | null;
  failureCode: string | null;
  graceEndsAt: Date | null;
  completionSessionId: string | null;
  /** The occurrence's gift settled (paid off-session, or later on its payment link). */
  settled: boolean;
}

/** A series as the donor page lists it. */
export interface DonorScheduledGift extends ScheduledGift {
  campaignTitle: string;
  campaignSlug: string;
  paid: number;
  planned: number;
  total: number;
  nextChargeAt: Date | null;
}

export interface DueCharge {
  scheduledGiftId: string;
  occurrence: number;
  status: 'planned' | 'charging';
  donationId: string | null;
}

const toGift = (r: Record<string, any>): ScheduledGift => ({
  id: r.id, campaignId: r.campaign_id, organizationId: r.organization_id, currency: r.currency, amount: BigInt(r.amount), kind: r.kind, weeks: r.weeks,
  timeZone: r.time_zone, status: r.status, platformFeeBps: r.platform_fee_bps, donorName: r.donor_name, donorEmail: r.donor_email, anonymous: r.anonymous,
  locale: r.locale, stripeCustomerId: r.stripe_customer_id, stripePaymentMethodId: r.stripe_payment_method_id,
  endReason: r.end_reason ?? null, movedFromCampaignId: r.moved_from_campaign_id ?? null, createdAt: r.created_at, designation: r.designation ?? null,
  updatesOptIn: r.updates_opt_in === true,
});

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const toCharge = (r: Record<string, any>): ScheduledCharge => ({
  occurrence: r.occurrence, localDate: typeof r.local_date === 'string' ? r.local_date : new Date(r.local_date).toISOString().slice(0, 10),
  chargeAt: new Date(r.charge_at), status: r.status, donationId: r.donation_id, failureCode: r.failure_code, graceEndsAt: r.grace_ends_at ? new Date(r.grace_ends_at) : null,
  completionSessionId: r.completion_session_id ?? null, settled: r.settled === true,
});

/** The only code touching `scheduled_gifts` and `scheduled_charges`, and the gifts their charges become. */
@Injectable()
export class ScheduledGiftsRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** The series and its planned occurrences, in one transaction. */
  async insert(g: Omit<ScheduledGift, 'status' | 'stripeCustomerId' | 'stripePaymentMethodId'>, occurrences: readonly Occurrence[]): Promise<void> {
    await this.dataSource.transaction(async (m) => {
      await m.query(
        `INSERT INTO scheduled_gifts (id, campaign_id, organization_id, currency, amount, kind, weeks, time_zone, platform_fee_bps, donor_name, donor_email, anonymous, locale, designation, updates_opt_in)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)`,
        [g.id, g.campaignId, g.organizationId, g.currency, g.amount.toString(), g.kind, g.weeks, g.timeZone, g.platformFeeBps, g.donorName, g.donorEmail, g.anonymous, g.locale, g.designation ?? null,
          g.updatesOptIn === true],
      );
      await m.query(
        `INSERT INTO scheduled_charges (scheduled_gift_id, occurrence, local_date, charge_at)
         SELECT $1, o, d::date, t FROM unnest($2::int[], $3::text[], $4::timestamptz[]) AS x(o, d, t)`,
        [g.id, occurrences.map((o) => o.index), occurrences.map((o) => o.localDate), occurrences.map((o) => o.chargeAt.toISOString())],
      );
    });
  }

  async find(id: unknown, m: EntityManager = this.dataSource.manager, lock = false): Promise<ScheduledGift | null> {
    if (typeof id !== 'string' || !UUID.test(id)) return null;
    const [row] = await m.query(`SELECT * FROM scheduled_gifts WHERE id = $1${lock ? ' FOR UPDATE' : ''}`, [id]);
    return row ? toGift(row) : null;
  }

  /** The Checkout session that saves the card (a pending series). */
  async sessionOf(id: string): Promise<string[]> {
    const rows: { s: string | null }[] = await this.dataSource.query(`SELECT stripe_checkout_session_id AS s FROM scheduled_gifts WHERE id = $1`, [id]);
    return rows.flatMap((r) => (r.s ? [r.s] : []));
  }

  /** Every occurrence of a series, in order, with whether its gift settled. */
  async charges(id: string, m: EntityManager = this.dataSource.manager): Promise<ScheduledCharge[]> {
    const rows: Record<string, any>[] = await m.query(
      `SELECT c.*, c.local_date::text AS local_date, (d.settled_at IS NOT NULL) AS settled
       FROM scheduled_charges c LEFT JOIN donations d ON d.id = c.donation_id WHERE c.scheduled_gift_id = $1 ORDER BY c.occurrence`, [id]);
    return rows.map(toCharge);
  }

  /**
   * Cancels a live series (pending or active) for `reason`, with its planned occurrences (never
   * charged: no gift). One reserved (charging) is left: the charger asks Stripe again under its key
   * (Stripe may have charged it). Answers false when it was already final.
   */
  async cancel(m: EntityManager, id: string, reason: ScheduledEndReason): Promise<boolean> {
    const rows: unknown[] = await m.query(
      `UPDATE scheduled_gifts SET status = 'cancelled', end_reason = $2, ended_at = now(), updated_at = now() WHERE id = $1 AND status IN ('pending', 'active') RETURNING id`,
      [id, reason],
    );
    if (rows.length === 0) return false;
    await m.query(`UPDATE scheduled_charges SET status = 'cancelled', updated_at = now() WHERE scheduled_gift_id = $1 AND status = 'planned'`, [id]);
    return true;
  }

  /** The series given with this address (any state but never-saved pending ones older than a day), newest first. */
  async listForEmail(email: string): Promise<DonorScheduledGift[]> {
    const rows: Record<string, any>[] = await this.dataSource.query(
      `SELECT g.*, c.title AS campaign_title, c.slug AS campaign_slug,
         (SELECT count(*)::int FROM scheduled_charges x LEFT JOIN donations d ON d.id = x.donation_id WHERE x.scheduled_gift_id = g.id AND (x.status = 'paid' OR d.settled_at IS NOT NULL)) AS paid,
         (SELECT count(*)::int FROM scheduled_charges x WHERE x.scheduled_gift_id = g.id AND x.status = 'planned') AS planned,
         (SELECT count(*)::int FROM scheduled_charges x WHERE x.scheduled_gift_id = g.id) AS total,
         (SELECT min(x.charge_at) FROM scheduled_charges x WHERE x.scheduled_gift_id = g.id AND x.status = 'planned') AS next_charge_at
       FROM scheduled_gifts g JOIN campaigns c ON c.id = g.campaign_id
       WHERE lower(g.donor_email) = lower($1) AND (g.status <> 'pending' OR g.created_at > now() - interval '1 day')
       ORDER BY g.created_at DESC, g.id DESC LIMIT 100`,
      [email],
    );
    return rows.map((r) => ({
      ...toGift(r), campaignTitle: r.campaign_title, campaignSlug: r.campaign_slug, paid: r.paid, planned: r.planned, total: r.total,
      nextChargeAt: r.next_charge_at ? new Date(r.next_charge_at) : null,
    }));
  }

  /** Live series (pending, active) of a campaign that ended or was cancelled, oldest first. */
  async liveOfClosedCampaign(campaignId: string, limit: number): Promise<string[]> {
    const rows: { id: string }[] = await this.dataSource.query(
      `SELECT g.id FROM scheduled_gifts g JOIN campaigns c ON c.id = g.campaign_id
       WHERE g.campaign_id = $1 AND g.status IN ('pending', 'active') AND c.status IN ('ended', 'cancelled') ORDER BY g.created_at, g.id LIMIT $2`,
      [campaignId, limit],
    );
    return rows.map((r) => r.id);
  }

  /**
   * Moves a live series to the general fund (its remaining occurrences become gifts to the fund).
   * The opt-in is dropped: the donor asked for the closed campaign's updates, not the fund's.
   */
  async move(m: EntityManager, id: string, fromCampaignId: string, toCampaignId: string, platformFeeBps: number, designation: string | null): Promise<boolean> {
    const rows: unknown[] = await m.query(
      `UPDATE scheduled_gifts SET campaign_id = $3, platform_fee_bps = $4, designation = $5, updates_opt_in = false, moved_from_campaign_id = $2, moved_at = now(), updated_at = now()
       WHERE id = $1 AND campaign_id = $2 AND status IN ('pending', 'active') RETURNING id`,
      [id, fromCampaignId, toCampaignId, platformFeeBps, designation],
    );
    return rows.length > 0;
  }

  /** The series behind these gifts, and those given with the gifts' addresses (an erasure: before the addresses are scrubbed). */
  async seriesOfDonations(donationIds: readonly string[]): Promise<string[]> {
    if (donationIds.length === 0) return [];
    const rows: { id: string }[] = await this.dataSource.query(
      `SELECT DISTINCT g.id FROM scheduled_gifts g
       WHERE g.id IN (SELECT scheduled_gift_id FROM scheduled_charges WHERE donation_id = ANY($1::uuid[]))
          OR lower(g.donor_email) IN (SELECT lower(donor_email) FROM donations WHERE id = ANY($1::uuid[]) AND donor_email IS NOT NULL)`,
      [donationIds],
    );
    return rows.map((r) => r.id);
  }

  /** An occurrence's payment page opened Checkout: remembered on the occurrence and its gift (whose settlement reads the session). */
  async setCompletionSession(m: EntityManager, id: string, occurrence: number, sessionId: string): Promise<void> {
    const [row] = await m.query(
      `UPDATE scheduled_charges SET completion_session_id = $3, updated_at = now() WHERE scheduled_gift_id = $1 AND occurrence = $2 RETURNING donation_id`,
      [id, occurrence, sessionId],
    );
    if (row?.donation_id) await m.query(`UPDATE donations SET stripe_checkout_session_id = $2, updated_at = now() WHERE id = $1 AND settled_at IS NULL`, [row.donation_id, sessionId]);
  }

  /** Failed occurrences whose gift was paid since on its link: paid. */
  async markPaidLater(): Promise<number> {
    const rows: unknown[] = await this.dataSource.query(
      `UPDATE scheduled_charges c SET status = 'paid', updated_at = now() FROM donations d
       WHERE d.id = c.donation_id AND c.status = 'failed' AND d.settled_at IS NOT NULL RETURNING c.occurrence`,
    );
    return rows.length;
  }

  /** The organization's series and their occurrences charged or failed since `since` (the figures). */
  async figureFacts(organizationId: string, since: Date): Promise<{ series: ScheduledFact[]; charges: ScheduledChargeFact[] }> {
    const series: Record<string, any>[] = await this.dataSource.query(
      `SELECT lower(g.donor_email) AS donor, g.kind, g.status, g.currency, g.amount::text AS amount, g.ended_at, g.end_reason,
         (SELECT count(*)::int FROM scheduled_charges x WHERE x.scheduled_gift_id = g.id AND x.status = 'planned') AS planned
       FROM scheduled_gifts g WHERE g.organization_id = $1 AND g.status <> 'pending'`,
      [organizationId],
    );
    const charges: Record<string, any>[] = await this.dataSource.query(
      `SELECT g.currency, g.amount::text AS amount, coalesce(d.settled_at, c.updated_at) AS at, (d.settled_at IS NOT NULL) AS settled, (c.failure_code IS NOT NULL) AS failed
       FROM scheduled_charges c JOIN scheduled_gifts g ON g.id = c.scheduled_gift_id LEFT JOIN donations d ON d.id = c.donation_id
       WHERE g.organization_id = $1 AND c.status IN ('paid', 'failed') AND coalesce(d.settled_at, c.updated_at) >= $2`,
      [organizationId, since.toISOString()],
    );
    return {
      series: series.map((r) => ({ donor: r.donor, kind: r.kind, status: r.status, currency: r.currency, amount: BigInt(r.amount), planned: r.planned, endedAt: r.ended_at, endReason: r.end_reason })),
      charges: charges.map((r) => ({ currency: r.currency, amount: BigInt(r.amount), paid: r.settled === true, failed: r.failed === true, at: new Date(r.at) })),
    };
  }

  async setSession(id: string, sessionId: string, customerId: string): Promise<void> {
    await this.dataSource.query(`UPDATE scheduled_gifts SET stripe_checkout_session_id = $2, stripe_customer_id = $3, updated_at = now() WHERE id = $1`, [id, sessionId, customerId]);
  }

  /** The card is saved: the series is active (once; a duplicate event changes nothing). */
  async activate(id: string, setupIntentId: string, customerId: string, paymentMethodId: string): Promise<boolean> {
    const rows: unknown[] = await this.dataSource.query(
      `UPDATE scheduled_gifts SET status = 'active', stripe_setup_intent_id = $2, stripe_payment_method_id = $4, updated_at = now()
       WHERE id = $1 AND status = 'pending' AND stripe_customer_id = $3 RETURNING id`,
      [id, setupIntentId, customerId, paymentMethodId],
    );
    return rows.length > 0;
  }

  /**
   * Occurrences due (planned, or left charging by a run that did not finish) of active series whose
   * campaign takes gifts (published, not suspended, not past its end), oldest first. A reserved one
   * (charging) is always asked again: Stripe may have charged it already.
   */
  async due(now: Date, limit: number): Promise<DueCharge[]> {
    const rows: Record<string, any>[] = await this.dataSource.query(
      `SELECT c.scheduled_gift_id, c.occurrence, c.status, c.donation_id FROM scheduled_charges c JOIN scheduled_gifts g ON g.id = c.scheduled_gift_id
       JOIN campaigns k ON k.id = g.campaign_id
       WHERE c.status IN ('planned', 'charging') AND c.charge_at <= $1
         AND (c.status = 'charging' OR (g.status = 'active' AND k.status = 'published' AND k.suspension_reason IS NULL AND (k.ends_at IS NULL OR k.ends_at > $1)))
       ORDER BY c.charge_at, c.scheduled_gift_id, c.occurrence LIMIT $2`,
      [now.toISOString(), limit],
    );
    return rows.map((r) => ({ scheduledGiftId: r.scheduled_gift_id, occurrence: r.occurrence, status: r.status, donationId: r.donation_id }));
  }

  /**
   * Reserves the occurrence's gift (a pending donation) with its move to `charging`, under the
   * occurrence's row lock; answers the gift to charge (the one already reserved when a run stopped
   * after this), or null when the occurrence has moved on.
   */
  async reserve(m: EntityManager, g: ScheduledGift, occurrence: number, donationId: string): Promise<string | null> {
    const [row] = await m.query(`SELECT status, donation_id FROM scheduled_charges WHERE scheduled_gift_id = $1 AND occurrence = $2 FOR UPDATE`, [g.id, occurrence]);
    if (!row) return null;
    if (row.status === 'charging') return row.donation_id;
    if (row.status !== 'planned') return null;
    await m.query(
      `INSERT INTO donations (id, campaign_id, organization_id, currency, amount, chosen_amount, covered_fees, platform_fee_bps, donor_name, donor_email, anonymous, public_message, locale, designation, updates_opt_in)
       VALUES ($1, $2, $3, $4, $5, $5, 0, $6, $7, $8, $9, NULL, $10, $11, $12)`,
      [donationId, g.campaignId, g.organizationId, g.currency, g.amount.toString(), g.platformFeeBps, g.donorName, g.donorEmail, g.anonymous, g.locale, g.designation ?? null,
        g.updatesOptIn === true],
    );
    await m.query(`UPDATE scheduled_charges SET status = 'charging', donation_id = $3, updated_at = now() WHERE scheduled_gift_id = $1 AND occurrence = $2`, [g.id, occurrence, donationId]);
    return donationId;
  }

  async linkPaymentIntent(m: EntityManager, g: ScheduledGift, occurrence: number, donationId: string, paymentIntentId: string): Promise<void> {
    await m.query(`UPDATE scheduled_charges SET stripe_payment_intent_id = $3, updated_at = now() WHERE scheduled_gift_id = $1 AND occurrence = $2`, [g.id, occurrence, paymentIntentId]);
    await m.query(`UPDATE donations SET stripe_payment_intent_id = coalesce(stripe_payment_intent_id, $2), updated_at = now() WHERE id = $1`, [donationId, paymentIntentId]);
  }

  /**
   * The occurrence's outcome (from `charging`; answers false when it had moved on); a failed one may
   * be paid on its link until `graceEndsAt`. `also` runs in the same transaction (the failure's e-mail).
   */
  async finish(
    g: ScheduledGift, occurrence: number, status: 'paid' | 'failed', failureCode: string | null, graceEndsAt: Date | null = null,
    also?: (m: EntityManager) => Promise<void>,
  ): Promise<boolean> {
    return this.dataSource.transaction(async (m) => {
      const changed: unknown[] = await m.query(
        `UPDATE scheduled_charges SET status = $3, failure_code = $4, grace_ends_at = $5, updated_at = now()
         WHERE scheduled_gift_id = $1 AND occurrence = $2 AND status = 'charging' RETURNING occurrence`,
        [g.id, occurrence, status, failureCode, graceEndsAt?.toISOString() ?? null],
      );
      if (changed.length > 0 && also) await also(m);
      // The last occurrence done: the series is complete.
      await m.query(
        `UPDATE scheduled_gifts SET status = 'completed', updated_at = now() WHERE id = $1 AND status = 'active'
           AND NOT EXISTS (SELECT 1 FROM scheduled_charges WHERE scheduled_gift_id = $1 AND status IN ('planned', 'charging'))`,
        [g.id],
      );
      return changed.length > 0;
    });
  }
}
