import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import type { CloseOutDecision, CloseOutItemStatus, CloseOutReason, CloseOutStatus, ItemsTally, PlannedItem } from '../domain/closeout.js';
import { Donation, DonationRefund, toDonation, toRefund } from './donation.row.js';

export interface CloseOutProgress {
  campaignId: string;
  organizationId: string;
  fundingModel: 'flexible' | 'all_or_nothing';
  decision: CloseOutDecision;
  reason: CloseOutReason;
  status: CloseOutStatus;
  currency: string;
  goalAmount: bigint;
  raisedAmount: bigint;
  total: number;
  refunded: number;
  failed: number;
  skipped: number;
  totalAmount: bigint;
  refundedAmount: bigint;
  batches: number;
  startedAt: Date;
  finishedAt: Date | null;
}

export interface CloseOutItem {
  donationId: string;
  seq: number;
  amount: bigint;
  status: CloseOutItemStatus;
  refundId: string | null;
  attempts: number;
  lastError: string | null;
}

/** The campaign as the close-out decision reads it (locked FOR UPDATE). */
export interface CloseOutCampaignRow {
  id: string;
  organizationId: string;
  fundingModel: 'flexible' | 'all_or_nothing';
  status: string;
  goalAmount: bigint;
  currency: string;
}

export interface NewCloseOut {
  campaignId: string;
  organizationId: string;
  fundingModel: 'flexible' | 'all_or_nothing';
  decision: CloseOutDecision;
  reason: CloseOutReason;
  currency: string;
  goalAmount: bigint;
  raised: bigint;
  status: CloseOutStatus;
}

const toProgress = (r: Record<string, any>): CloseOutProgress => ({
  campaignId: r.campaign_id, organizationId: r.organization_id, fundingModel: r.funding_model, decision: r.decision, reason: r.reason, status: r.status,
  currency: r.currency, goalAmount: BigInt(r.goal_amount), raisedAmount: BigInt(r.raised_amount), total: r.total, refunded: r.refunded, failed: r.failed,
  skipped: r.skipped, totalAmount: BigInt(r.total_amount), refundedAmount: BigInt(r.refunded_amount), batches: r.batches, startedAt: r.started_at,
  finishedAt: r.finished_at,
});

const toItem = (r: Record<string, any>): CloseOutItem => ({
  donationId: r.donation_id, seq: r.seq, amount: BigInt(r.amount), status: r.status, refundId: r.refund_id, attempts: r.attempts, lastError: r.last_error,
});

/** A close-out whose refunds partly failed. */
export interface CloseOutAttention {
  campaignId: string;
  title: string;
  failed: number;
}

/**
 * The close-out's rows: `campaign_closeouts` (the decision and counters), `campaign_closeout_items`
 * (one per gift to refund or skip), and what it reads of campaigns, gifts and refund requests to
 * find work, decide and resume. The refunds themselves go through RefundsService and DonationSyncService.
 */
