import { Module } from '@nestjs/common';
import { CampaignCloseOutModule } from '@ataa/donations';
import { OrganizationsModule } from '@ataa/organizations';
import { CloseOutController } from './closeout.controller.js';

/** Close-out progress for organizations. */
@Module({
  imports: [CampaignCloseOutModule, OrganizationsModule],
  controllers: [CloseOutController],
})
export class CloseOutApiModule {}
