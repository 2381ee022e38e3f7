import { Module } from '@nestjs/common';
import { CampaignsModule } from '@ataa/campaigns';
import { CAMPAIGN_UPDATE_MAIL_SENDER, NotificationsModule } from '@ataa/notifications';
import { OrganizationsModule } from '@ataa/organizations';
import { CampaignUpdatesService } from './campaign-updates.service.js';
import { UpdatesRepository } from './persistence/updates.repository.js';
import { PublicUpdatesService } from './public-updates.service.js';
import { UpdateMailService } from './update-mail.service.js';

/**
 * Campaign updates: the organization's side, the public pages' reads, and their e-mail to donors
 * (provided to the notifications pipeline as CAMPAIGN_UPDATE_MAIL_SENDER). Images go through the
 * campaign cover store (CampaignsModule's CoverImagesService), imported here for the worker too.
 */
@Module({
  imports: [NotificationsModule, OrganizationsModule, CampaignsModule],
  providers: [UpdatesRepository, CampaignUpdatesService, PublicUpdatesService, UpdateMailService, { provide: CAMPAIGN_UPDATE_MAIL_SENDER, useExisting: UpdateMailService }],
  exports: [CampaignUpdatesService, PublicUpdatesService, UpdateMailService, CAMPAIGN_UPDATE_MAIL_SENDER],
})
export class UpdatesModule {}
