import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Opaque bearer secrets: 256 random bits, base64url, with a readable prefix so a leaked one is
 * recognisable in logs and secret scanners. Only their SHA-256 is stored: the entropy makes a
 * slow hash unnecessary, and a hash lets us look the token up directly.
 */
export function generateSecret(prefix: string): string {
  return `${prefix}_${randomBytes(32).toString('base64url')}`;
}

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

export function constantTimeEquals(a: string, b: string): boolean {
  const left = createHash('sha256').update(a).digest();
  const right = createHash('sha256').update(b).digest();
  return timingSafeEqual(left, right);
}

export const TOKEN_PREFIX = { access: 'ataa_at', refresh: 'ataa_rt', invitation: 'ataa_inv', apiKey: 'ataa_key', pageSession: 'ataa_ps', signInChallenge: 'ataa_2fa' } as const;

/** E-mail addresses are compared case-insensitively; we store them trimmed and lower-cased. */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}
