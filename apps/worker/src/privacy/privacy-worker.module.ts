import { Module } from '@nestjs/common';
import { PrivacyModule } from '@ataa/privacy';
import { ErasureProcessor, ErasureSweepScheduler } from './erasure.processor.js';

/** Erasures (issue 17): the per-request job and its sweep; PrivacyModule also sends the confirmation links (ERASURE_LINK_SENDER). */
@Module({
  imports: [PrivacyModule],
  providers: [ErasureProcessor, ErasureSweepScheduler],
})
export class PrivacyWorkerModule {}
