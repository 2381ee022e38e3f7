/**
 * Erasure confirmation links (issue 17) travel the receipts pipeline (outbox -> relay ->
 * notifications queue -> ReceiptDeliveryService) as `erasure_link` rows; the privacy lib renders and
 * sends them through this port, provided under ERASURE_LINK_SENDER and found at run time.
 */
export const ERASURE_LINK_SENDER = Symbol.for('ataa.notifications.ErasureLinkSender');

export interface ErasureLinkMessage {
  outboxId: string;
  /** The erasure request id. */
  aggregateId: string;
  payload: Record<string, unknown>;
}

export interface ErasureLinkSender {
  /** Sends the link and finishes the outbox row; throws TransientDeliveryError to be retried. */
  deliver(message: ErasureLinkMessage, options: { finalAttempt?: boolean }): Promise<'sent' | 'failed' | 'skipped'>;
}
