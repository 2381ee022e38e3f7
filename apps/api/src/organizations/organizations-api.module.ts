import { Module } from '@nestjs/common';
import { CampaignsModule } from '@ataa/campaigns';
import { CampaignCloseOutModule, DonationsModule } from '@ataa/donations';
import { OrganizationsModule } from '@ataa/organizations';
import { AuditController } from '../audit/audit.controller.js';
import { AuthController } from '../auth/auth.controller.js';
import { CampaignsController } from '../campaigns/campaigns.controller.js';
import { CoverImagesController } from '../campaigns/cover-images.controller.js';
import { OperatorCampaignsController } from '../operator/operator-campaigns.controller.js';
import { ApiKeysController } from './api-keys.controller.js';
import { InvitationsController, MembersController } from './members.controller.js';
import { OrganizationsController } from './organizations.controller.js';
import { StripeOnboardingController } from './stripe-onboarding.controller.js';

/** HTTP for accounts, organizations, members, API keys, Stripe onboarding, campaigns and the audit log. */
@Module({
  imports: [OrganizationsModule, CampaignsModule, CampaignCloseOutModule, DonationsModule],
  controllers: [
    AuthController, OrganizationsController, MembersController, InvitationsController, ApiKeysController, StripeOnboardingController,
    CampaignsController, CoverImagesController, AuditController, OperatorCampaignsController,
  ],
})
export class OrganizationsApiModule {}
