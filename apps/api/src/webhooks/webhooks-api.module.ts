import { Module } from '@nestjs/common';
import { StripeEventsModule } from '@ataa/payments';
import { StripeWebhooksController } from './stripe-webhooks.controller.js';

@Module({
  imports: [StripeEventsModule],
  controllers: [StripeWebhooksController],
})
export class WebhooksApiModule {}
