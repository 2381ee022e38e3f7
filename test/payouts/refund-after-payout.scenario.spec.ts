import {
  campaignFundsAccount, PLATFORM_ACCOUNTS, donationEntry, platformFeeEntry, platformFeeRefundEntry, platformFeeRefundShare, processingFeeEntry, refundEntry,
  type EntryInput,
} from '@ataa/ledger';
import { payoutEntry, payoutHoldEntry, payoutHoldReleaseEntry, payoutReversalEntry, planRecovery, refundAllowed } from '@ataa/payouts';
import { balances, liability } from './scenario-balances.js';

/**
 * Money scenario (issue 15.6): a refund after a payout. Before, the refund was simply posted and
 * the campaign's funds went negative by what had been paid out; now the shortfall is first
 * recovered by reversing the latest transfer, so the funds end at 0. Balances are summed from the
 * entries themselves (what the database does).
 */
const campaignId = '22222222-2222-4222-8222-222222222222';
const funds = campaignFundsAccount(campaignId);
const at = new Date('2026-11-20T10:00:00Z');
const base = (sourceId: string) => ({ campaignId, currency: 'usd', occurredAt: at, sourceId });
const pbase = (payoutId: string) => ({ payoutId, campaignId, currency: 'usd', occurredAt: at });


describe('scenario: gifts, a payout of everything available, then a full refund', () => {
  it('reverses exactly the shortfall from the transfer: the funds end at 0, not negative', () => {
    const entries: EntryInput[] = [];
    // Gift A 100.00: Stripe fee 2.9% + 0.30 = 3.20, platform fee 2% = 2.00 -> nets 94.80
    entries.push(donationEntry(base('ch_a'), 10_000n), processingFeeEntry(base('txn_a'), 320n), platformFeeEntry(base('ch_a'), 200n));
    // Gift B 50.00: Stripe fee 1.45 + 0.30 = 1.75, platform fee 1.00 -> nets 47.25
    entries.push(donationEntry(base('ch_b'), 5_000n), processingFeeEntry(base('txn_b'), 175n), platformFeeEntry(base('ch_b'), 100n));
    expect(liability(balances(entries), funds)).toBe(14_205n); // 94.80 + 47.25 = 142.05

    // Payout of everything available, 142.05: hold, then release + payout (transfer tr_1)
    entries.push(payoutHoldEntry(pbase('p1'), 14_205n), payoutHoldReleaseEntry(pbase('p1'), 14_205n), payoutEntry(pbase('p1'), 14_205n));
    let b = balances(entries);
    expect(liability(b, funds)).toBe(0n);

    // Full refund of gift A, 100.00: the platform returns its whole fee (2.00), Stripe keeps its 3.20,
    // so the refund costs the campaign 100.00 - 2.00 = 98.00
    const share = platformFeeRefundShare(200n, 10_000n, 0n, 10_000n, 0n);
    expect(share).toBe(200n);
    const cost = 10_000n - share;
    expect(cost).toBe(9_800n);

    // The funds (0) cannot bear 98.00: 98.00 of the 142.05 transfer is reversed first
    const plan = planRecovery({
      fundsBalance: liability(b, funds), refundsInFlight: 0n, held: 0n, cost,
      transfers: [{ payoutId: 'p1', transferId: 'tr_1', amount: 14_205n, reversed: 0n, executedAt: at }],
    });
    expect(refundAllowed(plan)).toBe(true);
    expect(plan.reversals).toEqual([{ payoutId: 'p1', transferId: 'tr_1', amount: 9_800n }]);
    for (const r of plan.reversals) entries.push(payoutReversalEntry(pbase(r.payoutId), 'trr_1', r.amount));
    b = balances(entries);
    expect(liability(b, funds)).toBe(9_800n); // 0 + 98.00 back from the organization

    // Then the refund is posted: -100.00, +2.00 platform fee returned
    entries.push(refundEntry(base('re_a'), 10_000n), platformFeeRefundEntry(base('re_a'), share));
    b = balances(entries);
    expect(liability(b, funds)).toBe(0n); // 98.00 - 100.00 + 2.00 = 0: never below zero
    // The organization keeps 142.05 - 98.00 = 44.05 = gift B's 47.25 minus gift A's 3.20 Stripe fee
    // Stripe balance: 150.00 - 4.95 fees - 142.05 transfer + 98.00 reversal - 100.00 refund = 1.00,
    // which is the platform's fee on gift B (its fee on A was returned) plus the funds (0)
    expect(b.get(PLATFORM_ACCOUNTS.stripeBalance)).toBe(100n);
    expect(-(b.get(PLATFORM_ACCOUNTS.feeRevenue) ?? 0n)).toBe(100n);
    // invariant 2: everything sums to zero
    expect([...b.values()].reduce((x, y) => x + y, 0n)).toBe(0n);
  });

  it('a single gift paid out and fully refunded: the whole transfer comes back, the Stripe fee stays borne as without a payout', () => {
    const entries: EntryInput[] = [];
    // Gift A 100.00 nets 94.80, all of it paid out
    entries.push(donationEntry(base('ch_a'), 10_000n), processingFeeEntry(base('txn_a'), 320n), platformFeeEntry(base('ch_a'), 200n));
    entries.push(payoutHoldEntry(pbase('p1'), 9_480n), payoutHoldReleaseEntry(pbase('p1'), 9_480n), payoutEntry(pbase('p1'), 9_480n));
    expect(liability(balances(entries), funds)).toBe(0n);
    // The full refund costs 98.00; the payout caused 94.80 of that shortfall, Stripe's kept 3.20 fee
    // the rest (a campaign with no payout that refunds its only gift ends at -3.20 too: README,
    // Campaign close-out, Note). So the whole 94.80 transfer is reversed and the refund goes ahead.
    const plan = planRecovery({
      fundsBalance: 0n, refundsInFlight: 0n, held: 0n, cost: 9_800n,
      transfers: [{ payoutId: 'p1', transferId: 'tr_1', amount: 9_480n, reversed: 0n, executedAt: at }],
    });
    expect(plan).toMatchObject({ shortfall: 9_800n, needed: 9_480n, uncovered: 0n });
    entries.push(payoutReversalEntry(pbase('p1'), 'trr_1', 9_480n), refundEntry(base('re_a'), 10_000n), platformFeeRefundEntry(base('re_a'), 200n));
    const b = balances(entries);
    expect(liability(b, funds)).toBe(-320n); // 94.80 - 100.00 + 2.00 = -3.20, the Stripe fee, as without any payout
    // Without the reversal it would have been 0 - 100.00 + 2.00 = -98.00
  });
});
