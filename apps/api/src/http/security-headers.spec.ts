import { securityHeaders } from './security-headers.js';

describe('securityHeaders', () => {
  const headers = securityHeaders({
    contentSecurityPolicy: { directives: { defaultSrc: ["'self'"], formAction: ["'self'", 'http://127.0.0.1:12111'], frameAncestors: ["'none'"] } },
    crossOriginEmbedderPolicy: false,
  });

  it("records helmet's headers once, with the configured policy", () => {
    expect(headers).toMatchObject({
      'content-security-policy': expect.stringContaining("form-action 'self' http://127.0.0.1:12111"),
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'SAMEORIGIN',
      'strict-transport-security': expect.stringContaining('max-age='),
      'referrer-policy': 'no-referrer',
      'cross-origin-opener-policy': 'same-origin',
    });
    expect(headers['content-security-policy']).toContain("frame-ancestors 'none'");
  });

  it('leaves out what is turned off and what helmet removes', () => {
    expect(headers['cross-origin-embedder-policy']).toBeUndefined();
    expect(headers['x-powered-by']).toBeUndefined();
    expect(Object.isFrozen(headers)).toBe(true);
  });
});
