import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import type { Occurrence, ScheduleKind } from '../domain/scheduled-series.js';

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
  donorEmail: string;
  anonymous: boolean;
  locale: 'en' | 'ar';
  stripeCustomerId: string | null;
  stripePaymentMethodId: string | null;
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
});

/** The only code touching `scheduled_gifts` and `scheduled_charges`, and the gifts their charges become. */
@Injectable()
export class ScheduledGiftsRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** The series and its planned occurrences, in one transaction. */
  async insert(g: Omit<ScheduledGift, 'status' | 'stripeCustomerId' | 'stripePaymentMethodId'>, occurrences: readonly Occurrence[]): Promise<void> {
    await this.dataSource.transaction(async (m) => {
      await m.query(
        `INSERT INTO scheduled_gifts (id, campaign_id, organization_id, currency, amount, kind, weeks, time_zone, platform_fee_bps, donor_name, donor_email, anonymous, locale)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
        [g.id, g.campaignId, g.organizationId, g.currency, g.amount.toString(), g.kind, g.weeks, g.timeZone, g.platformFeeBps, g.donorName, g.donorEmail, g.anonymous, g.locale],
      );
      await m.query(
        `INSERT INTO scheduled_charges (scheduled_gift_id, occurrence, local_date, charge_at)
         SELECT $1, o, d::date, t FROM unnest($2::int[], $3::text[], $4::timestamptz[]) AS x(o, d, t)`,
        [g.id, occurrences.map((o) => o.index), occurrences.map((o) => o.localDate), occurrences.map((o) => o.chargeAt.toISOString())],
      );
    });
  }

  async find(id: string): Promise<ScheduledGift | null> {
    if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(id)) return null;
    const [row] = await this.dataSource.query(`SELECT * FROM scheduled_gifts WHERE id = $1`, [id]);
    return row ? toGift(row) : null;
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
       WHERE c.status IN ('planned', 'charging') AND c.charge_at <= $1 AND g.status = 'active'
         AND (c.status = 'charging' OR (k.status = 'published' AND k.suspension_reason IS NULL AND (k.ends_at IS NULL OR k.ends_at > $1)))
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
      `INSERT INTO donations (id, campaign_id, organization_id, currency, amount, chosen_amount, covered_fees, platform_fee_bps, donor_name, donor_email, anonymous, public_message, locale)
       VALUES ($1, $2, $3, $4, $5, $5, 0, $6, $7, $8, $9, NULL, $10)`,
      [donationId, g.campaignId, g.organizationId, g.currency, g.amount.toString(), g.platformFeeBps, g.donorName, g.donorEmail, g.anonymous, g.locale],
    );
    await m.query(`UPDATE scheduled_charges SET status = 'charging', donation_id = $3, updated_at = now() WHERE scheduled_gift_id = $1 AND occurrence = $2`, [g.id, occurrence, donationId]);
    return donationId;
  }

  async linkPaymentIntent(m: EntityManager, g: ScheduledGift, occurrence: number, donationId: string, paymentIntentId: string): Promise<void> {
    await m.query(`UPDATE scheduled_charges SET stripe_payment_intent_id = $3, updated_at = now() WHERE scheduled_gift_id = $1 AND occurrence = $2`, [g.id, occurrence, paymentIntentId]);
    await m.query(`UPDATE donations SET stripe_payment_intent_id = coalesce(stripe_payment_intent_id, $2), updated_at = now() WHERE id = $1`, [donationId, paymentIntentId]);
  }

  async finish(g: ScheduledGift, occurrence: number, status: 'paid' | 'failed', failureCode: string | null): Promise<void> {
    await this.dataSource.transaction(async (m) => {
      await m.query(
        `UPDATE scheduled_charges SET status = $3, failure_code = $4, updated_at = now() WHERE scheduled_gift_id = $1 AND occurrence = $2 AND status = 'charging'`,
        [g.id, occurrence, status, failureCode],
      );
      // The last occurrence done: the series is complete.
      await m.query(
        `UPDATE scheduled_gifts SET status = 'completed', updated_at = now() WHERE id = $1 AND status = 'active'
           AND NOT EXISTS (SELECT 1 FROM scheduled_charges WHERE scheduled_gift_id = $1 AND status IN ('planned', 'charging'))`,
        [g.id],
      );
    });
  }
}
