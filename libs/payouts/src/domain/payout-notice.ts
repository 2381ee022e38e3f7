/** What each payout notice says (pure: the sender fills in names and the formatted amount). */
export type PayoutNoticeEvent = 'requested' | 'approved' | 'rejected' | 'cancelled' | 'paid' | 'failed' | 'reversed';

const TEXT: Record<PayoutNoticeEvent, { headline: string; explanation: string }> = {
  requested: { headline: 'Payout requested', explanation: 'The amount is reserved from the campaign\'s available funds until the payout is executed, cancelled or rejected.' },
  approved: { headline: 'Payout approved', explanation: 'The payout was approved and will be transferred to your connected Stripe account shortly.' },
  rejected: { headline: 'Payout rejected', explanation: 'The platform operator rejected this payout; the reserved amount is available again.' },
  cancelled: { headline: 'Payout cancelled', explanation: 'The payout was cancelled before it was executed; the reserved amount is available again.' },
  paid: { headline: 'Payout sent', explanation: 'The amount was transferred to your connected Stripe account and is now on the campaign\'s public ledger with its purpose.' },
  failed: { headline: 'Payout failed', explanation: 'Stripe refused the transfer; nothing was paid and the reserved amount is available again.' },
  reversed: { headline: 'Payout reversed', explanation: 'The transfer was reversed and the amount returned to the campaign\'s funds; the reversal is on the public ledger.' },
};

export function isPayoutNoticeEvent(value: unknown): value is PayoutNoticeEvent {
  return typeof value === 'string' && Object.hasOwn(TEXT, value);
}

export function payoutNoticeText(event: PayoutNoticeEvent): { headline: string; explanation: string } {
  return TEXT[event];
}

export interface ReversalSummary {
  /** This reversal. */
  reversed: bigint;
  /** Every reversal of the payout up to and including this one. */
  reversedSoFar: bigint;
  /** What stays paid out to the organization after this reversal. */
  remaining: bigint;
}

/**
 * What a `reversed` notice states. Each reversal has its own notice, possibly sent after later
 * reversals: the figures are those of this reversal, never the payout's current total.
 */
export function reversalSummary(payoutAmount: bigint, reversed: bigint, reversedSoFar: bigint): ReversalSummary {
  if (reversed <= 0n || reversedSoFar < reversed || reversedSoFar > payoutAmount) {
    throw new RangeError(`reversal of ${reversed} (${reversedSoFar} so far) does not fit a payout of ${payoutAmount}`);
  }
  return { reversed, reversedSoFar, remaining: payoutAmount - reversedSoFar };
}
