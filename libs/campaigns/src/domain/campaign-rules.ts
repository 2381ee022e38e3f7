import { chargeAmountProblem, chargeAmountStep, DomainError, isSupportedCurrency, MAXIMUM_CHARGE, minimumChargeAmount, THREE_DECIMAL_CURRENCIES } from '@ataa/common';

export const CAMPAIGN_STATUSES = ['draft', 'published', 'paused', 'ended', 'cancelled'] as const;
export type CampaignStatus = (typeof CAMPAIGN_STATUSES)[number];
export const FUNDING_MODELS = ['flexible', 'all_or_nothing'] as const;
export type FundingModel = (typeof FUNDING_MODELS)[number];
export const CAMPAIGN_LANGUAGES = ['en', 'ar'] as const;
export type CampaignLanguage = (typeof CAMPAIGN_LANGUAGES)[number];

export type CampaignAction = 'publish' | 'pause' | 'resume' | 'end' | 'cancel';

/** The lifecycle: the only moves there are. Ended and cancelled are final. */
const TRANSITIONS: Record<CampaignAction, { from: readonly CampaignStatus[]; to: CampaignStatus }> = {
  publish: { from: ['draft'], to: 'published' },
  pause: { from: ['published'], to: 'paused' },
  resume: { from: ['paused'], to: 'published' },
  end: { from: ['published', 'paused'], to: 'ended' },
  cancel: { from: ['draft', 'published', 'paused'], to: 'cancelled' },
};

/** The state after `action`, or a 409 `invalid_transition` when the lifecycle does not allow it. */
export function nextStatus(current: CampaignStatus, action: CampaignAction): CampaignStatus {
  const rule = TRANSITIONS[action];
  if (!rule.from.includes(current)) {
    throw new DomainError('invalid_transition', `A ${current} campaign cannot be ${action === 'end' ? 'ended' : `${action}${action.endsWith('e') ? 'd' : 'ed'}`}`, 409, { campaignStatus: current, action });
  }
  return rule.to;
}

export function isEditable(status: CampaignStatus): boolean {
  return status === 'draft' || status === 'published' || status === 'paused';
}

/**
 * A URL slug from a title: Latin letters lose their accents, anything else (including Arabic,
 * which has no agreed transliteration) becomes a separator. May be empty: the caller then falls
 * back to a generated slug.
 */
export function slugify(title: string, maxLength = 60): string {
  const ascii = title.normalize('NFKD').replace(/[\u0300-\u036f]/g, '').toLowerCase();
  const slug = ascii.replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '');
  return slug.slice(0, maxLength).replace(/-+$/g, '');
}

export const SLUG_PATTERN = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

export interface AmountRulesInput {
  currency: string;
  goalAmount: bigint;
  minimumAmount: bigint | null;
  maximumAmount: bigint | null;
  suggestedAmounts: readonly bigint[];
  startsAt: Date | null;
  endsAt: Date | null;
}

function amountError(field: string, problem: string, currency: string): DomainError {
  const messages: Record<string, () => string> = {
    unsupported_currency: () => `${currency.toUpperCase()} is not a supported currency`,
    amount_not_positive: () => `${field} must be greater than zero`,
    amount_wrong_precision: () => `${field} must be a multiple of ${chargeAmountStep(currency)} in ${currency.toUpperCase()} (${
      THREE_DECIMAL_CURRENCIES.has(currency) ? 'three-decimal currency' : 'whole units, sent with two decimals'})`,
    amount_below_minimum: () => `${field} is below Stripe's minimum charge of ${minimumChargeAmount(currency)} for ${currency.toUpperCase()}`,
    amount_above_maximum: () => `${field} is above the maximum charge of ${MAXIMUM_CHARGE}`,
  };
  return new DomainError(problem, messages[problem]?.() ?? `${field} is invalid`, 400, { field });
}

/**
 * The money and date rules of a campaign, checked together because they depend on each other
 * (the currency decides decimals and minimums). Throws the first problem as a 400 with a code.
 */
