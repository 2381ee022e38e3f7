import { campaignFundsAccount, PLATFORM_ACCOUNTS, type EntryInput } from '@ataa/ledger';

/**
 * Ledger entries of a payout (all balanced, all from the campaign's point of view):
 *   payout_hold          campaign funds +X / campaign payouts_pending -X   (request: funds reserved)
 *   payout_hold_release  campaign payouts_pending +X / campaign funds -X   (executed, failed, cancelled, rejected)
 *   payout               campaign funds +X / platform stripe_balance -X    (the transfer left Stripe)
 *   payout_reversal      platform stripe_balance +X / campaign funds -X    (the transfer came back)
 * A successful payout posts release + payout together, so the campaign's funds end X lower and its
 * paid-out total X higher; a failed one posts only the release, so nothing moved.
 */
export function payoutsPendingAccount(campaignId: string): string {
  return `campaign:${campaignId}:payouts_pending`;
}

/** `designation`: the restricted fund every campaign posting of the payout moves (default general). */
interface Base { payoutId: string; campaignId: string; currency: string; occurredAt: Date; metadata?: Record<string, unknown>; designation?: string }

function entry(kind: string, sourceId: string, b: Base, postings: [string, bigint][]): EntryInput {
  if (postings.some(([, amount]) => amount === 0n)) throw new RangeError('payout entries need a non-zero amount');
  return {
    kind, sourceId, campaignId: b.campaignId, currency: b.currency, occurredAt: b.occurredAt, memo: null,
    metadata: { payout_id: b.payoutId, ...(b.metadata ?? {}) }, ...(b.designation ? { designation: b.designation } : {}), postings: postings.map(([account, amount]) => ({ account, amount })),
  };
}

export function payoutHoldEntry(b: Base, amount: bigint): EntryInput {
  return entry('payout_hold', b.payoutId, b, [[campaignFundsAccount(b.campaignId), amount], [payoutsPendingAccount(b.campaignId), -amount]]);
}

export function payoutHoldReleaseEntry(b: Base, amount: bigint): EntryInput {
  return entry('payout_hold_release', b.payoutId, b, [[payoutsPendingAccount(b.campaignId), amount], [campaignFundsAccount(b.campaignId), -amount]]);
}

export function payoutEntry(b: Base, amount: bigint): EntryInput {
  return entry('payout', b.payoutId, b, [[campaignFundsAccount(b.campaignId), amount], [PLATFORM_ACCOUNTS.stripeBalance, -amount]]);
}

/** sourceId: the Stripe transfer reversal id (each reversal is posted once). */
export function payoutReversalEntry(b: Base, reversalId: string, amount: bigint): EntryInput {
  return entry('payout_reversal', reversalId, b, [[PLATFORM_ACCOUNTS.stripeBalance, amount], [campaignFundsAccount(b.campaignId), -amount]]);
}
