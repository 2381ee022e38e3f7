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
