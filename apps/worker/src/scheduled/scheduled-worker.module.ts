import { Module } from '@nestjs/common';
import { DonationsModule } from '@ataa/donations';
import { ScheduledGiftsRunner } from './scheduled-gifts.runner.js';

/** Charges scheduled series' occurrences as they fall due (issue 20, item 1). */
@Module({
  imports: [DonationsModule],
  providers: [ScheduledGiftsRunner],
})
export class ScheduledWorkerModule {}
