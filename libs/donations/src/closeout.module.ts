import { Module } from '@nestjs/common';
import { CampaignsModule } from '@ataa/campaigns';
import { OrganizationsModule } from '@ataa/organizations';
import { CampaignCloseOutService } from './campaign-closeout.service.js';
import { DonationsModule } from './donations.module.js';
import { CloseOutRepository } from './persistence/closeout.repository.js';

/** Campaign close-out: ends campaigns at their end date and refunds missed all-or-nothing goals. */
@Module({
  imports: [DonationsModule, CampaignsModule, OrganizationsModule],
  providers: [CampaignCloseOutService, CloseOutRepository],
  exports: [CampaignCloseOutService],
})
export class CampaignCloseOutModule {}
