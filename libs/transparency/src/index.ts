export { TransparencyModule } from './transparency.module.js';
export { PublicLedgerAppender, type PublicEntryInput, type AppendedEntry } from './public-ledger-appender.service.js';
export {
  PublicLedgerService, decodeCursor, encodeCursor,
  type CampaignLog, type CheckpointView, type LedgerCursor, type LedgerPage, type LedgerPageRequest, type ReceiptVerificationData,
} from './public-ledger.service.js';
export { CHECKPOINT_SIGNER, signerFromConfig } from './checkpoint-signer.provider.js';
export type { PublicCampaign, StoredEntry } from './persistence/public-ledger.repository.js';
export {
  ANONYMOUS, PUBLIC_ENTRY_KINDS, MONEY_ENTRY_KINDS, KIND_SIGN, TERM_FIELDS, describeTermChange, isTermChangeList, type TermChange, type TermField, createDonorCommitment, donorCommitment, verifyDonorCommitment,
  RECEIPT_PROOF_FORMAT, RECEIPT_PROOF_VERSION, receiptProofUrl, verifyReceiptProof,
  type PublicEntryKind, type PublicLeaf, type CampaignReport, type FeeExchange, type ReceiptProof, type ReceiptProofResult, type ReceiptCheck,
} from './domain/index.js';
