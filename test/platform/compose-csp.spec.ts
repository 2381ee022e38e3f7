import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { loadConfig } from '@ataa/config';
import { checkoutFormActionSources, contentSecurityPolicyDirectives } from '../../apps/api/src/http/content-security-policy.js';

type Service = { environment?: Record<string, string | number | boolean> };

/** Compose's own interpolation, for the forms the file uses: ${NAME:-default} and ${NAME:?message}. */
function interpolate(value: string, env: Record<string, string>): string {
  return value.replace(/\$\{(\w+)(?::([-?])([^}]*))?\}/g, (_, name: string, kind: string | undefined, rest: string) => {
    if (env[name] !== undefined) return env[name];
    if (kind === '-') return rest;
    throw new Error(`${name} is required by the compose file: ${rest}`);
  });
}

/**
 * Issue 15, item 8: in docker compose the browser reaches the sandbox's payment page at
 * SANDBOX_PUBLIC_URL (localhost:12111), while the API reaches it at stripe-sandbox:12111. The
 * campaign page's CSP (form-action, which also governs the form's redirect) must allow the former.
 */
describe('docker compose: the campaign page CSP allows the payment page the donor is sent to', () => {
  const compose = parse(readFileSync(path.join(import.meta.dirname, '..', '..', 'docker', 'compose.yaml'), 'utf8'), { merge: true }) as { services: Record<string, Service> };
  const signingKey = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'der' }).toString('base64');
  const envOf = (service: string) => Object.fromEntries(Object.entries(compose.services[service].environment ?? {})
    .map(([k, v]) => [k, interpolate(String(v), { TRANSPARENCY_SIGNING_KEY: signingKey })]));

  it('builds the API configuration from the compose file and allows SANDBOX_PUBLIC_URL in form-action', () => {
    const config = loadConfig(envOf('api-1'));
    const browserSeesSandboxAt = new URL(envOf('stripe-sandbox').SANDBOX_PUBLIC_URL).origin;
    const formAction = contentSecurityPolicyDirectives(config).formAction;
    expect(formAction).toContain(browserSeesSandboxAt);
    expect(formAction).toContain("'self'");
    // The API's own address for the sandbox is not one a browser can open.
    expect(new URL(config.STRIPE_API_BASE!).origin).not.toBe(browserSeesSandboxAt);
  });

  it('defaults: the sandbox base when no origin is named; Stripe Checkout always', () => {
    expect(checkoutFormActionSources({ STRIPE_API_BASE: 'http://127.0.0.1:12111/', CHECKOUT_ORIGINS: undefined }))
      .toEqual(["'self'", 'http://127.0.0.1:12111', 'https://checkout.stripe.com', 'https://connect.stripe.com']);
    expect(checkoutFormActionSources({ STRIPE_API_BASE: undefined, CHECKOUT_ORIGINS: undefined })).toEqual(["'self'", 'https://checkout.stripe.com', 'https://connect.stripe.com']);
    expect(checkoutFormActionSources({ STRIPE_API_BASE: 'http://stripe-sandbox:12111', CHECKOUT_ORIGINS: ['http://localhost:12111/pay'] }))
      .toEqual(["'self'", 'http://localhost:12111', 'https://checkout.stripe.com', 'https://connect.stripe.com']);
  });
});