export function assertCampaignRules(input: AmountRulesInput): void {
  const { currency } = input;
  if (!isSupportedCurrency(currency)) throw amountError('currency', 'unsupported_currency', currency);
  if (input.goalAmount <= 0n) throw amountError('goal', 'amount_not_positive', currency);
  if (input.goalAmount % chargeAmountStep(currency) !== 0n) throw amountError('goal', 'amount_wrong_precision', currency);
  if (input.goalAmount < minimumChargeAmount(currency)) throw amountError('goal', 'amount_below_minimum', currency);
  for (const [field, amount] of [['minimumAmount', input.minimumAmount], ['maximumAmount', input.maximumAmount]] as const) {
    if (amount === null) continue;
    const problem = chargeAmountProblem(amount, currency);
    if (problem) throw amountError(field, problem, currency);
  }
  if (input.minimumAmount !== null && input.maximumAmount !== null && input.minimumAmount > input.maximumAmount) {
    throw new DomainError('invalid_amount_range', 'minimumAmount must not exceed maximumAmount', 400, { field: 'minimumAmount' });
  }
  const seen = new Set<bigint>();
  for (const amount of input.suggestedAmounts) {
    const problem = chargeAmountProblem(amount, currency);
    if (problem) throw amountError('suggestedAmounts', problem, currency);
    if ((input.minimumAmount !== null && amount < input.minimumAmount) || (input.maximumAmount !== null && amount > input.maximumAmount)) {
      throw new DomainError('invalid_amount_range', 'suggestedAmounts must lie between minimumAmount and maximumAmount', 400, { field: 'suggestedAmounts' });
    }
    if (seen.has(amount)) throw new DomainError('duplicate_amount', 'suggestedAmounts must not repeat', 400, { field: 'suggestedAmounts' });
    seen.add(amount);
  }
  if (input.startsAt && input.endsAt && input.startsAt.getTime() >= input.endsAt.getTime()) {
    throw new DomainError('invalid_dates', 'endsAt must be after startsAt', 400, { field: 'endsAt' });
  }
}

/** What publishing additionally requires: a campaign people can actually give to. */
export function assertPublishable(campaign: { fundingModel: FundingModel; endsAt: Date | null; title: string }, now: Date): void {
  if (campaign.endsAt && campaign.endsAt.getTime() <= now.getTime()) {
    throw new DomainError('campaign_end_in_past', 'The campaign ends in the past; change endsAt before publishing', 409);
  }
  if (campaign.fundingModel === 'all_or_nothing' && !campaign.endsAt) {
    throw new DomainError('end_date_required', 'An all-or-nothing campaign needs an end date', 409, { field: 'endsAt' });
  }
}

/** Whether a campaign in this state takes donations right now. */
export function acceptsDonations(campaign: { status: CampaignStatus; startsAt: Date | null; endsAt: Date | null }, now: Date): boolean {
  if (campaign.status !== 'published') return false;
  if (campaign.startsAt && campaign.startsAt.getTime() > now.getTime()) return false;
  if (campaign.endsAt && campaign.endsAt.getTime() <= now.getTime()) return false;
  return true;
}

/** The terms donors give on: what a change of is a public ledger entry, and what the first gift locks. */
export interface CampaignTerms {
  fundingModel: FundingModel;
  goalAmount: bigint;
  startsAt: Date | null;
  endsAt: Date | null;
}

/** A change of one term as the public ledger records it (amounts in minor units, dates ISO 8601 UTC, null for none). */
export interface CampaignTermChange {
  field: 'goal' | 'fundingModel' | 'startsAt' | 'endsAt';
  from: string | null;
  to: string | null;
}

/** What the campaign's gifts so far lock. */
export interface TermsLock {
  /** A gift was made (paid, or on its way through an open Checkout session). */
  hasGifts: boolean;
  /** The end date when the first gift came: the end may move later by at most MAX_END_EXTENSION_MS from it. */
  endsAtAtFirstGift: Date | null;
  /** How many times the end date was moved later since the first gift. */
  endExtensions: number;
}

export const MAX_END_EXTENSIONS = 2;
export const MAX_END_EXTENSION_MS = 60 * 86_400_000;
export const MIN_END_NOTICE_MS = 24 * 3_600_000;

const iso = (d: Date | null) => (d ? d.toISOString() : null);
const sameTime = (a: Date | null, b: Date | null) => (a === null || b === null ? a === b : a.getTime() === b.getTime());

