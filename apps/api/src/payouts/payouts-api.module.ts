import { Module } from '@nestjs/common';
import { OrganizationsModule } from '@ataa/organizations';
import { EvidenceModule, PayoutsModule } from '@ataa/payouts';
import { CampaignOutcomesController, EvidencePayoutGuard, OutcomeCampaignGuard, PayoutEvidenceController, PublicEvidenceFilesController } from './evidence.controller.js';
import { OperatorPayoutsController, PayoutsController } from './payouts.controller.js';

/** Funds, payout requests and cancellations for organizations; approval for the platform operator. */
@Module({
  imports: [PayoutsModule, EvidenceModule, OrganizationsModule],
  controllers: [PayoutsController, OperatorPayoutsController, PayoutEvidenceController, CampaignOutcomesController, PublicEvidenceFilesController],
  providers: [EvidencePayoutGuard, OutcomeCampaignGuard],
})
export class PayoutsApiModule {}
