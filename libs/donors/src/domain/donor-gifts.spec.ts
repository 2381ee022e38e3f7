import { giftsInPeriod, netAmount, totalsPerCurrency, type DonorGift } from './donor-gifts.js';
import { resolveStatementPeriod } from './statement-period.js';

type Facts = Pick<DonorGift, 'id' | 'amount' | 'refundedAmount' | 'disputedAmount' | 'status' | 'currency' | 'givenAt'>;
const gift = (id: string, currency: string, amount: bigint, at: string, more: Partial<Facts> = {}): Facts => ({
  id, currency, amount, refundedAmount: 0n, disputedAmount: 0n, status: 'succeeded', givenAt: new Date(at), ...more,
});

describe('a donor statement: gifts in a period and totals per currency', () => {
  it('counts what a gift still counts for after refunds and lost disputes', () => {
    expect(netAmount(gift('a', 'usd', 5000n, '2026-01-01T00:00:00Z'))).toBe(5000n);
    // 50.00 paid, 20.00 refunded: 30.00 left
    expect(netAmount(gift('b', 'usd', 5000n, '2026-01-01T00:00:00Z', { status: 'partially_refunded', refundedAmount: 2000n }))).toBe(3000n);
    expect(netAmount(gift('c', 'usd', 5000n, '2026-01-01T00:00:00Z', { status: 'refunded', refundedAmount: 5000n }))).toBe(0n);
    // a lost dispute reversed the whole charge; an open or won one did not
    expect(netAmount(gift('d', 'usd', 5000n, '2026-01-01T00:00:00Z', { status: 'dispute_lost', disputedAmount: 5000n }))).toBe(0n);
    expect(netAmount(gift('e', 'usd', 5000n, '2026-01-01T00:00:00Z', { status: 'disputed', disputedAmount: 5000n }))).toBe(5000n);
    expect(netAmount(gift('f', 'usd', 5000n, '2026-01-01T00:00:00Z', { status: 'dispute_won', disputedAmount: 5000n }))).toBe(5000n);
  });

  it('never adds different currencies: one line per currency, in code order', () => {
    const gifts = [
      gift('1', 'usd', 5000n, '2026-02-01T10:00:00Z'), // $50.00
      gift('2', 'eur', 2500n, '2026-03-01T10:00:00Z'), // €25.00
      gift('3', 'usd', 1000n, '2026-04-01T10:00:00Z', { status: 'partially_refunded', refundedAmount: 400n }), // $10.00, $4.00 back
      gift('4', 'jpy', 3000n, '2026-05-01T10:00:00Z'), // ¥3,000 (no minor unit)
      gift('5', 'KWD', 12345n, '2026-06-01T10:00:00Z'), // 12.345 KWD (three decimals)
      gift('6', 'eur', 700n, '2026-07-01T10:00:00Z', { status: 'refunded', refundedAmount: 700n }), // €7.00, all back
    ];
    expect(totalsPerCurrency(gifts)).toEqual([
      // eur: 25.00 + 7.00 = 32.00 given, 7.00 returned, 25.00 net
      { currency: 'eur', gifts: 2, given: 3200n, returned: 700n, net: 2500n },
      { currency: 'jpy', gifts: 1, given: 3000n, returned: 0n, net: 3000n },
      { currency: 'kwd', gifts: 1, given: 12345n, returned: 0n, net: 12345n },
      // usd: 50.00 + 10.00 = 60.00 given, 4.00 returned, 56.00 net
      { currency: 'usd', gifts: 2, given: 6000n, returned: 400n, net: 5600n },
    ]);
    expect(totalsPerCurrency([])).toEqual([]);
  });

  it('keeps the gifts of the period, start included and end excluded, oldest first', () => {
    const year = resolveStatementPeriod({ period: 'calendar', year: '2026' });
    const gifts = [
      gift('late', 'usd', 1n, '2026-12-31T23:59:59.999Z'),
      gift('before', 'usd', 1n, '2025-12-31T23:59:59.999Z'),
      gift('first', 'usd', 1n, '2026-01-01T00:00:00.000Z'),
      gift('after', 'usd', 1n, '2027-01-01T00:00:00.000Z'),
    ];
    expect(giftsInPeriod(gifts, year).map((g) => g.id)).toEqual(['first', 'late']);
    const fiscal = resolveStatementPeriod({ period: 'fiscal', startMonth: '4', year: '2025' });
    expect(giftsInPeriod([gift('march26', 'usd', 1n, '2026-03-31T12:00:00Z'), gift('april26', 'usd', 1n, '2026-04-01T00:00:00Z')], fiscal).map((g) => g.id)).toEqual(['march26']);
  });
});
