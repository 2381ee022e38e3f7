export {
  reconcile, movementsOf, planDifferences, differenceKey, isReconciledKind, RECONCILED_KINDS, DIFFERENCE_KINDS,
  type StripeMovement, type LedgerFact, type Difference, type DifferenceKind, type ReconciledKind, type ReconcileResult, type DifferencePlan,
  type BalanceTransactionLike,
} from './domain/reconcile.js';
