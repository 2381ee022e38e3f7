import { generateKeyPairSync } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { ConfigError, loadConfig, SECRETS_USED_BY } from './app-config.js';

const pkcs8 = (type: 'ed25519' | 'x25519') => generateKeyPairSync(type as 'ed25519').privateKey.export({ format: 'der', type: 'pkcs8' }).toString('base64');
const PRODUCTION = { NODE_ENV: 'production', AUTH_SECRET: 'a'.repeat(32), OPERATOR_TOKEN: 'o'.repeat(24), STRIPE_SECRET_KEY: 'sk_live_x', STRIPE_WEBHOOK_SECRETS: 'whsec_x' };

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

  it('renders receipts on one thread per CPU but one by default (at least one), as many as asked for otherwise', () => {
    expect(loadConfig({}).RECEIPT_RENDER_THREADS).toBe(Math.max(1, availableParallelism() - 1));
    expect(loadConfig({ RECEIPT_RENDER_THREADS: '3' }).RECEIPT_RENDER_THREADS).toBe(3);
    expect(() => loadConfig({ RECEIPT_RENDER_THREADS: '0' })).toThrow('Configuration error: RECEIPT_RENDER_THREADS must not be less than 1 (got "0")');
    expect(() => loadConfig({ RECEIPT_RENDER_THREADS: 'many' })).toThrow('Configuration error: RECEIPT_RENDER_THREADS must be an integer number (got "many")');
  });

  it('sweeps pending Stripe fees after 30 s by default; 0 turns the worker sweep off', () => {
    expect(loadConfig({}).FEE_SWEEP_SECONDS).toBe(30);
    expect(loadConfig({ FEE_SWEEP_SECONDS: '0' }).FEE_SWEEP_SECONDS).toBe(0);
    expect(() => loadConfig({ FEE_SWEEP_SECONDS: '-1' })).toThrow('Configuration error: FEE_SWEEP_SECONDS must not be less than 0 (got "-1")');
  });

  it('keeps 64 MB of public entries for the ledger pages unless told otherwise, at least 1', () => {
    expect(loadConfig({}).PUBLIC_ENTRY_CACHE_MB).toBe(64);
    expect(loadConfig({ PUBLIC_ENTRY_CACHE_MB: '256' }).PUBLIC_ENTRY_CACHE_MB).toBe(256);
    expect(() => loadConfig({ PUBLIC_ENTRY_CACHE_MB: '0' })).toThrow('Configuration error: PUBLIC_ENTRY_CACHE_MB must not be less than 1 (got "0")');
    expect(() => loadConfig({ PUBLIC_ENTRY_CACHE_MB: '1.5' })).toThrow(/PUBLIC_ENTRY_CACHE_MB/);
    expect(loadConfig({}).PUBLIC_EXPORTS_IN_FLIGHT).toBe(4);
    expect(loadConfig({ PUBLIC_EXPORTS_IN_FLIGHT: '1' }).PUBLIC_EXPORTS_IN_FLIGHT).toBe(1);
    expect(() => loadConfig({ PUBLIC_EXPORTS_IN_FLIGHT: '0' })).toThrow(/PUBLIC_EXPORTS_IN_FLIGHT/);
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
      loadConfig({ NODE_ENV: 'production', AUTH_SECRET: 'short-secret', OPERATOR_TOKEN: 'x'.repeat(30), STRIPE_SECRET_KEY: 'sk_live_x', STRIPE_WEBHOOK_SECRETS: 'whsec_x', TRANSPARENCY_SIGNING_KEY: pkcs8('ed25519') });
      throw new Error('expected a ConfigError');
    } catch (error) {
      expect((error as Error).message).toContain('AUTH_SECRET');
      expect((error as Error).message).not.toContain('short-secret');
    }
  });

  it('asks each process in production only for the secrets it uses, and gives the others no development value', () => {
    // The mail catcher and the sandbox have no secret-bearing feature.
    for (const app of ['mail-catcher', 'stripe-sandbox'] as const) {
      const config = loadConfig({ NODE_ENV: 'production' }, SECRETS_USED_BY[app]);
      expect(config.AUTH_SECRET).toBeUndefined();
      expect(config.STRIPE_SECRET_KEY).toBeUndefined();
    }
    // The worker calls Stripe, signs checkpoints and invitation links, but authenticates no operator
    // and verifies no webhook.
    const worker = { NODE_ENV: 'production', AUTH_SECRET: 'a'.repeat(32), STRIPE_SECRET_KEY: 'sk_live_x', TRANSPARENCY_SIGNING_KEY: pkcs8('ed25519') };
    const config = loadConfig(worker, SECRETS_USED_BY.worker);
    expect(config.OPERATOR_TOKEN).toBeUndefined();
    expect(config.STRIPE_WEBHOOK_SECRETS).toBeUndefined();
    expect(() => loadConfig({ ...worker, STRIPE_SECRET_KEY: undefined }, SECRETS_USED_BY.worker))
      .toThrow('Configuration error: STRIPE_SECRET_KEY is required when NODE_ENV=production');
    // The API uses every one of them.
    expect(() => loadConfig(worker, SECRETS_USED_BY.api)).toThrow('Configuration error: OPERATOR_TOKEN is required when NODE_ENV=production');
    // Without a list, every secret is required (the safe default).
    expect(() => loadConfig(worker)).toThrow(/OPERATOR_TOKEN is required/);
  });

  it('does not point a real key at the sandbox', () => {
    expect(loadConfig({ STRIPE_SECRET_KEY: 'sk_test_real123' }).STRIPE_API_BASE).toBeUndefined();
  });

  it('trusts no proxy unless told; takes true, a hop count or proxy addresses as Fastify does', () => {
    expect(loadConfig({}).TRUST_PROXY).toBe(false);
    expect(loadConfig({ TRUST_PROXY: 'false' }).TRUST_PROXY).toBe(false);
    expect(loadConfig({ TRUST_PROXY: 'true' }).TRUST_PROXY).toBe(true);
    expect(loadConfig({ TRUST_PROXY: '2' }).TRUST_PROXY).toBe(2);
    expect(loadConfig({ TRUST_PROXY: '10.0.0.1, 10.1.0.0/16,loopback, ::1' }).TRUST_PROXY).toEqual(['10.0.0.1', '10.1.0.0/16', 'loopback', '::1']);
    for (const bad of ['yes please', '10.0.0.0/33', '10.0.0.300', 'example.org', '-1', '10.0.0.1/8/8']) {
      expect(() => loadConfig({ TRUST_PROXY: bad })).toThrow(`Configuration error: TRUST_PROXY must be true, false, a hop count, or a comma-separated list of proxy addresses`);
    }
  });

  it('reads the login and checkout limits', () => {
    expect(loadConfig({})).toMatchObject({ LOGIN_FAILURES_PER_ACCOUNT: 20, LOGIN_FAILURE_WINDOW_SECONDS: 900, CHECKOUTS_PER_ADDRESS: 30, CHECKOUT_WINDOW_SECONDS: 600 });
    expect(loadConfig({ LOGIN_FAILURES_PER_ACCOUNT: '3', CHECKOUT_WINDOW_SECONDS: '2' })).toMatchObject({ LOGIN_FAILURES_PER_ACCOUNT: 3, CHECKOUT_WINDOW_SECONDS: 2 });
    expect(() => loadConfig({ CHECKOUTS_PER_ADDRESS: '0' })).toThrow(/CHECKOUTS_PER_ADDRESS must not be less than 1/);
  });

  it('accepts an Ed25519 PKCS#8 signing key and stops on a malformed one with one line that hides the value', () => {
    const key = pkcs8('ed25519');
    expect(loadConfig({ ...PRODUCTION, TRANSPARENCY_SIGNING_KEY: key }).TRANSPARENCY_SIGNING_KEY).toBe(key);
    const x25519 = pkcs8('x25519');
    const notBase64 = `${key.slice(0, 20)}!${key.slice(21)}`;
    for (const bad of ['k', 'not a key', notBase64, key.slice(0, -8), x25519, Buffer.from('hello world').toString('base64')]) {
      for (const env of [{ TRANSPARENCY_SIGNING_KEY: bad }, { ...PRODUCTION, TRANSPARENCY_SIGNING_KEY: bad }]) {
        let message = '';
        try {
          loadConfig(env);
        } catch (error) {
          expect(error).toBeInstanceOf(ConfigError);
          message = (error as Error).message;
        }
        expect(message).toBe('Configuration error: TRANSPARENCY_SIGNING_KEY must be an Ed25519 private key, PKCS#8 DER in base64 (got (hidden))');
      }
    }
  });
});
