import { Module } from '@nestjs/common';
import { CampaignCloseOutModule } from '@ataa/donations';
import { CampaignCloseOutProcessor } from './closeout.processor.js';
import { CampaignCloseOutScheduler } from './closeout.scheduler.js';

/** Campaign close-out: the scheduled sweep and the per-campaign batch jobs. */
@Module({
  imports: [CampaignCloseOutModule],
  providers: [CampaignCloseOutProcessor, CampaignCloseOutScheduler],
})
export class CloseOutWorkerModule {}
