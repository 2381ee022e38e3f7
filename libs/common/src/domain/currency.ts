/**
 * Stripe's currency rules, in one place. Amounts are integers in the minor unit Stripe's API uses.
 * Source: Stripe docs "Supported currencies" (presentment currencies, zero-decimal, three-decimal,
 * special cases) and "Minimum and maximum charge amounts". Stripe publishes fixed minimums for a
 * few currencies; for the others it is 0.50 USD converted at the day's rate, so they get a rough
 * equivalent rounded up (roughly 0.60 to 1.20 USD) that stays above it when rates drift.
 */
export const ZERO_DECIMAL_CURRENCIES: ReadonlySet<string> = new Set([
  'bif', 'clp', 'djf', 'gnf', 'jpy', 'kmf', 'krw', 'mga', 'pyg', 'rwf', 'vnd', 'vuv', 'xaf', 'xof', 'xpf',
]);

/** Three-decimal currencies: Stripe requires charge amounts to be a multiple of 10 (last digit 0). */
export const THREE_DECIMAL_CURRENCIES: ReadonlySet<string> = new Set(['bhd', 'jod', 'kwd', 'omr', 'tnd']);

/**
 * Stripe's special cases ISK and UGX: whole units for people, but the API keeps two decimals for
 * backwards compatibility, so 5 ISK is amount 500 and an amount must be a multiple of 100.
 */
export const WHOLE_UNITS_IN_TWO_DECIMALS: ReadonlySet<string> = new Set(['isk', 'ugx']);

/** Stripe's special cases HUF and TWD: charges take two decimals, payouts only whole units (multiples of 100). */
export const WHOLE_UNIT_PAYOUT_CURRENCIES: ReadonlySet<string> = new Set(['huf', 'twd', 'isk', 'ugx']);

/** Minimum charge amount per currency, in minor units; the keys are Stripe's presentment currencies. */
const MINIMUM_CHARGE: Readonly<Record<string, number>> = {
  // Stripe's published fixed minimums
  usd: 50, aed: 200, aud: 50, bgn: 100, brl: 50, cad: 50, chf: 50, czk: 1500, dkk: 250, eur: 50,
  gbp: 30, hkd: 400, huf: 17500, inr: 50, jpy: 50, mxn: 1000, myr: 200, nok: 300, nzd: 50,
  pln: 200, ron: 200, sek: 300, sgd: 50, thb: 1000,
  // rough equivalents of 0.50 USD, rounded up
  afn: 5000, all: 10000, amd: 25000, ang: 200, aoa: 100000, ars: 100000, awg: 200, azn: 200, bam: 200, bbd: 200,
  bdt: 6000, bhd: 200, bif: 2000, bmd: 50, bnd: 100, bob: 500, bsd: 50, bwp: 1000, byn: 200, bzd: 200,
  cdf: 200000, clp: 500, cny: 500, cop: 200000, crc: 50000, cve: 10000, djf: 200, dop: 5000, dzd: 10000, egp: 2500,
  etb: 10000, fjd: 200, fkp: 50, gel: 200, gip: 50, gmd: 5000, gnf: 10000, gtq: 500, gyd: 20000, hnl: 2000,
  htg: 10000, idr: 800000, ils: 200, isk: 7000, jmd: 10000, jod: 400, kes: 7000, kgs: 10000, khr: 250000, kmf: 500,
  krw: 700, kwd: 200, kyd: 50, kzt: 50000, lak: 2000000, lbp: 10000000, lkr: 20000, lrd: 20000, lsl: 2000, mad: 500,
  mdl: 2000, mga: 5000, mkd: 5000, mmk: 200000, mnt: 250000, mop: 500, mur: 5000, mvr: 1000, mwk: 200000, mzn: 5000,
  nad: 2000, ngn: 80000, nio: 2500, npr: 10000, omr: 200, pab: 50, pen: 200, pgk: 500, php: 3000, pkr: 14000,
  pyg: 5000, qar: 200, rsd: 10000, rub: 5000, rwf: 700, sar: 200, sbd: 500, scr: 1000, shp: 50, sle: 2000,
  sos: 50000, srd: 2500, std: 2000000, szl: 2000, tjs: 1000, tnd: 2000, top: 200, try: 2000, ttd: 500, twd: 2000,
  tzs: 200000, uah: 5000, ugx: 200000, uyu: 2500, uzs: 1000000, vnd: 13000, vuv: 100, wst: 200, xaf: 300, xcd: 200,
  xof: 300, xpf: 100, yer: 20000, zar: 1000, zmw: 2000,
};

