import { createHash, createHmac } from 'node:crypto';

/**
 * The e-mailed account links (pure: no I/O). A link's token is `ataa_ev_...` (e-mail verification)
 * or `ataa_pr_...` (password reset): an HMAC-SHA256 of the token row's purpose and id under a key
 * derived from AUTH_SECRET. The database keeps only the token's SHA-256 (`token_hash`), so neither
 * a copy of the table nor the outbox (which names only the row id) opens an account; the mail
 * sender re-derives the token from the row when it sends. Single use (`used_at`) and expiry are
 * checked by the one statement that consumes a token.
 */
export type AccountTokenPurpose = 'email_verification' | 'password_reset';

export const ACCOUNT_TOKEN_PREFIX: Readonly<Record<AccountTokenPurpose, string>> = { email_verification: 'ataa_ev', password_reset: 'ataa_pr' };

/** How long a link works: a reset link briefly (it can take the account), a verification link for two days. */
export const ACCOUNT_TOKEN_TTL_SECONDS: Readonly<Record<AccountTokenPurpose, number>> = {
  email_verification: 48 * 3600,
  password_reset: 60 * 60,
};

/** The path of each link's page; the token goes in the query (the page then POSTs it). */
export const ACCOUNT_LINK_PATH: Readonly<Record<AccountTokenPurpose, string>> = {
  email_verification: '/dashboard/verify-email',
  password_reset: '/dashboard/reset-password',
};

const LABEL = 'ataa account link v1';
const TOKEN = /^ataa_(ev|pr)_[A-Za-z0-9_-]{43}$/;

export function deriveAccountTokenKey(authSecret: string | Buffer): Buffer {
  return createHmac('sha256', authSecret).update(LABEL).digest();
}

/** The token of a row: the same for the same key, purpose and id (so the sender can rebuild the link). */
export function accountTokenFor(key: Buffer, purpose: AccountTokenPurpose, id: string): string {
  return `${ACCOUNT_TOKEN_PREFIX[purpose]}_${createHmac('sha256', key).update(`${purpose}:${id}`).digest('base64url')}`;
}

/** What is stored and looked up: SHA-256 (hex) of the token. */
export function accountTokenHash(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** The purpose a well-formed token claims, or null for anything else (looked up no further). */
export function accountTokenPurpose(token: unknown): AccountTokenPurpose | null {
  if (typeof token !== 'string') return null;
  const match = TOKEN.exec(token);
  if (!match) return null;
  return match[1] === 'ev' ? 'email_verification' : 'password_reset';
}

export function accountTokenExpiry(purpose: AccountTokenPurpose, now: Date): Date {
  return new Date(Math.floor(now.getTime() / 1000) * 1000 + ACCOUNT_TOKEN_TTL_SECONDS[purpose] * 1000);
}

export type AccountTokenState = 'usable' | 'used' | 'expired';

export function accountTokenState(row: { usedAt: Date | null; expiresAt: Date }, now: Date): AccountTokenState {
  if (row.usedAt) return 'used';
  return row.expiresAt.getTime() <= now.getTime() ? 'expired' : 'usable';
}

/** The link e-mailed: `<base>/dashboard/verify-email?token=...` (the only place a token appears in a URL). */
export function accountLink(baseUrl: string, purpose: AccountTokenPurpose, token: string): string {
  return `${baseUrl.replace(/\/+$/, '')}${ACCOUNT_LINK_PATH[purpose]}?token=${encodeURIComponent(token)}`;
}

/** The password rule of every sign-up and reset (the API's DTOs say the same: 12 to 256 characters). */
export const PASSWORD_MIN_LENGTH = 12;
export const PASSWORD_MAX_LENGTH = 256;

export function passwordProblem(password: unknown): 'password_too_short' | 'password_too_long' | null {
  if (typeof password !== 'string' || password.length < PASSWORD_MIN_LENGTH) return 'password_too_short';
  return password.length > PASSWORD_MAX_LENGTH ? 'password_too_long' : null;
}
