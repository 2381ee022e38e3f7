/**
 * Campaign update e-mails (issue 21) travel the receipts pipeline (outbox -> relay -> notifications
 * queue -> ReceiptDeliveryService) as `campaign_update` rows (list the recipients and queue their
 * batches) and `campaign_update_batch` rows (send one batch). The updates lib handles both through
 * this port, provided under CAMPAIGN_UPDATE_MAIL_SENDER and found at run time.
 */
export const CAMPAIGN_UPDATE_MAIL_SENDER = Symbol.for('ataa.notifications.CampaignUpdateMailSender');

export interface CampaignUpdateMailMessage {
  outboxId: string;
  kind: 'campaign_update' | 'campaign_update_batch';
  /** The update id (`campaign_update`) or `<update id>:<batch>` (`campaign_update_batch`). */
  aggregateId: string;
  payload: Record<string, unknown>;
}

export interface CampaignUpdateMailSender {
  /** Handles the row and finishes it; throws TransientDeliveryError to be retried. */
  deliver(message: CampaignUpdateMailMessage, options: { finalAttempt?: boolean }): Promise<'sent' | 'failed' | 'skipped'>;
}
