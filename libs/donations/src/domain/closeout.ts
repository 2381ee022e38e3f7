import { isSettled, type DonationStatus } from './donation-status.js';

/**
 * Campaign close-out, the pure part: whether a campaign is due, what its end means for the money
 * (keep it, or refund every gift), which gifts to refund and for how much, and which to take next.
 */

export type CloseOutDecision = 'refund_all' | 'keep';
export type CloseOutReason = 'flexible' | 'goal_met' | 'goal_missed' | 'cancelled';
export type CloseOutStatus = 'refunding' | 'done';
export type CloseOutItemStatus = 'pending' | 'submitted' | 'refunded' | 'failed' | 'skipped';

export interface CloseOutCampaign {
  status: string;
  fundingModel: 'flexible' | 'all_or_nothing';
  goalAmount: bigint;
  endsAt: Date | null;
}

/** A campaign is due for close-out when it still runs (published or paused) and its end date has passed. */
export function isDue(campaign: Pick<CloseOutCampaign, 'status' | 'endsAt'>, now: Date): boolean {
  return (campaign.status === 'published' || campaign.status === 'paused') && campaign.endsAt !== null && campaign.endsAt.getTime() <= now.getTime();
}

/**
 * A campaign whose close-out may run: due, or ended or cancelled by whatever path (the end date, by
 * hand, a run resuming). Drafts and campaigns still running before their end date never.
 */
export function mayCloseOut(campaign: Pick<CloseOutCampaign, 'status' | 'endsAt'>, now: Date): boolean {
  return campaign.status === 'ended' || campaign.status === 'cancelled' || isDue(campaign, now);
}

export interface CampaignMoney {
  /** Gross of every settled gift. */
  raised: bigint;
  refunded: bigint;
  disputed: bigint;
  /**
   * Pledges with a saved card, not charged yet (all-or-nothing campaigns: domain/pledges.ts). They
   * count toward the goal: they are charged only if it is met.
   */
  pledged?: bigint;
}

/**
 * What counts toward the goal is the money that stayed (the campaign page's progress): gifts minus
 * refunds and disputes, plus the pledges still standing (charged only if the goal is met). Fees do
 * not reduce it: the donors gave that much.
 */
export function raisedTowardGoal(money: CampaignMoney): bigint {
  return money.raised - money.refunded - money.disputed + (money.pledged ?? 0n);
}

/**
 * The decision, taken once when the close-out starts and stored: a cancelled campaign refunds every
 * gift, whatever its funding model (its donors gave to something that will not happen); otherwise
 * a flexible campaign keeps what it raised and an all-or-nothing campaign keeps it only if it
 * reached its goal, and otherwise refunds every gift. Ending by hand or at the end date is the same
 * decision.
 */
export function decideCloseOut(
  campaign: Pick<CloseOutCampaign, 'fundingModel' | 'goalAmount'> & { status?: string },
  money: CampaignMoney,
): { decision: CloseOutDecision; reason: CloseOutReason; raised: bigint } {
  const raised = raisedTowardGoal(money);
  if (campaign.status === 'cancelled') return { decision: 'refund_all', reason: 'cancelled', raised };
  if (campaign.fundingModel === 'flexible') return { decision: 'keep', reason: 'flexible', raised };
  if (raised >= campaign.goalAmount) return { decision: 'keep', reason: 'goal_met', raised };
  return { decision: 'refund_all', reason: 'goal_missed', raised };
}

export interface CloseOutGift {
  id: string;
  status: DonationStatus;
  amount: bigint;
  refundedAmount: bigint;
  disputedAmount: bigint;
}

export type GiftRefundPlan =
  | { kind: 'refund'; amount: bigint }
  | { kind: 'skip'; reason: 'disputed'; amount: bigint }
  | { kind: 'nothing' };

/**
 * What the close-out does with one gift: refund what remains of a settled gift; leave a gift under
 * (or lost to) a dispute to the dispute (its money is already withdrawn; a refund would be refused);
 * nothing for a gift that was never charged or is already fully refunded.
 */
