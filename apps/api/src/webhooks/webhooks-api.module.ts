import { Module } from '@nestjs/common';
import { StripeEventsModule } from '@ataa/payments';
import { StripeEventsOperatorController } from './stripe-events-operator.controller.js';
import { StripeWebhooksController } from './stripe-webhooks.controller.js';

/** Stripe webhooks into the event inbox, and the operator's view of dead-lettered events. */
@Module({
  imports: [StripeEventsModule],
  controllers: [StripeWebhooksController, StripeEventsOperatorController],
})
export class WebhooksApiModule {}
