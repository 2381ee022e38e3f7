import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes, randomInt } from 'node:crypto';
import { generateSecret as generateOtpSecret, generateURI, verifySync } from 'otplib';

/**
 * Two-factor sign-in (TOTP, RFC 6238) and its recovery codes. Pure: no I/O (randomness and the clock
 * are the only inputs from outside).
 *
 * - The TOTP secret is stored encrypted (AES-256-GCM, a key derived from AUTH_SECRET with HKDF), the
 *   user's id as associated data, so a copied column neither opens anything nor moves to another row.
 * - A code is accepted one step either side of now (clock drift) and only for a time step later than
 *   the last one used (`afterTimeStep`): a code cannot be used twice, nor an older one after it.
 * - Recovery codes are 80 random bits each; only an HMAC of each (key derived from AUTH_SECRET) is
 *   stored, so the table cannot be brute-forced offline without the key either.
 */
export const TOTP_ISSUER = 'Ataa';
export const TOTP_PERIOD_SECONDS = 30;
/** Accepted drift: one period either way (otplib's epochTolerance is in seconds). */
const TOTP_TOLERANCE_SECONDS = TOTP_PERIOD_SECONDS;
export const RECOVERY_CODE_COUNT = 10;
/** How long the second step of a sign-in stays open after the password was right. */
export const SIGN_IN_CHALLENGE_TTL_SECONDS = 5 * 60;
/** Wrong codes one challenge takes before it is spent (the rate limits count across challenges). */
export const SIGN_IN_CHALLENGE_MAX_ATTEMPTS = 5;

const SECRET_FORMAT = /^v1\.([A-Za-z0-9_-]{16})\.([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]{22})$/;
const RECOVERY_ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789'; // no 0/o, 1/l/i: read aloud and typed from paper
const RECOVERY_CODE = new RegExp(`^[${RECOVERY_ALPHABET}]{16}$`);

export interface TwoFactorKeys {
  /** Encrypts TOTP secrets at rest. */
  secret: Buffer;
  /** Keys the recovery codes' stored HMACs. */
  recovery: Buffer;
}

export function deriveTwoFactorKeys(authSecret: string | Buffer): TwoFactorKeys {
  const derive = (info: string) => Buffer.from(hkdfSync('sha256', authSecret, 'ataa-two-factor', info, 32));
  return { secret: derive('totp secret encryption v1'), recovery: derive('recovery code hash v1') };
}

/** A new TOTP secret (160 random bits, base32, as authenticator apps take it). */
export function newTotpSecret(): string {
  return generateOtpSecret({ length: 20 });
}

/** The otpauth:// address an authenticator app reads from the QR code. */
export function totpUri(secret: string, accountName: string): string {
  return generateURI({ issuer: TOTP_ISSUER, label: accountName, secret, period: TOTP_PERIOD_SECONDS, digits: 6, algorithm: 'sha1' });
}

/** The secret in groups of four, for typing it into an app by hand. */
export function groupedSecret(secret: string): string {
  return secret.replace(/(.{4})(?=.)/g, '$1 ');
}

export function encryptTotpSecret(key: Buffer, secret: string, userId: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(userId, 'utf8'));
  const sealed = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
  return `v1.${iv.toString('base64url')}.${sealed.toString('base64url')}.${cipher.getAuthTag().toString('base64url')}`;
}

/** The secret, or null when the value was not sealed under this key for this user (tampered, moved, other key). */
export function decryptTotpSecret(key: Buffer, sealed: string, userId: string): string | null {
  const match = SECRET_FORMAT.exec(sealed);
  if (!match) return null;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(match[1], 'base64url'));
    decipher.setAAD(Buffer.from(userId, 'utf8'));
    decipher.setAuthTag(Buffer.from(match[3], 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(match[2], 'base64url')), decipher.final()]).toString('utf8');
  } catch {
    return null;
  }
}

/** What a person typed in the code field: six digits (spaces allowed), or null. */
export function totpCodeOf(typed: unknown): string | null {
  if (typeof typed !== 'string' || typed.length > 32) return null;
  const code = typed.replace(/[\s-]/g, '');
  return /^\d{6}$/.test(code) ? code : null;
}

/**
 * The time step the code belongs to, if it is right now (one step either way) and later than
 * `lastStep` (the step of the last code used), else null.
 */
export function acceptedTimeStep(secret: string, code: string, lastStep: number | null, nowMs: number = Date.now()): number | null {
  try {
    const result = verifySync({
      secret, token: code, period: TOTP_PERIOD_SECONDS, digits: 6, algorithm: 'sha1', epoch: Math.floor(nowMs / 1000),
      epochTolerance: TOTP_TOLERANCE_SECONDS, ...(lastStep === null ? {} : { afterTimeStep: lastStep }),
    });
    // The TOTP strategy's result carries the step it matched (the functional API types HOTP's too).
    const step = result.valid ? (result as { timeStep?: unknown }).timeStep : undefined;
    return typeof step === 'number' ? step : null;
  } catch {
    return null;
  }
}

/** Ten new recovery codes, as shown to the person (`abcd-efgh-jkmn-pqrs`). */
export function newRecoveryCodes(count: number = RECOVERY_CODE_COUNT): string[] {
  return Array.from({ length: count }, () => {
    const raw = Array.from({ length: 16 }, () => RECOVERY_ALPHABET[randomInt(RECOVERY_ALPHABET.length)]).join('');
    return raw.replace(/(.{4})(?=.)/g, '$1-');
  });
}

/** A typed recovery code in its stored form (lower case, no separators), or null when it cannot be one. */
export function recoveryCodeOf(typed: unknown): string | null {
  if (typeof typed !== 'string' || typed.length > 64) return null;
  const code = typed.toLowerCase().replace(/[\s-]/g, '');
  return RECOVERY_CODE.test(code) ? code : null;
}

/** What is stored for a recovery code: HMAC-SHA256 (hex) of the user and the normalized code. */
export function recoveryCodeHash(key: Buffer, userId: string, code: string): string {
  return createHmac('sha256', key).update(`${userId}:${recoveryCodeOf(code) ?? code}`).digest('hex');
}
