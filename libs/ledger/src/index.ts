export { LedgerModule } from './ledger.module.js';
export { LedgerService, LedgerCurrencyMismatchError, type JournalEntry, type JournalEntryWithPostings, type PostResult, type CampaignTotals } from './ledger.service.js';
export { LedgerWriter, type MoneyPlan, type PlannedEntry, type PlannedGiftRef, type RecordedEntry } from './ledger-writer.js';
// For tests that build the ledger by hand (new LedgerService(new LedgerRepository(dataSource))).
export { LedgerRepository } from './persistence/ledger.repository.js';
export { auditLedger } from './persistence/ledger-audit.js';
export {
  PLATFORM_ACCOUNTS, campaignFundsAccount, campaignOfflineReceiptsAccount, campaignOfflineFundsAccount, describeAccount, normalBalance, type AccountType, type AccountDescriptor,
} from './domain/accounts.js';
export {
  ENTRY_KINDS, validateEntry, totalsColumnFor, DESIGNATION_CODE, GENERAL_DESIGNATION, isDesignationCode, postingDesignation, type EntryKind, type EntryInput, type PostingInput,
} from './domain/entry.js';
export {
  basisPointsOf, platformFee, estimatedCardPricing, estimatedStripeFee, grossUpForCoveredFees, platformFeeRefundShare, type CardPricing,
} from './domain/fees.js';
export * from './domain/donation-entries.js';
export { fxConversionEntry, fxProcessingFeeEntry, feeInPresentment, isConverted, type ConvertedKind, type Settlement } from './domain/fx-entries.js';
