import { convertBackMinorUnits, convertMinorUnits, divideRoundHalfEven, parseExchangeRate } from './fx.js';

describe('exchange rates and conversions', () => {
  it('reads Stripe\'s exchange_rate as an exact fraction', () => {
    expect(parseExchangeRate(3.25)).toEqual({ num: 13n, den: 4n, text: '3.25' });
    expect(parseExchangeRate(0.0067)).toMatchObject({ num: 67n, den: 10_000n });
    expect(parseExchangeRate(1.2e-7)).toMatchObject({ num: 3n, den: 25_000_000n });
    expect(parseExchangeRate('1')).toMatchObject({ num: 1n, den: 1n });
    expect(() => parseExchangeRate(0)).toThrow(RangeError);
    expect(() => parseExchangeRate(-1)).toThrow(RangeError);
    expect(() => parseExchangeRate(Number.NaN)).toThrow(RangeError);
  });

  it('rounds half to even', () => {
    expect([5n, 15n, 25n, -5n, -15n, 14n, 16n].map((n) => divideRoundHalfEven(n, 10n))).toEqual([0n, 2n, 2n, 0n, -2n, 1n, 2n]);
  });

  it('converts with the currencies\' exponents (KWD 3, USD 2, JPY 0)', () => {
    const kwdUsd = parseExchangeRate(3.2467);
    // 10.000 KWD × 3.2467 = 32.467 USD -> 3246.7 cents -> 3247
    expect(convertMinorUnits(10_000n, 'kwd', 'usd', kwdUsd)).toBe(3_247n);
    // 1.24 USD / 3.2467 = 0.381926... KWD -> 382 fils
    expect(convertBackMinorUnits(124n, 'usd', 'kwd', kwdUsd)).toBe(382n);
    // 10 JPY at 0.0067 USD = 0.067 USD -> 6.7 cents -> 7; 1000 JPY -> 670 cents
    const jpyUsd = parseExchangeRate(0.0067);
    expect(convertMinorUnits(10n, 'jpy', 'usd', jpyUsd)).toBe(7n);
    expect(convertMinorUnits(1_000n, 'jpy', 'usd', jpyUsd)).toBe(670n);
    // A tie: 0.125 KWD... 125 fils at 1.0 USD = 12.5 cents -> 12 (even); 135 fils -> 13.5 -> 14
    expect(convertMinorUnits(125n, 'kwd', 'usd', parseExchangeRate(1))).toBe(12n);
    expect(convertMinorUnits(135n, 'kwd', 'usd', parseExchangeRate(1))).toBe(14n);
    expect(convertMinorUnits(-135n, 'kwd', 'usd', parseExchangeRate(1))).toBe(-14n);
  });
});
