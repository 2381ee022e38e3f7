export { PrivacyModule } from './privacy.module.js';
export { RetentionModule } from './retention.module.js';
export { DataExportService, DATA_EXPORT_PURPOSE, type ExportLinkRefusal, type ExportLinkState } from './data-export.service.js';
export { DonorExportService } from './donor-export.service.js';
export { RetentionService, type RetentionRunResult } from './retention.service.js';
export { retentionRules, type RetentionRule } from './retention-rules.js';
export { retentionCutoff, secondsLeft, RETENTION_PERIOD_KEYS, type RetentionPeriodKey } from './domain/retention.js';
export { signLink, verifyLink, deriveLinkKey, SIGNED_LINK_MAX_LENGTH, type SignedLinkClaims, type SignedLinkVerdict, type SignedLinkRefusal } from './domain/signed-link.js';
export { donorCsv, donorCsvHeader, donorCsvLine, donorCsvCurrencies, csvText, type DonorSummary } from './domain/donor-csv.js';
export { buildDonorExport, EXPORT_FORMAT, type DonorExportDocument, type DonorExportInput } from './domain/export-document.js';
export { ErasureService, ErasureLinkRefused, type ErasureRequestView, type ErasureRun } from './erasure.service.js';
export { RecurringGiftsRegistry, type RecurringGiftCanceller, type ErasureSeries } from './recurring-gifts.js';
export {
  ERASURE_STATES, ERASURE_STEPS, canTransition, linkState, nextAction, remainingSteps, retainUntil,
  type ErasureState, type ErasureStep, type ErasureSource, type ErasureNext, type LinkState,
} from './domain/erasure-request.js';
export { deriveErasureKey, signErasureToken, verifyErasureToken, donorEmailHash, normalizeDonorEmail, type TokenCheck } from './domain/erasure-token.js';
export { scrubStripePayload } from './domain/stripe-payload-scrub.js';
export { renderErasureLinkMail, type ErasureLinkMail } from './domain/erasure-link-mail.js';
