import { ConfigError, loadConfig } from './app-config.js';

describe('loadConfig', () => {
  it('works on this machine with no variables at all', () => {
    const config = loadConfig({});
    expect(config.DATABASE_URL).toBe('postgres://postgres@127.0.0.1:5432/ataa');
    expect(config.REDIS_URL).toBe('redis://127.0.0.1:6379');
    expect(config.API_PORT).toBe(3000);
    expect(config.STRIPE_API_BASE).toBe('http://127.0.0.1:12111');
  });

  it('converts numbers, booleans and lists', () => {
    const config = loadConfig({ API_PORT: '4000', SANDBOX_TEST_MODE: 'true', STRIPE_WEBHOOK_SECRETS: 'whsec_a, whsec_b' });
    expect(config.API_PORT).toBe(4000);
    expect(config.SANDBOX_TEST_MODE).toBe(true);
    expect(config.STRIPE_WEBHOOK_SECRETS).toEqual(['whsec_a', 'whsec_b']);
  });

  it('names the malformed variable in one line', () => {
    expect(() => loadConfig({ API_PORT: 'eighty' })).toThrow(ConfigError);
    expect(() => loadConfig({ API_PORT: 'eighty' })).toThrow('Configuration error: API_PORT must be an integer number (got "eighty")');
    expect(() => loadConfig({ API_PORT: '70000' })).toThrow('Configuration error: API_PORT must not be greater than 65535 (got "70000")');
    expect(() => loadConfig({ DATABASE_URL: 'mysql://x' })).toThrow(/DATABASE_URL/);
    expect(() => loadConfig({ STRIPE_WEBHOOK_SECRETS: 'nope' })).toThrow(/STRIPE_WEBHOOK_SECRETS/);
  });

  it('requires secrets in production and never prints their values', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow('Configuration error: AUTH_SECRET is required when NODE_ENV=production');
    try {
      loadConfig({ NODE_ENV: 'production', AUTH_SECRET: 'short-secret', OPERATOR_TOKEN: 'x'.repeat(30), STRIPE_SECRET_KEY: 'sk_live_x', STRIPE_WEBHOOK_SECRETS: 'whsec_x', TRANSPARENCY_SIGNING_KEY: 'k' });
      throw new Error('expected a ConfigError');
    } catch (error) {
      expect((error as Error).message).toContain('AUTH_SECRET');
      expect((error as Error).message).not.toContain('short-secret');
    }
  });

  it('does not point a real key at the sandbox', () => {
    expect(loadConfig({ STRIPE_SECRET_KEY: 'sk_test_real123' }).STRIPE_API_BASE).toBeUndefined();
  });
});
