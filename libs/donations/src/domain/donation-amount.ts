import { chargeAmountProblem, chargeAmountStep, displayDecimals, DomainError, formatMajorUnits, MAXIMUM_CHARGE, parseTypedAmount } from '@ataa/common';
import { estimatedCardPricing, grossUpForCoveredFees } from '@ataa/ledger';
import { minimumChargeAmount } from '@ataa/common';

export interface AmountRules {
  currency: string;
  minimumAmount: bigint | null;
  maximumAmount: bigint | null;
  platformFeeBps: number;
  offerCoverFees: boolean;
}

export interface DonationAmount {
  /** What the donor chose for the campaign. */
  chosen: bigint;
  /** What is charged (chosen + covered fees). */
  gross: bigint;
  coveredFees: bigint;
}

const MESSAGES: Record<string, string> = {
  amount_not_integer: 'The amount is not a number with the currency\'s decimals',
  amount_not_positive: 'The amount must be more than zero',
  amount_below_minimum: 'The amount is below the minimum',
  amount_above_maximum: 'The amount is above the maximum',
  amount_wrong_precision: 'The amount has more precision than the currency allows',
  amount_ambiguous: 'The amount can be read two ways; write it with a point for decimals and no thousands separator',
  unsupported_currency: 'The currency is not supported',
};

function fail(code: string, rules: AmountRules, extra: Record<string, unknown> = {}): never {
  throw new DomainError(code, MESSAGES[code] ?? 'The amount is not valid', 400, { currency: rules.currency, ...extra });
}

/**
 * Parses the amount the donor typed (major units, e.g. "25.50"; the rules in parseTypedAmount) exactly, checks it against Stripe's
 * rules for the currency and the campaign's limits, and computes the gross when fees are covered.
 */
export function donationAmount(input: string, coverFees: boolean, rules: AmountRules): DonationAmount {
  const text = input.trim();
  if (/^-/.test(text)) fail('amount_not_positive', rules);
  const typed = parseTypedAmount(text, rules.currency);
  if (!typed.ok) {
    if (typed.problem === 'amount_ambiguous') fail('amount_ambiguous', rules, { readings: typed.readings });
    if (typed.problem === 'amount_wrong_precision') fail('amount_wrong_precision', rules, { decimals: displayDecimals(rules.currency) });
    fail('amount_not_integer', rules);
  }
  const chosen = typed.minor;
  const problem = chargeAmountProblem(chosen, rules.currency);
  if (problem) fail(problem, rules, problem === 'amount_below_minimum' ? { minimum: formatMajorUnits(minimumChargeAmount(rules.currency), rules.currency) } : {});
  if (rules.minimumAmount !== null && chosen < rules.minimumAmount) {
    fail('amount_below_minimum', rules, { minimum: formatMajorUnits(rules.minimumAmount, rules.currency) });
  }
  if (rules.maximumAmount !== null && chosen > rules.maximumAmount) {
    fail('amount_above_maximum', rules, { maximum: formatMajorUnits(rules.maximumAmount, rules.currency) });
  }
  if (!coverFees || !rules.offerCoverFees) return { chosen, gross: chosen, coveredFees: 0n };
  const step = chargeAmountStep(rules.currency);
  const gross = grossUpForCoveredFees(chosen, estimatedCardPricing(rules.currency, minimumChargeAmount(rules.currency)), rules.platformFeeBps, step);
  if (gross > MAXIMUM_CHARGE) fail('amount_above_maximum', rules);
  return { chosen, gross, coveredFees: gross - chosen };
}
