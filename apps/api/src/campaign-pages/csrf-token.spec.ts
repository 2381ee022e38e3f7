import { CSRF_TOKEN_LIFETIME_MS, csrfTokenFresh, csrfTokenIssuedAt, deriveCsrfKey, mintCsrfToken, verifyCsrfSubmission } from './csrf-token.js';

describe('stateless CSRF tokens (signed double submit)', () => {
  const key = deriveCsrfKey('k'.repeat(32));
  const now = Date.UTC(2026, 11, 5, 12, 0, 0);

  it('a minted token verifies when the form echoes the cookie, and two visitors get different tokens', () => {
    const token = mintCsrfToken(key, now);
    expect(token).toMatch(/^[A-Za-z0-9_.-]+$/);
    expect(verifyCsrfSubmission(key, token, token, now + 1000)).toBe(true);
    expect(csrfTokenIssuedAt(key, token)).toBe(now);
    expect(mintCsrfToken(key, now)).not.toBe(token);
  });

  it('refuses a missing, forged or mismatched token', () => {
    const token = mintCsrfToken(key, now);
    const other = mintCsrfToken(key, now);
    expect(verifyCsrfSubmission(key, token, undefined, now)).toBe(false);
    expect(verifyCsrfSubmission(key, undefined, token, now)).toBe(false);
    expect(verifyCsrfSubmission(key, '', '', now)).toBe(false);
    expect(verifyCsrfSubmission(key, token, other, now)).toBe(false);
    // Same shape, signature changed.
    const [nonce, issued, mac] = token.split('.');
    const flipped = `${nonce}.${issued}.${mac[0] === 'A' ? 'B' : 'A'}${mac.slice(1)}`;
    expect(verifyCsrfSubmission(key, flipped, flipped, now)).toBe(false);
    // A later issue time under the old signature.
    const moved = `${nonce}.${(Math.floor(now / 1000) + 3600).toString(36)}.${mac}`;
    expect(verifyCsrfSubmission(key, moved, moved, now)).toBe(false);
    // Signed with another key (another deployment, or made up).
    const foreign = mintCsrfToken(deriveCsrfKey('x'.repeat(32)), now);
    expect(verifyCsrfSubmission(key, foreign, foreign, now)).toBe(false);
    expect(verifyCsrfSubmission(key, 'x', 'x', now)).toBe(false);
  });

  it('refuses an expired token and one issued in the future', () => {
    const token = mintCsrfToken(key, now);
    expect(csrfTokenFresh(key, token, now + CSRF_TOKEN_LIFETIME_MS - 1000)).toBe(true);
    expect(verifyCsrfSubmission(key, token, token, now + CSRF_TOKEN_LIFETIME_MS)).toBe(false);
    expect(verifyCsrfSubmission(key, token, token, now - 10 * 60_000)).toBe(false);
  });
});
