import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Counter } from 'prom-client';
import type Stripe from 'stripe';
import { DataSource, EntityManager } from 'typeorm';
import { AppConfig } from '@ataa/config';
import { DomainError, NotFoundError } from '@ataa/common';
import { Campaign, CampaignsService } from '@ataa/campaigns';
import type { Principal } from '@ataa/organizations';
import { TransactionRunner } from '@ataa/database';
import { LedgerService } from '@ataa/ledger';
import { MetricsService } from '@ataa/observability';
import { StripeGateway } from '@ataa/payments';
import { JobProducer, QUEUES } from '@ataa/queue';
import {
  closeOutStatus, CloseOutDecision, CloseOutItemStatus, CloseOutReason, CloseOutStatus, decideCloseOut, isDue, itemStatusForRefund, mayCloseOut, nextBatch, payoutsAllowed, planItems,
} from './domain/closeout.js';
import { DonationSyncService } from './donation-sync.service.js';
import { DonationRefund, toDonation, toRefund } from './persistence/donation.row.js';
import { RefundsService } from './refunds.service.js';

/**
 * The client key the close-out refunds under: with the organization and donation ids it makes the
 * refund's id and so Stripe's idempotency key. It contains a space, which the API refuses in an
 * Idempotency-Key header, so no API client can take this refund id first.
 */
export const CLOSEOUT_REFUND_KEY = 'campaign close-out';
export const CLOSEOUT_ACTOR = 'system:close-out';

/** The job id of a campaign's close-out run (the worker's batches chain on from it); BullMQ ignores a duplicate while one waits. */
export const closeOutJobId = (campaignId: string, batch?: number) => (batch === undefined ? `closeout-${campaignId}` : `closeout-${campaignId}-b${batch}`);
/** Close-out jobs are removed when finished: the job id only deduplicates work waiting or running. */
export const CLOSEOUT_JOB_OPTIONS = { removeOnComplete: true, removeOnFail: true } as const;

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

/** What one run did: `outcome` says why nothing happened when nothing did. */
export interface CloseOutRun {
  outcome: 'not_found' | 'not_applicable' | 'not_due' | 'ran';
  progress: CloseOutProgress | null;
  /** Items handled in this run. */
  processed: number;
  /** True when open items remain: the caller schedules another batch. */
  more: boolean;
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

/**
 * Campaign close-out. At its end date a campaign ends; an all-or-nothing campaign that missed its
 * goal refunds every gift, in batches, through the same refund path as the API (RefundsService:
 * reservation under the donation lock, Stripe idempotency key derived from the donation id, ledger
 * and public ledger posted by DonationSyncService). Everything is durable in PostgreSQL, so a run
 * can be killed at any point, repeated or duplicated: the next run continues where it stopped and
 * never refunds a gift twice.
 */
@Injectable()
export class CampaignCloseOutService {
  private readonly logger = new Logger('CampaignCloseOut');
  private readonly giftsClosed: Counter<'outcome'>;

  constructor(
    private readonly dataSource: DataSource,
    private readonly tx: TransactionRunner,
    private readonly campaigns: CampaignsService,
    private readonly ledger: LedgerService,
    private readonly refunds: RefundsService,
    private readonly sync: DonationSyncService,
    private readonly stripe: StripeGateway,
    @Inject(AppConfig) private readonly config: AppConfig,
    private readonly producer: JobProducer,
    metrics: MetricsService,
  ) {
    this.giftsClosed = metrics.counter('ataa_closeout_gifts_total', 'Gifts handled by campaign close-outs, by outcome (refunded, failed, skipped)', ['outcome']);
  }

  /**
   * Ends or cancels a campaign by hand and starts its close-out at once: the same decision, batches
   * and resumability as at the end date (a cancelled campaign refunds every gift). The status change
   * is committed first; if the process dies before the job is enqueued (or Redis is down), the sweep
   * finds the ended or cancelled campaign without a close-out and starts it.
   */
  async endOrCancel(principal: Principal, campaignId: string, action: 'end' | 'cancel', version?: number): Promise<Campaign> {
    const campaign = await this.campaigns.transition(principal, campaignId, action, version);
    // A draft never took a gift: nothing to decide.
    if (campaign.publishedAt) await this.requestRun(campaign.id);
    return campaign;
  }

