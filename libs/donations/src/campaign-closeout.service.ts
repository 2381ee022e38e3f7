import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Counter } from 'prom-client';
import type Stripe from 'stripe';
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
  closeOutStatus, CloseOutItemStatus, CloseOutStatus, decideCloseOut, isDue, itemStatusForRefund, mayCloseOut, nextBatch, payoutsAllowed, planItems, tallyItems,
} from './domain/closeout.js';
import { DonationSyncService } from './donation-sync.service.js';
import { RecurringGiftsService } from './recurring-gifts.service.js';
import { ScheduledGiftsService } from './scheduled-gifts.service.js';
import { RefundRepository } from './persistence/refund.repository.js';
import { CloseOutAttention, CloseOutItem, CloseOutProgress, CloseOutRepository } from './persistence/closeout.repository.js';
import { DonationRefund } from './persistence/donation.row.js';
import { PledgesService } from './pledges.service.js';
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

export type { CloseOutItem, CloseOutProgress } from './persistence/closeout.repository.js';

/** What one run did: `outcome` says why nothing happened when nothing did. */
export interface CloseOutRun {
  outcome: 'not_found' | 'not_applicable' | 'not_due' | 'ran';
  progress: CloseOutProgress | null;
  /** Items handled in this run. */
  processed: number;
  /** True when open items remain: the caller schedules another batch. */
  more: boolean;
}

/**
 * Campaign close-out. At its end date a campaign ends; an all-or-nothing campaign that missed its
 * goal refunds every gift, in batches, through the same refund path as the API (RefundsService:
 * reservation under the donation lock, Stripe idempotency key derived from the donation id, ledger
 * and public ledger posted by DonationSyncService). Everything is durable in PostgreSQL, so a run
 * can be killed at any point, repeated or duplicated: the next run continues where it stopped and
 * never refunds a gift twice. This service orchestrates: the decisions are the pure planners'
 * (domain/closeout.ts), the rows CloseOutRepository's.
 */
@Injectable()
export class CampaignCloseOutService {
  private readonly logger = new Logger('CampaignCloseOut');
  private readonly giftsClosed: Counter<'outcome'>;

  constructor(
    private readonly tx: TransactionRunner,
    private readonly closeouts: CloseOutRepository,
    private readonly refundRows: RefundRepository,
    private readonly campaigns: CampaignsService,
    private readonly ledger: LedgerService,
    private readonly refunds: RefundsService,
    private readonly sync: DonationSyncService,
    private readonly stripe: StripeGateway,
    @Inject(AppConfig) private readonly config: AppConfig,
    private readonly producer: JobProducer,
    metrics: MetricsService,
    private readonly pledges: PledgesService,
    private readonly recurring: RecurringGiftsService,
    private readonly scheduled: ScheduledGiftsService,
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
    const due = await this.closeouts.findDue(now, limit, idleMs);
    // Pledges with work left: charges or releases whose batch chain was lost, a grace period over, a notice not sent.
    const withPledgeWork = await this.pledges.campaignsWithWork(now, limit, idleMs);
    return [...new Set([...due, ...withPledgeWork])].slice(0, Math.max(limit, due.length));
  }

  /** Progress for the organization: 404 for another organization's campaign or one not closed out yet. */
  async progress(organizationId: string, campaignId: string): Promise<CloseOutProgress> {
    const progress = await this.closeouts.findForOrganization(organizationId, campaignId);
    if (!progress) {
      await this.campaigns.getForOrganization(organizationId, campaignId); // 404 when not theirs
      throw new NotFoundError('Close-out', 'closeout_not_started');
    }
    return progress;
  }

  /**
   * For payouts: 409 `campaign_not_closed_out` for an all-or-nothing campaign whose close-out has
   * not decided to keep the money (it may still have to refund every gift).
   */
  /** The organization's close-outs with failed refunds (the dashboard's "needs attention"). */
  async withFailures(organizationId: string, limit = 20): Promise<CloseOutAttention[]> {
    return this.closeouts.withFailures(organizationId, limit);
  }

  async assertPayoutsAllowed(campaignId: string): Promise<void> {
    const gate = await this.closeouts.payoutGate(campaignId);
    if (!gate) throw new NotFoundError('Campaign');
    if (!payoutsAllowed(gate.fundingModel, gate.decision, gate.status)) {
      throw new DomainError('campaign_not_closed_out', 'An all-or-nothing campaign pays out only after it ended having reached its goal', 409, { decision: gate.decision });
    }
  }

  async find(campaignId: string): Promise<CloseOutProgress | null> {
    return this.closeouts.find(campaignId);
  }

  async items(campaignId: string): Promise<CloseOutItem[]> {
    return this.closeouts.items(campaignId);
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
    // An all-or-nothing campaign's pledges: charged off-session when the goal was met, released otherwise.
    const pledges = progress.fundingModel === 'all_or_nothing'
      ? await this.pledges.runCloseOutBatch(campaignId, progress.decision === 'keep' ? 'collect' : 'release', batchSize, now)
      : { processed: 0, more: false };
    // Ended or cancelled: its recurring gifts stop (Stripe subscriptions cancelled, donors told), in
    // batches of `batchSize` per run until none is live (a failure is retried by the next run).
    // Its scheduled series (Ramadan nights, Fridays) likewise: moved to the general fund or cancelled, donors told.
    const stopping = (await this.recurring.stopForClosedCampaigns(campaignId, batchSize)) + (await this.scheduled.stopForClosedCampaign(campaignId, batchSize, now));
    if (progress.decision === 'keep') return { outcome: 'ran', progress, processed: pledges.processed, more: pledges.more || stopping >= batchSize };

    await this.planNewGifts(campaignId);
    const open = await this.closeouts.openItems(campaignId, batchSize);
    const batch = nextBatch(open, batchSize);
    for (const item of batch) await this.processItem(progress, item);

    progress = await this.tx.run(async (m) => {
      const current = await this.closeouts.lock(m, campaignId);
      return this.closeouts.finishRun(m, campaignId, batch.length > 0 ? 1 : 0, closeOutStatus(current));
    });
    if (progress.status === 'done' && batch.length > 0) {
      this.logger.log(`campaign ${campaignId} closed out: ${progress.refunded} refunded, ${progress.failed} failed, ${progress.skipped} skipped of ${progress.total}`);
    }
    return { outcome: 'ran', progress, processed: batch.length + pledges.processed, more: progress.status !== 'done' || pledges.more || stopping >= batchSize };
  }

