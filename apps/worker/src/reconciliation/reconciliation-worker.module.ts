import { Module } from '@nestjs/common';
import { ReconciliationModule } from '@ataa/reconciliation';
import { ReconciliationProcessor } from './reconciliation.processor.js';
import { ReconciliationScheduler } from './reconciliation.scheduler.js';

/** Reconciliation with Stripe: on a schedule, and on demand (a job on the reconciliation queue). */
@Module({
  imports: [ReconciliationModule],
  providers: [ReconciliationProcessor, ReconciliationScheduler],
})
export class ReconciliationWorkerModule {}
