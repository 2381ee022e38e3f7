import { generateKeyPairSync } from 'node:crypto';
import Stripe from 'stripe';
import { Test } from '@nestjs/testing';
import { ConfigModule, loadConfig } from '@ataa/config';
import { PaymentsModule } from './payments.module.js';
import { createStripeClient, STRIPE_API_VERSION, STRIPE_CLIENT } from './stripe-client.factory.js';

/** The Stripe client's internal settings (not part of its typed API). */
const settingsOf = (client: object) => (client as unknown as { _api: { host: string; port: string | number; protocol: string; version: string; maxNetworkRetries: number } })._api;

/** loadConfig checks the key's format in production. */
const signingKey = () => generateKeyPairSync('ed25519').privateKey.export({ format: 'der', type: 'pkcs8' }).toString('base64');

describe('createStripeClient', () => {
  it('talks to Stripe itself when no sandbox URL is configured', () => {
    const config = loadConfig({ NODE_ENV: 'production', STRIPE_SECRET_KEY: 'sk_live_realkey123', STRIPE_WEBHOOK_SECRETS: 'whsec_x', AUTH_SECRET: 'a'.repeat(32), OPERATOR_TOKEN: 'o'.repeat(24), TRANSPARENCY_SIGNING_KEY: signingKey() });
    expect(config.STRIPE_API_BASE).toBeUndefined();
    const api = settingsOf(createStripeClient(config));
    expect(api).toMatchObject({ host: 'api.stripe.com', protocol: 'https', version: STRIPE_API_VERSION, maxNetworkRetries: 2 });
    expect(String(api.port)).toBe('443');
  });

  it('with a real test key and no sandbox URL, development talks to Stripe too (only the sandbox key defaults to the sandbox)', () => {
    const real = loadConfig({ NODE_ENV: 'development', STRIPE_SECRET_KEY: 'sk_test_51RealAccountKey' });
    expect(real.STRIPE_API_BASE).toBeUndefined();
    expect(settingsOf(createStripeClient(real))).toMatchObject({ host: 'api.stripe.com', protocol: 'https' });
    const sandboxKey = loadConfig({ NODE_ENV: 'development' });
    expect(settingsOf(createStripeClient(sandboxKey))).toMatchObject({ host: '127.0.0.1', port: 12111, protocol: 'http' });
  });

  it('refuses to build a client without a secret key', () => {
    const config = loadConfig({ NODE_ENV: 'test' });
    expect(() => createStripeClient(Object.assign(config, { STRIPE_SECRET_KEY: undefined }))).toThrow(/STRIPE_SECRET_KEY/);
  });

  it('points host, port and protocol at the sandbox when STRIPE_API_BASE is set', () => {
    const config = loadConfig({ NODE_ENV: 'test', STRIPE_SECRET_KEY: 'sk_test_x', STRIPE_API_BASE: 'http://127.0.0.1:12111' });
    expect(settingsOf(createStripeClient(config))).toMatchObject({ host: '127.0.0.1', port: 12111, protocol: 'http', version: STRIPE_API_VERSION });
  });

  it('pins the API version the installed stripe package was built for', () => {
    expect(STRIPE_API_VERSION).toBe(Stripe.API_VERSION);
  });

  it('PaymentsModule provides the one client under STRIPE_CLIENT', async () => {
    const config = loadConfig({ NODE_ENV: 'test', STRIPE_SECRET_KEY: 'sk_test_x', STRIPE_API_BASE: 'http://127.0.0.1:4242' });
    const moduleRef = await Test.createTestingModule({ imports: [ConfigModule.forRoot(config), PaymentsModule] }).compile();
    const client = moduleRef.get<Stripe>(STRIPE_CLIENT);
    expect(client).toBeInstanceOf(Stripe);
    expect(settingsOf(client)).toMatchObject({ host: '127.0.0.1', port: 4242 });
    await moduleRef.close();
  });
});
