import { convertMinorUnits, divideRoundHalfEven, parseExchangeRate, type ExchangeRate } from '@ataa/common';

/**
 * The sandbox's fixed test exchange rates, so that tests of an account settling in another
 * currency than its charges (Stripe's automatic currency conversion) have exact expected numbers.
 * Each is the value of one major unit in US dollars, as an exact decimal. A cross rate between two
 * non-USD currencies is usd(from) / usd(to) rounded half to even to 6 decimals (Stripe's rates
 * carry a handful of decimals); the decimal is then used exactly.
 *
 * Amounts are converted as Stripe does: amount(settlement) = amount(presentment) × exchange_rate,
 * in major units, rounded half to even to the settlement minor unit (`convertMinorUnits`). Stripe's
 * fee is then computed on the settled amount with the settlement currency's price. (Real Stripe
 * adds a currency conversion fee on top of its rate; the sandbox does not.)
 */
export const TEST_USD_RATES: Readonly<Record<string, string>> = {
  usd: '1', eur: '1.08', gbp: '1.27', chf: '1.12', cad: '0.74', aud: '0.66', jpy: '0.0067',
  kwd: '3.25', bhd: '2.65', omr: '2.6', jod: '1.41', sar: '0.2667', aed: '0.2723', qar: '0.2747', egp: '0.0205', try: '0.031',
};

/** The rate from `from` to `to` (to per from), or null when the sandbox has no rate for one of them. */
export function testExchangeRate(from: string, to: string): ExchangeRate | null {
  const f = TEST_USD_RATES[from];
  const t = TEST_USD_RATES[to];
  if (f === undefined || t === undefined) return null;
  if (to === 'usd') return parseExchangeRate(f);
  const a = parseExchangeRate(f);
  const b = parseExchangeRate(t);
  const micro = divideRoundHalfEven(a.num * b.den * 1_000_000n, a.den * b.num);
  const text = `${micro / 1_000_000n}.${(micro % 1_000_000n).toString().padStart(6, '0')}`.replace(/\.?0+$/, '');
  return parseExchangeRate(text);
}

export interface Settled {
  amount: number;
  currency: string;
  /** Set only when the amount was converted, as Stripe does. */
  exchangeRate: number | null;
}

/**
 * What a movement of `amount` (signed, minor units of `currency`) becomes on a balance settling in
 * `settlementCurrency` (null: every currency is kept as charged, the sandbox's default). A currency
 * the sandbox has no rate for is kept as charged.
 */
export function settle(amount: number, currency: string, settlementCurrency: string | null): Settled {
  if (!settlementCurrency || settlementCurrency === currency) return { amount, currency, exchangeRate: null };
  const rate = testExchangeRate(currency, settlementCurrency);
  if (!rate) return { amount, currency, exchangeRate: null };
  return { amount: Number(convertMinorUnits(BigInt(amount), currency, settlementCurrency, rate)), currency: settlementCurrency, exchangeRate: Number(rate.text) };
}
