import { Module } from '@nestjs/common';
import { DonationsModule } from '@ataa/donations';
import { RecurringFiguresController } from './recurring-figures.controller.js';
import { RecurringPagesController } from './recurring-pages.controller.js';
import { ScheduledPagesController } from './scheduled-pages.controller.js';

/**
 * Recurring gifts' signed links (issue 20, item 1) under /recurring: one-click cancel and update card;
 * a scheduled series' cancel and pay links under /scheduled;
 * the organization's figures, series and failed payments under /api/v1/orgs/:orgId/recurring (item 5).
 */
@Module({
  imports: [DonationsModule],
  controllers: [RecurringPagesController, ScheduledPagesController, RecurringFiguresController],
})
export class RecurringApiModule {}
