export { NotificationsModule } from './notifications.module.js';
export { OutboxService, type OutboxMessage } from './outbox/outbox.service.js';
export { OutboxRelay } from './outbox/outbox-relay.service.js';
export { OutboxMailSender, type OutboxMail } from './outbox/outbox-mail-sender.service.js';
export {
  RECEIPT_DATA_SOURCE,
  RECEIPT_DATA_SOURCE_OVERRIDE,
  type ReceiptData,
  type ReceiptDataRequest,
  type ReceiptDataSource,
  type ReceiptRefund,
  type ReceiptVerification,
  type ReceiptProofDocument,
} from './receipts/receipt-data-source.js';
export {
  ReceiptDeliveryService,
  TransientDeliveryError,
  NOTIFICATIONS_OPTIONS,
  type DeliveryOutcome,
  type NotificationsOptions,
} from './receipts/receipt-delivery.service.js';
export { ReceiptsService, type ReceiptSummary, type QueuedDonorMessage } from './receipts/receipts.service.js';
export { NotificationsRepository, type OutboxKind, type OutboxRow, type ReceiptRow } from './persistence/notifications.repository.js';
export { MAILER, type Mailer, type OutgoingMail } from './mail/mailer.port.js';
export { SmtpMailer } from './mail/smtp-mailer.js';
export { ReceiptRenderer, type RenderedMessage } from './rendering/receipt-renderer.js';
export { ReceiptPdfRenderer, type ReceiptPdfOptions } from './rendering/receipt-pdf.js';
export { ReceiptPdfPool } from './rendering/receipt-pdf-pool.js';
export { StatementPdfRenderer } from './rendering/statement-pdf.js';
export { buildStatementView, formatDay, type StatementData, type StatementView, type StatementLanguage, type StatementGiftStatus } from './domain/statement-view.js';
export { DONOR_SIGN_IN_SENDER, type DonorSignInSender, type DonorSignInMessage, RECURRING_NOTICE_SENDER, SCHEDULED_NOTICE_SENDER, type RecurringNoticeSender, type RecurringNoticeMessage } from './donors/donor-sign-in.port.js';
export { OFFLINE_RECEIPT_SENDER, type OfflineReceiptSender, type OfflineReceiptMessage } from './offline/offline-receipt.port.js';
export { woffToSfnt } from './rendering/woff.js';
export { buildReceiptView, receiptProofFileName, type ReceiptView, type ReceiptMessageKind } from './domain/receipt-view.js';
export { formatMoney, localeFor } from './domain/money-format.js';
export { pluralText, type PluralForms } from './domain/plural.js';
export { formatReceiptNumber } from './domain/receipt-number.js';
export { classifyDeliveryError } from './domain/delivery-failure.js';
export { visualRuns, paragraphDirection } from './domain/bidi.js';
export { PAYOUT_NOTICE_SENDER, type PayoutNoticeSender, type PayoutNoticeMessage } from './payouts/payout-notice.port.js';
export { INVITATION_DATA_SOURCE, type InvitationDataSource, type InvitationMailData, type InvitationMailStatus } from './invitations/invitation-data-source.js';
export { InvitationDeliveryService } from './invitations/invitation-delivery.service.js';
export { InvitationRenderer } from './rendering/invitation-renderer.js';
export { buildInvitationView, invitationAcceptUrl, INVITATION_LABELS, type InvitationView } from './domain/invitation-view.js';
export { DATA_EXPORT_MAIL_SOURCE, type DataExportMailSource, type DataExportMailData, type DataExportMailStatus } from './privacy/data-export-mail-source.js';
export { DataExportDeliveryService } from './privacy/data-export-delivery.service.js';
export { DataExportRenderer } from './rendering/data-export-renderer.js';
export { buildDataExportView, DATA_EXPORT_LABELS, type DataExportView } from './domain/data-export-view.js';
export { ERASURE_LINK_SENDER, type ErasureLinkSender, type ErasureLinkMessage } from './erasure/erasure-link.port.js';
export { ACCOUNT_MAIL_SENDER, type AccountMailSender, type AccountMailMessage } from './accounts/account-mail.port.js';
export { formatDate } from './domain/money-format.js';
export { CAMPAIGN_UPDATE_MAIL_SENDER, type CampaignUpdateMailSender, type CampaignUpdateMailMessage } from './updates/campaign-update-mail.port.js';
export { describeDeliveryError } from './domain/delivery-failure.js';