export function planGiftRefund(gift: CloseOutGift): GiftRefundPlan {
  if (!isSettled(gift.status)) return { kind: 'nothing' };
  const remaining = gift.amount - gift.refundedAmount - gift.disputedAmount;
  if (gift.status === 'disputed' || gift.status === 'dispute_lost') return remaining > 0n ? { kind: 'skip', reason: 'disputed', amount: remaining } : { kind: 'nothing' };
  if (remaining <= 0n) return { kind: 'nothing' };
  return { kind: 'refund', amount: remaining };
}

export interface PlannedItem {
  donationId: string;
  seq: number;
  amount: bigint;
  status: 'pending' | 'skipped';
  note: string | null;
}

/**
 * The items to add for gifts not planned yet, numbered after `lastSeq` in a stable order (the
 * order given, which the caller makes oldest first), so batches are taken in the same order by
 * every run.
 */
export function planItems(gifts: readonly CloseOutGift[], lastSeq: number): PlannedItem[] {
  const items: PlannedItem[] = [];
  let seq = lastSeq;
  for (const gift of gifts) {
    const plan = planGiftRefund(gift);
    if (plan.kind === 'nothing') continue;
    seq += 1;
    items.push({ donationId: gift.id, seq, amount: plan.amount, status: plan.kind === 'refund' ? 'pending' : 'skipped', note: plan.kind === 'skip' ? plan.reason : null });
  }
  return items;
}

export interface ItemsTally {
  /** Items added. */
  total: number;
  /** Of which skipped at once (left to a dispute). */
  skipped: number;
  /** What the items to refund amount to. */
  amount: bigint;
}

/**
 * What newly planned items add to the close-out's counters. The close-out refunds again (is not
 * done) as soon as one of them is to be refunded (total > skipped).
 */
export function tallyItems(items: readonly Pick<PlannedItem, 'status' | 'amount'>[]): ItemsTally {
  return {
    total: items.length,
    skipped: items.filter((i) => i.status === 'skipped').length,
    amount: items.filter((i) => i.status === 'pending').reduce((sum, i) => sum + i.amount, 0n),
  };
}

/** The next batch: open items (not yet refunded, failed or skipped), lowest sequence first, at most `size`. */
export function nextBatch<T extends { seq: number; status: CloseOutItemStatus }>(items: readonly T[], size: number): T[] {
  if (!Number.isInteger(size) || size < 1) throw new RangeError('batch size must be a positive integer');
  return items.filter((i) => i.status === 'pending' || i.status === 'submitted').sort((a, b) => a.seq - b.seq).slice(0, size);
}

export interface CloseOutCounters {
  total: number;
  refunded: number;
  failed: number;
  skipped: number;
}

/** Done once every item reached a final state (refunded, failed or skipped). */
export function closeOutStatus(counters: CloseOutCounters): CloseOutStatus {
  return counters.refunded + counters.failed + counters.skipped >= counters.total ? 'done' : 'refunding';
}

/** The item state a refund request's state leads to. */
export function itemStatusForRefund(refundStatus: 'requested' | 'pending' | 'succeeded' | 'failed' | 'canceled'): CloseOutItemStatus {
  if (refundStatus === 'succeeded') return 'refunded';
  if (refundStatus === 'failed' || refundStatus === 'canceled') return 'failed';
  return 'submitted';
}

/**
 * Whether a campaign's money may be paid out: never once it is cancelled or its close-out decided to
 * refund every gift; a flexible campaign's otherwise at any time; an all-or-nothing campaign's only
 * once its close-out decided to keep it (before that, every gift may still have to be refunded;
 * after a missed goal, it is being or has been refunded).
 */
export function payoutsAllowed(fundingModel: 'flexible' | 'all_or_nothing', decision: CloseOutDecision | null, campaignStatus?: string): boolean {
  if (campaignStatus === 'cancelled' || decision === 'refund_all') return false;
  return fundingModel === 'flexible' || decision === 'keep';
}
