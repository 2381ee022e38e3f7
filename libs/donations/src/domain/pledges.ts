/**
 * All-or-nothing pledges, the pure part (no I/O): the pledge's state machine, what counts toward the
 * goal, the close-out's batches (which pledges to charge or release next, in a stable order), how a
 * charge's outcome moves a pledge, the grace period after a failed charge, and the keys that make
 * every Stripe call for a pledge idempotent.
 *
 * A pledge saves the donor's card (Checkout in `setup` mode: a Customer and a SetupIntent); nothing is
 * charged until the campaign's close-out decides the goal was met. Then each pledge is charged
 * off-session; a failure (a decline, `authentication_required`) gives the donor GRACE_DAYS to pay on
 * a page of their own; a missed goal releases every pledge (nothing was ever charged).
 */

export const PLEDGE_STATES = ['open', 'pledged', 'charging', 'collected', 'awaiting_donor', 'failed', 'released', 'cancelled'] as const;
export type PledgeState = (typeof PLEDGE_STATES)[number];

/** Days a donor has to complete a pledge whose off-session charge failed. */
export const GRACE_DAYS = 7;
export const GRACE_MS = GRACE_DAYS * 24 * 60 * 60 * 1000;

/**
 * Allowed moves. `open`: the setup Checkout is not complete yet (not a pledge until the card is
 * saved). `pledged`: card saved, nothing charged. `charging`: the off-session charge was asked (or is
 * about to be) under the pledge's key; its outcome may be unknown. `awaiting_donor`: the charge
 * failed, the donor was sent a link. `collected`, `failed`, `released`, `cancelled` are final.
 */
const MOVES: Record<PledgeState, readonly PledgeState[]> = {
  open: ['pledged', 'cancelled'],
  pledged: ['charging', 'released', 'cancelled'],
  charging: ['charging', 'collected', 'awaiting_donor'],
  awaiting_donor: ['collected', 'failed'],
  collected: [],
  failed: [],
  released: [],
  cancelled: [],
};

export function canMove(from: PledgeState, to: PledgeState): boolean {
  return MOVES[from].includes(to);
}

export class PledgeTransitionError extends Error {
  constructor(readonly from: PledgeState, readonly to: PledgeState) {
    super(`a pledge cannot go from ${from} to ${to}`);
  }
}

/** The move, or an error naming it (a bug: callers plan only allowed moves). */
export function move(from: PledgeState, to: PledgeState): PledgeState {
  if (!canMove(from, to)) throw new PledgeTransitionError(from, to);
  return to;
}

export const isFinal = (state: PledgeState): boolean => MOVES[state].length === 0;

/** Pledges that count toward the goal at the close-out: the card is saved and nothing was decided yet. */
export const countsTowardGoal = (state: PledgeState): boolean => state === 'pledged';

/** The sum of the pledges that count toward the goal (all in the campaign's currency). */
export function pledgedTowardGoal(pledges: readonly { state: PledgeState; amount: bigint }[]): bigint {
  return pledges.filter((p) => countsTowardGoal(p.state)).reduce((sum, p) => sum + p.amount, 0n);
}

export interface PledgeItem {
  id: string;
  /** Order of pledging within the campaign: batches are taken in it by every run. */
  seq: number;
  state: PledgeState;
  amount: bigint;
}

export type PledgeAction =
  /** Charge off-session (first ask: move to `charging` first; a `charging` one is asked again under the same key). */
  | { kind: 'charge'; pledgeId: string; amount: bigint; idempotencyKey: string }
  /** Goal missed or campaign cancelled: release (nothing was charged), detach the card, tell the donor. */
  | { kind: 'release'; pledgeId: string };

/** The close-out's decision as the pledges see it. */
export type PledgeOutcome = 'collect' | 'release';

/** Stripe's idempotency key of a pledge's off-session charge: one per pledge, so a retry after an unknown outcome charges at most once. */
export const pledgeChargeKey = (pledgeId: string): string => `pledge-charge:${pledgeId}`;
/** The setup Checkout session of a pledge. */
export const pledgeSetupKey = (pledgeId: string): string => `pledge-setup:${pledgeId}`;
/** The Customer a pledge's card is saved on. */
export const pledgeCustomerKey = (pledgeId: string): string => `pledge-customer:${pledgeId}`;
/** The payment page the donor opens from the grace-period link (one per pledge). */
export const pledgeCompletionKey = (pledgeId: string): string => `pledge-complete:${pledgeId}`;

/**
 * The next batch of the close-out for a campaign's pledges: open work (to collect: `pledged` and
 * `charging`; to release: `pledged`), lowest sequence first, at most `size`. Pledges still `open` (the
 * donor never finished saving a card) are cancelled by the release path whatever the outcome.
 */
