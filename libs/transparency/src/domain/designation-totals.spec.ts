import { designationRowsOf, designationShares, designationTotals } from './designations.js';
import { reportFromEntries } from './report.js';
import type { PublicLeaf } from './public-entry.js';

const leaf = (index: number, kind: PublicLeaf['kind'], amount: number, extra: Partial<PublicLeaf> = {}): PublicLeaf => ({
  v: extra.designation ? 4 : 3, campaign: 'c', index, time: '2026-03-01T00:00:00.000Z', kind, amount: String(amount), currency: 'usd',
  donorHash: null, messageHash: null, donorCommitment: null, purpose: null, balance: '0', ...extra,
} as PublicLeaf);

describe('money in and out per designation', () => {
  it('puts a format-3 entry in general and a format-4 entry in its designation, payouts by their shares', () => {
    expect(designationShares(leaf(0, 'donation', 500))).toEqual([{ designation: 'general', amount: 500n }]);
    expect(designationShares(leaf(1, 'payout', -500, { designation: 'zakat', draws: [{ index: 0, amount: '500' }] } as Partial<PublicLeaf>)))
      .toEqual([{ designation: 'zakat', amount: -500n }]);
    expect(designationRowsOf(leaf(2, 'terms_changed', 0))).toEqual([]);
    expect(designationRowsOf(leaf(3, 'evidence', 0))).toEqual([]);
  });

  it('adds each kind to its column, and what is left is the sum', () => {
    const entries = [
      leaf(0, 'donation', 6000, { designation: 'zakat' }), leaf(1, 'fee', -200, { designation: 'zakat' }), leaf(2, 'platform_fee', -100, { designation: 'zakat' }),
      leaf(3, 'refund', -1000, { designation: 'zakat' }), leaf(4, 'dispute', -500, { designation: 'zakat' }), leaf(5, 'dispute_reversal', 500, { designation: 'zakat' }),
      leaf(6, 'payout', -3000, { designation: 'zakat', draws: [{ index: 0, amount: '3000' }] } as Partial<PublicLeaf>), leaf(7, 'payout_reversal', 1000, { designation: 'zakat' }),
      leaf(8, 'offline_gift', 700, { purpose: 'cash' }), leaf(9, 'offline_gift_void', -700, { purpose: 'void of entry 8' }), leaf(10, 'donation', 50),
    ];
    expect(designationTotals(entries.flatMap(designationRowsOf))).toEqual([
      { designation: 'general', gifts: '50', giftCount: 1, offline: '0', fees: '0', refunds: '0', disputes: '0', paidOut: '0', left: '50' },
      { designation: 'zakat', gifts: '6000', giftCount: 1, offline: '0', fees: '-300', refunds: '-1000', disputes: '0', paidOut: '-2000', left: '2700' },
    ]);
    const report = reportFromEntries('usd', entries);
    expect(report.designations).toEqual(designationTotals(entries.flatMap(designationRowsOf)));
    expect(report.designations.reduce((s, d) => s + BigInt(d.left), 0n).toString()).toBe(report.balance);
  });

  it('splits a format-5 payout and its reversal across their parts', () => {
    // Gifts: general 40.00, zakat 60.00. One payout of 70.00 split general 30.00 + zakat 40.00,
    // then 10.00 of its zakat part comes back. general: 40 - 30 = 10.00 left; zakat: 60 - 40 + 10 = 30.00.
    const entries = [
      leaf(0, 'donation', 4000, { designation: 'general' }), leaf(1, 'donation', 6000, { designation: 'zakat' }),
      { ...leaf(2, 'payout', -7000), v: 5, parts: [
        { designation: 'general', amount: '3000', draws: [{ index: 0, amount: '3000' }] },
        { designation: 'zakat', amount: '4000', draws: [{ index: 1, amount: '4000' }] },
      ] } as unknown as PublicLeaf,
      { ...leaf(3, 'payout_reversal', 1000), v: 5, parts: [{ designation: 'zakat', amount: '1000' }] } as unknown as PublicLeaf,
    ];
    expect(designationShares(entries[2])).toEqual([{ designation: 'general', amount: -3000n }, { designation: 'zakat', amount: -4000n }]);
    expect(designationTotals(entries.flatMap(designationRowsOf))).toEqual([
      { designation: 'general', gifts: '4000', giftCount: 1, offline: '0', fees: '0', refunds: '0', disputes: '0', paidOut: '-3000', left: '1000' },
      { designation: 'zakat', gifts: '6000', giftCount: 1, offline: '0', fees: '0', refunds: '0', disputes: '0', paidOut: '-3000', left: '3000' },
    ]);
  });

  it('has no line for a log without money', () => {
    expect(designationTotals([])).toEqual([]);
    expect(reportFromEntries('usd', [leaf(0, 'terms_changed', 0)]).designations).toEqual([]);
  });
});
