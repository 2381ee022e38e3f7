export { PayoutsModule, PAYOUT_EVENT_TYPES } from './payouts.module.js';
export { PayoutsService, type PayoutRequestInput, type PayoutRequestResult } from './payouts.service.js';
export { PayoutExecutionService, type ExecutionOutcome } from './payout-execution.service.js';
export { RefundRecoveryService, REFUND_EXCEEDS_RECOVERABLE_FUNDS } from './refund-recovery.service.js';
export { FundsService, type CampaignRef } from './funds.service.js';
export { planRecovery, refundAllowed, type RecoveryInput, type RecoveryPlan, type PlannedReversal, type ReversibleTransfer } from './domain/refund-recovery.js';
export { computeFunds, isGiftAvailable, type CampaignFunds, type FundsInput, type GiftFunds, type PendingTranche } from './domain/funds.js';
export {
  approvalFor, canMove, parseRequestedAmount, resolvePayoutAmount, PAYOUT_STATUSES, HOLDING_STATUSES, type PayoutStatus,
} from './domain/payout-rules.js';
export {
  planHold, planNotice, planClose, planFailure, planTransfer, planReversals, payoutNotice, reversalNotice,
  type PayoutPlan, type PayoutChange, type PayoutState, type PayoutNoticeEvent, type TransferFact, type ReversalFact, type ReversalOutcome,
} from './domain/payout-plans.js';
export { payoutEntry, payoutHoldEntry, payoutHoldReleaseEntry, payoutReversalEntry, payoutsPendingAccount } from './domain/payout-entries.js';
export { payoutHistory, type PayoutHistoryFacts, type PayoutStep } from './domain/payout-history.js';
export { type Payout } from './persistence/payout.row.js';
export * from './dto/payout.dto.js';
