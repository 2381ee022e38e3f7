import { Module } from '@nestjs/common';
import { PrivacyModule, RetentionModule } from '@ataa/privacy';
import { ErasureProcessor, ErasureSweepScheduler } from './erasure.processor.js';
import { RetentionProcessor } from './retention.processor.js';
import { RetentionScheduler } from './retention.scheduler.js';

/**
 * Privacy in the worker: the erasure job and its sweep, the scheduled retention job; PrivacyModule
 * also renders the e-mailed links (ERASURE_LINK_SENDER, DATA_EXPORT_MAIL_SOURCE).
 */
@Module({
  imports: [PrivacyModule, RetentionModule],
  providers: [ErasureProcessor, ErasureSweepScheduler, RetentionProcessor, RetentionScheduler],
})
export class PrivacyWorkerModule {}
