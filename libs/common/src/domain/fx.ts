import { currencyExponent } from './currency.js';

/**
 * Exchange rates and conversions, exact in bigint minor units.
 *
 * Stripe's `exchange_rate` on a balance transaction is a decimal number with the meaning "an amount
 * in currency A (major units) times exchange_rate is the amount in currency B (major units)", where
 * A is the charge's (presentment) currency and B the account's settlement currency. It reaches us as
 * a JSON number; its shortest decimal spelling (`String(rate)`, what Stripe wrote) is read as an
 * exact fraction num/den, so no amount ever passes through a float.
 *
 * Rounding rule: a converted amount is rounded to the nearest minor unit of the target currency,
 * ties to even (banker's rounding), on the exact rational value
 *   amount_A_minor × rate × 10^exp(B) / 10^exp(A)
 * (exponents as Stripe counts them: KWD 3, USD 2, JPY 0). The remainder is therefore at most half a
 * minor unit of the target currency.
 */
export interface ExchangeRate {
  /** rate = num / den, both positive. */
  num: bigint;
  den: bigint;
  /** The decimal it was read from (what reports show). */
  text: string;
}

const DECIMAL = /^(\d+)(?:\.(\d+))?(?:e([+-]?\d+))?$/i;

export function parseExchangeRate(rate: number | string): ExchangeRate {
  const text = typeof rate === 'number' ? String(rate) : rate.trim();
  const m = DECIMAL.exec(text);
  if (!m) throw new RangeError(`bad exchange rate ${text}`);
  const fraction = m[2] ?? '';
  const exponent = Number(m[3] ?? '0') - fraction.length;
  let num = BigInt(m[1] + fraction);
  let den = 1n;
  if (exponent >= 0) num *= 10n ** BigInt(exponent);
  else den = 10n ** BigInt(-exponent);
  if (num <= 0n) throw new RangeError(`an exchange rate must be positive, got ${text}`);
  const g = gcd(num, den);
  return { num: num / g, den: den / g, text };
}

/** n/d in lowest terms, d > 0 (how an exact remainder is recorded). */
export function fractionText(n: bigint, d: bigint): string {
  const g = gcd(n, d) || 1n;
  return `${n / g}/${d / g}`;
}

function gcd(a: bigint, b: bigint): bigint {
  while (b !== 0n) [a, b] = [b, a % b];
  return a < 0n ? -a : a;
}

/** n / d rounded to the nearest integer, ties to even; d > 0, n of any sign. */
export function divideRoundHalfEven(n: bigint, d: bigint): bigint {
  if (d <= 0n) throw new RangeError('divisor must be positive');
  const negative = n < 0n;
  const a = negative ? -n : n;
  let q = a / d;
  const r2 = (a % d) * 2n;
  if (r2 > d || (r2 === d && q % 2n === 1n)) q += 1n;
  return negative ? -q : q;
}

/** The exact value of `amount` (minor units of `from`) in minor units of `to`, as a fraction n/d (d > 0). */
export function convertExact(amount: bigint, from: string, to: string, rate: ExchangeRate): { n: bigint; d: bigint } {
  const ef = BigInt(currencyExponent(from));
  const et = BigInt(currencyExponent(to));
  return { n: amount * rate.num * 10n ** et, d: rate.den * 10n ** ef };
}

/** `amount` of `from` (presentment) in `to` (settlement) at `rate` (to per from), half-even. */
export function convertMinorUnits(amount: bigint, from: string, to: string, rate: ExchangeRate): bigint {
  const { n, d } = convertExact(amount, from, to, rate);
  return divideRoundHalfEven(n, d);
}

/**
 * The inverse: `amount` of the settlement currency `to` back in the presentment currency `from`
 * at the same rate (from per to = 1 / rate), half-even. Used for Stripe's fee, which Stripe takes in
 * the settlement currency, when the campaign (in the presentment currency) bears it.
 */
export function convertBackMinorUnits(amount: bigint, settlement: string, presentment: string, rate: ExchangeRate): bigint {
  const { n, d } = convertBackExact(amount, settlement, presentment, rate);
  return divideRoundHalfEven(n, d);
}

export function convertBackExact(amount: bigint, settlement: string, presentment: string, rate: ExchangeRate): { n: bigint; d: bigint } {
  return convertExact(amount, settlement, presentment, { num: rate.den, den: rate.num, text: `1/${rate.text}` });
}
