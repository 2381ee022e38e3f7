import { Module } from '@nestjs/common';
import { OrganizationsModule } from '@ataa/organizations';
import { PayoutsModule } from '@ataa/payouts';
import { OperatorPayoutsController, PayoutsController } from './payouts.controller.js';

/** Funds, payout requests and cancellations for organizations; approval for the platform operator. */
@Module({
  imports: [PayoutsModule, OrganizationsModule],
  controllers: [PayoutsController, OperatorPayoutsController],
})
export class PayoutsApiModule {}
