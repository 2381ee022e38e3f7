import { Module } from '@nestjs/common';
import { StripeEventDispatcher } from './inbox/stripe-event-dispatcher.js';
import { StripeEventInbox } from './inbox/stripe-event-inbox.js';
import { StripeWebhookVerifier } from './webhooks/stripe-webhook-verifier.js';

/** Webhook verification, the event inbox and the dispatcher (needs PaymentsModule and QueueModule). */
@Module({
  providers: [StripeWebhookVerifier, StripeEventInbox, StripeEventDispatcher],
  exports: [StripeWebhookVerifier, StripeEventInbox, StripeEventDispatcher],
})
export class StripeEventsModule {}
