import { minimumChargeAmount } from '@ataa/common';

/**
 * Stripe's processing fees as the sandbox charges them. Card pricing is Stripe's standard
 * 2.9% + a fixed part per currency (0.30 USD, 0.25 EUR, 0.20 GBP, ...; Japan: 3.6%, no fixed part),
 * the percentage rounded half up to the minor unit. Bank debits (ACH-like) cost 0.8% capped at the
 * equivalent of 5.00 USD. A dispute costs 15.00 USD (or the currency's equivalent).
 * Computed in bigint so that no amount ever passes through a float.
 */
export interface FeeDetail {
  amount: number;
  application: null;
  currency: string;
  description: string;
  type: 'stripe_fee';
}

interface CardPricing {
  bps: bigint;
  fixed: bigint;
}

const CARD_PRICING: Readonly<Record<string, CardPricing>> = {
  usd: { bps: 290n, fixed: 30n },
  cad: { bps: 290n, fixed: 30n },
  aud: { bps: 290n, fixed: 30n },
  nzd: { bps: 290n, fixed: 30n },
  sgd: { bps: 290n, fixed: 50n },
  hkd: { bps: 290n, fixed: 235n },
  eur: { bps: 290n, fixed: 25n },
  gbp: { bps: 290n, fixed: 20n },
  chf: { bps: 290n, fixed: 30n },
  jpy: { bps: 360n, fixed: 0n },
};

const DEFAULT_CARD_BPS = 290n;
const BANK_DEBIT_BPS = 80n;

/** Rounds amount * bps / 10000 half up (amounts are non-negative). */
export function percentOf(amount: bigint, bps: bigint): bigint {
  if (amount < 0n) throw new RangeError('fees are computed on non-negative amounts');
  return (amount * bps + 5_000n) / 10_000n;
}

/**
 * Roughly 0.30 USD in the currency for currencies without a listed price: three fifths of the
 * currency's minimum charge amount, which is itself about 0.50 USD.
 */
function defaultFixedPart(currency: string): bigint {
  return (minimumChargeAmount(currency) * 3n) / 5n;
}

export function cardPricing(currency: string): CardPricing {
  return CARD_PRICING[currency] ?? { bps: DEFAULT_CARD_BPS, fixed: defaultFixedPart(currency) };
}

export function cardFee(amount: bigint, currency: string): bigint {
  const pricing = cardPricing(currency);
  return percentOf(amount, pricing.bps) + pricing.fixed;
}

/** Equivalent of 5.00 USD: ten times the minimum charge (0.50 USD). */
function bankDebitCap(currency: string): bigint {
  return currency === 'usd' ? 500n : minimumChargeAmount(currency) * 10n;
}

export function bankDebitFee(amount: bigint, currency: string): bigint {
  const fee = percentOf(amount, BANK_DEBIT_BPS);
  const cap = bankDebitCap(currency);
  return fee > cap ? cap : fee;
}

/** 15.00 USD, 20.00 EUR/GBP, otherwise about 15 USD (thirty times the ~0.50 USD minimum). */
export function disputeFee(currency: string): bigint {
  if (currency === 'usd') return 1_500n;
  if (currency === 'eur' || currency === 'gbp') return 2_000n;
  return minimumChargeAmount(currency) * 30n;
}

export function feeDetails(fee: bigint, currency: string, description: string): FeeDetail[] {
  if (fee === 0n) return [];
  return [{ amount: Number(fee), application: null, currency, description, type: 'stripe_fee' }];
}

