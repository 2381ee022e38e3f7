import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { TransparencyModule } from '@ataa/transparency';
import { CampaignsService } from './campaigns.service.js';
import { Campaign } from './persistence/campaign.entity.js';

/** Global: donations, payouts and transparency read campaigns through CampaignsService. */
@Global()
@Module({
  imports: [TypeOrmModule.forFeature([Campaign]), TransparencyModule],
  providers: [CampaignsService],
  exports: [CampaignsService],
})
export class CampaignsModule {}
