import { Module } from '@nestjs/common';
import { ReconciliationModule } from '@ataa/reconciliation';
import { ReconciliationController } from './reconciliation.controller.js';

/** Operator view of the reconciliation with Stripe, and runs on demand. */
@Module({
  imports: [ReconciliationModule],
  controllers: [ReconciliationController],
})
export class ReconciliationApiModule {}
