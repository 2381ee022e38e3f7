import { createHmac, randomBytes } from 'node:crypto';
import { signLink, verifyLink, type SignedLinkRefusal } from '@ataa/privacy';

/*
 * A scheduled series' single-purpose links (the platform's signed links, @ataa/privacy), pure:
 * - `scheduled-cancel`: in every e-mail of the series (receipts, failure notices); a GET shows a
 *   confirmation form, the POST cancels the series (idempotent). 400 days. Subject: the series.
 * - `scheduled-pay`: in a failed occurrence's e-mail; opens a page whose button opens Checkout for
 *   that occurrence's gift (as a pledge's payment link). Valid until the occurrence's grace period
 *   ends; subject `<series>:<occurrence>`, so it pays that occurrence only. Deterministic nonce: a
 *   resent e-mail carries the same link.
 * A token for one series never acts on another, nor for the other purpose.
 */
export const SCHEDULED_LINK_PURPOSES = { cancel: 'scheduled-cancel', pay: 'scheduled-pay' } as const;
export const SCHEDULED_CANCEL_TTL_SECONDS = 400 * 86_400;
/** How long a failed occurrence may be paid on its link. */
export const SCHEDULED_GRACE_DAYS = 7;

export function signScheduledCancelLink(key: Buffer, seriesId: string, nowMs = Date.now()): string {
  return signLink(key, { purpose: SCHEDULED_LINK_PURPOSES.cancel, subject: seriesId, expiresAt: Math.floor(nowMs / 1000) + SCHEDULED_CANCEL_TTL_SECONDS, nonce: randomBytes(16).toString('hex') });
}

export function signScheduledPayLink(key: Buffer, seriesId: string, occurrence: number, graceEndsAt: Date): string {
  const subject = `${seriesId}:${occurrence}`;
  const nonce = createHmac('sha256', key).update(`scheduled-pay-nonce:${subject}`).digest('hex').slice(0, 32);
  return signLink(key, { purpose: SCHEDULED_LINK_PURPOSES.pay, subject, expiresAt: Math.floor(graceEndsAt.getTime() / 1000), nonce });
}

export type ScheduledLinkCheck =
  | { ok: true; seriesId: string; occurrence: number | null }
  | { ok: false; reason: SignedLinkRefusal | 'malformed_subject' };

export function verifyScheduledLink(key: Buffer, purpose: keyof typeof SCHEDULED_LINK_PURPOSES, token: unknown, nowMs = Date.now()): ScheduledLinkCheck {
  const verdict = verifyLink(key, token, { purpose: SCHEDULED_LINK_PURPOSES[purpose], now: nowMs });
  if (!verdict.ok) return verdict;
  if (purpose === 'cancel') return { ok: true, seriesId: verdict.claims.subject, occurrence: null };
  const m = /^([0-9a-f-]{36}):(\d{1,2})$/.exec(verdict.claims.subject);
  return m ? { ok: true, seriesId: m[1], occurrence: Number(m[2]) } : { ok: false, reason: 'malformed_subject' };
}
