import { Module } from '@nestjs/common';
import { ModerationModule } from '@ataa/moderation';
import { OperatorModerationController } from '../operator/operator-moderation.controller.js';
import { ModeratedCampaignGuard, ModerationController } from './moderation.controller.js';

/** Moderation for organizations (/api/v1/orgs/:orgId/...) and the operator (/operator/...). */
@Module({
  imports: [ModerationModule],
  controllers: [ModerationController, OperatorModerationController],
  providers: [ModeratedCampaignGuard],
})
export class ModerationApiModule {}
