import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import type { Queryable } from '@ataa/database';
import type { DonationStatus } from '../domain/donation-status.js';

/** A gift about to open its Checkout Session (a donor's, or a sponsor's payment of a matching offer). */
export interface NewPendingDonation {
  id: string;
  campaignId: string;
  organizationId: string;
  currency: string;
  amount: bigint;
  chosenAmount: bigint;
  coveredFees: bigint;
  platformFeeBps: number;
  donorName: string | null;
  donorEmail: string;
  anonymous: boolean;
  publicMessage: string | null;
  locale: string;
  messageReview: 'held' | null;
  updatesOptIn: boolean;
  designation: string | null;
}

/** The dashboard's gift list filter as SQL sees it (the cursor already decoded). */
export interface DonationPageQuery {
  organizationId: string;
  campaignId?: string;
  status?: DonationStatus[];
  createdFrom?: Date;
  createdTo?: Date;
  /** Only anonymous gifts (true) or only named ones (false). */
  anonymous?: boolean;
  /** With `amountMin` / `amountMax`: the gifts in this currency whose amount charged lies in the range (minor units, inclusive). */
  currency?: string;
  amountMin?: bigint;
  amountMax?: bigint;
  /** (created_at, id) of the last row of the previous page. */
  after?: [string, string];
  /** Rows to read (the page and one more, to know whether another follows). */
  limit: number;
}

