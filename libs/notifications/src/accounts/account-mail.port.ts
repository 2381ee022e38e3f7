/**
 * Account e-mails of the dashboard (issue 19): the e-mail verification and password-reset links.
 * They travel the receipts pipeline (outbox -> relay -> notifications queue -> ReceiptDeliveryService)
 * as `email_verification` / `password_reset` rows; the organizations lib renders and sends them
 * through this port, provided under ACCOUNT_MAIL_SENDER and found at run time.
 */
export const ACCOUNT_MAIL_SENDER = Symbol.for('ataa.notifications.AccountMailSender');

export interface AccountMailMessage {
  outboxId: string;
  kind: 'email_verification' | 'password_reset';
  /** The account token's id. */
  aggregateId: string;
}

export interface AccountMailSender {
  /** Sends the link and finishes the outbox row; throws TransientDeliveryError to be retried. */
  deliver(message: AccountMailMessage, options: { finalAttempt?: boolean }): Promise<'sent' | 'failed' | 'skipped'>;
}
