import type { AppConfig } from '@ataa/config';

/** Stripe's hosted Checkout, where a real key sends donors. */
export const STRIPE_CHECKOUT_ORIGIN = 'https://checkout.stripe.com';
/** Stripe's hosted Connect onboarding (account links), where the dashboard's "connect payouts" form sends an owner. */
export const STRIPE_CONNECT_ORIGIN = 'https://connect.stripe.com';

/**
 * Where the pages' forms may send the browser: itself, then (by the 303 redirect, which form-action
 * also governs) the payment page, or Stripe's onboarding (the dashboard's Connect form). CHECKOUT_ORIGINS names it when browsers reach the sandbox at
 * another address than the API does (docker compose: http://localhost:12111 vs stripe-sandbox:12111).
 */
export function checkoutFormActionSources(config: Pick<AppConfig, 'STRIPE_API_BASE' | 'CHECKOUT_ORIGINS'>): string[] {
  const configured = config.CHECKOUT_ORIGINS ?? (config.STRIPE_API_BASE ? [config.STRIPE_API_BASE] : []);
  const origins = configured.map((url) => new URL(url).origin);
  return ["'self'", ...new Set([...origins, STRIPE_CHECKOUT_ORIGIN, STRIPE_CONNECT_ORIGIN])];
}

/** The pages' CSP directives (helmet's option shape). */
export function contentSecurityPolicyDirectives(config: Pick<AppConfig, 'STRIPE_API_BASE' | 'CHECKOUT_ORIGINS'>): Record<string, string[]> {
  return {
    defaultSrc: ["'self'"],
    scriptSrc: ["'self'"],
    styleSrc: ["'self'", "'unsafe-inline'"],
    imgSrc: ["'self'", 'data:', 'https:'],
    formAction: checkoutFormActionSources(config),
    frameAncestors: ["'none'"],
  };
}

/**
 * The donate widget's CSP (`/embed/...` only): the pages' policy with `frame-ancestors` naming the
 * origins the campaign's organization listed, or still 'none' when it listed none. The origins come
 * canonical from the database (an https origin, checked by the API's DTO and a CHECK constraint), so
 * they can add no other source or directive. Every other page keeps frame-ancestors 'none'.
 */
export function embedContentSecurityPolicy(pagesPolicy: string, origins: readonly string[]): string {
  const allowed = origins.filter((o) => /^https?:\/\/[a-z0-9.:-]+$/.test(o));
  if (allowed.length === 0) return pagesPolicy;
  if (!pagesPolicy.includes("frame-ancestors 'none'")) throw new Error("the pages' CSP has no frame-ancestors 'none' to replace");
  return pagesPolicy.replace("frame-ancestors 'none'", `frame-ancestors ${allowed.join(' ')}`);
}
