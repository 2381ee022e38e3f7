import { parseTypedAmount } from '@ataa/common';

/**
 * The payout request form of the dashboard: what people type (the amount in the campaign's currency
 * units) turned into what PayoutsService.request takes (minor units as a string of digits). Only the
 * typing is read here; every rule (purpose, available funds, currency, roles) is the lib's. Pure: no I/O.
 */
export interface PayoutFormValues {
  campaignId: string;
  amount: string;
  purpose: string;
  /** Optional: split across designations, one `code amount` per line (the amounts typed like `amount`). */
  designations: string;
  /** The form's own idempotency key: one per form opened, so a double submit makes one payout. */
  requestId: string;
}

const REQUEST_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const text = (body: Record<string, unknown> | undefined, key: string, max: number): string => {
  const value = body?.[key];
  return typeof value === 'string' ? value.slice(0, max) : '';
};

export function readPayoutForm(body: Record<string, unknown> | undefined): PayoutFormValues {
  return {
    campaignId: text(body, 'campaignId', 64), amount: text(body, 'amount', 64), purpose: text(body, 'purpose', 2_000),
    designations: text(body, 'designations', 2_000), requestId: text(body, 'requestId', 64),
  };
}

/**
 * The optional split across designations: one part per non-empty line, `code amount` (or
 * `code | amount`), the amount typed as in the amount field. Empty: none (the payout is general).
 * Answers the parts as the API takes them, or the field's error code; the rules (codes declared,
 * each once, adding up, within each designation) are the lib's.
 */
export function payoutPartsOf(typed: string, currency: string): { parts: { code: string; amount: string }[] | null } | { error: string } {
  const lines = typed.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '');
  if (lines.length === 0) return { parts: null };
  if (lines.length > 21) return { error: 'designations_malformed' };
  const parts: { code: string; amount: string }[] = [];
  for (const line of lines) {
    const match = /^([A-Za-z0-9-]{1,40})\s*(?:\||\s)\s*(\S.*)$/.exec(line);
    if (!match) return { error: 'designations_malformed' };
    const amount = payoutAmountOf(match[2], currency);
    if ('error' in amount) return { error: amount.error };
    parts.push({ code: match[1].toLowerCase(), amount: amount.minor });
  }
  return { parts };
}

/** The Idempotency-Key a form submission is sent under, or null when the form carries no valid request id. */
export function idempotencyKeyOf(requestId: string): string | null {
  return REQUEST_ID.test(requestId) ? `dashboard-payout:${requestId}` : null;
}

/** The typed amount in minor units, or the field's error code. */
export function payoutAmountOf(typed: string, currency: string): { minor: string } | { error: string } {
  if (typed.trim() === '') return { error: 'amount_required' };
  const parsed = parseTypedAmount(typed, currency);
  if (!parsed.ok) return { error: parsed.problem };
  if (parsed.minor <= 0n) return { error: 'amount_not_positive' };
  return { minor: parsed.minor.toString() };
}

/** Who made a step of a payout, as a key of PAYOUT_MESSAGES.actors (member ids are not shown). */
export function actorKind(by: string | null): 'automatic' | 'operator' | 'member' | 'apiKey' | 'system' {
  if (by === 'automatic') return 'automatic';
  if (by === 'operator' || by?.startsWith('operator')) return 'operator';
  if (by?.startsWith('user:')) return 'member';
  if (by?.startsWith('api_key:')) return 'apiKey';
  return 'system';
}
