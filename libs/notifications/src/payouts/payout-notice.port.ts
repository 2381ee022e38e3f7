/**
 * Payout notices to organizations travel the receipts pipeline (outbox -> relay -> notifications
 * queue -> ReceiptDeliveryService); the payouts lib renders and sends them through this port,
 * provided under PAYOUT_NOTICE_SENDER in any module of the app and found at run time.
 */
export const PAYOUT_NOTICE_SENDER = Symbol.for('ataa.notifications.PayoutNoticeSender');

export interface PayoutNoticeMessage {
  outboxId: string;
  aggregateId: string;
  payload: Record<string, unknown>;
}

export interface PayoutNoticeSender {
  /** Sends the notice and finishes the outbox row; throws TransientDeliveryError to be retried. */
  deliver(message: PayoutNoticeMessage, options: { finalAttempt?: boolean }): Promise<'sent' | 'failed' | 'skipped'>;
}
