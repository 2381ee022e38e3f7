import { Money } from './money.js';
import { chargeAmountProblem, formatMajorUnits, parseMajorUnits } from './currency.js';

describe('Money', () => {
  it('adds and subtracts in minor units without floats', () => {
    // 0.10 + 0.20 in floats is 0.30000000000000004; in minor units it is exactly 30
    expect(Money.of(10, 'usd').plus(Money.of(20, 'usd')).amount).toBe(30n);
    expect(Money.of(10n, 'usd').minus(Money.of(25n, 'usd')).amount).toBe(-15n);
  });

  it('refuses mixed-currency arithmetic', () => {
    expect(() => Money.of(1, 'usd').plus(Money.of(1, 'eur'))).toThrow(TypeError);
  });

  it('refuses fractional amounts and malformed currencies', () => {
    expect(() => Money.of(1.5, 'usd')).toThrow(RangeError);
    expect(() => Money.of(1, 'USD')).toThrow(RangeError);
  });

  it('serialises amounts as strings so JSON never rounds them', () => {
    expect(JSON.stringify(Money.of(9007199254740993n, 'usd'))).toBe('{"amount":"9007199254740993","currency":"usd"}');
  });
});

describe('currency rules', () => {
  it.each([
    ['12.50', 'usd', 1250n],
    ['12', 'usd', 1200n],
    ['500', 'jpy', 500n],
    ['1.250', 'kwd', 1250n],
    ['0,5', 'eur', 50n],
  ])('parses %s %s as %s minor units', (input, currency, expected) => {
    expect(parseMajorUnits(input, currency)).toBe(expected);
  });

  it.each([
    ['12.505', 'usd'],
    ['1.5', 'jpy'],
    ['1.2345', 'kwd'],
    ['-1', 'usd'],
    ['1e3', 'usd'],
    ['', 'usd'],
  ])('rejects %s %s', (input, currency) => {
    expect(parseMajorUnits(input, currency)).toBeNull();
  });

  it('formats minor units by the currency exponent', () => {
    expect(formatMajorUnits(123456n, 'usd')).toBe('1234.56');
    expect(formatMajorUnits(500n, 'jpy')).toBe('500');
    expect(formatMajorUnits(1250n, 'kwd')).toBe('1.250');
    expect(formatMajorUnits(-5n, 'usd')).toBe('-0.05');
  });

  it('applies Stripe minimums, maximum and three-decimal rounding', () => {
    expect(chargeAmountProblem(50n, 'usd')).toBeNull();
    expect(chargeAmountProblem(49n, 'usd')).toBe('amount_below_minimum');
    expect(chargeAmountProblem(0n, 'usd')).toBe('amount_not_positive');
    expect(chargeAmountProblem(-100n, 'usd')).toBe('amount_not_positive');
    expect(chargeAmountProblem(100_000_000n, 'usd')).toBe('amount_above_maximum');
    expect(chargeAmountProblem(1255n, 'kwd')).toBe('amount_wrong_precision');
    expect(chargeAmountProblem(1250n, 'kwd')).toBeNull();
    expect(chargeAmountProblem(100n, 'xyz')).toBe('unsupported_currency');
  });
});
