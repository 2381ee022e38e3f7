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
export function requestFingerprint(r: { campaignId: string; amount: string; currency: string; purpose: string; privateNote: string | null; designation?: string }): string {
  const fields = [r.campaignId, r.amount, r.currency, r.purpose, r.privateNote ?? ''];
  return JSON.stringify(r.designation && r.designation !== 'general' ? [...fields, r.designation] : fields);
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

/** Names the designation in an insufficient_funds refusal. */
export function withDesignation<T>(designation: string, decide: () => T): T {
  try {
    return decide();
  } catch (error) {
    if (error instanceof DomainError && error.code === 'insufficient_funds' && designation !== 'general') {
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
