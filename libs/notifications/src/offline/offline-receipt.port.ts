/**
 * Receipts of offline gifts (issue 21: cash, cheque, bank transfer recorded by the organization)
 * travel the receipts pipeline (outbox -> relay -> notifications queue -> ReceiptDeliveryService) as
 * `offline_receipt` rows; the donations lib renders and sends them through this port, provided
 * under OFFLINE_RECEIPT_SENDER and found at run time.
 */
export const OFFLINE_RECEIPT_SENDER = Symbol.for('ataa.notifications.OfflineReceiptSender');

export interface OfflineReceiptMessage {
  outboxId: string;
  /** The offline gift's id (offline_gifts). */
  aggregateId: string;
}

export interface OfflineReceiptSender {
  /** Sends the receipt and finishes the outbox row; throws TransientDeliveryError to be retried. */
  deliver(message: OfflineReceiptMessage, options: { finalAttempt?: boolean }): Promise<'sent' | 'failed' | 'skipped'>;
}
