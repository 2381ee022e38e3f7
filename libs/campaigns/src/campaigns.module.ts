import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { TransparencyModule } from '@ataa/transparency';
import { AppConfig } from '@ataa/config';
import { CampaignsService } from './campaigns.service.js';
import { COVER_IMAGE_STORAGE, DiskCoverImageStorage } from './cover-images/cover-image-storage.js';
import { CoverImagesService } from './cover-images/cover-images.service.js';
import { Campaign } from './persistence/campaign.entity.js';
import { CampaignDiscoveryRepository } from './persistence/campaign-discovery.repository.js';
import { CampaignRepository } from './persistence/campaign.repository.js';
import { CampaignDiscoveryService } from './campaign-discovery.service.js';

/** Global: donations, payouts and transparency read campaigns through CampaignsService. */
@Global()
@Module({
  imports: [TypeOrmModule.forFeature([Campaign]), TransparencyModule],
  providers: [
    CampaignRepository, CampaignsService, CoverImagesService, CampaignDiscoveryRepository, CampaignDiscoveryService,
    // The disk adapter; an S3-compatible adapter would be chosen here by configuration.
    { provide: COVER_IMAGE_STORAGE, inject: [AppConfig], useFactory: (config: AppConfig) => new DiskCoverImageStorage(config.UPLOAD_DIR) },
  ],
  exports: [CampaignsService, CoverImagesService, CampaignDiscoveryService],
})
export class CampaignsModule {}
