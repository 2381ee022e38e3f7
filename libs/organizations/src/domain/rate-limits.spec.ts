import { onRedisFailure, RATE_LIMIT_POLICIES, type RateLimitPolicy, type RateLimitName } from './rate-limits.js';

describe('rate limit policies', () => {
  it('every limit states its key, window and whether it fails open, and no two share a key', () => {
    for (const [name, policy] of Object.entries(RATE_LIMIT_POLICIES)) {
      expect({ name, failOpen: typeof policy.failOpen, window: ['from-first', 'from-last'].includes(policy.window) }).toEqual({ name, failOpen: 'boolean', window: true });
    }
    const buckets = Object.values(RATE_LIMIT_POLICIES).map((p) => p.bucket);
    expect(new Set(buckets).size).toBe(buckets.length);
  });

  it('keeps the documented behaviour: every auth limit and the checkout limit fail open, the erasure link, data-export requests and reports fail closed', () => {
    expect(Object.fromEntries(Object.entries(RATE_LIMIT_POLICIES).map(([name, p]) => [name, p.failOpen]))).toEqual({
      loginFailuresPerIpAndEmail: true, loginFailuresPerIp: true, loginFailuresPerAccount: true, signupsPerIp: true,
      // a second factor (six digits) is easier to guess than a password: its limit fails closed
      secondFactorFailuresPerAccount: false, checkoutsPerAddress: true,
      erasureRequestsPerAddress: false, erasureRequestsPerEmail: false, dataExportsPerEmail: false, dataExportsPerAddress: false, reportsPerAddress: false,
      // the dashboard's account links: requests that e-mail fail closed, opening a link fails open
      passwordResetsPerAddress: false, passwordResetsPerEmail: false, verificationMailsPerAccount: false, accountLinksPerAddress: true,
      // the donor page's magic links e-mail whoever is typed in: fail closed
      donorSignInLinksPerAddress: false, donorSignInLinksPerEmail: false,
    });
    // the per-account lock restarts at every failure; the others run from the first attempt
    expect(RATE_LIMIT_POLICIES.loginFailuresPerAccount.window).toBe('from-last');
    expect(RATE_LIMIT_POLICIES.secondFactorFailuresPerAccount.window).toBe('from-last');
  });

  it('a request fails closed when any limit it takes fails closed', () => {
    const policies: Record<RateLimitName, RateLimitPolicy> = { ...RATE_LIMIT_POLICIES, signupsPerIp: { ...RATE_LIMIT_POLICIES.signupsPerIp, failOpen: false } };
    expect(onRedisFailure([{ limit: 'loginFailuresPerIp', subject: 'a' }, { limit: 'loginFailuresPerAccount', subject: 'b' }], policies)).toBe('open');
    expect(onRedisFailure([{ limit: 'signupsPerIp', subject: 'a' }], policies)).toBe('closed');
    expect(onRedisFailure([{ limit: 'loginFailuresPerIp', subject: 'a' }, { limit: 'signupsPerIp', subject: 'a' }], policies)).toBe('closed');
  });
});