  /** The close-out row, created once with the decision taken from the ledger's totals at that moment. */
  private async start(campaignId: string): Promise<CloseOutProgress> {
    const existing = await this.find(campaignId);
    if (existing) return existing;
    return this.tx.run(async (m) => {
      const c = await this.closeouts.lockCampaign(m, campaignId);
      const again = await this.closeouts.find(campaignId, m);
      if (again) return again;
      const totals = await this.ledger.campaignTotals(campaignId, m);
      // An all-or-nothing goal counts the pledges standing (charged only if it is met).
      const pledged = c.fundingModel === 'all_or_nothing' ? await this.pledges.pledgedTotal(m, campaignId) : 0n;
      const money = { raised: totals?.raised ?? 0n, refunded: totals?.refunded ?? 0n, disputed: totals?.disputed ?? 0n, pledged };
      const decided = decideCloseOut({ fundingModel: c.fundingModel, goalAmount: c.goalAmount, status: c.status }, money);
      const status: CloseOutStatus = decided.decision === 'keep' ? 'done' : 'refunding';
      const progress = await this.closeouts.insert(m, {
        campaignId, organizationId: c.organizationId, fundingModel: c.fundingModel, decision: decided.decision, reason: decided.reason, currency: c.currency,
        goalAmount: c.goalAmount, raised: decided.raised, status,
      });
      this.logger.log(`campaign ${campaignId} close-out started: ${decided.decision} (${decided.reason}, raised ${decided.raised} of ${c.goalAmount})`);
      return progress;
    });
  }

  /** Adds an item for every settled gift not planned yet (all of them the first time; late gifts later). */
  private async planNewGifts(campaignId: string): Promise<void> {
    if (!(await this.closeouts.hasUnplannedGifts(campaignId))) return;
    const skippedNow = await this.tx.run(async (m) => {
      await this.closeouts.lockForPlanning(m, campaignId);
      const gifts = await this.closeouts.unplannedGifts(m, campaignId);
      const planned = planItems(gifts, await this.closeouts.lastSeq(m, campaignId));
      if (planned.length === 0) return 0;
      const tally = tallyItems(planned);
      await this.closeouts.addItems(m, campaignId, planned, tally);
      return tally.skipped;
    });
    if (skippedNow > 0) this.giftsClosed.inc({ outcome: 'skipped' }, skippedNow);
  }

  /**
   * Open Checkout sessions of an ended campaign are expired so they cannot be paid any more. One
   * paid anyway (already complete) settles later and is planned and refunded by a later run.
   */
  private async expireOpenSessions(campaignId: string, limit: number): Promise<void> {
    for (const sessionId of await this.closeouts.openSessions(campaignId, limit)) {
      try {
        await this.stripe.expireCheckoutSession(sessionId);
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
        await this.closeouts.markSubmitted(item.donationId, typeof error.details?.refundId === 'string' ? error.details.refundId : null, 'payment provider unavailable');
        return;
      } else throw error;
    }
    const next: CloseOutItemStatus = skip ? 'skipped' : failure ? 'failed' : itemStatusForRefund(refund!.status);
    const closed = await this.tx.run(async (m) => {
      const changed = await this.closeouts.recordItem(m, item.donationId, next, refund?.id ?? null, skip ?? failure);
      if (!changed || next === 'submitted' || next === 'pending') return false; // another run recorded it first, or still on its way
      await this.closeouts.countClosed(m, closeout.campaignId, next, next === 'refunded' ? refund!.amount : 0n);
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
    let current = await this.closeouts.refund(refund.id);
    if (current.status !== 'requested' || current.stripeRefundId) return current;
    const chargeId = await this.closeouts.chargeOf(refund.donationId);
    let made: Stripe.Refund;
    try {
      made = await this.stripe.createRefund(
        { charge: chargeId!, amount: Number(current.amount), reason: 'requested_by_customer', metadata: { refund_request_id: current.id, donation_id: current.donationId } },
        `refund:${current.id}`,
      );
    } catch (error) {
      const stripeError = error as { type?: string; code?: string };
      if (stripeError.type === 'StripeInvalidRequestError' || stripeError.type === 'StripeCardError') {
        await this.refundRows.fail(current.id, stripeError.code ?? 'refused');
        throw new DomainError('refund_refused', 'The payment provider refused the refund', 409, { reason: stripeError.code ?? null });
      }
      throw new DomainError('payment_provider_unavailable', 'The refund could not be confirmed', 502, { refundId: current.id });
    }
    await this.refundRows.linkStripeRefund(current.id, made.id);
    await this.sync.sync(current.donationId);
    current = await this.closeouts.refund(current.id);
    return current;
  }
}
