/**
 * Refunds and disputes after payouts (issue 15, item 6), plain TypeScript: which transfers to
 * reverse, and by how much, so that a refund or dispute never takes a campaign's funds below zero
 * because of money already paid out.
 *
 *   after     = fundsBalance - refundsInFlight - cost          (the funds once this refund is posted)
 *   shortfall = max(0, -after)
 *   needed    = min(shortfall, unreversed transfers + held)    (the part the payouts caused)
 *
 * - `fundsBalance` is the campaign's funds account (holds and payouts already deducted), so funds
 *   that cover the refund after the payout holds never reverse anything.
 * - Only the part of a deficit that payouts caused is recovered: what the funds would lack had
 *   nothing been paid out or held (Stripe keeps its processing fee on a refund, so a campaign that
 *   refunds every gift ends at minus those fees, with or without payouts) is not taken back from
 *   the organization. With no payout at all nothing is ever reversed.
 * - Transfers are reversed latest first, spilling over to earlier ones, never more than a
 *   transfer's unreversed amount.
 * - What the transfers cannot cover (the shortfall sits in a payout hold not yet executed) is
 *   `uncovered`: a refund is then refused; a dispute (Stripe already took the money) reverses what
 *   it can and the rest is flagged for the operator.
 */
export interface ReversibleTransfer {
  payoutId: string;
  transferId: string;
  /** The transfer's amount and how much of it is already reversed (minor units). */
  amount: bigint;
  reversed: bigint;
  executedAt: Date;
}

export interface RecoveryInput {
  /** The campaign's funds account on its normal side (payout holds and payouts deducted). */
  fundsBalance: bigint;
  /** Other refunds of the campaign's gifts reserved or pending on Stripe, not in the ledger yet. */
  refundsInFlight: bigint;
  /** What this refund will take from the funds (amount minus the platform fee returned); 0 for a posted dispute. */
  cost: bigint;
  /** Held by payout requests not executed yet (the payouts_pending account). */
  held: bigint;
  transfers: readonly ReversibleTransfer[];
}

export interface PlannedReversal {
  payoutId: string;
  transferId: string;
  amount: bigint;
}

export interface RecoveryPlan {
  /** How far below zero the funds would go without any reversal. */
  shortfall: bigint;
  /** The part of the shortfall the payouts caused (what should be recovered). */
  needed: bigint;
  reversals: PlannedReversal[];
  /** needed minus what the reversals recover: held by payouts not executed yet. */
  uncovered: bigint;
}

export function planRecovery(input: RecoveryInput): RecoveryPlan {
  if (input.cost < 0n || input.refundsInFlight < 0n || input.held < 0n) throw new RangeError('recovery amounts cannot be negative');
  const after = input.fundsBalance - input.refundsInFlight - input.cost;
  const shortfall = after < 0n ? -after : 0n;
  const open = input.transfers
    .map((t) => ({ ...t, left: t.amount - t.reversed }))
    .filter((t) => t.left > 0n)
    .sort((a, b) => b.executedAt.getTime() - a.executedAt.getTime() || (a.transferId < b.transferId ? 1 : a.transferId > b.transferId ? -1 : 0));
  const unreversed = open.reduce((sum, t) => sum + t.left, 0n);
  const cap = unreversed + input.held;
  const needed = shortfall < cap ? shortfall : cap;
  const reversals: PlannedReversal[] = [];
  let left = needed;
  for (const t of open) {
    if (left === 0n) break;
    const amount = t.left < left ? t.left : left;
    reversals.push({ payoutId: t.payoutId, transferId: t.transferId, amount });
    left -= amount;
  }
  return { shortfall, needed, reversals, uncovered: left };
}

/** A refund goes ahead only when the reversals recover everything the payouts caused. */
export function refundAllowed(plan: RecoveryPlan): boolean {
  return plan.uncovered === 0n;
}
