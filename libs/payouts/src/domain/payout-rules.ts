import { DomainError, normalizeUserText, TEXT_LIMITS, textProblem, textProblemMessage } from '@ataa/common';

export const PAYOUT_STATUSES = ['pending_approval', 'approved', 'processing', 'paid', 'failed', 'rejected', 'cancelled', 'reversed'] as const;
export type PayoutStatus = (typeof PAYOUT_STATUSES)[number];

/** Statuses whose amount is still held (reserved) in the ledger. */
export const HOLDING_STATUSES: readonly PayoutStatus[] = ['pending_approval', 'approved', 'processing'];

const NEXT: Readonly<Record<PayoutStatus, readonly PayoutStatus[]>> = {
  pending_approval: ['approved', 'rejected', 'cancelled'],
  approved: ['processing', 'cancelled'],
  processing: ['paid', 'failed'],
  paid: ['reversed'],
  failed: [],
  rejected: [],
  cancelled: [],
  reversed: [],
};

/** The same forward-only machine the database trigger enforces. */
export function canMove(from: PayoutStatus, to: PayoutStatus): boolean {
  return NEXT[from].includes(to);
}

export function assertMove(from: PayoutStatus, to: PayoutStatus, action: string): void {
  if (!canMove(from, to)) throw new DomainError('invalid_payout_transition', `A ${from.replace('_', ' ')} payout cannot be ${action}`, 409, { currentStatus: from });
}

/** At or under the organization's threshold: approved automatically; above it an operator decides. */
export function approvalFor(amount: bigint, autoApproveUpTo: bigint): 'automatic' | 'operator' {
  return amount <= autoApproveUpTo ? 'automatic' : 'operator';
}

export type RequestedAmount = bigint | 'all';

/** Parses the requested amount: a string of digits in minor units, or "all" (everything available). */
export function parseRequestedAmount(raw: string): RequestedAmount {
  if (raw === 'all') return 'all';
  if (!/^-?\d{1,18}$/.test(raw)) throw new DomainError('payout_amount_invalid', 'amount must be a whole number of minor units, or "all"', 400);
  return BigInt(raw);
}

/**
 * The amount a request reserves, decided under the campaign's funds lock: positive, in the
 * campaign's currency, and not more than what is available right now.
 */
export function resolvePayoutAmount(requested: RequestedAmount, currency: string, campaignCurrency: string, available: bigint): bigint {
  if (currency !== campaignCurrency) {
    throw new DomainError('currency_mismatch', `This campaign pays out in ${campaignCurrency.toUpperCase()}, not ${currency.toUpperCase()}`, 400, { currency: campaignCurrency });
  }
  if (requested === 'all') {
    if (available <= 0n) throw new DomainError('insufficient_funds', 'Nothing is available to pay out', 409, { available: available.toString() });
    return available;
  }
  if (requested <= 0n) throw new DomainError('payout_amount_invalid', 'A payout must be more than zero', 400);
  if (requested > available) {
    throw new DomainError('insufficient_funds', `Only ${available} (minor units) is available to pay out`, 409, { available: available.toString(), requested: requested.toString() });
  }
  return requested;
}

/** What makes two submissions "the same request" for the idempotency key (a general payout's as before designations). */
export function requestFingerprint(r: {
  campaignId: string; amount: string; currency: string; purpose: string; privateNote: string | null; designation?: string; parts?: readonly RequestedPart[] | null;
}): string {
  const fields = [r.campaignId, r.amount, r.currency, r.purpose, r.privateNote ?? ''];
  if (r.parts && r.parts.length > 1) return JSON.stringify([...fields, r.parts.map((p) => `${p.designation}:${p.amount}`)]);
  const designation = r.parts?.length === 1 ? r.parts[0].designation : r.designation;
  return JSON.stringify(designation && designation !== 'general' ? [...fields, designation] : fields);
}

/** One designation's part of a payout request. */
export interface RequestedPart {
  designation: string;
  amount: bigint;
}

/**
 * The designations a payout spends, from the request's `designation` (one) or `designations`
 * (`[{ code, amount }]`, amounts in minor units as strings of digits adding up to the payout's
 * amount), never both. Parts come back sorted by code; a list of one part is a payout of that one
 * designation; null when no list was given (the caller reads `designation`). Each refusal is a 4xx with its own code and the offending field:
 * - both given: 422 `payout_designations_conflict`;
 * - an empty list, a part that is not `{ code, amount }`, a repeated code: 422 `payout_parts_invalid`;
 * - a code the campaign did not declare (nor general): 422 `unknown_designation`;
 * - an amount that is not a positive whole number of minor units: 400 `payout_amount_invalid`;
 * - parts not adding up to the amount (or amount "all" with parts): 422 `payout_parts_mismatch`.
 */
