export { TransparencyModule } from './transparency.module.js';
export { WitnessModule } from './witness.module.js';
export { WitnessSubmissionService, WitnessSubmissionError, type SubmissionReport, type WitnessOutcome } from './witness-submission.service.js';
export { WitnessRelay, witnessJobId, witnessJobOptions } from './witness-relay.service.js';
export { WitnessClient, type WitnessResponse } from './witness-client.js';
export { PublicLedgerAppender, type PublicEntryInput, type AppendedEntry } from './public-ledger-appender.service.js';
export { PublicLedgerRedactor, type PublicRedaction, type RedactableField, type RedactionReason } from './public-ledger-redactor.service.js';
export {
  PublicLedgerService, decodeCursor, encodeCursor, bundleEntryBytes, type ServedTile, type LedgerJsonPage, type LedgerJsonRuns,
  type CampaignLog, type CheckpointView, type CheckpointCosignature, type WitnessStatus, type LedgerCursor, type LedgerPage, type LedgerPageRequest, type ReceiptVerificationData,
} from './public-ledger.service.js';
export { CHECKPOINT_SIGNER, signerFromConfig } from './checkpoint-signer.provider.js';
export type { DeclaredDesignation, PublicCampaign, StoredEntry } from './persistence/public-ledger.repository.js';
export {
  ANONYMOUS, COMMITTED_LEAF_VERSION, PERSONAL_FIELDS, personalCommitment, checkPersonalFields, type ServedEntry, type EntryRedactions, type FieldRedaction, type PersonalField, type PersonalFieldCheck, type EntryPrivacyCheck,
  PUBLIC_ENTRY_KINDS, MONEY_ENTRY_KINDS, KIND_SIGN, TERM_FIELDS, describeTermChange, isTermChangeList, type TermChange, type TermField, createDonorCommitment, donorCommitment, verifyDonorCommitment,
  addCheckpointBody, planSubmission, readWitnessAnswer, type SubmissionPlan, type WitnessAnswer, type WitnessLogState,
  addSignatureLines, checkCosignatures, cosignatureLine, createCosigner, formatCosignerKey, parseCosignerKey, verifyCosignature, type Cosigner, type CosignerKey,
  EVIDENCE_MEDIA_TYPES, evidencePurpose, parseEvidencePurpose, evidenceFilePath, type EvidenceMediaType, type EvidenceReference,
  reportFromEntries, OFFLINE_ENTRY_KINDS, OFFLINE_GIFT_METHODS, OFFLINE_NOTICE, isOfflineKind, offlineVoidPurpose, parseOfflineVoidPurpose, type OfflineGiftMethod,
  RECEIPT_PROOF_FORMAT, RECEIPT_PROOF_VERSION, receiptProofUrl, verifyReceiptProof,
  parseTilePath, tilePath, TILE_WIDTH, type Tile, type BundleRef,
  DESIGNATED_LEAF_VERSION, SPLIT_LEAF_VERSION, isCommittedFormat, isDrawList, isPartList, DesignationReplay, DesignationOverdrawnError, designationOf, type PayoutDraw, type PayoutPart,
  payoutShares, moneyByDesignation, type PayoutShare, publicLeafHash, toLeaf, GIFT_REFERENCE_KINDS, giftReferencePurpose, parseGiftReference, isGiftReferenceKind, type GiftReferenceKind, MAX_PAYOUT_PARTS,
  designationShares, designationRowsOf, designationTotals, GENERAL_DESIGNATION, SHARED_KINDS, type DesignationKindRow, type DesignationTotals,
  type PublicEntryKind, type PublicLeaf, type CampaignReport, type FeeExchange, type ReceiptProof, type ReceiptProofResult, type ReceiptCheck,
} from './domain/index.js';
