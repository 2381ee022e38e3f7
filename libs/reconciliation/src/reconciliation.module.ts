import { Module } from '@nestjs/common';
import { ReconciliationRepository } from './persistence/reconciliation.repository.js';
import { ReconciliationService } from './reconciliation.service.js';

/** Reconciliation of the ledger with Stripe; the Stripe client, database and metrics are global. */
@Module({
  providers: [ReconciliationRepository, ReconciliationService],
  exports: [ReconciliationService, ReconciliationRepository],
})
export class ReconciliationModule {}
