import { Module } from '@nestjs/common';
import { DonationsModule } from '@ataa/donations';
import { DiscoveryApiController } from './discovery-api.controller.js';
import { DiscoveryPagesController } from './discovery-pages.controller.js';

/** Home page, /campaigns and /api/v1/public/campaigns (CampaignDiscoveryService comes from the global CampaignsModule; pledge figures from DonationsModule). */
@Module({ imports: [DonationsModule], controllers: [DiscoveryPagesController, DiscoveryApiController] })
export class DiscoveryHttpModule {}
