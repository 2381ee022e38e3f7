import type Stripe from 'stripe';
import type { RetryPolicy, Sandbox, SandboxControlClient } from '../../../apps/stripe-sandbox/src/index.js';
import { load } from './lazy.js';

/** The key and webhook secret tests use with the sandbox (any sk_test_ key would do). */
export const TEST_STRIPE_SECRET_KEY = 'sk_test_ataa_tests';
export const TEST_STRIPE_WEBHOOK_SECRET = 'whsec_ataa_tests';

/** Webhook retries at test pace: 100 ms, 200 ms, 400 ms, ... up to 2 s, 8 attempts, 5 s per attempt. */
export const TEST_RETRY_POLICY: RetryPolicy = { baseDelayMs: 100, maxDelayMs: 2_000, maxAttempts: 8, timeoutMs: 5_000 };

export interface TestSandboxOptions {
  /** Where to deliver webhooks (e.g. `${apiUrl}/webhooks/stripe`); can also be set later with control.setWebhookEndpoint. */
  webhookUrl?: string;
  webhookSecret?: string;
  retry?: Partial<RetryPolicy>;
  stateFile?: string;
}

export interface TestSandbox {
  /** Base URL: use as STRIPE_API_BASE. */
  url: string;
  port: number;
  /** The /_sandbox control API: clock, paying sessions, disputes, failures, webhook endpoints, chaos. */
  control: SandboxControlClient;
  secretKey: string;
  webhookSecret: string;
  /** The in-process sandbox (engine, store, deliverer) for assertions a test cannot make over HTTP. */
  sandbox: Sandbox;
  /** The platform's own Stripe client factory pointed at this sandbox. */
  stripe(options?: { timeoutMs?: number; maxNetworkRetries?: number }): Stripe;
  /** Environment variables that point the platform at this sandbox (for env.configWith). */
  env(): Record<string, string>;
  /** Sends every event to this URL (e.g. `${apiUrl}/webhooks/stripe`), signed with webhookSecret. */
  connectWebhooks(url: string): Promise<void>;
  close(): Promise<void>;
}

/**
 * Starts the Stripe sandbox in-process, in test mode, on a free port. Point the platform at it with
 * `env.configWith(sandbox.env())` (STRIPE_API_BASE, STRIPE_SECRET_KEY, STRIPE_WEBHOOK_SECRETS).
 */
export async function startTestSandbox(options: TestSandboxOptions = {}): Promise<TestSandbox> {
  // Loaded by the files that start a sandbox only (see test-app.ts).
  const { createSandbox, SandboxControlClient } = await load(() => import('../../../apps/stripe-sandbox/src/index.js'));
  const { createStripeClient } = await load(() => import('@ataa/payments'));
  const { loadConfig } = await load(() => import('@ataa/config'));
  const webhookSecret = options.webhookSecret ?? TEST_STRIPE_WEBHOOK_SECRET;
  const sandbox = await createSandbox({
    testMode: true,
    stateFile: options.stateFile,
    retry: { ...TEST_RETRY_POLICY, ...options.retry },
    webhookEndpoints: options.webhookUrl ? [{ url: options.webhookUrl, secret: webhookSecret }] : [],
    tickIntervalMs: 0,
  });
  const url = await sandbox.listen({ port: 0, host: '127.0.0.1' });
  const port = Number(new URL(url).port);
  const env = () => ({ STRIPE_API_BASE: url, STRIPE_SECRET_KEY: TEST_STRIPE_SECRET_KEY, STRIPE_WEBHOOK_SECRETS: webhookSecret });
  const control = new SandboxControlClient(url);
  return {
    url,
    port,
    control,
    secretKey: TEST_STRIPE_SECRET_KEY,
    webhookSecret,
    sandbox,
    env,
    connectWebhooks: async (webhookUrl) => {
      await control.setWebhookEndpoint(webhookUrl, webhookSecret);
    },
    stripe: (overrides = {}) => createStripeClient(loadConfig({ NODE_ENV: 'test', ...env() }), overrides),
    close: () => sandbox.close(),
  };
}
