import { Module } from '@nestjs/common';
import { PrivacyModule, RetentionModule } from '@ataa/privacy';
import { RetentionProcessor } from './retention.processor.js';
import { RetentionScheduler } from './retention.scheduler.js';

/** Privacy in the worker: the data-export e-mail's source (PrivacyModule) and the scheduled retention job. */
@Module({
  imports: [PrivacyModule, RetentionModule],
  providers: [RetentionProcessor, RetentionScheduler],
})
export class PrivacyWorkerModule {}
