import { Module, OnModuleInit } from '@nestjs/common';
import { LedgerModule } from '@ataa/ledger';
import { NotificationsModule, OFFLINE_RECEIPT_SENDER, RECEIPT_DATA_SOURCE } from '@ataa/notifications';
import { OrganizationsModule } from '@ataa/organizations';
import { StripeEventDispatcher, StripeEventsModule } from '@ataa/payments';
import { TransparencyModule } from '@ataa/transparency';
import { CheckoutService } from './checkout.service.js';
import { DonationReceiptDataSource } from './donation-receipt-data.source.js';
import { DonationSyncService } from './donation-sync.service.js';
import { DonationsQueryService } from './donations-query.service.js';
import { FundsRecoveryRegistry } from './funds-recovery.js';
import { PendingFeesService } from './pending-fees.service.js';
import { CampaignReader } from './persistence/campaign-reader.js';
import { RefundsService } from './refunds.service.js';
import { PledgesService } from './pledges.service.js';
import { PledgeRepository } from './persistence/pledge.repository.js';
import { OfflineGiftsService } from './offline-gifts.service.js';
import { OfflineGiftRepository } from './persistence/offline-gift.repository.js';
import { OfflineReceiptMailer } from './offline-receipt.sender.js';
import { EVENT_PLANNED_TYPES } from './domain/event-facts.js';
import { SettlementRepository } from './persistence/settlement.repository.js';

/** Stripe event types that can change a gift. */
export const DONATION_EVENT_TYPES = [
  'checkout.session.completed', 'checkout.session.async_payment_succeeded', 'checkout.session.async_payment_failed', 'checkout.session.expired',
  'charge.succeeded', 'charge.updated', 'charge.failed', 'charge.refunded', 'charge.refund.updated', 'refund.created', 'refund.updated',
  'charge.dispute.created', 'charge.dispute.updated', 'charge.dispute.closed', 'charge.dispute.funds_withdrawn', 'charge.dispute.funds_reinstated',
  'payment_intent.succeeded', 'payment_intent.payment_failed',
] as const;

@Module({
  imports: [LedgerModule, StripeEventsModule, NotificationsModule, TransparencyModule, OrganizationsModule],
  providers: [
    CampaignReader, CheckoutService, DonationSyncService, RefundsService, DonationsQueryService, DonationReceiptDataSource, FundsRecoveryRegistry, SettlementRepository, PendingFeesService, OfflineGiftsService, OfflineGiftRepository, OfflineReceiptMailer, PledgeRepository, PledgesService,
    { provide: OFFLINE_RECEIPT_SENDER, useExisting: OfflineReceiptMailer },
    { provide: RECEIPT_DATA_SOURCE, useExisting: DonationReceiptDataSource },
  ],
  exports: [CampaignReader, OfflineGiftsService, OFFLINE_RECEIPT_SENDER, CheckoutService, PledgesService, DonationSyncService, PendingFeesService, RefundsService, FundsRecoveryRegistry, DonationsQueryService, RECEIPT_DATA_SOURCE, LedgerModule, StripeEventsModule],
})
export class DonationsModule implements OnModuleInit {
  constructor(
    private readonly dispatcher: StripeEventDispatcher,
    private readonly sync: DonationSyncService,
    private readonly pledges: PledgesService,
  ) {}

  onModuleInit(): void {
    // A card gift's own events are planned in batches from their signed data; the rest (refunds,
    // disputes, failures) and anything a batch cannot plan are read from Stripe one event at a time.
    const planned: readonly string[] = EVENT_PLANNED_TYPES;
    this.dispatcher.register(DONATION_EVENT_TYPES.filter((t) => !planned.includes(t)), (event) => this.sync.handleEvent(event));
    this.dispatcher.registerBatch(EVENT_PLANNED_TYPES, {
      handle: (manager, events) => this.sync.settleEvents(manager, events),
      single: (event) => this.sync.handleEvent(event),
    });
    // A pledge's card saved (Checkout in setup mode): its own event type, so the gift events keep their batch path.
    this.dispatcher.register(['setup_intent.succeeded'], (event) => this.pledges.handleSetupSucceeded(event));
  }
}