export const SUPPORTED_CURRENCIES: readonly string[] = Object.freeze(Object.keys(MINIMUM_CHARGE).sort());

/** Stripe's maximum charge amount is 99,999,999 minor units for most currencies (8 digits). */
export const MAXIMUM_CHARGE = 99_999_999n;

export function isSupportedCurrency(currency: string): boolean {
  return Object.prototype.hasOwnProperty.call(MINIMUM_CHARGE, currency);
}

/** Decimals of the minor unit Stripe's API counts in (ISK and UGX: 2, see WHOLE_UNITS_IN_TWO_DECIMALS). */
export function currencyExponent(currency: string): 0 | 2 | 3 {
  if (ZERO_DECIMAL_CURRENCIES.has(currency)) return 0;
  if (THREE_DECIMAL_CURRENCIES.has(currency)) return 3;
  return 2;
}

/** Decimals people type and read: the API exponent, except 0 for ISK and UGX. */
export function displayDecimals(currency: string): 0 | 2 | 3 {
  return WHOLE_UNITS_IN_TWO_DECIMALS.has(currency) ? 0 : currencyExponent(currency);
}

/** A charge amount must be a multiple of this: 10 for three-decimal currencies, 100 for ISK and UGX. */
export function chargeAmountStep(currency: string): bigint {
  if (THREE_DECIMAL_CURRENCIES.has(currency)) return 10n;
  if (WHOLE_UNITS_IN_TWO_DECIMALS.has(currency)) return 100n;
  return 1n;
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
  if (amount % chargeAmountStep(currency) !== 0n) return 'amount_wrong_precision';
  if (amount < minimumChargeAmount(currency)) return 'amount_below_minimum';
  if (amount > MAXIMUM_CHARGE) return 'amount_above_maximum';
  return null;
}

/** Payouts (and transfers) in HUF, TWD, ISK and UGX must be whole units: multiples of 100. */
export function payoutAmountProblem(amount: bigint, currency: string): AmountProblem | null {
  if (!isSupportedCurrency(currency)) return 'unsupported_currency';
  if (amount <= 0n) return 'amount_not_positive';
  if (WHOLE_UNIT_PAYOUT_CURRENCIES.has(currency) && amount % 100n !== 0n) return 'amount_wrong_precision';
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
  if (fraction.length > displayDecimals(currency)) return null;
  return BigInt(whole) * 10n ** BigInt(exponent) + BigInt(fraction.padEnd(exponent, '0') || '0');
}

/**
 * Formats minor units as a plain major-unit decimal string ("1234.50"), no locale, no symbol. ISK
 * and UGX show whole units ("500"), unless an amount (a fee, say) has hundredths: then those show,
 * so the text stays exact.
 */
export function formatMajorUnits(amount: bigint, currency: string): string {
  const negative = amount < 0n;
  const abs = negative ? -amount : amount;
  const exponent = WHOLE_UNITS_IN_TWO_DECIMALS.has(currency) && abs % 100n === 0n ? 0 : currencyExponent(currency);
  if (exponent === 0) return `${negative ? '-' : ''}${WHOLE_UNITS_IN_TWO_DECIMALS.has(currency) ? abs / 100n : abs}`;
  const divisor = 10n ** BigInt(exponent);
  const whole = abs / divisor;
  const fraction = (abs % divisor).toString().padStart(exponent, '0');
  return `${negative ? '-' : ''}${whole}.${fraction}`;
}