export function payoutParts(declared: readonly string[], input: { amount: RequestedAmount; designation?: string | null; designations?: unknown }): RequestedPart[] | null {
  const list = input.designations;
  if (list === undefined || list === null) return null;
  if (input.designation !== undefined && input.designation !== null) {
    throw new DomainError('payout_designations_conflict', 'Name either one designation or a list of designations with amounts, not both', 422, { fields: ['designation', 'designations'] });
  }
  const invalid = (message: string, field: string) => new DomainError('payout_parts_invalid', message, 422, { field });
  if (!Array.isArray(list) || list.length === 0) throw invalid('designations must list at least one { code, amount }', 'designations');
  if (list.length > MAX_PARTS) throw invalid(`A payout spends at most ${MAX_PARTS} designations`, 'designations');
  const parts: RequestedPart[] = [];
  const seen = new Set<string>();
  list.forEach((item: unknown, i: number) => {
    if (typeof item !== 'object' || item === null || Array.isArray(item) || Object.keys(item).some((k) => k !== 'code' && k !== 'amount')) {
      throw invalid('Each part is { code, amount } and nothing else', `designations[${i}]`);
    }
    const { code, amount } = item as Record<string, unknown>;
    if (typeof code !== 'string' || code === '') throw invalid('Each part names its designation code', `designations[${i}].code`);
    let designation: string;
    try {
      designation = payoutDesignation(declared, code);
    } catch (error) {
      if (error instanceof DomainError) throw new DomainError(error.code, error.message, error.status, { ...error.details, field: `designations[${i}].code` });
      throw error;
    }
    if (seen.has(designation)) throw new DomainError('payout_parts_invalid', `${designation} is named twice`, 422, { field: `designations[${i}].code`, designation });
    seen.add(designation);
    if (typeof amount !== 'string' || !/^\d{1,18}$/.test(amount) || BigInt(amount) <= 0n) {
      throw new DomainError('payout_amount_invalid', 'Each part\'s amount is a positive whole number of minor units, as a string of digits', 400, { field: `designations[${i}].amount` });
    }
    parts.push({ designation, amount: BigInt(amount) });
  });
  const total = parts.reduce((s, p) => s + p.amount, 0n);
  if (input.amount === 'all' || total !== input.amount) {
    throw new DomainError('payout_parts_mismatch', input.amount === 'all' ? 'With designations listed, give the payout\'s amount (their sum), not "all"'
      : `The parts add up to ${total}, not the payout's ${input.amount}`, 422, { amount: String(input.amount), total: total.toString() });
  }
  return parts.sort((a, b) => (a.designation < b.designation ? -1 : 1));
}

/** A campaign declares at most 20 designations, plus the implicit general. */
export const MAX_PARTS = 21;

/**
 * How a reversal of a split payout comes back per part: the payout's reversed total is taken from the
 * parts last (in designation order) first, so a reversal of `amount` after `before` was reversed gives
 * each part what the running total newly covers. A whole reversal gives every part back in full.
 */
export function reversalShares(parts: readonly RequestedPart[], before: bigint, amount: bigint): RequestedPart[] {
  const covered = (total: bigint) => {
    const out = new Map<string, bigint>();
    let left = total;
    for (let i = parts.length - 1; i >= 0; i--) {
      const take = parts[i].amount < left ? parts[i].amount : left > 0n ? left : 0n;
      out.set(parts[i].designation, take);
      left -= take;
    }
    return out;
  };
  const was = covered(before);
  const now = covered(before + amount);
  return parts.map((p) => ({ designation: p.designation, amount: now.get(p.designation)! - was.get(p.designation)! })).filter((p) => p.amount > 0n);
}

/**
 * The designation a payout spends: `general` when none is named (also every gift made before the
 * campaign declared designations), or one the campaign declared; anything else is 422 `unknown_designation`.
 */
export function payoutDesignation(declared: readonly string[], named: string | null | undefined): string {
  if (named === undefined || named === null || named === '' || named === 'general') return 'general';
  if (!declared.includes(named)) {
    throw new DomainError('unknown_designation', 'This campaign has no such designation', 422, { field: 'designation', declared: ['general', ...declared.filter((d) => d !== 'general')] });
  }
  return named;
}

/** Names the designation in an insufficient_funds refusal (`always`: general too, as a split request's part). */
export function withDesignation<T>(designation: string, decide: () => T, always = false): T {
  try {
    return decide();
  } catch (error) {
    if (error instanceof DomainError && error.code === 'insufficient_funds' && (always || designation !== 'general')) {
      throw new DomainError('insufficient_funds', `${error.message} from ${designation}`, 409, { ...error.details, designation });
    }
    throw error;
  }
}

/** Public purpose under the platform's text policy: one line, 1 to TEXT_LIMITS.payoutPurpose code points. */
export function cleanPurpose(value: string): string {
  const rule = { min: 1, max: TEXT_LIMITS.payoutPurpose };
  const cleaned = normalizeUserText(value);
  const problem = textProblem(cleaned, rule);
  if (problem === 'too_short') throw new DomainError('payout_purpose_required', 'Say what this payout pays for (it is shown on the public ledger)', 400);
  if (problem) throw new DomainError('payout_purpose_invalid', textProblemMessage('The purpose', problem, rule), 400);
  return cleaned;
}