export function planPledgeBatch(outcome: PledgeOutcome, pledges: readonly PledgeItem[], size: number): PledgeAction[] {
  if (!Number.isInteger(size) || size < 1) throw new RangeError('batch size must be a positive integer');
  const open = pledges
    .filter((p) => (outcome === 'collect' ? p.state === 'pledged' || p.state === 'charging' : p.state === 'pledged'))
    .sort((a, b) => a.seq - b.seq)
    .slice(0, size);
  return open.map((p): PledgeAction => (outcome === 'collect'
    ? { kind: 'charge', pledgeId: p.id, amount: p.amount, idempotencyKey: pledgeChargeKey(p.id) }
    : { kind: 'release', pledgeId: p.id }));
}

/** Whether a campaign's pledges still have close-out work (more batches to run). */
export function pledgesOpen(outcome: PledgeOutcome, pledges: readonly Pick<PledgeItem, 'state'>[]): boolean {
  return pledges.some((p) => (outcome === 'collect' ? p.state === 'pledged' || p.state === 'charging' : p.state === 'pledged'));
}

/** What Stripe answered to an off-session charge, as the planner needs it. */
export type ChargeAnswer =
  | { kind: 'succeeded'; paymentIntentId: string }
  /** A card error: declined, or the bank wants the donor there (`authentication_required`). */
  | { kind: 'card_error'; code: string; paymentIntentId: string | null }
  /** The PaymentIntent is still processing (not final yet). */
  | { kind: 'processing'; paymentIntentId: string }
  /** No answer (timeout, connection lost, a 5xx): Stripe may or may not have charged. */
  | { kind: 'unknown'; reason: string };

export type ChargePlan =
  | { next: 'collected'; paymentIntentId: string }
  | { next: 'awaiting_donor'; paymentIntentId: string | null; reason: string; graceEndsAt: Date; notifyDonor: true }
  /** Stays `charging`: the next run asks again under the same key (Stripe answers with what it made). */
  | { next: 'charging'; paymentIntentId: string | null; reason: string };

/** How a charge's answer moves a `charging` pledge. */
export function planChargeOutcome(answer: ChargeAnswer, now: Date): ChargePlan {
  switch (answer.kind) {
    case 'succeeded':
      return { next: 'collected', paymentIntentId: answer.paymentIntentId };
    case 'card_error':
      return { next: 'awaiting_donor', paymentIntentId: answer.paymentIntentId, reason: answer.code, graceEndsAt: graceEnd(now), notifyDonor: true };
    case 'processing':
      return { next: 'charging', paymentIntentId: answer.paymentIntentId, reason: 'processing' };
    case 'unknown':
      return { next: 'charging', paymentIntentId: null, reason: answer.reason };
  }
}

export function graceEnd(failedAt: Date): Date {
  return new Date(failedAt.getTime() + GRACE_MS);
}

/**
 * A pledge waiting for its donor: collected once its gift settled (the donor paid on the page),
 * failed once the grace period is over without payment, else still waiting.
 */
export function planGrace(pledge: { state: PledgeState; graceEndsAt: Date | null; giftSettled: boolean }, now: Date): 'collected' | 'failed' | 'waiting' | 'not_waiting' {
  if (pledge.state !== 'awaiting_donor') return 'not_waiting';
  if (pledge.giftSettled) return 'collected';
  if (pledge.graceEndsAt !== null && pledge.graceEndsAt.getTime() <= now.getTime()) return 'failed';
  return 'waiting';
}

/** Whether the donor's payment page may still take a payment for this pledge. */
export function mayCompleteNow(pledge: { state: PledgeState; graceEndsAt: Date | null }, now: Date): boolean {
  return pledge.state === 'awaiting_donor' && pledge.graceEndsAt !== null && pledge.graceEndsAt.getTime() > now.getTime();
}

/** Figures for the public page: pledged (unverified: not in the ledger) and collected, kept apart. */
export interface PledgeFigures {
  /** Pledges with a saved card, not charged yet (unverified: the ledger does not hold them). */
  pledgedCount: number;
  pledgedAmount: bigint;
  /** Pledges charged (their gifts are in the ledger, counted there). */
  collectedCount: number;
  collectedAmount: bigint;
  /** Charges that failed, still within the grace period. */
  awaitingCount: number;
}

/** From pledges, or groups of them (`count` pledges of one state summing to `amount`). */
export function pledgeFigures(pledges: readonly { state: PledgeState; amount: bigint; count?: number }[]): PledgeFigures {
  const f: PledgeFigures = { pledgedCount: 0, pledgedAmount: 0n, collectedCount: 0, collectedAmount: 0n, awaitingCount: 0 };
  for (const p of pledges) {
    const n = p.count ?? 1;
    if (p.state === 'pledged' || p.state === 'charging') {
      f.pledgedCount += n;
      f.pledgedAmount += p.amount;
    } else if (p.state === 'collected') {
      f.collectedCount += n;
      f.collectedAmount += p.amount;
    } else if (p.state === 'awaiting_donor') f.awaitingCount += n;
  }
  return f;
}
