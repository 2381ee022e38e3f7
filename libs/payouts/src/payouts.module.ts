import { Module, OnModuleInit } from '@nestjs/common';
import { DonationsModule, FundsRecoveryRegistry } from '@ataa/donations';
import { LedgerModule } from '@ataa/ledger';
import { NotificationsModule, PAYOUT_NOTICE_SENDER } from '@ataa/notifications';
import { OrganizationsModule } from '@ataa/organizations';
import { StripeEventDispatcher, StripeEventsModule } from '@ataa/payments';
import { FundsService } from './funds.service.js';
import { PayoutExecutionService } from './payout-execution.service.js';
import { PayoutNoticeDataSource } from './payout-notice.source.js';
import { FundsRepository } from './persistence/funds.repository.js';
import { PayoutNoticeRepository } from './persistence/payout-notice.repository.js';
import { PayoutRepository } from './persistence/payout.repository.js';
import { PayoutsService } from './payouts.service.js';
import { RefundRecoveryService } from './refund-recovery.service.js';

/** Stripe events about transfers; each re-reads the transfer from Stripe. */
export const PAYOUT_EVENT_TYPES = ['transfer.created', 'transfer.updated', 'transfer.reversed'] as const;

@Module({
  imports: [DonationsModule, LedgerModule, NotificationsModule, OrganizationsModule, StripeEventsModule],
  providers: [PayoutRepository, FundsRepository, PayoutNoticeRepository, FundsService, PayoutsService, PayoutExecutionService, RefundRecoveryService, PayoutNoticeDataSource, { provide: PAYOUT_NOTICE_SENDER, useExisting: PayoutNoticeDataSource }],
  exports: [FundsService, PayoutsService, PayoutExecutionService, RefundRecoveryService, PAYOUT_NOTICE_SENDER],
})
export class PayoutsModule implements OnModuleInit {
  constructor(
    private readonly dispatcher: StripeEventDispatcher,
    private readonly execution: PayoutExecutionService,
    private readonly funds: FundsService,
    private readonly recoveries: FundsRecoveryRegistry,
    private readonly recovery: RefundRecoveryService,
  ) {}

  onModuleInit(): void {
    this.dispatcher.register(PAYOUT_EVENT_TYPES, (event) => this.execution.handleTransferEvent(event));
    this.dispatcher.register(['balance.available'], () => this.funds.onBalanceAvailable());
    // Refunds and disputes (libs/donations) reverse payouts through this lib.
    this.recoveries.register(this.recovery);
  }
}
