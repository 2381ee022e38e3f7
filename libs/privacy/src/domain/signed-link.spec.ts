import { createHmac } from 'node:crypto';
import { deriveLinkKey, signLink, verifyLink, type SignedLinkClaims } from './signed-link.js';

describe('signed links', () => {
  const key = deriveLinkKey('a-test-auth-secret-of-at-least-32-chars!!');
  const now = Date.UTC(2030, 0, 1);
  const claims: SignedLinkClaims = { purpose: 'data-export', subject: '0b7c1f5e-2d47-4a8e-9d3f-8f1e2a3b4c5d', expiresAt: now / 1000 + 3600, nonce: 'a'.repeat(32) };

  it('verifies its own token for the same purpose before expiry, giving back the claims', () => {
    const token = signLink(key, claims);
    expect(token).toMatch(/^l1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/);
    expect(verifyLink(key, token, { purpose: 'data-export', now })).toEqual({ ok: true, claims });
    // deterministic: the mail sender derives the same link again
    expect(signLink(key, claims)).toBe(token);
  });

  it('refuses a token signed with another key (forged)', () => {
    const forged = signLink(deriveLinkKey('another-secret-another-secret-another!!'), claims);
    expect(verifyLink(key, forged, { purpose: 'data-export', now })).toEqual({ ok: false, reason: 'bad_signature' });
  });

  it('refuses changed claims: another subject, a later expiry or another nonce under the old signature', () => {
    const [v, , sig] = signLink(key, claims).split('.');
    for (const changed of [{ ...claims, subject: 'someone-else' }, { ...claims, expiresAt: claims.expiresAt + 86_400 }, { ...claims, nonce: 'b'.repeat(32) }]) {
      const body = Buffer.from(JSON.stringify({ p: changed.purpose, s: changed.subject, e: changed.expiresAt, n: changed.nonce })).toString('base64url');
      expect(verifyLink(key, `${v}.${body}.${sig}`, { purpose: 'data-export', now })).toEqual({ ok: false, reason: 'bad_signature' });
    }
  });

  it('refuses a token for another purpose', () => {
    const erasure = signLink(key, { ...claims, purpose: 'erasure' });
    expect(verifyLink(key, erasure, { purpose: 'data-export', now })).toEqual({ ok: false, reason: 'wrong_purpose' });
  });

  it('refuses an expired token, from the second of its expiry on', () => {
    const token = signLink(key, claims);
    expect(verifyLink(key, token, { purpose: 'data-export', now: claims.expiresAt * 1000 - 1 }).ok).toBe(true);
    expect(verifyLink(key, token, { purpose: 'data-export', now: claims.expiresAt * 1000 })).toEqual({ ok: false, reason: 'expired' });
  });

  it('refuses malformed tokens without throwing', () => {
    const token = signLink(key, claims);
    for (const bad of [undefined, null, 42, '', 'l1', 'l1..', `l2${token.slice(2)}`, `${token}.x`, token.slice(0, -1), 'x'.repeat(700), `l1.${'!'.repeat(10)}.${'A'.repeat(43)}`]) {
      const verdict = verifyLink(key, bad, { purpose: 'data-export', now });
      expect(verdict.ok).toBe(false);
    }
    // a correctly signed body that is not the claims' JSON
    const body = Buffer.from('not json').toString('base64url');
    const sig = createHmac('sha256', key).update(`l1.${body}`).digest('base64url');
    expect(verifyLink(key, `l1.${body}.${sig}`, { purpose: 'data-export', now })).toEqual({ ok: false, reason: 'malformed' });
  });

  it('takes only the canonical spelling of its MAC (the last character\'s padding bits set makes another spelling of the same bytes)', () => {
    const token = signLink(key, claims);
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const last = alphabet.indexOf(token.at(-1)!);
    // 43 characters carry 258 bits for a 256-bit MAC: the last one's two low bits are padding
    const spellings = [1, 2, 3].map((bits) => `${token.slice(0, -1)}${alphabet[last ^ bits]}`);
    for (const other of spellings) {
      expect(Buffer.from(other.split('.')[2], 'base64url').equals(Buffer.from(token.split('.')[2], 'base64url'))).toBe(true);
      expect(verifyLink(key, other, { purpose: 'data-export', now })).toEqual({ ok: false, reason: 'malformed' });
    }
    expect(verifyLink(key, token, { purpose: 'data-export', now }).ok).toBe(true);
  });

  it('will not sign claims it could not verify', () => {
    expect(() => signLink(key, { ...claims, nonce: 'short' })).toThrow();
    expect(() => signLink(key, { ...claims, subject: 'has space' })).toThrow();
    expect(() => signLink(key, { ...claims, expiresAt: 1.5 })).toThrow();
    expect(() => signLink(key, { ...claims, purpose: 'Data Export' })).toThrow();
  });
});