/** The term changes from `before` to `after`, in the public ledger's order (goal, funding model, start, end). */
export function termChanges(before: CampaignTerms, after: CampaignTerms): CampaignTermChange[] {
  const changes: CampaignTermChange[] = [];
  if (before.goalAmount !== after.goalAmount) changes.push({ field: 'goal', from: before.goalAmount.toString(), to: after.goalAmount.toString() });
  if (before.fundingModel !== after.fundingModel) changes.push({ field: 'fundingModel', from: before.fundingModel, to: after.fundingModel });
  if (!sameTime(before.startsAt, after.startsAt)) changes.push({ field: 'startsAt', from: iso(before.startsAt), to: iso(after.startsAt) });
  if (!sameTime(before.endsAt, after.endsAt)) changes.push({ field: 'endsAt', from: iso(before.endsAt), to: iso(after.endsAt) });
  return changes;
}

function termsLocked(field: string, rule: string, message: string, details: Record<string, unknown> = {}): DomainError {
  return new DomainError('campaign_terms_locked', message, 409, { field, rule, ...details });
}

/**
 * What donors gave on cannot be taken back. Once a campaign has a gift: the funding model is
 * fixed; an all-or-nothing goal cannot be lowered (a flexible goal may move: it decides nothing);
 * the start date is fixed (the campaign has started); the end date can only move later, at most
 * MAX_END_EXTENSIONS times and MAX_END_EXTENSION_MS in all from the end date the first gift saw,
 * and never to less than MIN_END_NOTICE_MS from now (an end date cannot be removed or added: that
 * is not "later by a bounded amount"). Throws 409 `campaign_terms_locked` with `field` and `rule`.
 * Returns the changes (for the public ledger) and whether the end date moved later.
 */
export function assertTermsChange(before: CampaignTerms, after: CampaignTerms, lock: TermsLock, now: Date): { changes: CampaignTermChange[]; endExtended: boolean } {
  const changes = termChanges(before, after);
  if (!lock.hasGifts || changes.length === 0) return { changes, endExtended: false };
  for (const change of changes) {
    switch (change.field) {
      case 'fundingModel':
        throw termsLocked('fundingModel', 'funding_model_fixed', 'The funding model cannot change once the campaign has gifts');
      case 'goal':
        if (before.fundingModel === 'all_or_nothing' && after.goalAmount < before.goalAmount) {
          throw termsLocked('goal', 'goal_not_lowered', 'An all-or-nothing goal cannot be lowered once the campaign has gifts: donors gave on the promise of this goal',
            { from: change.from, to: change.to });
        }
        break;
      case 'startsAt':
        throw termsLocked('startsAt', 'start_date_fixed', 'The start date cannot change once the campaign has gifts');
      case 'endsAt': {
        if (before.endsAt === null || after.endsAt === null) {
          throw termsLocked('endsAt', before.endsAt === null ? 'end_date_not_earlier' : 'end_date_extension_limit',
            'An end date cannot be added or removed once the campaign has gifts; end the campaign instead');
        }
        if (after.endsAt.getTime() < before.endsAt.getTime()) {
          throw termsLocked('endsAt', 'end_date_not_earlier', 'The end date can only move later once the campaign has gifts; end the campaign instead', { from: change.from, to: change.to });
        }
        if (lock.endExtensions >= MAX_END_EXTENSIONS) {
          throw termsLocked('endsAt', 'end_date_extension_limit', `The end date can move later at most ${MAX_END_EXTENSIONS} times once the campaign has gifts`,
            { extensions: lock.endExtensions, maxExtensions: MAX_END_EXTENSIONS });
        }
        const base = lock.endsAtAtFirstGift ?? before.endsAt;
        const latest = new Date(base.getTime() + MAX_END_EXTENSION_MS);
        if (after.endsAt.getTime() > latest.getTime()) {
          throw termsLocked('endsAt', 'end_date_extension_limit', `The end date can move at most ${MAX_END_EXTENSION_MS / 86_400_000} days later in all once the campaign has gifts`,
            { latest: latest.toISOString() });
        }
        const earliest = new Date(now.getTime() + MIN_END_NOTICE_MS);
        if (after.endsAt.getTime() < earliest.getTime()) {
          throw termsLocked('endsAt', 'end_date_too_soon', 'The end date must stay at least 24 hours away', { earliest: earliest.toISOString() });
        }
        break;
      }
    }
  }
  return { changes, endExtended: changes.some((c) => c.field === 'endsAt') };
}
