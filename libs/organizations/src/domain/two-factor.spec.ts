import { generateSync } from 'otplib';
import {
  acceptedTimeStep, decryptTotpSecret, deriveTwoFactorKeys, encryptTotpSecret, groupedSecret, newRecoveryCodes, newTotpSecret, recoveryCodeHash,
  recoveryCodeOf, RECOVERY_CODE_COUNT, totpCodeOf, totpUri,
} from './two-factor.js';

const USER = '6f1c2a53-1b7e-4c1a-9d51-0d8b3f2f4a10';
const OTHER_USER = '0b4c8a7e-2f1d-4e3a-8c9b-7a6d5e4f3c2b';
const AT = Date.UTC(2026, 4, 1, 12, 0, 10); // 10 s into a 30 s step
const code = (secret: string, ms: number) => generateSync({ secret, epoch: Math.floor(ms / 1000) });

describe('TOTP secrets at rest', () => {
  const keys = deriveTwoFactorKeys('x'.repeat(40));

  it('are sealed with AES-256-GCM: not readable, different each time, opened only with the same key and user', () => {
    const secret = newTotpSecret();
    const sealed = encryptTotpSecret(keys.secret, secret, USER);
    expect(sealed).toMatch(/^v1\./);
    expect(sealed).not.toContain(secret);
    expect(encryptTotpSecret(keys.secret, secret, USER)).not.toBe(sealed);
    expect(decryptTotpSecret(keys.secret, sealed, USER)).toBe(secret);
    expect(decryptTotpSecret(keys.secret, sealed, OTHER_USER)).toBeNull(); // moved to another row
    expect(decryptTotpSecret(deriveTwoFactorKeys('y'.repeat(40)).secret, sealed, USER)).toBeNull(); // another AUTH_SECRET
    const parts = sealed.split('.');
    const flipped = [parts[0], parts[1], Buffer.from(Buffer.from(parts[2], 'base64url').map((b, i) => (i === 0 ? b ^ 1 : b))).toString('base64url'), parts[3]].join('.');
    expect(decryptTotpSecret(keys.secret, flipped, USER)).toBeNull(); // tampered
    expect(decryptTotpSecret(keys.secret, 'plaintext', USER)).toBeNull();
  });

  it('derives separate keys for secrets and recovery codes (HKDF)', () => {
    expect(keys.secret.length).toBe(32);
    expect(keys.secret.equals(keys.recovery)).toBe(false);
    expect(deriveTwoFactorKeys('x'.repeat(40)).secret.equals(keys.secret)).toBe(true);
  });

  it('is 160 random bits in base32, shown in groups of four, in an otpauth address for the app', () => {
    const secret = newTotpSecret();
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(groupedSecret('ABCDEFGHIJ')).toBe('ABCD EFGH IJ');
    const uri = new URL(totpUri(secret, 'amina@example.org'));
    expect(uri.protocol).toBe('otpauth:');
    expect(uri.searchParams.get('secret')).toBe(secret);
    expect(uri.searchParams.get('issuer')).toBe('Ataa');
    expect(decodeURIComponent(uri.pathname)).toContain('amina@example.org');
  });
});

describe('TOTP codes', () => {
  const secret = newTotpSecret();

  it('accepts the current code and one step either side, nothing further', () => {
    const now = acceptedTimeStep(secret, code(secret, AT), null, AT);
    expect(now).toBe(Math.floor(AT / 30_000));
    expect(acceptedTimeStep(secret, code(secret, AT - 30_000), null, AT)).toBe(now! - 1);
    expect(acceptedTimeStep(secret, code(secret, AT + 30_000), null, AT)).toBe(now! + 1);
    expect(acceptedTimeStep(secret, code(secret, AT - 90_000), null, AT)).toBeNull();
    expect(acceptedTimeStep(secret, code(secret, AT + 90_000), null, AT)).toBeNull();
  });

  it('refuses a code already used, and an older one after it (replay)', () => {
    const step = acceptedTimeStep(secret, code(secret, AT), null, AT)!;
    expect(acceptedTimeStep(secret, code(secret, AT), step, AT)).toBeNull();
    expect(acceptedTimeStep(secret, code(secret, AT + 5_000), step, AT + 5_000)).toBeNull(); // same window, later
    expect(acceptedTimeStep(secret, code(secret, AT - 30_000), step, AT)).toBeNull();
    expect(acceptedTimeStep(secret, code(secret, AT + 30_000), step, AT + 30_000)).toBe(step + 1); // the next one is fine
  });

  it('refuses wrong codes and another secret’s codes', () => {
    const right = code(secret, AT);
    const wrong = String((Number(right) + 1) % 1_000_000).padStart(6, '0');
    expect(acceptedTimeStep(secret, wrong, null, AT)).toBeNull();
    expect(acceptedTimeStep(newTotpSecret(), right, null, AT)).toBeNull();
  });

  it('reads what people type: six digits, spaces allowed', () => {
    expect(totpCodeOf(' 123 456 ')).toBe('123456');
    expect(totpCodeOf('123-456')).toBe('123456');
    for (const bad of ['12345', '1234567', 'abcdef', '', undefined, 123456, '١٢٣٤٥٦', 'x'.repeat(40)]) expect(totpCodeOf(bad)).toBeNull();
  });
});

describe('recovery codes', () => {
  const keys = deriveTwoFactorKeys('x'.repeat(40));

  it('are ten distinct codes of 80 bits in four groups, without look-alike characters', () => {
    const codes = newRecoveryCodes();
    expect(codes).toHaveLength(RECOVERY_CODE_COUNT);
    expect(new Set(codes).size).toBe(codes.length);
    for (const c of codes) expect(c).toMatch(/^[a-hjkmnp-z2-9]{4}(-[a-hjkmnp-z2-9]{4}){3}$/);
  });

  it('are typed in any case, with or without separators', () => {
    const [c] = newRecoveryCodes(1);
    expect(recoveryCodeOf(c.toUpperCase().replace(/-/g, ' '))).toBe(c.replace(/-/g, ''));
    for (const bad of ['123456', 'abcd-efgh', 'o0o0-o0o0-o0o0-o0o0', '', null, 'a'.repeat(80)]) expect(recoveryCodeOf(bad)).toBeNull();
  });

  it('are stored as a keyed hash per user: the same code typed differently hashes the same, another user or key differently', () => {
    const [c] = newRecoveryCodes(1);
    const hash = recoveryCodeHash(keys.recovery, USER, c);
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(hash).not.toContain(c.replace(/-/g, ''));
    expect(recoveryCodeHash(keys.recovery, USER, c.toUpperCase())).toBe(hash);
    expect(recoveryCodeHash(keys.recovery, OTHER_USER, c)).not.toBe(hash);
    expect(recoveryCodeHash(deriveTwoFactorKeys('y'.repeat(40)).recovery, USER, c)).not.toBe(hash);
  });
});
