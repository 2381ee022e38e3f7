import { Module, OnModuleInit } from '@nestjs/common';
import { LedgerModule } from '@ataa/ledger';
import { NotificationsModule, PAYOUT_NOTICE_SENDER } from '@ataa/notifications';
import { OrganizationsModule } from '@ataa/organizations';
import { StripeEventDispatcher, StripeEventsModule } from '@ataa/payments';
import { TransparencyModule } from '@ataa/transparency';
import { FundsService } from './funds.service.js';
import { PayoutExecutionService } from './payout-execution.service.js';
import { PayoutNoticeDataSource } from './payout-notice.source.js';
import { PayoutsService } from './payouts.service.js';

/** Stripe events about transfers; each re-reads the transfer from Stripe. */
export const PAYOUT_EVENT_TYPES = ['transfer.created', 'transfer.updated', 'transfer.reversed'] as const;

@Module({
  imports: [LedgerModule, NotificationsModule, OrganizationsModule, StripeEventsModule, TransparencyModule],
  providers: [FundsService, PayoutsService, PayoutExecutionService, PayoutNoticeDataSource, { provide: PAYOUT_NOTICE_SENDER, useExisting: PayoutNoticeDataSource }],
  exports: [FundsService, PayoutsService, PayoutExecutionService, PAYOUT_NOTICE_SENDER],
})
export class PayoutsModule implements OnModuleInit {
  constructor(
    private readonly dispatcher: StripeEventDispatcher,
    private readonly execution: PayoutExecutionService,
    private readonly funds: FundsService,
  ) {}

  onModuleInit(): void {
    this.dispatcher.register(PAYOUT_EVENT_TYPES, (event) => this.execution.handleTransferEvent(event));
    this.dispatcher.register(['balance.available'], () => this.funds.onBalanceAvailable());
  }
}
