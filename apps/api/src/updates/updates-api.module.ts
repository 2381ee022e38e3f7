import { Module } from '@nestjs/common';
import { OrganizationsModule } from '@ataa/organizations';
import { UpdatesModule } from '@ataa/updates';
import { UpdatePagesController } from './update-pages.controller.js';
import { UpdateCampaignGuard, UpdatesController } from './updates.controller.js';

/** Campaign updates: the organizations' REST endpoints and the public pages, feed and unsubscribe link. */
@Module({
  imports: [UpdatesModule, OrganizationsModule],
  controllers: [UpdatesController, UpdatePagesController],
  providers: [UpdateCampaignGuard],
})
export class UpdatesApiModule {}
