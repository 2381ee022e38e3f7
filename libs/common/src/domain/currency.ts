/**
 * Stripe's currency rules, in one place. Amounts are integers in the currency's minor unit.
 * Source: Stripe docs "Supported currencies" (zero-decimal, three-decimal) and "Minimum and maximum
 * charge amounts". Currencies Stripe lists without a fixed minimum get the rough equivalent of 0.50 USD.
 */
export const ZERO_DECIMAL_CURRENCIES: ReadonlySet<string> = new Set([
  'bif', 'clp', 'djf', 'gnf', 'jpy', 'kmf', 'krw', 'mga', 'pyg', 'rwf', 'ugx', 'vnd', 'vuv', 'xaf', 'xof', 'xpf',
]);

/** Three-decimal currencies: Stripe requires charge amounts to be a multiple of 10 (last digit 0). */
export const THREE_DECIMAL_CURRENCIES: ReadonlySet<string> = new Set(['bhd', 'jod', 'kwd', 'omr', 'tnd']);

/** Minimum charge amount per currency, in minor units. */
const MINIMUM_CHARGE: Readonly<Record<string, number>> = {
  usd: 50, aed: 200, aud: 50, bgn: 100, brl: 50, cad: 50, chf: 50, czk: 1500, dkk: 250, eur: 50,
  gbp: 30, hkd: 400, huf: 17500, inr: 50, jpy: 50, mxn: 1000, myr: 200, nok: 300, nzd: 50,
  pln: 200, ron: 200, sek: 300, sgd: 50, thb: 1000,
  // approximate equivalents of 0.50 USD for currencies without a published fixed minimum
  sar: 200, qar: 200, egp: 2500, mad: 500, try: 2000, krw: 700, idr: 800000, php: 3000, zar: 1000,
  ngn: 80000, kes: 7000, pkr: 14000, bdt: 6000, ils: 200, isk: 70, clp: 500, cop: 200000, pen: 200,
  xof: 300, xaf: 300, ugx: 2000, rwf: 700, vnd: 13000,
  bhd: 200, jod: 400, kwd: 200, omr: 200, tnd: 2000,
};

export const SUPPORTED_CURRENCIES: readonly string[] = Object.freeze(Object.keys(MINIMUM_CHARGE).sort());

/** Stripe's maximum charge amount is 99,999,999 minor units for most currencies (8 digits). */
export const MAXIMUM_CHARGE = 99_999_999n;

export function isSupportedCurrency(currency: string): boolean {
  return Object.prototype.hasOwnProperty.call(MINIMUM_CHARGE, currency);
}

export function currencyExponent(currency: string): 0 | 2 | 3 {
  if (ZERO_DECIMAL_CURRENCIES.has(currency)) return 0;
  if (THREE_DECIMAL_CURRENCIES.has(currency)) return 3;
  return 2;
}

export function minimumChargeAmount(currency: string): bigint {
  const min = MINIMUM_CHARGE[currency];
  if (min === undefined) throw new RangeError(`unsupported currency ${currency}`);
  return BigInt(min);
}

export type AmountProblem =
  | 'unsupported_currency'
  | 'amount_not_integer'
  | 'amount_not_positive'
  | 'amount_below_minimum'
  | 'amount_above_maximum'
  | 'amount_wrong_precision';

/**
 * Checks that an amount in minor units can be charged in the currency. Returns the first problem,
 * or null when the amount is chargeable.
 */
export function chargeAmountProblem(amount: bigint, currency: string): AmountProblem | null {
  if (!isSupportedCurrency(currency)) return 'unsupported_currency';
  if (amount <= 0n) return 'amount_not_positive';
  if (THREE_DECIMAL_CURRENCIES.has(currency) && amount % 10n !== 0n) return 'amount_wrong_precision';
  if (amount < minimumChargeAmount(currency)) return 'amount_below_minimum';
  if (amount > MAXIMUM_CHARGE) return 'amount_above_maximum';
  return null;
}

/**
 * Parses a decimal string in major units ("12.50") into minor units, exactly, without floats.
 * Returns null when the string has more decimals than the currency allows or is not a number.
 */
export function parseMajorUnits(input: string, currency: string): bigint | null {
  const exponent = currencyExponent(currency);
  const match = /^(\d{1,15})(?:[.,](\d+))?$/.exec(input.trim());
  if (!match) return null;
  const [, whole, fraction = ''] = match;
  if (fraction.length > exponent) return null;
  return BigInt(whole) * 10n ** BigInt(exponent) + BigInt(fraction.padEnd(exponent, '0') || '0');
}

/** Formats minor units as a plain major-unit decimal string ("1234.50"), no locale, no symbol. */
export function formatMajorUnits(amount: bigint, currency: string): string {
  const exponent = currencyExponent(currency);
  const negative = amount < 0n;
  const abs = negative ? -amount : amount;
  if (exponent === 0) return `${negative ? '-' : ''}${abs}`;
  const divisor = 10n ** BigInt(exponent);
  const whole = abs / divisor;
  const fraction = (abs % divisor).toString().padStart(exponent, '0');
  return `${negative ? '-' : ''}${whole}.${fraction}`;
}
