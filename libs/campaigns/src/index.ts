export { CampaignsModule } from './campaigns.module.js';
export { CampaignsService, type CampaignPage } from './campaigns.service.js';
export { Campaign } from './persistence/campaign.entity.js';
export {
  CAMPAIGN_STATUSES, FUNDING_MODELS, CAMPAIGN_LANGUAGES, SLUG_PATTERN,
  acceptsDonations, assertCampaignRules, assertPublishable, isEditable, nextStatus, slugify,
  type CampaignStatus, type FundingModel, type CampaignLanguage, type CampaignAction,
} from './domain/campaign-rules.js';
export { renderStory } from './domain/story-renderer.js';
export { toCampaignDto } from './campaign-view.js';
export { CreateCampaignDto, UpdateCampaignDto, CampaignTransitionDto, ListCampaignsQueryDto, CampaignDto, CampaignPageDto, AMOUNT_PATTERN } from './dto/campaign.dto.js';
export { CoverImagesService } from './cover-images/cover-images.service.js';
export { COVER_IMAGE_STORAGE, DiskCoverImageStorage, type CoverImageStorage } from './cover-images/cover-image-storage.js';
export {
  COVER_IMAGE_PATH, COVER_IMAGE_TYPES, inspectCoverImage, isCoverImageKey, sniffImageType, uploadedCoverKey, type AcceptedCoverImage, type CoverImageProblem, type CoverImageType,
} from './domain/cover-image.js';
export { CampaignDiscoveryService, type DiscoveryPage, type HomeSections } from './campaign-discovery.service.js';
export { CampaignDiscoveryRepository, type ListedCampaignRow, type ListedCampaignDetailRow } from './persistence/campaign-discovery.repository.js';
export {
  CAMPAIGN_CATEGORIES, DISCOVERY_SORTS, DISCOVERY_STATUSES, DISCOVERY_LIMITS, DiscoveryQueryError, cleanSearchText, searchWords, parseDiscoveryQuery,
  encodeDiscoveryCursor, decodeDiscoveryCursor, type CampaignCategory, type DiscoverySort, type DiscoveryStatus, type DiscoveryQuery, type DiscoveryCursor,
} from './domain/discovery.js';
export { foldText, FOLD_FROM, FOLD_TO, FOLD_REMOVED } from './domain/arabic-folding.js';
export { normalizeEmbedOrigin, normalizeEmbedOrigins, MAX_EMBED_ORIGINS } from './domain/embed-origins.js';
export {
  GENERAL, MAX_DESIGNATIONS, normalizeDesignations, removedDesignations, choosableDesignations, resolveGiftDesignation, offersZakat, type Designation, type DesignationProblem,
} from './domain/designations.js';
export { DesignationDto } from './dto/campaign.dto.js';
