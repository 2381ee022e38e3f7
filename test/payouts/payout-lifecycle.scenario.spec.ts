import { campaignFundsAccount, PLATFORM_ACCOUNTS, donationEntry, platformFeeEntry, processingFeeEntry, type EntryInput } from '@ataa/ledger';
import { computeFunds, payoutEntry, payoutHoldEntry, payoutHoldReleaseEntry, payoutReversalEntry, payoutsPendingAccount } from '@ataa/payouts';
import { balances, liability } from './scenario-balances.js';

/**
 * Money scenario: a campaign raises two gifts, asks for two payouts, one fails, one is paid and
 * later partly reversed. Balances are summed from the entries themselves (what the database does).
 */
const campaignId = '11111111-1111-4111-8111-111111111111';
const funds = campaignFundsAccount(campaignId);
const pending = payoutsPendingAccount(campaignId);
const at = new Date('2026-11-20T10:00:00Z');
const base = (sourceId: string) => ({ campaignId, currency: 'usd', occurredAt: at, sourceId });
const pbase = (payoutId: string) => ({ payoutId, campaignId, currency: 'usd', occurredAt: at });


describe('scenario: two gifts, a failed payout, a paid payout, a partial reversal', () => {
  it('keeps the campaign funds, holds and Stripe balance exact at every step', () => {
    const entries: EntryInput[] = [];
    // Gift A 100.00: Stripe fee 2.9% + 0.30 = 3.20, platform fee 2% = 2.00 -> nets 94.80
    entries.push(donationEntry(base('ch_a'), 10_000n), processingFeeEntry(base('txn_a'), 320n), platformFeeEntry(base('ch_a'), 200n));
    // Gift B 50.00: Stripe fee 1.45 + 0.30 = 1.75, platform fee 1.00 -> nets 47.25
    entries.push(donationEntry(base('ch_b'), 5_000n), processingFeeEntry(base('txn_b'), 175n), platformFeeEntry(base('ch_b'), 100n));
    let b = balances(entries);
    expect(liability(b, funds)).toBe(14_205n); // 94.80 + 47.25 = 142.05

    // Gift B still pending on Stripe: available = 142.05 - 47.25 = 94.80
    const giftsNow = [{ net: 4_725n, availableOn: new Date('2026-11-22T00:00:00Z'), available: false }];
    expect(computeFunds({ currency: 'usd', fundsBalance: 14_205n, reserved: 0n, paidOut: 0n, gifts: giftsNow, now: at }).available).toBe(9_480n);

    // Payout 1 of 60.00 and payout 2 of 30.00 are requested: both held (60 + 30 = 90.00 <= 94.80)
    entries.push(payoutHoldEntry(pbase('p1'), 6_000n), payoutHoldEntry(pbase('p2'), 3_000n));
    b = balances(entries);
    expect(liability(b, funds)).toBe(5_205n); // 142.05 - 90.00 = 52.05
    expect(liability(b, pending)).toBe(9_000n);
    // available now: 52.05 - 47.25 pending = 4.80; a third request of 5.00 would not fit
    expect(computeFunds({ currency: 'usd', fundsBalance: 5_205n, reserved: 9_000n, paidOut: 0n, gifts: giftsNow, now: at }).available).toBe(480n);

    // Payout 2 fails at Stripe: its hold is released, 30.00 is back in the funds
    entries.push(payoutHoldReleaseEntry(pbase('p2'), 3_000n));
    // Payout 1 is paid: release the hold, then the transfer leaves the platform's Stripe balance
    entries.push(payoutHoldReleaseEntry(pbase('p1'), 6_000n), payoutEntry(pbase('p1'), 6_000n));
    b = balances(entries);
    expect(liability(b, funds)).toBe(8_205n); // 142.05 - 60.00 = 82.05
    expect(liability(b, pending)).toBe(0n);
    // Stripe balance: 150.00 gross - 4.95 Stripe fees - 60.00 transfer = 85.05 = 82.05 funds + 3.00 platform fees
    expect(b.get(PLATFORM_ACCOUNTS.stripeBalance)).toBe(8_505n);
    expect(-(b.get(PLATFORM_ACCOUNTS.feeRevenue) ?? 0n)).toBe(300n);

    // 20.00 of the transfer is reversed: back to the funds and to the platform's balance
    entries.push(payoutReversalEntry(pbase('p1'), 'trr_1', 2_000n));
    b = balances(entries);
    expect(liability(b, funds)).toBe(10_205n); // 82.05 + 20.00 = 102.05
    expect(b.get(PLATFORM_ACCOUNTS.stripeBalance)).toBe(10_505n);
    // invariant 2: everything sums to zero
    expect([...b.values()].reduce((x, y) => x + y, 0n)).toBe(0n);
  });
});
