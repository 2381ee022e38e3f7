export { PayoutsModule, PAYOUT_EVENT_TYPES } from './payouts.module.js';
export { PayoutsService, type PayoutRequestInput, type PayoutRequestResult } from './payouts.service.js';
export { PayoutExecutionService, type ExecutionOutcome } from './payout-execution.service.js';
export { RefundRecoveryService, REFUND_EXCEEDS_RECOVERABLE_FUNDS } from './refund-recovery.service.js';
export { FundsService, type CampaignRef } from './funds.service.js';
export { planRecovery, refundAllowed, type RecoveryInput, type RecoveryPlan, type PlannedReversal, type ReversibleTransfer } from './domain/refund-recovery.js';
export { computeFunds, isGiftAvailable, type CampaignFunds, type FundsInput, type GiftFunds, type PendingTranche } from './domain/funds.js';
export {
  approvalFor, canMove, parseRequestedAmount, resolvePayoutAmount, PAYOUT_STATUSES, HOLDING_STATUSES, type PayoutStatus,
  payoutParts, reversalShares, type RequestedPart,
} from './domain/payout-rules.js';
export { planDraws, planPartDraws, designationAvailable, type LoggedMoney } from './domain/payout-draws.js';
export {
  planHold, planNotice, planClose, planFailure, planTransfer, planReversals, payoutNotice, reversalNotice,
  type PayoutPlan, type PayoutChange, type PayoutState, type PayoutNoticeEvent, type TransferFact, type ReversalFact, type ReversalOutcome,
} from './domain/payout-plans.js';
export { payoutEntry, payoutHoldEntry, payoutHoldReleaseEntry, payoutReversalEntry, payoutsPendingAccount } from './domain/payout-entries.js';
export { payoutHistory, type PayoutHistoryFacts, type PayoutStep } from './domain/payout-history.js';
export { type Payout, type PayoutPartRow } from './persistence/payout.row.js';
export { type OperatorPayoutView, type OrganizationPayoutSettings } from './persistence/payout.repository.js';
export * from './dto/payout.dto.js';
export { EvidenceModule } from './evidence.module.js';
export { EvidenceService, EVIDENCE_FILE_STORAGE, EVIDENCE_ROLES, type PublicImpact, type UploadedEvidenceFile } from './evidence.service.js';
export type { PayoutEvidence, CampaignOutcome } from './persistence/evidence.repository.js';
export {
  EVIDENCE_FILE_TYPES, EVIDENCE_VISIBILITIES, EVIDENCE_TITLE_MAX, OUTCOME_LABEL_MAX, inspectEvidenceFile, sniffEvidenceType, checkEvidenceInput, checkOutcomeInput,
  type EvidenceVisibility, type AcceptedEvidenceFile,
} from './domain/evidence.js';
export * from './dto/evidence.dto.js';
