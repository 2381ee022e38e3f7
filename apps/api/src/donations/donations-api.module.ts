import { Module } from '@nestjs/common';
import { CampaignsModule } from '@ataa/campaigns';
import { DonationsModule } from '@ataa/donations';
import { ModerationModule } from '@ataa/moderation';
import { OrganizationsModule } from '@ataa/organizations';
import { TransparencyModule } from '@ataa/transparency';
import { UpdatesModule } from '@ataa/updates';
import { CampaignPageView } from '../campaign-pages/campaign-page.view.js';
import { CampaignPagesController } from '../campaign-pages/campaign-pages.controller.js';
import { PledgePagesController } from '../campaign-pages/pledge-pages.controller.js';
import { SiteIndexController } from '../site/site-index.controller.js';
import { CampaignShareController } from '../campaign-pages/campaign-share.controller.js';
import { EmbedPagesController } from '../campaign-pages/embed-pages.controller.js';
import { DonationsController } from './donations.controller.js';
import { OfflineGiftCampaignGuard, OfflineGiftsController } from '../offline-gifts/offline-gifts.controller.js';
import { MatchingOffersController } from '../matching/matching-offers.controller.js';

/** Donations API for organizations and the hosted campaign pages (donation form, thank-you page), robots.txt and the sitemap. */
@Module({
  imports: [DonationsModule, OrganizationsModule, TransparencyModule, ModerationModule, CampaignsModule, UpdatesModule],
  controllers: [DonationsController, OfflineGiftsController, MatchingOffersController, CampaignPagesController, PledgePagesController, SiteIndexController, CampaignShareController, EmbedPagesController],
  providers: [CampaignPageView, OfflineGiftCampaignGuard],
  exports: [CampaignPageView],
})
export class DonationsApiModule {}
