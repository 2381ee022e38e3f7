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

/**
 * `designation`: the restricted fund every campaign posting of the payout moves (default general).
 * `parts` (a payout split across designations, two or more): each campaign posting is made once per
 * part, in the part's designation, for the part's amount (the amount passed is then their sum); the
 * platform posting stays one. The ledger's per-designation guard then holds for each part.
 */
interface Base { payoutId: string; campaignId: string; currency: string; occurredAt: Date; metadata?: Record<string, unknown>; designation?: string; parts?: readonly { designation: string; amount: bigint }[] | null }

type Side = 'funds' | 'pending' | 'platform';
const ACCOUNT = (b: Base, side: Side): string =>
  side === 'funds' ? campaignFundsAccount(b.campaignId) : side === 'pending' ? payoutsPendingAccount(b.campaignId) : PLATFORM_ACCOUNTS.stripeBalance;

/** `legs`: [side, sign] pairs, each posting `sign * amount` (split per part on a campaign side). */
function entry(kind: string, sourceId: string, b: Base, amount: bigint, legs: [Side, 1n | -1n][]): EntryInput {
  if (amount === 0n) throw new RangeError('payout entries need a non-zero amount');
  const parts = b.parts && b.parts.length > 1 ? b.parts : null;
  if (parts && parts.reduce((s, p) => s + p.amount, 0n) !== amount) throw new RangeError('the parts of a split payout entry add up to its amount');
  const postings = legs.flatMap(([side, sign]) => (side === 'platform' || !parts
    ? [{ account: ACCOUNT(b, side), amount: sign * amount }]
    : parts.map((p) => ({ account: ACCOUNT(b, side), amount: sign * p.amount, designation: p.designation }))));
  if (postings.some((p) => p.amount === 0n)) throw new RangeError('payout entries need a non-zero amount');
  return {
    kind, sourceId, campaignId: b.campaignId, currency: b.currency, occurredAt: b.occurredAt, memo: null,
    metadata: { payout_id: b.payoutId, ...(b.metadata ?? {}) }, ...(!parts && b.designation ? { designation: b.designation } : {}), postings,
  };
}

export function payoutHoldEntry(b: Base, amount: bigint): EntryInput {
  return entry('payout_hold', b.payoutId, b, amount, [['funds', 1n], ['pending', -1n]]);
}

export function payoutHoldReleaseEntry(b: Base, amount: bigint): EntryInput {
  return entry('payout_hold_release', b.payoutId, b, amount, [['pending', 1n], ['funds', -1n]]);
}

export function payoutEntry(b: Base, amount: bigint): EntryInput {
  return entry('payout', b.payoutId, b, amount, [['funds', 1n], ['platform', -1n]]);
}

/** sourceId: the Stripe transfer reversal id (each reversal is posted once). `b.parts`: the reversal's own shares (`reversalShares`). */
export function payoutReversalEntry(b: Base, reversalId: string, amount: bigint): EntryInput {
  return entry('payout_reversal', reversalId, b, amount, [['platform', 1n], ['funds', -1n]]);
}
