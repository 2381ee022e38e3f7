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
  /** The form's own idempotency key: one per form opened, so a double submit makes one payout. */
  requestId: string;
}

const REQUEST_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const text = (body: Record<string, unknown> | undefined, key: string, max: number): string => {
  const value = body?.[key];
  return typeof value === 'string' ? value.slice(0, max) : '';
};

export function readPayoutForm(body: Record<string, unknown> | undefined): PayoutFormValues {
  return { campaignId: text(body, 'campaignId', 64), amount: text(body, 'amount', 64), purpose: text(body, 'purpose', 2_000), requestId: text(body, 'requestId', 64) };
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
