import { Injectable } from '@nestjs/common';
import { AppConfig } from '@ataa/config';
import { OutboxMailSender, type OfflineReceiptMessage, type OfflineReceiptSender } from '@ataa/notifications';
import { renderOfflineReceiptMail } from './domain/offline-receipt-mail.js';
import { OfflineGiftRepository } from './persistence/offline-gift.repository.js';

/**
 * Sends the receipt of an `offline_receipt` outbox row (the receipts pipeline calls it) to the
 * address the organization recorded for the donor. The outbox row stays locked from before the send
 * until it is finished (OutboxMailSender), so a duplicate job sends nothing more; the Message-ID is
 * derived from the outbox id. An address erased meanwhile is not mailed.
 */
@Injectable()
export class OfflineReceiptMailer implements OfflineReceiptSender {
  constructor(
    private readonly gifts: OfflineGiftRepository,
    private readonly sender: OutboxMailSender,
    private readonly config: AppConfig,
  ) {}

  async deliver(message: OfflineReceiptMessage, options: { finalAttempt?: boolean }): Promise<'sent' | 'failed' | 'skipped'> {
    const gift = await this.gifts.findById(message.aggregateId);
    if (!gift) return this.sender.skip(message.outboxId, 'no such offline gift');
    if (!gift.donorEmail) return this.sender.skip(message.outboxId, 'no donor e-mail (erased)');
    const context = await this.gifts.receiptContext(gift.id);
    if (!context) return this.sender.skip(message.outboxId, 'no such campaign');
    const mail = renderOfflineReceiptMail({
      language: gift.language, organizationName: context.organizationName, campaignTitle: context.campaignTitle, amount: gift.amount, currency: gift.currency,
      receivedOn: gift.receivedOn, method: gift.method, reference: gift.reference, donorName: gift.anonymous ? null : gift.donorName,
      ledgerUrl: `${this.config.PUBLIC_BASE_URL.replace(/\/$/, '')}/c/${context.campaignSlug}/ledger`, publicIndex: gift.publicIndex,
    });
    const outcome = await this.sender.send(message.outboxId, 'offline-receipt', {
      to: gift.donorEmail, subject: mail.subject, html: mail.html, text: mail.text,
      headers: { 'X-Ataa-Offline-Gift': gift.id },
    }, options);
    return outcome === 'already_done' ? 'skipped' : outcome;
  }
}
