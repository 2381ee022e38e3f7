import { parseTypedAmount, type TypedAmount } from './amount-input.js';

const minor = (input: string, currency: string): bigint | string => {
  const result: TypedAmount = parseTypedAmount(input, currency);
  return result.ok ? result.minor : result.problem;
};

describe('parseTypedAmount: an amount as a person types it, per currency exponent', () => {
  it('JPY (0 decimals): separators group thousands, never decimals', () => {
    expect(minor('1500', 'jpy')).toBe(1500n);
    expect(minor('1,500', 'jpy')).toBe(1500n);
    expect(minor('1.500', 'jpy')).toBe(1500n);
    expect(minor('1,234,567', 'jpy')).toBe(1_234_567n);
    expect(minor('50.000', 'vnd')).toBe(50_000n);
    expect(minor('1.5', 'jpy')).toBe('amount_wrong_precision');
    expect(minor('100.0', 'jpy')).toBe('amount_wrong_precision');
    expect(minor('1,50', 'jpy')).toBe('amount_wrong_precision');
    expect(minor('1,5000', 'jpy')).toBe('amount_wrong_precision');
  });

  it('USD (2 decimals): one or two digits after a separator are decimals; ",ddd" groups; ".ddd" is too precise', () => {
    expect(minor('25', 'usd')).toBe(2500n);
    expect(minor('25.5', 'usd')).toBe(2550n);
    expect(minor('25,50', 'usd')).toBe(2550n);
    expect(minor('1,500', 'usd')).toBe(150_000n);
    expect(minor('12.345', 'usd')).toBe('amount_wrong_precision');
    expect(minor('1,234.56', 'usd')).toBe(123_456n);
    expect(minor('1.234,56', 'usd')).toBe(123_456n);
    expect(minor('1,234,567', 'usd')).toBe(123_456_700n);
    expect(minor('.5', 'usd')).toBe(50n);
    expect(minor('5.', 'usd')).toBe(500n);
    expect(minor('1,23,456', 'usd')).toBe('amount_not_integer');
    expect(minor('1.234.56', 'usd')).toBe('amount_not_integer');
    expect(minor('12,34.56', 'usd')).toBe('amount_not_integer');
  });

  it('KWD and BHD (3 decimals): "." is the decimal point; ",ddd" alone is ambiguous and shows both readings', () => {
    expect(minor('1.500', 'kwd')).toBe(1500n);
    expect(minor('1.5', 'bhd')).toBe(1500n);
    expect(minor('1,5', 'kwd')).toBe(1500n);
    expect(minor('1,25', 'kwd')).toBe(1250n);
    expect(minor('1,234.500', 'kwd')).toBe(1_234_500n);
    expect(minor('1.234,500', 'bhd')).toBe(1_234_500n);
    expect(minor('1,234,567', 'kwd')).toBe(1_234_567_000n);
    expect(minor('1.2345', 'kwd')).toBe('amount_wrong_precision');
    expect(parseTypedAmount('1,500', 'kwd')).toEqual({ ok: false, problem: 'amount_ambiguous', readings: ['1.500', '1500.000'] });
    expect(parseTypedAmount('12,250', 'bhd')).toEqual({ ok: false, problem: 'amount_ambiguous', readings: ['12.250', '12250.000'] });
  });

  it('Arabic-Indic digits and the Arabic separators', () => {
    expect(minor('٢٥', 'usd')).toBe(2500n);
    expect(minor('٢٥٫٥٠', 'usd')).toBe(2550n);
    expect(minor('١٬٥٠٠', 'jpy')).toBe(1500n);
    expect(minor('۱۲۵', 'usd')).toBe(12_500n);
    expect(minor('١٬٥٠٠٫٢٥٠', 'kwd')).toBe(1_500_250n);
    expect(minor('1 500', 'jpy')).toBe(1500n);
  });

  it('refuses what is not a number', () => {
    for (const input of ['', ' ', 'abc', '1e3', '0x10', '--5', '5-', '1..5', ',', '.', '1,,500', '١a', '9'.repeat(16), 'NaN', 'Infinity']) {
      expect(minor(input, 'usd')).toBe('amount_not_integer');
    }
  });
});
