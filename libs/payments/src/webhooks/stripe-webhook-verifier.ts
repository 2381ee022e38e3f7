import { Inject, Injectable } from '@nestjs/common';
import Stripe from 'stripe';
import { DomainError } from '@ataa/common';
import { AppConfig } from '@ataa/config';
import { STRIPE_CLIENT } from '../stripe-client.factory.js';

/**
 * Stripe's recommended tolerance for the signature timestamp: replays older than this are refused,
 * and so are timestamps further than this ahead of our clock (Stripe's library checks only age).
 */
export const WEBHOOK_TOLERANCE_SECONDS = 300;

export class WebhookSignatureError extends DomainError {
  constructor(reason: string) {
    super('invalid_signature', reason, 400);
  }
}

/**
 * Verifies `Stripe-Signature` over the exact raw body with each configured secret in turn, so a
 * secret can be rotated without downtime (old and new are both configured for the overlap).
 */
@Injectable()
export class StripeWebhookVerifier {
  private readonly secrets: string[];

  constructor(
    @Inject(STRIPE_CLIENT) private readonly stripe: Stripe,
    config: AppConfig,
  ) {
    this.secrets = config.STRIPE_WEBHOOK_SECRETS ?? [];
  }

  verify(rawBody: Buffer | string | undefined, signature: string | string[] | undefined): Stripe.Event {
    if (rawBody === undefined || rawBody.length === 0) throw new WebhookSignatureError('The request has no body to verify');
    if (typeof signature !== 'string' || signature.length === 0 || signature.length > 2048) {
      throw new WebhookSignatureError('The Stripe-Signature header is missing');
    }
    if (this.secrets.length === 0) throw new WebhookSignatureError('No webhook secret is configured');
    let stale = false;
    for (const secret of this.secrets) {
      let event: Stripe.Event;
      try {
        event = this.stripe.webhooks.constructEvent(rawBody, signature, secret, WEBHOOK_TOLERANCE_SECONDS);
      } catch (error) {
        if (/timestamp outside the tolerance/i.test((error as Error).message)) stale = true;
        continue;
      }
      // The signature matches: refuse it, like a stale one, when it is dated too far ahead.
      if (signatureTimestampsAhead(signature, Date.now())) {
        stale = true;
        break;
      }
      return event;
    }
    throw new WebhookSignatureError(stale ? 'The signature timestamp is outside the tolerance' : 'The signature does not match the payload');
  }
}

/**
 * Whether any `t=` of a `Stripe-Signature` header (`t=<unix seconds>,v1=<hex>,...`) lies more than
 * WEBHOOK_TOLERANCE_SECONDS after `nowMs`. Every `t=` is read, not only the one Stripe's library
 * signs with (the last), so no arrangement of the header slips a future timestamp through.
 */
export function signatureTimestampsAhead(signature: string, nowMs: number): boolean {
  const now = Math.floor(nowMs / 1000);
  for (const item of signature.split(',')) {
    const at = item.indexOf('=');
    if (at < 0 || item.slice(0, at).trim() !== 't') continue;
    const timestamp = Number.parseInt(item.slice(at + 1), 10);
    if (Number.isFinite(timestamp) && timestamp - now > WEBHOOK_TOLERANCE_SECONDS) return true;
  }
  return false;
}
