import { createHmac, randomFillSync, timingSafeEqual } from 'node:crypto';

/**
 * Stateless CSRF tokens for the hosted forms (signed double submit): a token is a random nonce and
 * its issue time, signed with HMAC-SHA256 under a key derived from AUTH_SECRET. The same token is
 * set as a cookie and echoed in the form; a post is accepted only when the two are equal, the
 * signature verifies (recomputed, nothing stored) and the token is younger than its lifetime. A
 * forger on another site can neither read the visitor's cookie nor write the form field it must
 * equal; a token made up without the key does not verify.
 *
 * Pure (no I/O): the clock and the nonce are parameters, so the tests can age a token.
 */
export const CSRF_TOKEN_LIFETIME_MS = 12 * 60 * 60 * 1000;
/** A visitor's valid token is reused until it is this old, then a new one is issued (a form kept open that long still posts). */
export const CSRF_TOKEN_RENEW_AFTER_MS = CSRF_TOKEN_LIFETIME_MS / 2;

const LABEL = 'ataa csrf token v1';
const TOKEN = /^([A-Za-z0-9_-]{22})\.([0-9a-z]{1,11})\.([A-Za-z0-9_-]{43})$/;

/** The signing key: AUTH_SECRET's use for CSRF, separated from its other uses by its own label. */
export function deriveCsrfKey(secret: string | Buffer): Buffer {
  return createHmac('sha256', secret).update(LABEL).digest();
}

function sign(key: Buffer, body: string): string {
  return createHmac('sha256', key).update(body).digest('base64url');
}

/** Nonces come from a pool filled from the CSPRNG 256 at a time (one call instead of one per visitor). */
const pool = Buffer.alloc(16 * 256);
let poolAt = pool.length;

function nextNonce(): Buffer {
  if (poolAt === pool.length) {
    randomFillSync(pool);
    poolAt = 0;
  }
  poolAt += 16;
  return pool.subarray(poolAt - 16, poolAt);
}

/** A new token: `<nonce>.<issued, seconds base 36>.<mac>` (cookie- and form-safe characters only). */
export function mintCsrfToken(key: Buffer, now: number = Date.now(), nonce: Buffer = nextNonce()): string {
  const body = `${nonce.toString('base64url')}.${Math.floor(now / 1000).toString(36)}`;
  return `${body}.${sign(key, body)}`;
}

/** The token's issue time (ms) when it is well-formed and its signature verifies, else null. */
export function csrfTokenIssuedAt(key: Buffer, token: unknown): number | null {
  if (typeof token !== 'string') return null;
  const parts = TOKEN.exec(token);
  if (!parts) return null;
  const expected = Buffer.from(sign(key, `${parts[1]}.${parts[2]}`));
  const given = Buffer.from(parts[3]);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  return parseInt(parts[2], 36) * 1000;
}

/** Whether a token verifies and is neither expired nor from the future (a minute of clock skew allowed). */
export function csrfTokenFresh(key: Buffer, token: unknown, now: number = Date.now(), lifetimeMs: number = CSRF_TOKEN_LIFETIME_MS): boolean {
  const issued = csrfTokenIssuedAt(key, token);
  return issued !== null && issued <= now + 60_000 && now - issued < lifetimeMs;
}

/** A form post's check: the cookie and the form carry the same token, and it verifies and is fresh. */
export function verifyCsrfSubmission(key: Buffer, cookie: unknown, submitted: unknown, now: number = Date.now()): boolean {
  if (typeof cookie !== 'string' || typeof submitted !== 'string' || cookie.length !== submitted.length) return false;
  if (!timingSafeEqual(Buffer.from(cookie), Buffer.from(submitted))) return false;
  return csrfTokenFresh(key, cookie, now);
}
