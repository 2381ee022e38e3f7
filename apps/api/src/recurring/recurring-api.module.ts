import { Module } from '@nestjs/common';
import { DonationsModule } from '@ataa/donations';
import { RecurringPagesController } from './recurring-pages.controller.js';

/** Recurring gifts' signed links (issue 20, item 1) under /recurring: one-click cancel and update card. */
@Module({
  imports: [DonationsModule],
  controllers: [RecurringPagesController],
})
export class RecurringApiModule {}
