/**
 * The donor page's sign-in links (issue 20) travel the receipts pipeline (outbox -> relay ->
 * notifications queue -> ReceiptDeliveryService) as `donor_sign_in` rows; the donors lib renders
 * and sends them through this port, provided under DONOR_SIGN_IN_SENDER and found at run time.
 */
export const DONOR_SIGN_IN_SENDER = Symbol.for('ataa.notifications.DonorSignInSender');

export interface DonorSignInMessage {
  outboxId: string;
  /** The sign-in link's id (donor_sign_in_links). */
  aggregateId: string;
}

export interface DonorSignInSender {
  /** Sends the link and finishes the outbox row; throws TransientDeliveryError to be retried. */
  deliver(message: DonorSignInMessage, options: { finalAttempt?: boolean }): Promise<'sent' | 'failed' | 'skipped'>;
}

/**
 * A recurring gift's notices (`recurring_notice` outbox rows: a failed payment, the series stopped)
 * are rendered and sent by the donations lib through this port, provided under RECURRING_NOTICE_SENDER.
 */
export const RECURRING_NOTICE_SENDER = Symbol.for('ataa.notifications.RecurringNoticeSender');

export interface RecurringNoticeMessage {
  outboxId: string;
  /** The recurring gift's id. */
  aggregateId: string;
  payload: Record<string, unknown>;
}

/**
 * A scheduled series' notices (`scheduled_notice` outbox rows: an occurrence failed, with a link to
 * pay it; the series stopped or moved), rendered and sent by the donations lib under SCHEDULED_NOTICE_SENDER.
 */
export const SCHEDULED_NOTICE_SENDER = Symbol.for('ataa.notifications.ScheduledNoticeSender');

export interface RecurringNoticeSender {
  deliver(message: RecurringNoticeMessage, options: { finalAttempt?: boolean }): Promise<'sent' | 'failed' | 'skipped'>;
}
