import { randomBytes } from 'node:crypto';
import { signLink, verifyLink, type SignedLinkRefusal } from '@ataa/privacy';

/*
 * The series' single-purpose links (the platform's signed links, @ataa/privacy): each names one
 * recurring gift and one thing it does, and works without signing in.
 * - `recurring-cancel`: in every receipt of the series; a GET shows a confirmation form, the POST
 *   cancels (idempotent). Valid for 400 days (a yearly donor still has the last receipt's link).
 * - `recurring-card`: in a failed-payment e-mail; opening it makes a Stripe billing portal session
 *   for the series' customer then. Valid for 14 days (Stripe retries over 15).
 * A token for one series never acts on another (the subject is the series id), nor for another purpose.
 */
export const RECURRING_LINK_PURPOSES = { cancel: 'recurring-cancel', card: 'recurring-card' } as const;
export type RecurringLinkPurpose = keyof typeof RECURRING_LINK_PURPOSES;

export const RECURRING_LINK_TTL_SECONDS: Record<RecurringLinkPurpose, number> = { cancel: 400 * 86_400, card: 14 * 86_400 };

export function signRecurringLink(key: Buffer, purpose: RecurringLinkPurpose, recurringGiftId: string, nowMs = Date.now()): string {
  return signLink(key, {
    purpose: RECURRING_LINK_PURPOSES[purpose], subject: recurringGiftId,
    expiresAt: Math.floor(nowMs / 1000) + RECURRING_LINK_TTL_SECONDS[purpose], nonce: randomBytes(16).toString('hex'),
  });
}

export type RecurringLinkCheck = { ok: true; recurringGiftId: string } | { ok: false; reason: SignedLinkRefusal };

export function verifyRecurringLink(key: Buffer, purpose: RecurringLinkPurpose, token: unknown, nowMs = Date.now()): RecurringLinkCheck {
  const verdict = verifyLink(key, token, { purpose: RECURRING_LINK_PURPOSES[purpose], now: nowMs });
  return verdict.ok ? { ok: true, recurringGiftId: verdict.claims.subject } : verdict;
}
