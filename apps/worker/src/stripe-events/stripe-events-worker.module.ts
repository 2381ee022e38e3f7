import { Module, OnModuleInit } from '@nestjs/common';
import type Stripe from 'stripe';
import { DonationsModule } from '@ataa/donations';
import { OrganizationsModule, OrganizationsService } from '@ataa/organizations';
import { StripeEventDispatcher, StripeEventsModule } from '@ataa/payments';
import { FeeSweepRunner } from './fee-sweep.runner.js';
import { InboxSweepRunner } from './inbox-sweep.runner.js';
import { StripeEventsProcessor } from './stripe-events.processor.js';

/** Processes the Stripe event inbox: donations register their handlers; account.updated goes to organizations. */
@Module({
  imports: [StripeEventsModule, DonationsModule, OrganizationsModule],
  providers: [StripeEventsProcessor, InboxSweepRunner, FeeSweepRunner],
  exports: [InboxSweepRunner, FeeSweepRunner],
})
export class StripeEventsWorkerModule implements OnModuleInit {
  constructor(
    private readonly dispatcher: StripeEventDispatcher,
    private readonly organizations: OrganizationsService,
  ) {}

  onModuleInit(): void {
    this.dispatcher.register(['account.updated'], async (event) => {
      const org = await this.organizations.applyStripeAccountUpdate(event.data.object as Stripe.Account, new Date(event.created * 1000));
      return org ? 'account_updated' : 'no_organization';
    });
  }
}
