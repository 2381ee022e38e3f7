import { Module } from '@nestjs/common';
import { CampaignsModule } from '@ataa/campaigns';
import { CampaignCloseOutModule, DonationsModule } from '@ataa/donations';
import { LedgerModule } from '@ataa/ledger';
import { OrganizationsModule } from '@ataa/organizations';
import { DashboardAccountsController } from './dashboard-accounts.controller.js';
import { DashboardCampaignsController } from './dashboard-campaigns.controller.js';
import { DashboardContext } from './dashboard-context.js';
import { DashboardHomeController } from './dashboard-home.controller.js';
import { DashboardSecurityController } from './dashboard-security.controller.js';

/** The organization dashboard (server-rendered, under /dashboard, outside /api/v1). See docs/dashboard.md. */
@Module({
  imports: [OrganizationsModule, DonationsModule, CampaignsModule, CampaignCloseOutModule, LedgerModule],
  controllers: [DashboardAccountsController, DashboardHomeController, DashboardCampaignsController, DashboardSecurityController],
  providers: [DashboardContext],
})
export class DashboardModule {}
