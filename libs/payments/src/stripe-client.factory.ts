import Stripe from 'stripe';
import { AppConfig } from '@ataa/config';

/** The one place the Stripe API version is pinned; the sandbox answers in the same version. */
export const STRIPE_API_VERSION = '2026-10-28.endive' as const satisfies Stripe.LatestApiVersion;

/**
 * Nest injection token for the Stripe client. Injected only inside libs/payments (StripeGateway and
 * the webhook verifier); everything else calls Stripe through StripeGateway.
 */
export const STRIPE_CLIENT = Symbol('STRIPE_CLIENT');

/** Retries on network errors and 409/5xx, with Stripe's own backoff and the same idempotency key. */
export const STRIPE_MAX_NETWORK_RETRIES = 2;

export interface StripeClientOverrides {
  /** Per-request timeout; Stripe's default (80 s) suits production, tests may want less. */
  timeoutMs?: number;
  maxNetworkRetries?: number;
}

/**
 * The one factory for the Stripe client. With STRIPE_API_BASE unset it talks to Stripe itself;
 * with it set (the sandbox), host, port and protocol come from that URL. Nothing else differs.
 */
export function createStripeClient(config: AppConfig, overrides: StripeClientOverrides = {}): Stripe {
  if (!config.STRIPE_SECRET_KEY) throw new Error('STRIPE_SECRET_KEY is not configured');
  const options: Stripe.StripeConfig = {
    apiVersion: STRIPE_API_VERSION,
    maxNetworkRetries: overrides.maxNetworkRetries ?? STRIPE_MAX_NETWORK_RETRIES,
    telemetry: false,
    appInfo: { name: 'Ataa', url: 'https://github.com/ataa' },
    ...(overrides.timeoutMs !== undefined ? { timeout: overrides.timeoutMs } : {}),
  };
  if (config.STRIPE_API_BASE) {
    const base = new URL(config.STRIPE_API_BASE);
    const protocol = base.protocol === 'https:' ? 'https' : 'http';
    options.host = base.hostname;
    options.port = Number(base.port || (protocol === 'https' ? 443 : 80));
    options.protocol = protocol;
  }
  return new Stripe(config.STRIPE_SECRET_KEY, options);
}
