import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The confirmation link's token: `<request id>.<expiry, unix seconds>.<HMAC-SHA256, base64url>`,
 * signed with a key derived from AUTH_SECRET under its own label. A token changed in any character
 * (forged) fails the MAC; one past its expiry is refused; a used one is refused by the request's
 * state (single use, see `linkState`). Nothing secret is stored: the server can always recompute
 * the MAC from the request id and the expiry.
 */
const LABEL = 'ataa erasure link v1';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function deriveErasureKey(authSecret: string | Buffer): Buffer {
  return createHmac('sha256', authSecret).update(LABEL).digest();
}

function mac(key: Buffer, requestId: string, expiresAtSeconds: number): Buffer {
  return createHmac('sha256', key).update(`${requestId}.${expiresAtSeconds}`).digest();
}

export function signErasureToken(key: Buffer, requestId: string, expiresAt: Date): string {
  const seconds = Math.floor(expiresAt.getTime() / 1000);
  return `${requestId}.${seconds}.${mac(key, requestId, seconds).toString('base64url')}`;
}

export type TokenCheck =
  | { ok: true; requestId: string; expiresAt: Date }
  | { ok: false; reason: 'malformed' | 'forged' | 'expired' };

/** Checks the token's form, its MAC (in constant time) and then its expiry, in that order. */
export function verifyErasureToken(key: Buffer, token: unknown, now: Date): TokenCheck {
  if (typeof token !== 'string' || token.length > 200) return { ok: false, reason: 'malformed' };
  const parts = token.split('.');
  if (parts.length !== 3) return { ok: false, reason: 'malformed' };
  const [requestId, secondsText, macText] = parts;
  if (!UUID.test(requestId) || !/^\d{1,12}$/.test(secondsText) || !/^[A-Za-z0-9_-]{43}$/.test(macText)) return { ok: false, reason: 'malformed' };
  const seconds = Number(secondsText);
  const given = Buffer.from(macText, 'base64url');
  // The last character's two low bits are padding: only the canonical spelling of a MAC is its token.
  if (given.toString('base64url') !== macText) return { ok: false, reason: 'malformed' };
  const expected = mac(key, requestId, seconds);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'forged' };
  const expiresAt = new Date(seconds * 1000);
  if (expiresAt.getTime() <= now.getTime()) return { ok: false, reason: 'expired' };
  return { ok: true, requestId, expiresAt };
}

/** The e-mail address as matched against gifts: trimmed, lower-case. */
export function normalizeDonorEmail(email: string): string {
  return email.trim().toLowerCase();
}

/** A keyed hash of the normalised address: what the audit trail and the rate limits see instead of the address. */
export function donorEmailHash(key: Buffer, email: string): string {
  return createHmac('sha256', key).update(`email:${normalizeDonorEmail(email)}`).digest('hex');
}

/** A short, non-reversible label for logs. */
export function shortHash(value: string): string {
  return createHash('sha256').update(value).digest('hex').slice(0, 12);
}
