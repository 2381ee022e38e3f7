import { Module } from '@nestjs/common';
import { DonationsModule } from '@ataa/donations';
import { MatchingExpiryRunner } from './matching-expiry.runner.js';

/** Matching gifts: expires sponsors' card sessions a collection made obsolete (issue 21, item 6). */
@Module({
  imports: [DonationsModule],
  providers: [MatchingExpiryRunner],
  exports: [MatchingExpiryRunner],
})
export class MatchingWorkerModule {}
