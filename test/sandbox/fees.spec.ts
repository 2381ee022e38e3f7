import fc from 'fast-check';
import { bankDebitFee, cardFee, disputeFee, percentOf } from '../../apps/stripe-sandbox/src/core/fees.js';

describe('sandbox fee calculator', () => {
  it("charges Stripe's US card price: 2.9% + 0.30", () => {
    expect(cardFee(10_000n, 'usd')).toBe(320n); // 2.90 + 0.30
    expect(cardFee(50n, 'usd')).toBe(31n); // 1.45 -> 1, + 30
    expect(cardFee(99_999_999n, 'usd')).toBe(2_900_030n); // 2,899,999.971 -> 2,900,000, + 30
  });

  it('rounds the percentage half up', () => {
    expect(percentOf(1_050n, 290n)).toBe(30n); // 30.45 -> 30
    expect(percentOf(5_000n, 290n)).toBe(145n); // exactly 145
    expect(percentOf(50n, 290n)).toBe(1n); // 1.45 -> 1
    expect(percentOf(1_724_138n, 290n)).toBe(50_000n); // 50,000.002 -> 50,000
    expect(percentOf(1n, 5_000n)).toBe(1n); // 0.5 -> 1 (half up)
  });

  it('uses per-currency fixed parts and zero-decimal pricing', () => {
    expect(cardFee(10_000n, 'eur')).toBe(315n); // 2.90 + 0.25
    expect(cardFee(10_000n, 'gbp')).toBe(310n); // 2.90 + 0.20
    expect(cardFee(10_000n, 'jpy')).toBe(360n); // 3.6%, no fixed part: 360 yen
    expect(cardFee(10_000n, 'sar')).toBe(290n + 120n); // fixed part: three fifths of the 2.00 SAR minimum
    expect(cardFee(10_000n, 'krw')).toBe(290n + 420n);
  });

  it('caps bank debit fees at 5.00 USD', () => {
    expect(bankDebitFee(20_000n, 'usd')).toBe(160n);
    expect(bankDebitFee(1_000_000n, 'usd')).toBe(500n);
  });

  it('charges a dispute fee per currency', () => {
    expect(disputeFee('usd')).toBe(1_500n);
    expect(disputeFee('eur')).toBe(2_000n);
    expect(disputeFee('jpy')).toBe(1_500n);
  });

  it('never charges more than the amount plus the fixed part, and grows with the amount', () => {
    fc.assert(fc.property(fc.bigInt({ min: 50n, max: 99_999_999n }), fc.constantFrom('usd', 'eur', 'jpy', 'sar', 'kwd'), (amount, currency) => {
      const fee = cardFee(amount, currency);
      expect(fee).toBeGreaterThan(0n);
      expect(fee).toBeLessThan(amount / 10n + 1_000n);
      expect(cardFee(amount + 1n, currency)).toBeGreaterThanOrEqual(fee);
    }));
  });
});
