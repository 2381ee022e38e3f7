import { Global, Module } from '@nestjs/common';
import { AppConfig } from '@ataa/config';
import { StripeGateway } from './gateway/stripe-gateway.js';
import { createStripeClient, STRIPE_CLIENT } from './stripe-client.factory.js';

/**
 * Provides StripeGateway everywhere: the one way the platform calls Stripe (real Stripe or the
 * sandbox, by config). The client itself (STRIPE_CLIENT) is exported only for this lib's own
 * StripeEventsModule (the webhook verifier); the token is not in the lib's index.
 */
@Global()
@Module({
  providers: [{ provide: STRIPE_CLIENT, inject: [AppConfig], useFactory: (config: AppConfig) => createStripeClient(config) }, StripeGateway],
  exports: [StripeGateway, STRIPE_CLIENT],
})
export class PaymentsModule {}