@Injectable()
export class CloseOutRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Campaigns with close-out work: still running past their end date, ended or cancelled without
   * a close-out yet, a close-out not finished and idle for `idleMs`, or a refunding close-out
   * finished lately that has a gift settled after it.
   */
  async findDue(now: Date, limit: number, idleMs: number): Promise<string[]> {
    const rows: { id: string }[] = await this.dataSource.query(
      `(SELECT id FROM campaigns WHERE status IN ('published', 'paused') AND ends_at IS NOT NULL AND ends_at <= $1 ORDER BY ends_at LIMIT $2)
       UNION
       (SELECT c.id FROM campaigns c WHERE c.status IN ('ended', 'cancelled') AND c.published_at IS NOT NULL
         AND NOT EXISTS (SELECT 1 FROM campaign_closeouts o WHERE o.campaign_id = c.id) ORDER BY c.updated_at LIMIT $2)
       UNION
       (SELECT campaign_id FROM campaign_closeouts WHERE status = 'refunding' AND updated_at <= $1::timestamptz - make_interval(secs => $3::double precision / 1000)
         ORDER BY started_at LIMIT $2)
       UNION
       (SELECT c.campaign_id FROM campaign_closeouts c
         WHERE c.decision = 'refund_all' AND c.status = 'done' AND c.finished_at > $1::timestamptz - interval '3 days'
           AND EXISTS (SELECT 1 FROM donations d WHERE d.campaign_id = c.campaign_id AND d.settled_at IS NOT NULL
                         AND d.refunded_amount + d.disputed_amount < d.amount
                         AND NOT EXISTS (SELECT 1 FROM campaign_closeout_items i WHERE i.donation_id = d.id))
         LIMIT $2)`,
      [now, limit, idleMs],
    );
    return rows.map((r) => r.id);
  }

  /** The close-out of a campaign, read with the given manager (the caller's transaction) or outside one. */
  async find(campaignId: string, manager: EntityManager = this.dataSource.manager): Promise<CloseOutProgress | null> {
    const [row] = await manager.query(`SELECT * FROM campaign_closeouts WHERE campaign_id = $1`, [campaignId]);
    return row ? toProgress(row) : null;
  }

  /** The close-out of one of the organization's campaigns. */
  async findForOrganization(organizationId: string, campaignId: string): Promise<CloseOutProgress | null> {
    const [row] = await this.dataSource.query(`SELECT * FROM campaign_closeouts WHERE campaign_id = $1 AND organization_id = $2`, [campaignId, organizationId]);
    return row ? toProgress(row) : null;
  }

  /** The organization's close-outs with refunds that failed (they need someone to look), newest first. */
  async withFailures(organizationId: string, limit: number): Promise<CloseOutAttention[]> {
    const rows = await this.dataSource.query(
      `SELECT o.campaign_id, c.title, o.failed FROM campaign_closeouts o JOIN campaigns c ON c.id = o.campaign_id
        WHERE o.organization_id = $1 AND o.failed > 0 ORDER BY o.updated_at DESC LIMIT $2`, [organizationId, limit],
    );
    return rows.map((r: { campaign_id: string; title: string; failed: number }) => ({ campaignId: r.campaign_id, title: r.title, failed: Number(r.failed) }));
  }

  /** Whether payouts may go ahead: the campaign's funding model and status, and its close-out decision if any. */
  async payoutGate(campaignId: string): Promise<{ fundingModel: 'flexible' | 'all_or_nothing'; status: string; decision: CloseOutDecision | null } | null> {
    const [row] = await this.dataSource.query(
      `SELECT c.funding_model, c.status, o.decision FROM campaigns c LEFT JOIN campaign_closeouts o ON o.campaign_id = c.id WHERE c.id = $1`, [campaignId],
    );
    return row ? { fundingModel: row.funding_model, status: row.status, decision: row.decision ?? null } : null;
  }

  async items(campaignId: string): Promise<CloseOutItem[]> {
    const rows = await this.dataSource.query(`SELECT * FROM campaign_closeout_items WHERE campaign_id = $1 ORDER BY seq`, [campaignId]);
    return rows.map(toItem);
  }

  /** Items not finished (pending or submitted), lowest sequence first. */
  async openItems(campaignId: string, limit: number): Promise<CloseOutItem[]> {
    const rows = await this.dataSource.query(
      `SELECT * FROM campaign_closeout_items WHERE campaign_id = $1 AND status IN ('pending', 'submitted') ORDER BY seq LIMIT $2`,
      [campaignId, limit],
    );
    return rows.map(toItem);
  }

  /** Locks the close-out row (FOR UPDATE) and reads it. */
  async lock(m: EntityManager, campaignId: string): Promise<CloseOutProgress> {
    const [row] = await m.query(`SELECT * FROM campaign_closeouts WHERE campaign_id = $1 FOR UPDATE`, [campaignId]);
    return toProgress(row);
  }

  /** Locks the close-out row (FOR UPDATE) without reading it: gifts are planned one run at a time. */
  async lockForPlanning(m: EntityManager, campaignId: string): Promise<void> {
    await m.query(`SELECT 1 FROM campaign_closeouts WHERE campaign_id = $1 FOR UPDATE`, [campaignId]);
  }

  /** The end of a run: one batch more (or none) and the status; finished once done. */
  async finishRun(m: EntityManager, campaignId: string, batches: number, status: CloseOutStatus): Promise<CloseOutProgress> {
    // UPDATE ... RETURNING comes back from TypeORM as [rows, rowCount].
    const [[updated]] = await m.query(
      `UPDATE campaign_closeouts SET batches = batches + $2::int, status = $3::text, updated_at = now(),
         finished_at = CASE WHEN $3::text = 'done' THEN coalesce(finished_at, now()) ELSE NULL END
       WHERE campaign_id = $1 RETURNING *`,
      [campaignId, batches, status],
    );
    return toProgress(updated);
  }

  /** Locks the campaign (FOR UPDATE) for the close-out decision. */
  async lockCampaign(m: EntityManager, campaignId: string): Promise<CloseOutCampaignRow> {
    const [c] = await m.query(`SELECT id, organization_id, funding_model, status, goal_amount::text, currency FROM campaigns WHERE id = $1 FOR UPDATE`, [campaignId]);
    return { id: c.id, organizationId: c.organization_id, fundingModel: c.funding_model, status: c.status, goalAmount: BigInt(c.goal_amount), currency: c.currency };
  }

  /** The close-out row with its decision (finished at once when the money is kept). */
  async insert(m: EntityManager, c: NewCloseOut): Promise<CloseOutProgress> {
    const [row] = await m.query(
      `INSERT INTO campaign_closeouts (campaign_id, organization_id, funding_model, decision, reason, currency, goal_amount, raised_amount, status, finished_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, CASE WHEN $9 = 'done' THEN now() END) RETURNING *`,
      [c.campaignId, c.organizationId, c.fundingModel, c.decision, c.reason, c.currency, c.goalAmount.toString(), c.raised.toString(), c.status],
    );
    return toProgress(row);
  }

  /** Whether some settled gift of the campaign has no item yet (a cheap check before locking). */
  async hasUnplannedGifts(campaignId: string): Promise<boolean> {
    const rows = await this.dataSource.query(
      `SELECT 1 FROM donations d WHERE d.campaign_id = $1 AND d.settled_at IS NOT NULL
         AND NOT EXISTS (SELECT 1 FROM campaign_closeout_items i WHERE i.donation_id = d.id) LIMIT 1`,
      [campaignId],
    );
    return rows.length > 0;
  }

  /** Settled gifts without an item, oldest first (the order items are numbered in). */
  async unplannedGifts(m: EntityManager, campaignId: string): Promise<Donation[]> {
    const rows = await m.query(
      `SELECT d.* FROM donations d WHERE d.campaign_id = $1 AND d.settled_at IS NOT NULL
         AND NOT EXISTS (SELECT 1 FROM campaign_closeout_items i WHERE i.donation_id = d.id)
       ORDER BY d.settled_at, d.id`,
      [campaignId],
    );
    return rows.map(toDonation);
  }

  async lastSeq(m: EntityManager, campaignId: string): Promise<number> {
    const [{ last }] = await m.query(`SELECT coalesce(max(seq), 0)::int AS last FROM campaign_closeout_items WHERE campaign_id = $1`, [campaignId]);
    return last;
  }

  /** Adds planned items and counts them in the close-out (refunding again when any is to refund). */
  async addItems(m: EntityManager, campaignId: string, planned: readonly PlannedItem[], tally: ItemsTally): Promise<void> {
    await m.query(
      `INSERT INTO campaign_closeout_items (donation_id, campaign_id, seq, amount, status, last_error)
       SELECT * FROM unnest($2::uuid[], array_fill($1::uuid, ARRAY[$7::int]), $3::int[], $4::bigint[], $5::text[], $6::text[])`,
      [campaignId, planned.map((p) => p.donationId), planned.map((p) => p.seq), planned.map((p) => p.amount.toString()), planned.map((p) => p.status),
        planned.map((p) => p.note), planned.length],
    );
    await m.query(
      `UPDATE campaign_closeouts SET total = total + $2, skipped = skipped + $3, total_amount = total_amount + $4,
         status = CASE WHEN $2 > $3 THEN 'refunding' ELSE status END, finished_at = CASE WHEN $2 > $3 THEN NULL ELSE finished_at END, updated_at = now()
       WHERE campaign_id = $1`,
      [campaignId, tally.total, tally.skipped, tally.amount.toString()],
    );
  }

  /** Open Checkout sessions of the campaign's recent pending gifts (to expire them). */
  async openSessions(campaignId: string, limit: number): Promise<string[]> {
    const rows: { stripe_checkout_session_id: string }[] = await this.dataSource.query(
      `SELECT stripe_checkout_session_id FROM donations WHERE campaign_id = $1 AND status = 'pending' AND stripe_checkout_session_id IS NOT NULL
         AND created_at > now() - interval '2 days'
         -- A pledge's payment page (the donor completing a failed charge in the grace period) stays open.
         AND NOT EXISTS (SELECT 1 FROM pledges p WHERE p.donation_id = donations.id)
         ORDER BY created_at LIMIT $2`,
      [campaignId, limit],
    );
    return rows.map((r) => r.stripe_checkout_session_id);
  }

  /** An item whose refund's outcome is unknown: stays open (submitted) for the next run. */
  async markSubmitted(donationId: string, refundId: string | null, error: string): Promise<void> {
    await this.dataSource.query(
      `UPDATE campaign_closeout_items SET status = 'submitted', refund_id = coalesce(refund_id, $2), attempts = attempts + 1, last_error = $3, updated_at = now()
       WHERE donation_id = $1 AND status IN ('pending', 'submitted')`,
      [donationId, refundId, error],
    );
  }

  /** Records an item's outcome if it is still open; false when another run recorded it first. */
  async recordItem(m: EntityManager, donationId: string, status: CloseOutItemStatus, refundId: string | null, error: string | null): Promise<boolean> {
    const [changed] = await m.query(
      `UPDATE campaign_closeout_items SET status = $2, refund_id = coalesce($3, refund_id), attempts = attempts + 1, last_error = $4, updated_at = now()
       WHERE donation_id = $1 AND status IN ('pending', 'submitted') RETURNING amount::text, status`,
      [donationId, status, refundId, error],
    );
    return changed.length > 0;
  }

  /** Counts a finished item in the close-out (the amount: what a refunded item gave back). */
  async countClosed(m: EntityManager, campaignId: string, status: 'refunded' | 'failed' | 'skipped', refundedAmount: bigint): Promise<void> {
    await m.query(
      `UPDATE campaign_closeouts SET refunded = refunded + $1, failed = failed + $2, skipped = skipped + $3,
         refunded_amount = refunded_amount + $4, updated_at = now() WHERE campaign_id = $5`,
      [status === 'refunded' ? 1 : 0, status === 'failed' ? 1 : 0, status === 'skipped' ? 1 : 0, refundedAmount.toString(), campaignId],
    );
  }

  async refund(id: string): Promise<DonationRefund> {
    const [row] = await this.dataSource.query(`SELECT * FROM donation_refunds WHERE id = $1`, [id]);
    return toRefund(row);
  }

  async chargeOf(donationId: string): Promise<string | null> {
    const [row] = await this.dataSource.query(`SELECT stripe_charge_id FROM donations WHERE id = $1`, [donationId]);
    return row.stripe_charge_id;
  }
}
