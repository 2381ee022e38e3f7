import { Module } from '@nestjs/common';
import { CampaignsModule } from '@ataa/campaigns';
import { CampaignCloseOutModule, DonationsModule } from '@ataa/donations';
import { LedgerModule } from '@ataa/ledger';
import { ModerationModule } from '@ataa/moderation';
import { NotificationsModule } from '@ataa/notifications';
import { OrganizationsModule } from '@ataa/organizations';
import { PayoutsModule } from '@ataa/payouts';
import { ReconciliationModule } from '@ataa/reconciliation';
import { EvidenceModule } from '@ataa/payouts';
import { TransparencyModule } from '@ataa/transparency';
import { UpdatesModule } from '@ataa/updates';
import { DashboardRecurringController } from './dashboard-recurring.controller.js';
import { DashboardUpdatesController } from './dashboard-updates.controller.js';
import { CampaignPageView } from '../campaign-pages/campaign-page.view.js';
import { DashboardAccountsController } from './dashboard-accounts.controller.js';
import { DashboardCampaignsController } from './dashboard-campaigns.controller.js';
import { DashboardCloseOutController } from './dashboard-closeout.controller.js';
import { DashboardOfflineGiftsController } from './dashboard-offline-gifts.controller.js';
import { DashboardMatchingController } from './dashboard-matching.controller.js';
import { DashboardDonationsController } from './dashboard-donations.controller.js';
import { DashboardContext } from './dashboard-context.js';
import { DashboardHomeController } from './dashboard-home.controller.js';
import { DashboardTeamController } from './dashboard-team.controller.js';
import { DashboardPayoutsController } from './dashboard-payouts.controller.js';
import { DashboardSecurityController } from './dashboard-security.controller.js';

/** The organization dashboard (server-rendered, under /dashboard, outside /api/v1). See docs/dashboard.md. */
@Module({
  imports: [OrganizationsModule, DonationsModule, CampaignsModule, CampaignCloseOutModule, LedgerModule, PayoutsModule, EvidenceModule, ReconciliationModule, NotificationsModule, TransparencyModule, ModerationModule, UpdatesModule],
  controllers: [
    DashboardAccountsController, DashboardHomeController, DashboardCampaignsController, DashboardPayoutsController, DashboardCloseOutController, DashboardOfflineGiftsController, DashboardMatchingController, DashboardTeamController, DashboardSecurityController,
    DashboardDonationsController, DashboardUpdatesController, DashboardRecurringController,
  ],
  providers: [DashboardContext, CampaignPageView],
})
export class DashboardModule {}
