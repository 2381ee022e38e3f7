import { Module } from '@nestjs/common';
import { StripeEventsModule } from '@ataa/payments';
import { PrivacyModule, RetentionModule } from '@ataa/privacy';
import { ErasureProcessor, ErasureSweepScheduler } from './erasure.processor.js';
import { RetentionProcessor } from './retention.processor.js';
import { RetentionScheduler } from './retention.scheduler.js';

/**
 * Privacy in the worker: the erasure job and its sweep, the scheduled retention job; PrivacyModule
 * also renders the e-mailed links (ERASURE_LINK_SENDER, DATA_EXPORT_MAIL_SOURCE). The retention job
 * also keeps the Stripe inbox's next monthly partitions (StripeEventsModule).
 */
@Module({
  imports: [PrivacyModule, RetentionModule, StripeEventsModule],
  providers: [ErasureProcessor, ErasureSweepScheduler, RetentionProcessor, RetentionScheduler],
})
export class PrivacyWorkerModule {}
