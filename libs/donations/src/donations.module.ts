import { Module, OnModuleInit } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { LedgerModule } from '@ataa/ledger';
import { NotificationsModule, OFFLINE_RECEIPT_SENDER, RECEIPT_DATA_SOURCE, RECURRING_NOTICE_SENDER, SCHEDULED_NOTICE_SENDER } from '@ataa/notifications';
import { OrganizationsModule } from '@ataa/organizations';
import { StripeEventDispatcher, StripeEventsModule } from '@ataa/payments';
import { RecurringGiftsRegistry } from '@ataa/privacy';
import { TransparencyModule } from '@ataa/transparency';
import { CheckoutService } from './checkout.service.js';
import { DonationReceiptDataSource } from './donation-receipt-data.source.js';
import { DonationSyncService } from './donation-sync.service.js';
import { DonationsQueryService } from './donations-query.service.js';
import { FundsRecoveryRegistry } from './funds-recovery.js';
import { PendingFeesService } from './pending-fees.service.js';
import { CampaignReader } from './persistence/campaign-reader.js';
import { RefundsService } from './refunds.service.js';
import { DonationRepository } from './persistence/donation.repository.js';
import { RefundRepository } from './persistence/refund.repository.js';
import { PledgesService } from './pledges.service.js';
import { PledgeRepository } from './persistence/pledge.repository.js';
import { OfflineGiftsService } from './offline-gifts.service.js';
import { OfflineGiftRepository } from './persistence/offline-gift.repository.js';
import { OfflineReceiptMailer } from './offline-receipt.sender.js';
import { MatchingService } from './matching.service.js';
import { MatchingCardService } from './matching-card.service.js';
import { MatchingRepository } from './persistence/matching.repository.js';
import { EVENT_PLANNED_TYPES } from './domain/event-facts.js';
import { SettlementRepository } from './persistence/settlement.repository.js';
import { RecurringGiftsRepository } from './persistence/recurring-gifts.repository.js';
import { RECURRING_EVENT_TYPES, RecurringGiftsService } from './recurring-gifts.service.js';
import { RecurringFiguresService } from './recurring-figures.service.js';
import { ScheduledGiftsService } from './scheduled-gifts.service.js';
import { ScheduledGiftsRepository } from './persistence/scheduled-gifts.repository.js';

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
    CampaignReader, DonationRepository, RefundRepository, CheckoutService, DonationSyncService, RefundsService, DonationsQueryService, DonationReceiptDataSource, FundsRecoveryRegistry, SettlementRepository, PendingFeesService, OfflineGiftsService, OfflineGiftRepository, OfflineReceiptMailer, MatchingRepository, MatchingService, MatchingCardService, PledgeRepository, PledgesService,
    { provide: OFFLINE_RECEIPT_SENDER, useExisting: OfflineReceiptMailer },
    { provide: RECEIPT_DATA_SOURCE, useExisting: DonationReceiptDataSource },
    RecurringGiftsRepository, RecurringGiftsService, RecurringFiguresService, ScheduledGiftsRepository, ScheduledGiftsService, { provide: RECURRING_NOTICE_SENDER, useExisting: RecurringGiftsService },
    { provide: SCHEDULED_NOTICE_SENDER, useExisting: ScheduledGiftsService },
  ],
  exports: [CampaignReader, RefundRepository, OfflineGiftsService, MatchingService, MatchingCardService, OFFLINE_RECEIPT_SENDER, CheckoutService, PledgesService, DonationSyncService, PendingFeesService, RefundsService, FundsRecoveryRegistry, DonationsQueryService, RECEIPT_DATA_SOURCE, RecurringGiftsService, RecurringFiguresService, ScheduledGiftsService, RECURRING_NOTICE_SENDER, SCHEDULED_NOTICE_SENDER, LedgerModule, StripeEventsModule],
})
export class DonationsModule implements OnModuleInit {
  constructor(
    private readonly dispatcher: StripeEventDispatcher,
    private readonly sync: DonationSyncService,
    private readonly pledges: PledgesService,
    private readonly recurring: RecurringGiftsService,
    private readonly scheduled: ScheduledGiftsService,
    private readonly moduleRef: ModuleRef,
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
    // A pledge's or a scheduled series' card saved (Checkout in setup mode): its own event type, so the
    // gift events keep their batch path; the SetupIntent's metadata says which.
    this.dispatcher.register(['setup_intent.succeeded'], (event) => {
      const metadata = (event.data.object as { metadata?: Record<string, string> | null }).metadata;
      return typeof metadata?.scheduled_gift_id === 'string' ? this.scheduled.handleSetupSucceeded(event) : this.pledges.handleSetupSucceeded(event);
    });
    // Recurring gifts: subscription and invoice events are read fresh from Stripe one at a time; a
    // paid invoice's gift then settles through the same planner and writer as a one-time gift.
    this.dispatcher.register(RECURRING_EVENT_TYPES, (event) => this.recurring.handleEvent(event));
    // The erasure's first step cancels the donor's recurring gifts (libs/privacy), where that lib is in the app.
    let registry: RecurringGiftsRegistry | null = null;
    try {
      registry = this.moduleRef.get(RecurringGiftsRegistry, { strict: false });
    } catch {
      registry = null;
    }
    registry?.register(this.recurring);
    // A scheduled series too: cancelled before the Stripe Customer holding its card is deleted.
    registry?.register(this.scheduled);
    // And pledges not collected yet: cancelled, so the close-out never charges them.
    registry?.register(this.pledges);
  }
}
