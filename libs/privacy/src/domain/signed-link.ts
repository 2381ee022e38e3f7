import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Signed links (pure: no I/O). A link token carries what it is for (`purpose`), whom it is about
 * (`subject`, e.g. a request id), when it stops working (`expiresAt`, seconds since the epoch) and a
 * random `nonce` the server records so that the link works once (the single-use record lives with
 * the use case: the token alone cannot know it was used). HMAC-SHA-256 over the encoded claims with
 * a key derived from AUTH_SECRET and separated from its other uses by its own label.
 *
 * Token: `l1.<base64url(JSON claims)>.<base64url(HMAC)>`.
 */
export interface SignedLinkClaims {
  purpose: string;
  subject: string;
  /** Seconds since the epoch (UTC). */
  expiresAt: number;
  /** Random, single-use: 16 bytes as 32 lowercase hex digits. */
  nonce: string;
}

export type SignedLinkRefusal = 'malformed' | 'bad_signature' | 'wrong_purpose' | 'expired';

export type SignedLinkVerdict = { ok: true; claims: SignedLinkClaims } | { ok: false; reason: SignedLinkRefusal };

const VERSION = 'l1';
/** Longer tokens are refused before any work (a subject is an id, not a document). */
export const SIGNED_LINK_MAX_LENGTH = 600;

/** The link key from the deployment's AUTH_SECRET (never AUTH_SECRET itself). */
export function deriveLinkKey(authSecret: string | Buffer): Buffer {
  return createHmac('sha256', authSecret).update('ataa signed link v1').digest();
}

function mac(key: Buffer, body: string): Buffer {
  return createHmac('sha256', key).update(`${VERSION}.${body}`).digest();
}

function checkClaims(claims: SignedLinkClaims): void {
  if (!/^[a-z][a-z0-9_.-]{0,39}$/.test(claims.purpose)) throw new Error('purpose must be a short lowercase label');
  if (!/^[A-Za-z0-9_.:-]{1,200}$/.test(claims.subject)) throw new Error('subject must be 1 to 200 id characters');
  if (!Number.isSafeInteger(claims.expiresAt) || claims.expiresAt <= 0) throw new Error('expiresAt must be whole seconds since the epoch');
  if (!/^[0-9a-f]{32}$/.test(claims.nonce)) throw new Error('nonce must be 32 lowercase hex digits');
}

/** Signs the claims. Deterministic: the same claims and key give the same token (the mail sender derives it again). */
export function signLink(key: Buffer, claims: SignedLinkClaims): string {
  checkClaims(claims);
  const body = Buffer.from(JSON.stringify({ p: claims.purpose, s: claims.subject, e: claims.expiresAt, n: claims.nonce })).toString('base64url');
  return `${VERSION}.${body}.${mac(key, body).toString('base64url')}`;
}

/**
 * Checks a token: well formed, signed with `key`, for `purpose`, not expired at `now` (ms). The
 * signature is checked before anything in the claims is believed, in constant time.
 */
export function verifyLink(key: Buffer, token: unknown, expected: { purpose: string; now?: number }): SignedLinkVerdict {
  if (typeof token !== 'string' || token.length === 0 || token.length > SIGNED_LINK_MAX_LENGTH) return { ok: false, reason: 'malformed' };
  const parts = token.split('.');
  if (parts.length !== 3 || parts[0] !== VERSION || !/^[A-Za-z0-9_-]+$/.test(parts[1]) || !/^[A-Za-z0-9_-]{43}$/.test(parts[2])) return { ok: false, reason: 'malformed' };
  const given = Buffer.from(parts[2], 'base64url');
  // The last character's two low bits are padding: only the canonical spelling of a MAC is its token.
  if (given.toString('base64url') !== parts[2]) return { ok: false, reason: 'malformed' };
  const wanted = mac(key, parts[1]);
  if (given.length !== wanted.length || !timingSafeEqual(given, wanted)) return { ok: false, reason: 'bad_signature' };
  let raw: { p?: unknown; s?: unknown; e?: unknown; n?: unknown };
  try {
    raw = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  const claims = { purpose: raw?.p, subject: raw?.s, expiresAt: raw?.e, nonce: raw?.n } as SignedLinkClaims;
  try {
    checkClaims(claims);
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  if (claims.purpose !== expected.purpose) return { ok: false, reason: 'wrong_purpose' };
  if (claims.expiresAt * 1000 <= (expected.now ?? Date.now())) return { ok: false, reason: 'expired' };
  return { ok: true, claims };
}
