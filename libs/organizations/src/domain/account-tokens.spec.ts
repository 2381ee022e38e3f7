import {
  accountLink, accountTokenExpiry, accountTokenFor, accountTokenHash, accountTokenPurpose, accountTokenState, deriveAccountTokenKey, passwordProblem,
} from './account-tokens.js';

describe('account link tokens', () => {
  const key = deriveAccountTokenKey('x'.repeat(32));
  const id = '2b1f4f5e-8d1c-4f57-9d3a-5f1a2b3c4d5e';

  it('are derived from the key, purpose and row (the sender can rebuild them), and differ for each', () => {
    const token = accountTokenFor(key, 'password_reset', id);
    expect(token).toMatch(/^ataa_pr_[A-Za-z0-9_-]{43}$/);
    expect(accountTokenFor(key, 'password_reset', id)).toBe(token);
    expect(accountTokenFor(key, 'email_verification', id)).not.toBe(token.replace('ataa_pr', 'ataa_ev'));
    expect(accountTokenFor(deriveAccountTokenKey('y'.repeat(32)), 'password_reset', id)).not.toBe(token);
  });

  it('are stored only as their SHA-256', () => {
    const token = accountTokenFor(key, 'email_verification', id);
    expect(accountTokenHash(token)).toMatch(/^[0-9a-f]{64}$/);
    expect(accountTokenHash(token)).not.toContain(token.slice(8, 20));
  });

  it('say their purpose only when well-formed', () => {
    expect(accountTokenPurpose(accountTokenFor(key, 'email_verification', id))).toBe('email_verification');
    expect(accountTokenPurpose(accountTokenFor(key, 'password_reset', id))).toBe('password_reset');
    for (const bad of [undefined, 42, '', 'ataa_pr_short', `ataa_xx_${'a'.repeat(43)}`, `ataa_pr_${'a'.repeat(43)}x`]) expect(accountTokenPurpose(bad)).toBeNull();
  });

  it('work once and until they expire: an hour for a reset, two days for a verification', () => {
    const now = new Date('2025-03-12T10:00:00.400Z');
    expect(accountTokenExpiry('password_reset', now)).toEqual(new Date('2025-03-12T11:00:00Z'));
    expect(accountTokenExpiry('email_verification', now)).toEqual(new Date('2025-03-14T10:00:00Z'));
    const expiresAt = new Date('2025-03-12T11:00:00Z');
    expect(accountTokenState({ usedAt: null, expiresAt }, now)).toBe('usable');
    expect(accountTokenState({ usedAt: null, expiresAt }, expiresAt)).toBe('expired');
    expect(accountTokenState({ usedAt: now, expiresAt }, now)).toBe('used');
  });

  it('go in the e-mailed link only', () => {
    expect(accountLink('https://ataa.example/', 'password_reset', 'ataa_pr_abc')).toBe('https://ataa.example/dashboard/reset-password?token=ataa_pr_abc');
  });

  it('the password rule: 12 to 256 characters', () => {
    expect(passwordProblem('short')).toBe('password_too_short');
    expect(passwordProblem(undefined)).toBe('password_too_short');
    expect(passwordProblem('x'.repeat(12))).toBeNull();
    expect(passwordProblem('x'.repeat(257))).toBe('password_too_long');
  });
});
