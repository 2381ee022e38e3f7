import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import type { FailureFact, SeriesFact } from '../domain/recurring-figures.js';
import type { RecurringEndReason, RecurringInterval, RecurringStatus } from '../domain/recurring-gift.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export interface RecurringGift {
  id: string;
  campaignId: string;
  organizationId: string;
  currency: string;
  amount: bigint;
  interval: RecurringInterval;
  status: RecurringStatus;
  platformFeeBps: number;
  donorName: string | null;
  /** NULL once the donor's data was erased (docs/privacy.md): nothing is mailed to the series then. */
  donorEmail: string | null;
  anonymous: boolean;
  publicMessage: string | null;
  messageReview: string | null;
  locale: 'en' | 'ar';
  endsAt: Date | null;
  maxPayments: number | null;
  paymentsCount: number;
  stripeCheckoutSessionId: string | null;
  stripeSubscriptionId: string | null;
  stripeCustomerId: string | null;
  endReason: RecurringEndReason | null;
  endedAt: Date | null;
  movedFromCampaignId: string | null;
  createdAt: Date;
  /** Every payment's designation (null: the campaign declared none, so general). */
  designation: string | null;
  /** The donor ticked "e-mail me this campaign's updates": every payment's gift carries it (the update mailer reads gifts). */
  updatesOptIn: boolean;
}

export type NewRecurringGift = Pick<RecurringGift, 'id' | 'campaignId' | 'organizationId' | 'currency' | 'amount' | 'interval' | 'platformFeeBps' | 'donorName'
  | 'anonymous' | 'publicMessage' | 'messageReview' | 'locale' | 'endsAt' | 'maxPayments' | 'designation' | 'updatesOptIn'> & { donorEmail: string };

export interface OrganizationSeries extends RecurringGift {
  campaignTitle: string;
  lastPaidAt: Date | null;
}

export interface OrganizationFailure {
  recurringGiftId: string;
  campaignId: string;
  campaignTitle: string;
  donorName: string | null;
  donorEmail: string | null;
  seriesStatus: RecurringStatus;
  invoiceId: string;
  attempt: number;
  amount: bigint;
  currency: string;
  willRetry: boolean;
  recovered: boolean;
  failedAt: Date;
}

function toGift(r: Record<string, any>): RecurringGift {
  return {
    id: r.id, campaignId: r.campaign_id, organizationId: r.organization_id, currency: r.currency, amount: BigInt(r.amount), interval: r.interval, status: r.status,
    platformFeeBps: r.platform_fee_bps, donorName: r.donor_name, donorEmail: r.donor_email, anonymous: r.anonymous, publicMessage: r.public_message,
    messageReview: r.message_review, locale: r.locale, endsAt: r.ends_at, maxPayments: r.max_payments, paymentsCount: r.payments_count,
    stripeCheckoutSessionId: r.stripe_checkout_session_id, stripeSubscriptionId: r.stripe_subscription_id, stripeCustomerId: r.stripe_customer_id,
    endReason: r.end_reason, endedAt: r.ended_at, movedFromCampaignId: r.moved_from_campaign_id ?? null, createdAt: r.created_at,
    designation: r.designation ?? null, updatesOptIn: r.updates_opt_in === true,
  };
}

/** The only code touching `recurring_gifts` rows, and the donations a series' paid invoices become. */
@Injectable()
export class RecurringGiftsRepository {
  constructor(private readonly dataSource: DataSource) {}

