import { Module } from '@nestjs/common';
import { DiscoveryApiController } from './discovery-api.controller.js';
import { DiscoveryPagesController } from './discovery-pages.controller.js';

/** Home page, /campaigns and /api/v1/public/campaigns (CampaignDiscoveryService comes from the global CampaignsModule). */
@Module({ controllers: [DiscoveryPagesController, DiscoveryApiController] })
export class DiscoveryHttpModule {}
