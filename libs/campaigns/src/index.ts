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
