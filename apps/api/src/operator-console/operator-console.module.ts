import { Module } from '@nestjs/common';
import { OperatorsModule } from '@ataa/operators';
import { EvidenceModule, PayoutsModule } from '@ataa/payouts';
import { ReconciliationModule } from '@ataa/reconciliation';
import { ConsoleAccountsController } from './console-accounts.controller.js';
import { ConsoleContext } from './console-context.js';
import { ConsoleHomeController } from './console-home.controller.js';
import { ConsoleOrganizationsController } from './console-organizations.controller.js';
import { ConsolePayoutsController } from './console-payouts.controller.js';
import { ConsoleReconciliationController } from './console-reconciliation.controller.js';

/** The operator console (server-rendered, under /console, outside /api/v1). See docs/dashboard.md, "Operator console". */
@Module({
  imports: [OperatorsModule, PayoutsModule, EvidenceModule, ReconciliationModule],
  controllers: [ConsoleAccountsController, ConsoleHomeController, ConsolePayoutsController, ConsoleReconciliationController, ConsoleOrganizationsController],
  providers: [ConsoleContext],
})
export class OperatorConsoleModule {}