  async insert(g: NewRecurringGift): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO recurring_gifts (id, campaign_id, organization_id, currency, amount, interval, platform_fee_bps, donor_name, donor_email, anonymous,
         public_message, message_review, locale, ends_at, max_payments, designation, updates_opt_in)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)`,
      [g.id, g.campaignId, g.organizationId, g.currency, g.amount.toString(), g.interval, g.platformFeeBps, g.donorName, g.donorEmail, g.anonymous,
        g.publicMessage, g.messageReview, g.locale, g.endsAt?.toISOString() ?? null, g.maxPayments, g.designation, g.updatesOptIn],
    );
  }

  async find(id: string | null | undefined, manager: EntityManager = this.dataSource.manager, lock = false): Promise<RecurringGift | null> {
    if (!id || !UUID.test(id)) return null;
    const [row] = await manager.query(`SELECT * FROM recurring_gifts WHERE id = $1${lock ? ' FOR UPDATE' : ''}`, [id]);
    return row ? toGift(row) : null;
  }

  async findBySubscription(subscriptionId: string): Promise<RecurringGift | null> {
    const [row] = await this.dataSource.query(`SELECT * FROM recurring_gifts WHERE stripe_subscription_id = $1`, [subscriptionId]);
    return row ? toGift(row) : null;
  }

  /** The donor's series (by the address they gave), newest first. */
  async listForEmail(email: string): Promise<(RecurringGift & { campaignTitle: string; campaignSlug: string })[]> {
    const rows: Record<string, any>[] = await this.dataSource.query(
      `SELECT g.*, c.title AS campaign_title, c.slug AS campaign_slug FROM recurring_gifts g JOIN campaigns c ON c.id = g.campaign_id
       WHERE lower(g.donor_email) = lower($1) AND g.status <> 'pending' ORDER BY g.created_at DESC LIMIT 200`,
      [email],
    );
    return rows.map((r) => ({ ...toGift(r), campaignTitle: r.campaign_title, campaignSlug: r.campaign_slug }));
  }

  async setCheckoutSession(id: string, sessionId: string, customerId: string | null): Promise<void> {
    await this.dataSource.query(`UPDATE recurring_gifts SET stripe_checkout_session_id = $2, stripe_customer_id = coalesce(stripe_customer_id, $3), updated_at = now() WHERE id = $1`, [id, sessionId, customerId]);
  }

  /** Links the series to its Stripe subscription (the first event that names it). */
  async link(manager: EntityManager, id: string, subscriptionId: string, customerId: string | null): Promise<void> {
    await manager.query(
      `UPDATE recurring_gifts SET stripe_subscription_id = coalesce(stripe_subscription_id, $2), stripe_customer_id = coalesce(stripe_customer_id, $3), updated_at = now() WHERE id = $1`,
      [id, subscriptionId, customerId],
    );
  }

  async setStatus(manager: EntityManager, id: string, status: RecurringStatus, endReason: RecurringEndReason | null): Promise<void> {
    await manager.query(
      `UPDATE recurring_gifts SET status = $2, end_reason = CASE WHEN $2 IN ('cancelled', 'ended') THEN coalesce(end_reason, $3) ELSE end_reason END,
         ended_at = CASE WHEN $2 IN ('cancelled', 'ended') THEN coalesce(ended_at, now()) ELSE NULL END, updated_at = now()
       WHERE id = $1 AND status NOT IN ('cancelled', 'ended')`,
      [id, status, endReason],
    );
  }

  /** Records the reason we are about to stop the series for (before asking Stripe), so its deletion event names it. */
  async setEndReason(manager: EntityManager, id: string, reason: RecurringEndReason): Promise<void> {
    await manager.query(`UPDATE recurring_gifts SET end_reason = coalesce(end_reason, $2), updated_at = now() WHERE id = $1`, [id, reason]);
  }

  async setAmount(manager: EntityManager, id: string, amount: bigint): Promise<void> {
    await manager.query(`UPDATE recurring_gifts SET amount = $2, updated_at = now() WHERE id = $1`, [id, amount.toString()]);
  }

  /** The number of the series' gifts that settled (paid invoices), stored on the series. */
  async countPayments(manager: EntityManager, id: string): Promise<number> {
    const [row] = await manager.query(
      `UPDATE recurring_gifts g SET payments_count = (SELECT count(*)::int FROM donations d WHERE d.recurring_gift_id = g.id AND d.settled_at IS NOT NULL), updated_at = now()
       WHERE g.id = $1 RETURNING payments_count`,
      [id],
    );
    return row?.[0]?.payments_count ?? row?.payments_count ?? 0;
  }

  /**
   * The donation an invoice of the series becomes (made once: the invoice id is unique), with the
   * series' donor and text, the invoice's amount and currency, and the PaymentIntent that paid it
   * (how the invoice's charge events find it). A series erased before (no address) makes a gift
   * erased from the start (the donations CHECK: no address unless erased).
   */
  async ensureInvoiceGift(
    manager: EntityManager, g: RecurringGift, input: { id: string; invoiceId: string; paymentIntentId: string; amount: bigint; currency: string },
  ): Promise<string> {
    await manager.query(
      `INSERT INTO donations (id, campaign_id, organization_id, currency, amount, chosen_amount, covered_fees, platform_fee_bps, donor_name, donor_email,
         anonymous, public_message, locale, message_review, recurring_gift_id, stripe_invoice_id, stripe_payment_intent_id, designation, updates_opt_in, erased_at)
       VALUES ($1, $2, $3, $4, $5, $5, 0, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, CASE WHEN $8::text IS NULL THEN now() END)
       ON CONFLICT (stripe_invoice_id) DO NOTHING`,
      [input.id, g.campaignId, g.organizationId, input.currency, input.amount.toString(), g.platformFeeBps, g.donorName, g.donorEmail, g.anonymous,
        g.publicMessage, g.locale, g.messageReview, g.id, input.invoiceId, input.paymentIntentId, g.designation, g.updatesOptIn],
    );
    const [row] = await manager.query(`SELECT id FROM donations WHERE stripe_invoice_id = $1`, [input.invoiceId]);
    return row.id;
  }

  /** Live series of campaigns that no longer take gifts (ended, cancelled): the close-out stops them. */
  async liveOfClosedCampaigns(limit: number, campaignId?: string): Promise<string[]> {
    const rows: { id: string }[] = await this.dataSource.query(
      `SELECT g.id FROM recurring_gifts g JOIN campaigns c ON c.id = g.campaign_id
       WHERE g.status NOT IN ('cancelled', 'ended') AND c.status IN ('ended', 'cancelled') AND ($2::uuid IS NULL OR g.campaign_id = $2)
       ORDER BY g.created_at LIMIT $1`,
      [limit, campaignId ?? null],
    );
    return rows.map((r) => r.id);
  }

  /** Series behind these donations (the erasure's first step). */
  async liveForDonations(donationIds: readonly string[], seriesIds: readonly string[] = []): Promise<string[]> {
    const rows: { id: string }[] = await this.dataSource.query(
      `SELECT DISTINCT g.id FROM recurring_gifts g
       WHERE (g.id IN (SELECT recurring_gift_id FROM donations WHERE id = ANY($1::uuid[])) OR g.id = ANY($2::uuid[]))
         AND g.status NOT IN ('cancelled', 'ended')`,
      [donationIds.filter((id) => UUID.test(id)), seriesIds.filter((id) => UUID.test(id))],
    );
    return rows.map((r) => r.id);
  }

  /** A failed attempt to pay an invoice of the series (once per invoice and attempt), in the caller's transaction. */
  async recordFailure(
    manager: EntityManager, g: RecurringGift, input: { invoiceId: string; attempt: number; amount: bigint; currency: string; willRetry: boolean },
  ): Promise<void> {
    await manager.query(
      `INSERT INTO recurring_payment_failures (recurring_gift_id, organization_id, campaign_id, stripe_invoice_id, attempt, amount, currency, will_retry)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (stripe_invoice_id, attempt) DO NOTHING`,
      [g.id, g.organizationId, g.campaignId, input.invoiceId, input.attempt, input.amount.toString(), input.currency, input.willRetry],
    );
  }

  /**
   * The facts of the organization's figures: every series that got past Checkout (started: its first
   * gift's settlement) and the failed attempts since `since`, with whether the invoice was paid later.
   */
  async figureFacts(organizationId: string, since: Date): Promise<{ series: SeriesFact[]; failures: FailureFact[] }> {
    // An erased series (no address) counts as a donor of its own.
    const series: Record<string, any>[] = await this.dataSource.query(
      `SELECT coalesce(lower(g.donor_email), 'erased:' || g.id::text) AS donor, g.interval, g.amount::text AS amount, g.currency, g.status, g.ended_at, g.end_reason,
         (SELECT min(d.settled_at) FROM donations d WHERE d.recurring_gift_id = g.id AND d.settled_at IS NOT NULL) AS started_at
       FROM recurring_gifts g WHERE g.organization_id = $1 AND g.status <> 'pending'`,
      [organizationId],
    );
    const failures: Record<string, any>[] = await this.dataSource.query(
      `SELECT f.recurring_gift_id, f.amount::text AS amount, f.currency, f.failed_at,
         EXISTS (SELECT 1 FROM donations d WHERE d.stripe_invoice_id = f.stripe_invoice_id AND d.settled_at IS NOT NULL) AS recovered
       FROM recurring_payment_failures f WHERE f.organization_id = $1 AND f.failed_at >= $2`,
      [organizationId, since.toISOString()],
    );
    return {
      series: series.map((r) => ({
        donor: r.donor, interval: r.interval, amount: BigInt(r.amount), currency: r.currency, status: r.status,
        startedAt: r.started_at, endedAt: r.ended_at, endReason: r.end_reason,
      })),
      failures: failures.map((r) => ({ recurringGiftId: r.recurring_gift_id, amount: BigInt(r.amount), currency: r.currency, failedAt: r.failed_at, recovered: r.recovered })),
    };
  }

  /** The organization's series (its recurring donors), newest first, keyset-paged on (created_at, id). */
  async listForOrganization(
    organizationId: string, filter: { status: RecurringStatus | null; limit: number; after: { createdAt: Date; id: string } | null },
  ): Promise<OrganizationSeries[]> {
    const rows: Record<string, any>[] = await this.dataSource.query(
      `SELECT g.*, c.title AS campaign_title, (SELECT max(d.settled_at) FROM donations d WHERE d.recurring_gift_id = g.id AND d.settled_at IS NOT NULL) AS last_paid_at
       FROM recurring_gifts g JOIN campaigns c ON c.id = g.campaign_id
       WHERE g.organization_id = $1 AND g.status <> 'pending' AND ($2::text IS NULL OR g.status = $2)
         AND ($3::timestamptz IS NULL OR (g.created_at, g.id) < ($3::timestamptz, $4::uuid))
       ORDER BY g.created_at DESC, g.id DESC LIMIT $5`,
      [organizationId, filter.status, filter.after?.createdAt.toISOString() ?? null, filter.after?.id ?? null, filter.limit],
    );
    return rows.map((r) => ({ ...toGift(r), campaignTitle: r.campaign_title, lastPaidAt: r.last_paid_at }));
  }

  /** The organization's failed attempts in a period, newest first. */
  async failuresForOrganization(organizationId: string, from: Date, to: Date, limit: number): Promise<OrganizationFailure[]> {
    const rows: Record<string, any>[] = await this.dataSource.query(
      `SELECT f.*, f.amount::text AS amount_text, g.donor_name, g.donor_email, g.status AS series_status, c.title AS campaign_title,
         EXISTS (SELECT 1 FROM donations d WHERE d.stripe_invoice_id = f.stripe_invoice_id AND d.settled_at IS NOT NULL) AS recovered
       FROM recurring_payment_failures f JOIN recurring_gifts g ON g.id = f.recurring_gift_id JOIN campaigns c ON c.id = f.campaign_id
       WHERE f.organization_id = $1 AND f.failed_at >= $2 AND f.failed_at < $3
       ORDER BY f.failed_at DESC, f.id DESC LIMIT $4`,
      [organizationId, from.toISOString(), to.toISOString(), limit],
    );
    return rows.map((r) => ({
      recurringGiftId: r.recurring_gift_id, campaignId: r.campaign_id, campaignTitle: r.campaign_title, donorName: r.donor_name, donorEmail: r.donor_email,
      seriesStatus: r.series_status, invoiceId: r.stripe_invoice_id, attempt: r.attempt, amount: BigInt(r.amount_text), currency: r.currency,
      willRetry: r.will_retry, recovered: r.recovered, failedAt: r.failed_at,
    }));
  }

  /** The organization's general fund campaign (recurring_settings), or null. */
  async generalFundOf(organizationId: string): Promise<string | null> {
    const [row] = await this.dataSource.query(`SELECT general_fund_campaign_id FROM recurring_settings WHERE organization_id = $1`, [organizationId]);
    return row?.general_fund_campaign_id ?? null;
  }

  async setGeneralFund(manager: EntityManager, organizationId: string, campaignId: string | null): Promise<void> {
    await manager.query(
      `INSERT INTO recurring_settings (organization_id, general_fund_campaign_id) VALUES ($1, $2)
       ON CONFLICT (organization_id) DO UPDATE SET general_fund_campaign_id = EXCLUDED.general_fund_campaign_id, updated_at = now()`,
      [organizationId, campaignId],
    );
  }

  /**
   * Moves a live series from its closed campaign to the general fund (future gifts post there, with
   * the fund's platform fee); answers false when it is no longer live or no longer on that campaign.
   * The opt-in is dropped: the donor asked for the closed campaign's updates, not the fund's.
   */
  async move(manager: EntityManager, id: string, fromCampaignId: string, toCampaignId: string, platformFeeBps: number, designation: string | null): Promise<boolean> {
    const rows: unknown[] = await manager.query(
      `UPDATE recurring_gifts SET campaign_id = $3, platform_fee_bps = $4, designation = $5, updates_opt_in = false, moved_from_campaign_id = campaign_id, moved_at = now(), updated_at = now()
       WHERE id = $1 AND campaign_id = $2 AND status NOT IN ('cancelled', 'ended') RETURNING id`,
      [id, fromCampaignId, toCampaignId, platformFeeBps, designation],
    );
    return rows.length > 0;
  }

  /** What a receipt of the series' gift needs: the series id when the donation belongs to one. */
  async seriesOfDonation(donationId: string): Promise<string | null> {
    const [row] = await this.dataSource.query(`SELECT recurring_gift_id FROM donations WHERE id = $1`, [donationId]);
    return row?.recurring_gift_id ?? null;
  }
}
