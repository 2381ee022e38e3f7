import { createHash } from 'node:crypto';
import { signLink, verifyLink } from '@ataa/privacy';

/**
 * Per-campaign unsubscribe links (RFC 8058 one-click and the page): the project's signed link
 * (libs/privacy) whose subject is `<campaign id>.<keyed hash of the address>`, so the link names no
 * address. Unsubscribing is idempotent, so the link is not single-use: its nonce is derived from the
 * subject (the same recipient always gets the same link for the same expiry).
 */
export const UNSUBSCRIBE_PURPOSE = 'updates.unsubscribe';
/** Links in an e-mail keep working this long (a donor may act on an old update). */
export const UNSUBSCRIBE_LINK_DAYS = 3650;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const HASH = /^[0-9a-f]{64}$/;

export function signUnsubscribeToken(key: Buffer, campaignId: string, emailHash: string, now: Date): string {
  if (!UUID.test(campaignId) || !HASH.test(emailHash)) throw new Error('campaign id and e-mail hash expected');
  const subject = `${campaignId}.${emailHash}`;
  // Whole days, so links signed the same day are the same link.
  const expiresAt = (Math.floor(now.getTime() / 86_400_000) + UNSUBSCRIBE_LINK_DAYS) * 86_400;
  const nonce = createHash('sha256').update(`unsubscribe nonce:${subject}`).digest('hex').slice(0, 32);
  return signLink(key, { purpose: UNSUBSCRIBE_PURPOSE, subject, expiresAt, nonce });
}

export type UnsubscribeTokenCheck = { ok: true; campaignId: string; emailHash: string } | { ok: false; reason: 'malformed' | 'bad_signature' | 'wrong_purpose' | 'expired' };

export function verifyUnsubscribeToken(key: Buffer, token: unknown, now: Date): UnsubscribeTokenCheck {
  const verdict = verifyLink(key, token, { purpose: UNSUBSCRIBE_PURPOSE, now: now.getTime() });
  if (!verdict.ok) return verdict;
  const [campaignId, emailHash, ...rest] = verdict.claims.subject.split('.');
  if (rest.length > 0 || !UUID.test(campaignId ?? '') || !HASH.test(emailHash ?? '')) return { ok: false, reason: 'malformed' };
  return { ok: true, campaignId, emailHash };
}
