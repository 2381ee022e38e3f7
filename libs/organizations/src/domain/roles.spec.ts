import { roleAllows, ROLES } from './roles.js';
import { hashSecret, generateSecret, normalizeEmail } from './tokens.js';

describe('roleAllows', () => {
  it('lets any member read (viewer listed)', () => {
    for (const role of ROLES) expect(roleAllows(role, ['viewer'])).toBe(true);
  });

  it('admin actions: owner and admin only', () => {
    expect(ROLES.filter((r) => roleAllows(r, ['admin']))).toEqual(['owner', 'admin']);
  });

  it('finance actions: owner and finance only', () => {
    expect(ROLES.filter((r) => roleAllows(r, ['finance']))).toEqual(['owner', 'finance']);
  });

  it('owner actions: owner only', () => {
    expect(ROLES.filter((r) => roleAllows(r, ['owner']))).toEqual(['owner']);
  });
});

describe('secrets', () => {
  it('are random, prefixed, and stored as SHA-256', () => {
    const a = generateSecret('ataa_key');
    expect(a).toMatch(/^ataa_key_[A-Za-z0-9_-]{43}$/);
    expect(generateSecret('ataa_key')).not.toBe(a);
    expect(hashSecret(a)).toMatch(/^[0-9a-f]{64}$/);
    expect(hashSecret(a)).toBe(hashSecret(a));
  });

  it('e-mails compare case-insensitively', () => {
    expect(normalizeEmail('  Amina@Example.ORG ')).toBe('amina@example.org');
  });
});