/** Gifts (`donations`) as checkout, the dashboard, receipts and the public page read and write them. */
@Injectable()
export class DonationRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Records a pending gift before its Checkout Session is created. */
  async insertPending(d: NewPendingDonation): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO donations (id, campaign_id, organization_id, currency, amount, chosen_amount, covered_fees, platform_fee_bps,
         donor_name, donor_email, anonymous, public_message, locale, message_review, updates_opt_in, designation)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)`,
      [d.id, d.campaignId, d.organizationId, d.currency, d.amount.toString(), d.chosenAmount.toString(), d.coveredFees.toString(),
        d.platformFeeBps, d.donorName, d.donorEmail, d.anonymous, d.publicMessage, d.locale, d.messageReview, d.updatesOptIn, d.designation],
    );
  }

  /** Links the gift to its Checkout Session (and payment intent, unless one is linked already). */
  async linkCheckoutSession(donationId: string, sessionId: string, paymentIntentId: string | null): Promise<void> {
    await this.dataSource.query(
      `UPDATE donations SET stripe_checkout_session_id = $2, stripe_payment_intent_id = coalesce(stripe_payment_intent_id, $3) WHERE id = $1`,
      [donationId, sessionId, paymentIntentId],
    );
  }

  /** A sponsor's payment of a matching offer, in the caller's transaction: never anonymous, no public message, `chosen_amount` = `amount`, no covered fees. */
  async insertSponsorPayment(
    manager: EntityManager,
    d: { id: string; campaignId: string; organizationId: string; currency: string; amount: bigint; platformFeeBps: number; sponsorName: string; email: string; locale: string; designation: string | null },
  ): Promise<void> {
    await manager.query(
      `INSERT INTO donations (id, campaign_id, organization_id, currency, amount, chosen_amount, covered_fees, platform_fee_bps,
         donor_name, donor_email, anonymous, public_message, locale, message_review, updates_opt_in, designation)
       VALUES ($1, $2, $3, $4, $5, $5, 0, $6, $7, $8, false, NULL, $9, NULL, false, $10)`,
      [d.id, d.campaignId, d.organizationId, d.currency, d.amount.toString(), d.platformFeeBps, d.sponsorName, d.email, d.locale, d.designation],
    );
  }

  /** Links a sponsor's payment to its Checkout Session once (a retry finds it linked and leaves it). */
  async linkCheckoutSessionOnce(donationId: string, sessionId: string, paymentIntentId: string | null): Promise<void> {
    await this.dataSource.query(
      `UPDATE donations SET stripe_checkout_session_id = $2, stripe_payment_intent_id = coalesce(stripe_payment_intent_id, $3) WHERE id = $1 AND stripe_checkout_session_id IS NULL`,
      [donationId, sessionId, paymentIntentId],
    );
  }

  /** The campaign's current platform fee (a new gift's rate), in the caller's transaction. */
  async campaignPlatformFeeBps(manager: EntityManager, campaignId: string): Promise<number> {
    const [fees] = await manager.query(`SELECT platform_fee_bps FROM campaigns WHERE id = $1`, [campaignId]);
    return fees.platform_fee_bps;
  }

  /** The e-mail and designation a gift was recorded with. */
  async donorEmailAndDesignation(donationId: string): Promise<{ donor_email: string; designation: string | null }> {
    const [row] = await this.dataSource.query(`SELECT donor_email, designation FROM donations WHERE id = $1`, [donationId]);
    return row;
  }

  /** A dashboard user's e-mail (where a sponsor's receipt goes when none is given), or null. */
  async userEmail(userId: string): Promise<string | null> {
    const [r] = await this.dataSource.query(`SELECT email FROM users WHERE id = $1`, [userId]);
    return r?.email ?? null;
  }

  /** One page of the organization's gifts, newest first (keyset on (created_at, id)). */
  async page(q: DonationPageQuery): Promise<Record<string, any>[]> {
    const where = ['organization_id = $1'];
    const params: unknown[] = [q.organizationId];
    const add = (sql: string, value: unknown) => {
      params.push(value);
      where.push(sql.replace('?', `$${params.length}`));
    };
    if (q.campaignId) add('campaign_id = ?', q.campaignId);
    if (q.status?.length) add('status = ANY(?)', q.status);
    if (q.createdFrom) add('created_at >= ?', q.createdFrom);
    if (q.createdTo) add('created_at < ?', q.createdTo);
    if (q.anonymous !== undefined) add('anonymous = ?', q.anonymous);
    if (q.currency) add('currency = ?', q.currency);
    if (q.amountMin !== undefined) add('amount >= ?', q.amountMin.toString());
    if (q.amountMax !== undefined) add('amount <= ?', q.amountMax.toString());
    if (q.after) {
      const [at, id] = q.after;
      params.push(at, id);
      where.push(`(created_at, id) < ($${params.length - 1}::timestamptz, $${params.length}::uuid)`);
    }
    params.push(q.limit);
    return this.dataSource.query(
      `SELECT * FROM donations WHERE ${where.join(' AND ')} ORDER BY created_at DESC, id DESC LIMIT $${params.length}`, params,
    );
  }

  /** A gift of the organization, or null. */
  async findForOrganization(donationId: string, organizationId: string): Promise<Record<string, any> | null> {
    const [row] = await this.dataSource.query(`SELECT * FROM donations WHERE id = $1 AND organization_id = $2`, [donationId, organizationId]);
    return row ?? null;
  }

  /** A gift of the campaign, or null. */
  async findForCampaign(donationId: string, campaignId: string): Promise<Record<string, any> | null> {
    const [row] = await this.dataSource.query(`SELECT * FROM donations WHERE id = $1 AND campaign_id = $2`, [donationId, campaignId]);
    return row ?? null;
  }

  /** A gift's refunds, oldest first. */
  async refundsOf(donationId: string): Promise<Record<string, any>[]> {
    return this.dataSource.query(`SELECT * FROM donation_refunds WHERE donation_id = $1 ORDER BY created_at`, [donationId]);
  }

  /** A gift's disputes, oldest first. */
  async disputesOf(donationId: string): Promise<{ stripe_dispute_id: string; amount: string; status: string; outcome: string | null; reason: string | null; created_at: Date }[]> {
    return this.dataSource.query(
      `SELECT stripe_dispute_id, amount::text, status, outcome, reason, created_at FROM donation_disputes WHERE donation_id = $1 ORDER BY created_at`, [donationId],
    );
  }

  /** The campaign's latest settled gifts not refunded nor lost to a dispute (what the public page may show of them). */
  async recentSettled(campaignId: string, limit: number, db: Queryable = this.dataSource): Promise<Record<string, any>[]> {
    return db.query(
      `SELECT donor_name, anonymous, chosen_amount::text, currency, public_message, settled_at, public_leaf_index::text AS entry_index, message_review FROM donations
       WHERE campaign_id = $1 AND settled_at IS NOT NULL AND status NOT IN ('refunded', 'dispute_lost')
       ORDER BY settled_at DESC LIMIT $2`,
      [campaignId, limit],
    );
  }

  /** Received per currency (less refunds and disputes lost): since the week's and the month's starts, and in total. */
  async receivedByCurrency(organizationId: string, weekStart: Date, monthStart: Date): Promise<Record<string, any>[]> {
    const net = `(amount - refunded_amount - disputed_amount)`;
    return this.dataSource.query(
      `SELECT currency,
              coalesce(sum(${net}) FILTER (WHERE settled_at >= $2), 0)::text AS week,
              coalesce(sum(${net}) FILTER (WHERE settled_at >= $3), 0)::text AS month,
              coalesce(sum(${net}), 0)::text AS total,
              count(*)::int AS gifts
         FROM donations WHERE organization_id = $1 AND settled_at IS NOT NULL
        GROUP BY currency ORDER BY currency`,
      [organizationId, weekStart, monthStart],
    );
  }

  /** Distinct donor addresses of the organization's settled gifts. */
  async distinctDonors(organizationId: string): Promise<number | undefined> {
    const [donors] = await this.dataSource.query(
      `SELECT count(DISTINCT lower(donor_email))::int AS n FROM donations WHERE organization_id = $1 AND settled_at IS NOT NULL AND donor_email IS NOT NULL`,
      [organizationId],
    );
    return donors?.n;
  }

  /** Settled gifts per UTC day since `from`. */
  async settledPerDay(organizationId: string, from: Date): Promise<Record<string, any>[]> {
    return this.dataSource.query(
      `SELECT to_char(settled_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day, count(*)::int AS gifts
         FROM donations WHERE organization_id = $1 AND settled_at >= $2 GROUP BY 1 ORDER BY 1`,
      [organizationId, from],
    );
  }

  /** A refund that succeeded (a refund notice's subject), or null. */
  async succeededRefund(refundId: string): Promise<Record<string, any> | null> {
    const [r] = await this.dataSource.query(`SELECT * FROM donation_refunds WHERE id = $1 AND status = 'succeeded'`, [refundId]);
    return r ?? null;
  }

  /** A gift's amount and what was refunded of it (text), or undefined. */
  async refundedAmounts(donationId: string): Promise<Record<string, any> | undefined> {
    const [d] = await this.dataSource.query(`SELECT amount::text, refunded_amount::text FROM donations WHERE id = $1`, [donationId]);
    return d;
  }

  /** A settled, not erased gift with what its receipt names (campaign, organization, recurring or scheduled series), or null. */
  async forReceipt(donationId: string): Promise<Record<string, any> | null> {
    const [row] = await this.dataSource.query(
      `SELECT d.*, c.title AS campaign_title, c.language AS campaign_language, o.name AS organization_name, g.interval AS recurring_interval,
              (SELECT sc.scheduled_gift_id FROM scheduled_charges sc WHERE sc.donation_id = d.id) AS scheduled_gift_id
       FROM donations d JOIN campaigns c ON c.id = d.campaign_id JOIN organizations o ON o.id = d.organization_id
       LEFT JOIN recurring_gifts g ON g.id = d.recurring_gift_id
       WHERE d.id = $1 AND d.settled_at IS NOT NULL AND d.erased_at IS NULL`,
      [donationId],
    );
    return row ?? null;
  }
}
