import { Module } from '@nestjs/common';
import { ReconciliationRepository } from './persistence/reconciliation.repository.js';
import { ReconciliationService } from './reconciliation.service.js';
import { PublicReconciliationService } from './public-reconciliation.service.js';

/** Reconciliation of the ledger with Stripe; the Stripe client, database and metrics are global. */
@Module({
  providers: [ReconciliationRepository, ReconciliationService, PublicReconciliationService],
  exports: [ReconciliationService, ReconciliationRepository, PublicReconciliationService],
})
export class ReconciliationModule {}
