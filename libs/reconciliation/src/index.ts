export {
  reconcile, movementsOf, planDifferences, differenceKey, isReconciledKind, RECONCILED_KINDS, DIFFERENCE_KINDS, type ReconcileOptions,
  type StripeMovement, type LedgerFact, type Difference, type DifferenceKind, type ReconciledKind, type ReconcileResult, type DifferencePlan,
  type BalanceTransactionLike,
} from './domain/reconcile.js';
export { ReconciliationModule } from './reconciliation.module.js';
export { ReconciliationService, type RunOptions } from './reconciliation.service.js';
export {
  ReconciliationRepository, type ReconciliationRun, type StoredDifference, type RunTrigger, type RunStatus, type RunCounts, type OpenDifferencesOfCampaign,
} from './persistence/reconciliation.repository.js';
export * from './dto/reconciliation.dto.js';
export {
  toPublicReconciliation, toPublicDifference, PUBLIC_OPEN_LIMIT, PUBLIC_RESOLVED_LIMIT,
  type PublicReconciliation, type PublicDifference, type CampaignDifferenceFacts, type LastRunFacts,
} from './domain/public-reconciliation.js';
export { PublicReconciliationService } from './public-reconciliation.service.js';
