import { Global, Module } from '@nestjs/common';
import { AppConfig } from '@ataa/config';
import { createStripeClient, STRIPE_CLIENT } from './stripe-client.factory.js';

/** Provides the Stripe client everywhere under STRIPE_CLIENT (real Stripe or the sandbox, by config). */
@Global()
@Module({
  providers: [{ provide: STRIPE_CLIENT, inject: [AppConfig], useFactory: (config: AppConfig) => createStripeClient(config) }],
  exports: [STRIPE_CLIENT],
})
export class PaymentsModule {}
