import { decideCloseOut, nextBatch, planItems } from '@ataa/donations';
import {
  campaignFundsAccount, describeAccount, donationEntry, EntryInput, normalBalance, platformFeeEntry, platformFeeRefundEntry, platformFeeRefundShare,
  processingFeeEntry, refundEntry,
} from '@ataa/ledger';

/**
 * Scenario: an all-or-nothing campaign with a 500.00 USD goal ends with three gifts, one of them
 * already partly refunded by the organization. Stripe fee 2.9% + 0.30, platform fee 2%.
 *
 *   gift A 100.00: Stripe fee 2.90 + 0.30 = 3.20, platform fee 2.00
 *   gift B  50.00: Stripe fee 1.45 + 0.30 = 1.75, platform fee 1.00
 *   gift C  20.00: Stripe fee 0.58 + 0.30 = 0.88, platform fee 0.40; 5.00 refunded before the end
 */
const campaignId = '44444444-4444-4444-8444-444444444444';
const funds = campaignFundsAccount(campaignId);
const at = new Date('2026-03-01T00:00:00Z');
const base = (sourceId: string) => ({ campaignId, currency: 'usd', occurredAt: at, sourceId });

function balance(entries: EntryInput[], account: string): bigint {
  const sum = entries.flatMap((e) => e.postings).filter((p) => p.account === account).reduce((s, p) => s + p.amount, 0n);
  return normalBalance(describeAccount(account).type, sum);
}

const gifts = [
  { id: 'a', charge: 'ch_a', txn: 'txn_a', amount: 10_000n, stripeFee: 320n, platformFee: 200n },
  { id: 'b', charge: 'ch_b', txn: 'txn_b', amount: 5_000n, stripeFee: 175n, platformFee: 100n },
  { id: 'c', charge: 'ch_c', txn: 'txn_c', amount: 2_000n, stripeFee: 88n, platformFee: 40n },
];
const settled = gifts.flatMap((g) => [donationEntry(base(g.charge), g.amount), processingFeeEntry(base(g.txn), g.stripeFee), platformFeeEntry(base(g.charge), g.platformFee)]);
// The organization refunded 5.00 of gift C before the end: floor(40 * 500 / 2000) = 0.10 of platform fee goes back.
const earlyShare = platformFeeRefundShare(40n, 2_000n, 0n, 500n, 0n);
const beforeEnd = [...settled, refundEntry(base('re_c1'), 500n), platformFeeRefundEntry(base('re_c1'), earlyShare)];

describe('scenario: all-or-nothing, 500.00 goal missed with 165.00 raised', () => {
  it('before the end the campaign holds 170.00 - 5.83 fees - 3.40 platform fees - 5.00 refund + 0.10 fee back = 155.87', () => {
    expect(earlyShare).toBe(10n);
    expect(balance(beforeEnd, funds)).toBe(17_000n - 583n - 340n - 500n + 10n);
    expect(balance(beforeEnd, funds)).toBe(15_587n);
  });

  it('decides to refund everything: 170.00 raised - 5.00 refunded = 165.00 < 500.00', () => {
    expect(decideCloseOut({ fundingModel: 'all_or_nothing', goalAmount: 50_000n }, { raised: 17_000n, refunded: 500n, disputed: 0n }))
      .toEqual({ decision: 'refund_all', reason: 'goal_missed', raised: 16_500n });
  });

  it('plans what remains of each gift (100.00, 50.00, 15.00 = 165.00) and refunds them in batches of 2: [A, B] then [C]', () => {
    const items = planItems([
      { id: 'a', status: 'succeeded', amount: 10_000n, refundedAmount: 0n, disputedAmount: 0n },
      { id: 'b', status: 'succeeded', amount: 5_000n, refundedAmount: 0n, disputedAmount: 0n },
      { id: 'c', status: 'partially_refunded', amount: 2_000n, refundedAmount: 500n, disputedAmount: 0n },
    ], 0);
    expect(items.map((i) => [i.donationId, i.amount])).toEqual([['a', 10_000n], ['b', 5_000n], ['c', 1_500n]]);
    expect(items.reduce((s, i) => s + i.amount, 0n)).toBe(16_500n);
    const first = nextBatch(items, 2);
    expect(first.map((i) => i.donationId)).toEqual(['a', 'b']);
    const afterFirst = items.map((i) => (first.includes(i) ? { ...i, status: 'refunded' as const } : i));
    expect(nextBatch(afterFirst, 2).map((i) => i.donationId)).toEqual(['c']);
  });

  it('after the close-out the platform fee is all returned, and the campaign bears only the Stripe fees: -(3.20 + 1.75 + 0.88) = -5.83', () => {
    // Full refunds return the rest of each platform fee: A 2.00, B 1.00, C 0.40 - 0.10 = 0.30.
    const shareA = platformFeeRefundShare(200n, 10_000n, 0n, 10_000n, 0n);
    const shareB = platformFeeRefundShare(100n, 5_000n, 0n, 5_000n, 0n);
    const shareC = platformFeeRefundShare(40n, 2_000n, 500n, 1_500n, earlyShare);
    expect([shareA, shareB, shareC]).toEqual([200n, 100n, 30n]);
    const after = [
      ...beforeEnd,
      refundEntry(base('re_a'), 10_000n), platformFeeRefundEntry(base('re_a'), shareA),
      refundEntry(base('re_b'), 5_000n), platformFeeRefundEntry(base('re_b'), shareB),
      refundEntry(base('re_c2'), 1_500n), platformFeeRefundEntry(base('re_c2'), shareC),
    ];
    // 155.87 - 165.00 refunded + 3.30 fees returned = -5.83
    expect(balance(after, funds)).toBe(-583n);
    expect(balance(after, 'platform:fee_revenue')).toBe(0n);
    // Stripe keeps its fees: the platform balance is 170.00 - 5.83 - 170.00 = -5.83
    expect(balance(after, 'platform:stripe_balance')).toBe(-583n);
    // Every entry balances to zero (invariant 1), so the accounts sum to zero (invariant 2).
    for (const e of after) expect(e.postings.reduce((s, p) => s + p.amount, 0n)).toBe(0n);
  });
});