  /** Enqueues a close-out run for one campaign now; failures are left to the sweep (state is in PostgreSQL). */
  async requestRun(campaignId: string): Promise<boolean> {
    try {
      await this.producer.enqueue(QUEUES.campaignCloseOut, { campaignId }, { jobId: closeOutJobId(campaignId), ...CLOSEOUT_JOB_OPTIONS });
      return true;
    } catch (error) {
      this.logger.warn(`campaign ${campaignId}: close-out not enqueued (${(error as Error).message}); the sweep will start it`);
      return false;
    }
  }

  /**
   * Campaigns with close-out work: still running past their end date, ended or cancelled (by hand,
   * or a run that died before deciding) without a close-out yet, a close-out not finished
   * and idle for `idleMs` (its chain of batch jobs was lost: a worker died; a close-out pausing
   * between batches is left alone), or a refunding close-out finished lately that has a gift
   * settled after it (a Checkout session paid after the end).
   */
  async findDue(now: Date = new Date(), limit = 500, idleMs = 0): Promise<string[]> {
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

  /** Progress for the organization: 404 for another organization's campaign or one not closed out yet. */
  async progress(organizationId: string, campaignId: string): Promise<CloseOutProgress> {
    const [row] = await this.dataSource.query(`SELECT * FROM campaign_closeouts WHERE campaign_id = $1 AND organization_id = $2`, [campaignId, organizationId]);
    if (!row) {
      await this.campaigns.getForOrganization(organizationId, campaignId); // 404 when not theirs
      throw new NotFoundError('Close-out', 'closeout_not_started');
    }
    return toProgress(row);
  }

  /**
   * For payouts: 409 `campaign_not_closed_out` for an all-or-nothing campaign whose close-out has
   * not decided to keep the money (it may still have to refund every gift).
   */
  async assertPayoutsAllowed(campaignId: string): Promise<void> {
    const [row] = await this.dataSource.query(
      `SELECT c.funding_model, c.status, o.decision FROM campaigns c LEFT JOIN campaign_closeouts o ON o.campaign_id = c.id WHERE c.id = $1`, [campaignId],
    );
    if (!row) throw new NotFoundError('Campaign');
    if (!payoutsAllowed(row.funding_model, row.decision ?? null, row.status)) {
      throw new DomainError('campaign_not_closed_out', 'An all-or-nothing campaign pays out only after it ended having reached its goal', 409, { decision: row.decision ?? null });
    }
  }

  async find(campaignId: string): Promise<CloseOutProgress | null> {
    const [row] = await this.dataSource.query(`SELECT * FROM campaign_closeouts WHERE campaign_id = $1`, [campaignId]);
    return row ? toProgress(row) : null;
  }

  async items(campaignId: string): Promise<CloseOutItem[]> {
    const rows = await this.dataSource.query(`SELECT * FROM campaign_closeout_items WHERE campaign_id = $1 ORDER BY seq`, [campaignId]);
    return rows.map(toItem);
  }

  /**
   * One run for one campaign: ends it if due, takes (once) the decision, plans any gift not planned
   * yet, and refunds the next batch. Safe to repeat and to run twice at once.
   */
  async runBatch(campaignId: string, options: { now?: Date; batchSize?: number } = {}): Promise<CloseOutRun> {
    const now = options.now ?? new Date();
    const batchSize = options.batchSize ?? this.config.CLOSEOUT_BATCH_SIZE;
    const campaign = await this.campaigns.findById(campaignId);
    if (!campaign) return { outcome: 'not_found', progress: null, processed: 0, more: false };
    if (!mayCloseOut(campaign, now)) {
      return { outcome: campaign.status === 'published' || campaign.status === 'paused' ? 'not_due' : 'not_applicable', progress: await this.find(campaignId), processed: 0, more: false };
    }
    if (isDue(campaign, now)) await this.campaigns.end(campaignId, CLOSEOUT_ACTOR);

    let progress = await this.start(campaignId);
    // Ended means no more gifts, whatever the funding model: Checkout sessions still open are expired.
    await this.expireOpenSessions(campaignId, batchSize);
    if (progress.decision === 'keep') return { outcome: 'ran', progress, processed: 0, more: false };

    await this.planNewGifts(campaignId);
    const open: CloseOutItem[] = (await this.dataSource.query(
      `SELECT * FROM campaign_closeout_items WHERE campaign_id = $1 AND status IN ('pending', 'submitted') ORDER BY seq LIMIT $2`,
      [campaignId, batchSize],
    )).map(toItem);
    const batch = nextBatch(open, batchSize);
    for (const item of batch) await this.processItem(progress, item);

    progress = await this.tx.run(async (m) => {
      const [row] = await m.query(`SELECT * FROM campaign_closeouts WHERE campaign_id = $1 FOR UPDATE`, [campaignId]);
      const current = toProgress(row);
      const status = closeOutStatus(current);
      // UPDATE ... RETURNING comes back from TypeORM as [rows, rowCount].
      const [[updated]] = await m.query(
        `UPDATE campaign_closeouts SET batches = batches + $2::int, status = $3::text, updated_at = now(),
           finished_at = CASE WHEN $3::text = 'done' THEN coalesce(finished_at, now()) ELSE NULL END
         WHERE campaign_id = $1 RETURNING *`,
        [campaignId, batch.length > 0 ? 1 : 0, status],
      );
      return toProgress(updated);
    });
    if (progress.status === 'done' && batch.length > 0) {
      this.logger.log(`campaign ${campaignId} closed out: ${progress.refunded} refunded, ${progress.failed} failed, ${progress.skipped} skipped of ${progress.total}`);
    }
    return { outcome: 'ran', progress, processed: batch.length, more: progress.status !== 'done' };
  }

  /** The close-out row, created once with the decision taken from the ledger's totals at that moment. */
  private async start(campaignId: string): Promise<CloseOutProgress> {
    const existing = await this.find(campaignId);
    if (existing) return existing;
    return this.tx.run(async (m) => {
      const [c] = await m.query(`SELECT id, organization_id, funding_model, status, goal_amount::text, currency FROM campaigns WHERE id = $1 FOR UPDATE`, [campaignId]);
      const [again] = await m.query(`SELECT * FROM campaign_closeouts WHERE campaign_id = $1`, [campaignId]);
      if (again) return toProgress(again);
      const totals = await this.ledger.campaignTotals(campaignId, m);
      const money = { raised: totals?.raised ?? 0n, refunded: totals?.refunded ?? 0n, disputed: totals?.disputed ?? 0n };
      const decided = decideCloseOut({ fundingModel: c.funding_model, goalAmount: BigInt(c.goal_amount), status: c.status }, money);
      const status: CloseOutStatus = decided.decision === 'keep' ? 'done' : 'refunding';
      const [row] = await m.query(
        `INSERT INTO campaign_closeouts (campaign_id, organization_id, funding_model, decision, reason, currency, goal_amount, raised_amount, status, finished_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, CASE WHEN $9 = 'done' THEN now() END) RETURNING *`,
        [campaignId, c.organization_id, c.funding_model, decided.decision, decided.reason, c.currency, c.goal_amount, decided.raised.toString(), status],
      );
      this.logger.log(`campaign ${campaignId} close-out started: ${decided.decision} (${decided.reason}, raised ${decided.raised} of ${c.goal_amount})`);
      return toProgress(row);
    });
  }

  /** Adds an item for every settled gift not planned yet (all of them the first time; late gifts later). */
  private async planNewGifts(campaignId: string): Promise<void> {
    const unplanned = await this.dataSource.query(
      `SELECT 1 FROM donations d WHERE d.campaign_id = $1 AND d.settled_at IS NOT NULL
         AND NOT EXISTS (SELECT 1 FROM campaign_closeout_items i WHERE i.donation_id = d.id) LIMIT 1`,
      [campaignId],
    );
    if (unplanned.length === 0) return;
    const skippedNow = await this.tx.run(async (m) => {
      await m.query(`SELECT 1 FROM campaign_closeouts WHERE campaign_id = $1 FOR UPDATE`, [campaignId]);
      const rows = await m.query(
        `SELECT d.* FROM donations d WHERE d.campaign_id = $1 AND d.settled_at IS NOT NULL
           AND NOT EXISTS (SELECT 1 FROM campaign_closeout_items i WHERE i.donation_id = d.id)
         ORDER BY d.settled_at, d.id`,
        [campaignId],
      );
      const [{ last }] = await m.query(`SELECT coalesce(max(seq), 0)::int AS last FROM campaign_closeout_items WHERE campaign_id = $1`, [campaignId]);
      const planned = planItems(rows.map(toDonation), last);
      if (planned.length === 0) return 0;
      await m.query(
        `INSERT INTO campaign_closeout_items (donation_id, campaign_id, seq, amount, status, last_error)
         SELECT * FROM unnest($2::uuid[], array_fill($1::uuid, ARRAY[$7::int]), $3::int[], $4::bigint[], $5::text[], $6::text[])`,
        [campaignId, planned.map((p) => p.donationId), planned.map((p) => p.seq), planned.map((p) => p.amount.toString()), planned.map((p) => p.status),
          planned.map((p) => p.note), planned.length],
      );
      const skipped = planned.filter((p) => p.status === 'skipped').length;
      const amount = planned.filter((p) => p.status === 'pending').reduce((s, p) => s + p.amount, 0n);
      await m.query(
        `UPDATE campaign_closeouts SET total = total + $2, skipped = skipped + $3, total_amount = total_amount + $4,
           status = CASE WHEN $2 > $3 THEN 'refunding' ELSE status END, finished_at = CASE WHEN $2 > $3 THEN NULL ELSE finished_at END, updated_at = now()
         WHERE campaign_id = $1`,
        [campaignId, planned.length, skipped, amount.toString()],
      );
      return skipped;
    });
    if (skippedNow > 0) this.giftsClosed.inc({ outcome: 'skipped' }, skippedNow);
  }

  /**
   * Open Checkout sessions of an ended campaign are expired so they cannot be paid any more. One
   * paid anyway (already complete) settles later and is planned and refunded by a later run.
   */
  private async expireOpenSessions(campaignId: string, limit: number): Promise<void> {
    const rows: { stripe_checkout_session_id: string }[] = await this.dataSource.query(
      `SELECT stripe_checkout_session_id FROM donations WHERE campaign_id = $1 AND status = 'pending' AND stripe_checkout_session_id IS NOT NULL
         AND created_at > now() - interval '2 days' ORDER BY created_at LIMIT $2`,
      [campaignId, limit],
    );
    for (const r of rows) {
      try {
        await this.stripe.expireCheckoutSession(r.stripe_checkout_session_id);
      } catch {
        // Already complete or expired: its webhook decides.
      }
    }
  }

  /** Refunds one gift (or picks up the refund a killed run started) and records the outcome. */
  private async processItem(closeout: CloseOutProgress, item: CloseOutItem): Promise<void> {
    let refund: DonationRefund | null = null;
    let failure: string | null = null;
    let skip: string | null = null;
    try {
      refund = await this.refunds.refund({ organizationId: closeout.organizationId, donationId: item.donationId, idempotencyKey: CLOSEOUT_REFUND_KEY, actor: CLOSEOUT_ACTOR });
      if (refund.status === 'requested' || refund.status === 'pending') refund = await this.resume(refund);
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      if (error.code === 'nothing_to_refund') skip = 'already_refunded';
      else if (error.code === 'donation_disputed') skip = 'disputed';
      else if (error.code === 'refund_refused') failure = `refused: ${String(error.details?.reason ?? 'unknown')}`;
      else if (error.code === 'refund_exceeds_recoverable_funds') failure = `refused: ${String(error.details?.reason ?? 'unrecoverable')}`;
      else if (error.code === 'payment_provider_unavailable') {
        // Unknown outcome: stays open; the next run resumes it with the same idempotency key.
        await this.dataSource.query(
          `UPDATE campaign_closeout_items SET status = 'submitted', refund_id = coalesce(refund_id, $2), attempts = attempts + 1, last_error = $3, updated_at = now()
           WHERE donation_id = $1 AND status IN ('pending', 'submitted')`,
          [item.donationId, typeof error.details?.refundId === 'string' ? error.details.refundId : null, 'payment provider unavailable'],
        );
        return;
      } else throw error;
    }
    const next: CloseOutItemStatus = skip ? 'skipped' : failure ? 'failed' : itemStatusForRefund(refund!.status);
    const closed = await this.tx.run(async (m) => {
      const [changed] = await m.query(
        `UPDATE campaign_closeout_items SET status = $2, refund_id = coalesce($3, refund_id), attempts = attempts + 1, last_error = $4, updated_at = now()
         WHERE donation_id = $1 AND status IN ('pending', 'submitted') RETURNING amount::text, status`,
        [item.donationId, next, refund?.id ?? null, skip ?? failure],
      );
      if (changed.length === 0 || next === 'submitted') return false; // another run recorded it first, or still on its way
      await m.query(
        `UPDATE campaign_closeouts SET refunded = refunded + $1, failed = failed + $2, skipped = skipped + $3,
           refunded_amount = refunded_amount + $4, updated_at = now() WHERE campaign_id = $5`,
        [next === 'refunded' ? 1 : 0, next === 'failed' ? 1 : 0, next === 'skipped' ? 1 : 0, next === 'refunded' ? refund!.amount.toString() : '0', closeout.campaignId],
      );
      return true;
    });
    if (closed) this.giftsClosed.inc({ outcome: next });
  }

  /**
   * A refund request found still open: a run was killed between reserving it and hearing Stripe's
   * answer, or Stripe's answer was lost. First re-read Stripe (a refund made under our request id is
   * matched by its metadata); if Stripe has none, ask again with the very same idempotency key, so
   * Stripe returns the refund it may already have made instead of making a second one.
   */
  private async resume(refund: DonationRefund): Promise<DonationRefund> {
    await this.sync.sync(refund.donationId);
    let current = await this.refundRow(refund.id, this.dataSource.manager);
    if (current.status !== 'requested' || current.stripeRefundId) return current;
    const [row] = await this.dataSource.query(`SELECT stripe_charge_id FROM donations WHERE id = $1`, [refund.donationId]);
    let made: Stripe.Refund;
    try {
      made = await this.stripe.createRefund(
        { charge: row.stripe_charge_id, amount: Number(current.amount), reason: 'requested_by_customer', metadata: { refund_request_id: current.id, donation_id: current.donationId } },
        `refund:${current.id}`,
      );
    } catch (error) {
      const stripeError = error as { type?: string; code?: string };
      if (stripeError.type === 'StripeInvalidRequestError' || stripeError.type === 'StripeCardError') {
        await this.dataSource.query(`UPDATE donation_refunds SET status = 'failed', failure_reason = $2, updated_at = now() WHERE id = $1 AND status = 'requested'`, [current.id, stripeError.code ?? 'refused']);
        throw new DomainError('refund_refused', 'The payment provider refused the refund', 409, { reason: stripeError.code ?? null });
      }
      throw new DomainError('payment_provider_unavailable', 'The refund could not be confirmed', 502, { refundId: current.id });
    }
    await this.dataSource.query(
      `UPDATE donation_refunds SET stripe_refund_id = $2, status = CASE WHEN status = 'requested' THEN 'pending' ELSE status END, updated_at = now() WHERE id = $1`,
      [current.id, made.id],
    );
    await this.sync.sync(current.donationId);
    current = await this.refundRow(current.id, this.dataSource.manager);
    return current;
  }

  private async refundRow(id: string, m: EntityManager): Promise<DonationRefund> {
    const [row] = await m.query(`SELECT * FROM donation_refunds WHERE id = $1`, [id]);
    return toRefund(row);
  }
}
