/**
 * Fee arithmetic, exact in bigint minor units.
 *
 * Platform fee: `bps` basis points of the gross, rounded half up. Covered fees: the donor who wants
 * the campaign to net `chosen` is charged the smallest gross G with
 *   G - stripeFee(G) - platformFee(G) >= chosen,
 * where stripeFee is Stripe's published card price for the currency (percentage rounded half up plus
 * a fixed part). The real fee is read later from the balance transaction; the estimate only decides
 * what to charge.
 */
export interface CardPricing {
  bps: bigint;
  fixed: bigint;
}

const CARD_PRICING: Readonly<Record<string, CardPricing>> = {
  usd: { bps: 290n, fixed: 30n }, cad: { bps: 290n, fixed: 30n }, aud: { bps: 290n, fixed: 30n },
  nzd: { bps: 290n, fixed: 30n }, sgd: { bps: 290n, fixed: 50n }, hkd: { bps: 290n, fixed: 235n },
  eur: { bps: 290n, fixed: 25n }, gbp: { bps: 290n, fixed: 20n }, chf: { bps: 290n, fixed: 30n },
  jpy: { bps: 360n, fixed: 0n },
};

/** amount * bps / 10000 rounded half up, for non-negative amounts. */
export function basisPointsOf(amount: bigint, bps: bigint | number): bigint {
  const b = BigInt(bps);
  if (amount < 0n || b < 0n) throw new RangeError('fees are computed on non-negative amounts');
  return (amount * b + 5_000n) / 10_000n;
}

export function platformFee(gross: bigint, platformFeeBps: number): bigint {
  return basisPointsOf(gross, platformFeeBps);
}

/** Stripe's standard card price; currencies without a listed price use 2.9% + 3/5 of the minimum charge. */
export function estimatedCardPricing(currency: string, minimumCharge: bigint): CardPricing {
  return CARD_PRICING[currency] ?? { bps: 290n, fixed: (minimumCharge * 3n) / 5n };
}

export function estimatedStripeFee(gross: bigint, pricing: CardPricing): bigint {
  return basisPointsOf(gross, pricing.bps) + pricing.fixed;
}

/**
 * The smallest gross whose net (after the estimated Stripe fee and the platform fee) reaches
 * `chosen`. Starts from the closed-form lower bound and steps up: rounding can only add a few units.
 * For three-decimal currencies the gross is rounded up to a multiple of 10 (Stripe's rule).
 */
export function grossUpForCoveredFees(chosen: bigint, pricing: CardPricing, platformFeeBps: number, step: bigint = 1n): bigint {
  if (chosen <= 0n) throw new RangeError('the chosen amount must be positive');
  const keepBps = 10_000n - pricing.bps - BigInt(platformFeeBps);
  if (keepBps <= 0n) throw new RangeError('fees leave nothing for the campaign');
  // floor((chosen + fixed) * 10000 / keepBps) is at most the answer, before rounding effects.
  let gross = ((chosen + pricing.fixed) * 10_000n) / keepBps;
  if (gross < chosen) gross = chosen;
  gross = roundUpTo(gross, step);
  const netOf = (g: bigint) => g - estimatedStripeFee(g, pricing) - platformFee(g, platformFeeBps);
  while (netOf(gross) < chosen) gross += step;
  // Never overshoot: step back while the smaller gross still nets the chosen amount.
  while (gross - step >= chosen && netOf(gross - step) >= chosen) gross -= step;
  return gross;
}

function roundUpTo(value: bigint, step: bigint): bigint {
  return ((value + step - 1n) / step) * step;
}

/**
 * The share of the platform fee returned with a refund of `refunded` out of `gross`: proportional,
 * floored, and the last refund returns whatever is left so a full refund returns the fee exactly.
 */
export function platformFeeRefundShare(platformFeeCharged: bigint, gross: bigint, alreadyRefunded: bigint, refundAmount: bigint, alreadyReturned: bigint): bigint {
  if (refundAmount <= 0n || gross <= 0n) return 0n;
  const refundedAfter = alreadyRefunded + refundAmount;
  if (refundedAfter >= gross) return platformFeeCharged - alreadyReturned;
  const dueAfter = (platformFeeCharged * refundedAfter) / gross;
  const share = dueAfter - alreadyReturned;
  return share > 0n ? share : 0n;
}
