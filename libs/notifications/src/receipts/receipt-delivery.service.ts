import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { randomUUID } from 'node:crypto';
import { AppConfig } from '@ataa/config';
import { TransactionRunner } from '@ataa/database';
import { classifyDeliveryError, describeDeliveryError, TransientDeliveryError } from '../domain/delivery-failure.js';

// Kept importable from here (where it was first defined) for the libs that use it.
export { TransientDeliveryError };
import { languageOf } from '../domain/messages.js';
import { localeFor } from '../domain/money-format.js';
import { formatReceiptNumber } from '../domain/receipt-number.js';
import { buildReceiptView, ReceiptMessageKind } from '../domain/receipt-view.js';
import { MAILER } from '../mail/mailer.port.js';
import type { Mailer } from '../mail/mailer.port.js';
import { NotificationsRepository, OutboxRow, ReceiptRow } from '../persistence/notifications.repository.js';
import { ReceiptPdfPool } from '../rendering/receipt-pdf-pool.js';
import { ReceiptRenderer } from '../rendering/receipt-renderer.js';
import { PAYOUT_NOTICE_SENDER, type PayoutNoticeSender } from '../payouts/payout-notice.port.js';
import { ERASURE_LINK_SENDER, type ErasureLinkSender } from '../erasure/erasure-link.port.js';
import { InvitationDeliveryService } from '../invitations/invitation-delivery.service.js';
import { DataExportDeliveryService } from '../privacy/data-export-delivery.service.js';
import { ACCOUNT_MAIL_SENDER, type AccountMailSender } from '../accounts/account-mail.port.js';
import { DONOR_SIGN_IN_SENDER, RECURRING_NOTICE_SENDER, SCHEDULED_NOTICE_SENDER, type DonorSignInSender, type RecurringNoticeSender } from '../donors/donor-sign-in.port.js';
import { OFFLINE_RECEIPT_SENDER, type OfflineReceiptSender } from '../offline/offline-receipt.port.js';
import { CAMPAIGN_UPDATE_MAIL_SENDER, type CampaignUpdateMailSender } from '../updates/campaign-update-mail.port.js';
import { RECEIPT_DATA_SOURCE, RECEIPT_DATA_SOURCE_OVERRIDE, ReceiptData, ReceiptDataSource } from './receipt-data-source.js';

export type DeliveryOutcome = 'sent' | 'already_done' | 'failed' | 'skipped' | 'missing';

export const NOTIFICATIONS_OPTIONS = Symbol.for('ataa.notifications.Options');
export interface NotificationsOptions {
  /** How long one worker may hold the right to send a receipt (longer than any SMTP timeout); default RECEIPT_SEND_LEASE_SECONDS. */
  sendLeaseSeconds: number;
}

/**
 * Delivers one outbox message. Exactly one receipt per gift, even across crashes and retries:
 * 1. In one transaction (outbox row locked) the receipt row is created once, with its number
 *    taken from the gap-free counter and a Message-ID derived from its id. Retries reuse it.
 * 2. A lease on the receipt row keeps two workers from sending at the same time.
 * 3. After the SMTP server accepted the message, `sent_at` is set and the outbox row finished in
 *    one transaction. A crash between 2 and 3 re-sends the SAME receipt (same number, same
 *    Message-ID) once the lease has expired: at most a duplicate a mail system can recognise.
 * Permanent SMTP failures (5xx) are recorded on the receipt and not retried.
 */
@Injectable()
export class ReceiptDeliveryService {
  private readonly logger = new Logger(ReceiptDeliveryService.name);
  private readonly renderer = new ReceiptRenderer();
  private readonly options: NotificationsOptions;
  private readonly messageIdDomain: string;

  constructor(
    private readonly repository: NotificationsRepository,
    private readonly transactions: TransactionRunner,
    private readonly moduleRef: ModuleRef,
    private readonly config: AppConfig,
    private readonly pdf: ReceiptPdfPool,
    @Inject(MAILER) private readonly mailer: Mailer,
    @Optional() @Inject(NOTIFICATIONS_OPTIONS) options?: Partial<NotificationsOptions>,
  ) {
    this.options = { sendLeaseSeconds: config.RECEIPT_SEND_LEASE_SECONDS, ...options };
    this.messageIdDomain = /@([A-Za-z0-9.-]+)>?\s*$/.exec(config.MAIL_FROM)?.[1] ?? 'ataa.local';
  }

  /** `finalAttempt`: the queue will not retry again, so a temporary failure is recorded as failed. */
  async deliver(outboxId: string, options: { finalAttempt?: boolean } = {}): Promise<DeliveryOutcome> {
    const outbox = await this.repository.findOutbox(outboxId);
    if (!outbox) return 'missing';
    if (outbox.status !== 'pending') return 'already_done';
    if (outbox.kind === 'invitation') return this.moduleRef.get(InvitationDeliveryService, { strict: false }).deliver(outbox, options);
    if (outbox.kind === 'data_export') return this.moduleRef.get(DataExportDeliveryService, { strict: false }).deliver(outbox, options);
    if (outbox.kind === 'payout_notice') {
      // Payout notices are rendered and sent by the payouts lib (PAYOUT_NOTICE_SENDER); without it, finish the row.
      const sender = this.payoutNoticeSender();
      if (sender) return sender.deliver({ outboxId: outbox.id, aggregateId: outbox.aggregateId, payload: outbox.payload }, options);
      await this.transactions.run((m) => this.repository.finishOutbox(m, outbox.id, 'skipped', 'payout notices are not implemented'));
      return 'skipped';
    }
    if (outbox.kind === 'email_verification' || outbox.kind === 'password_reset') {
      const sender = this.optional<AccountMailSender>(ACCOUNT_MAIL_SENDER);
      if (sender) return sender.deliver({ outboxId: outbox.id, kind: outbox.kind, aggregateId: outbox.aggregateId }, options);
      throw new TransientDeliveryError('no AccountMailSender is registered (ACCOUNT_MAIL_SENDER)');
    }
    if (outbox.kind === 'erasure_link') {
      const sender = this.optional<ErasureLinkSender>(ERASURE_LINK_SENDER);
      if (sender) return sender.deliver({ outboxId: outbox.id, aggregateId: outbox.aggregateId, payload: outbox.payload }, options);
      throw new TransientDeliveryError('no ErasureLinkSender is registered (ERASURE_LINK_SENDER)');
    }
    if (outbox.kind === 'donor_sign_in') {
      const sender = this.optional<DonorSignInSender>(DONOR_SIGN_IN_SENDER);
      if (sender) return sender.deliver({ outboxId: outbox.id, aggregateId: outbox.aggregateId }, options);
      throw new TransientDeliveryError('no DonorSignInSender is registered (DONOR_SIGN_IN_SENDER)');
    }
    if (outbox.kind === 'recurring_notice') {
      const sender = this.optional<RecurringNoticeSender>(RECURRING_NOTICE_SENDER);
      if (sender) return sender.deliver({ outboxId: outbox.id, aggregateId: outbox.aggregateId, payload: outbox.payload }, options);
      throw new TransientDeliveryError('no RecurringNoticeSender is registered (RECURRING_NOTICE_SENDER)');
    }
    if (outbox.kind === 'scheduled_notice') {
      // Same message shape as a recurring notice: the scheduled series' id and what happened.
      const sender = this.optional<RecurringNoticeSender>(SCHEDULED_NOTICE_SENDER);
      if (sender) return sender.deliver({ outboxId: outbox.id, aggregateId: outbox.aggregateId, payload: outbox.payload }, options);
      throw new TransientDeliveryError('no scheduled notice sender is registered (SCHEDULED_NOTICE_SENDER)');
    }
    if (outbox.kind === 'offline_receipt') {
      const sender = this.optional<OfflineReceiptSender>(OFFLINE_RECEIPT_SENDER);
      if (sender) return sender.deliver({ outboxId: outbox.id, aggregateId: outbox.aggregateId }, options);
      throw new TransientDeliveryError('no OfflineReceiptSender is registered (OFFLINE_RECEIPT_SENDER)');
    }
    if (outbox.kind === 'campaign_update' || outbox.kind === 'campaign_update_batch') {
      const sender = this.optional<CampaignUpdateMailSender>(CAMPAIGN_UPDATE_MAIL_SENDER);
      if (sender) return sender.deliver({ outboxId: outbox.id, kind: outbox.kind, aggregateId: outbox.aggregateId, payload: outbox.payload }, options);
      throw new TransientDeliveryError('no CampaignUpdateMailSender is registered (CAMPAIGN_UPDATE_MAIL_SENDER)');
    }
    const kind = outbox.kind as ReceiptMessageKind;
    const data = await this.dataSource().load({
      kind: kind === 'refund_notice' ? 'refund_notice' : 'donation_receipt',
      aggregateId: outbox.aggregateId,
      payload: outbox.payload,
    });
    if (!data) {
      await this.transactions.run((m) => this.repository.finishOutbox(m, outbox.id, 'skipped', 'no such donation or refund'));
      return 'skipped';
    }

    const receipt = await this.ensureReceipt(outbox, kind, data);
    if (receipt === 'duplicate') return 'skipped';
    if (receipt === null) return 'already_done';

    // Render before claiming: a rendering bug must not hold the send lease. The PDF is drawn on a
    // rendering thread (ReceiptPdfPool): this event loop, which also settles payments, only waits.
    const number = kind === 'refund_notice' ? (await this.repository.findOriginalReceipt(data.donationId))?.receiptNumber ?? null : receipt.receiptNumber;
    const view = buildReceiptView(kind, data, number);
    const message = this.renderer.render(view);
    const pdf = await this.pdf.render(view);
    const attachmentName = pdfName(kind, receipt, number);

    const claimed = await this.repository.claimSend(receipt.id, this.options.sendLeaseSeconds);
    if (!claimed) return this.settleUnclaimed(outbox, receipt.id);
    if (claimed.recipient === null) {
      // The donor's data was erased meanwhile: there is no address, and nothing personal is sent.
      await this.transactions.run(async (m) => {
        await this.repository.markFailed(m, claimed.id, 'donor data erased');
        await this.repository.finishOutbox(m, outbox.id, 'skipped', 'donor data erased');
      });
      return 'skipped';
    }
    try {
      await this.mailer.send({
        from: this.config.MAIL_FROM,
        to: claimed.recipient!,
        subject: message.subject,
        html: message.html,
        text: message.text,
        messageId: claimed.messageId,
        headers: {
          'X-Ataa-Receipt-Id': claimed.id,
          ...(claimed.receiptNumber ? { 'X-Ataa-Receipt-Number': claimed.receiptNumber } : {}),
          ...(kind === 'receipt_copy' ? { 'X-Ataa-Copy': 'yes' } : {}),
        },
        attachments: [
          { filename: attachmentName, content: pdf, contentType: 'application/pdf' },
          // The offline proof (format ataa-receipt-proof): `npm run verify -- --receipt <file>`.
          ...(view.verification?.proof ? [{ filename: view.verification.proof.fileName, content: Buffer.from(view.verification.proof.json, 'utf8'), contentType: 'application/json' }] : []),
        ],
      });
    } catch (error) {
      const description = describeDeliveryError(error);
      if (classifyDeliveryError(error) === 'permanent' || options.finalAttempt) {
        await this.transactions.run(async (m) => {
          await this.repository.markFailed(m, claimed.id, description);
          await this.repository.finishOutbox(m, outbox.id, 'failed', description);
        });
        this.logger.warn(`receipt ${claimed.id} failed permanently: ${description}`);
        return 'failed';
      }
      await this.repository.releaseSend(claimed.id, description);
      throw new TransientDeliveryError(description);
    }
    await this.transactions.run(async (m) => {
      await this.repository.markSent(m, claimed.id);
      await this.repository.finishOutbox(m, outbox.id, 'sent');
    });
    return 'sent';
  }

  /**
   * The receipt row for this outbox message, created once. Returns null when the outbox row was
   * finished meanwhile, 'duplicate' when the gift already has an original receipt from another row.
   */
  private async ensureReceipt(outbox: OutboxRow, kind: ReceiptMessageKind, data: ReceiptData): Promise<ReceiptRow | 'duplicate' | null> {
    return this.transactions.run(async (m) => {
      const locked = await this.repository.findOutbox(outbox.id, m, true);
      if (!locked || locked.status !== 'pending') return null;
      const existing = await this.repository.findReceiptByOutbox(m, outbox.id);
      if (existing) return existing;
      const id = randomUUID();
      const year = data.occurredAt.getUTCFullYear();
      let sequence: number | null = null;
      let receiptNumber: string | null = null;
      let copyOf: string | null = null;
      if (kind === 'donation_receipt') {
        if (await this.repository.findOriginalReceipt(data.donationId, m)) {
          await this.repository.finishOutbox(m, outbox.id, 'skipped', 'the donation already has a receipt');
          return 'duplicate';
        }
        sequence = await this.repository.nextReceiptSequence(m, data.organization.id, year);
        receiptNumber = formatReceiptNumber(year, sequence);
      } else {
        const original = await this.repository.findOriginalReceipt(data.donationId, m);
        if (kind === 'receipt_copy') {
          if (!original) throw new TransientDeliveryError('the original receipt is not issued yet');
          copyOf = original.id;
          receiptNumber = original.receiptNumber;
        }
      }
      return this.repository.insertReceipt(m, {
        id,
        outboxId: outbox.id,
        kind,
        organizationId: data.organization.id,
        donationId: data.donationId,
        aggregateId: outbox.aggregateId,
        year,
        sequence,
        receiptNumber,
        copyOf,
        recipient: data.donor.email,
        locale: localeFor(languageOf(data.campaign.language)),
        messageId: `<${id}.${kind.replace('_', '-')}@${this.messageIdDomain}>`,
      });
    });
  }

  /** The send lease was not ours: finish the outbox row if the receipt is settled, else retry later. */
  private async settleUnclaimed(outbox: OutboxRow, receiptId: string): Promise<DeliveryOutcome> {
    const current = await this.repository.findReceipt(receiptId);
    if (current?.status === 'sent' || current?.status === 'failed') {
      await this.transactions.run((m) => this.repository.finishOutbox(m, outbox.id, current.status as 'sent' | 'failed', current.lastError));
      return 'already_done';
    }
    throw new TransientDeliveryError('another worker is sending this receipt');
  }

  private optional<T>(token: symbol): T | null {
    try {
      return this.moduleRef.get<T>(token, { strict: false });
    } catch {
      return null;
    }
  }

  private payoutNoticeSender(): PayoutNoticeSender | null {
    try {
      return this.moduleRef.get<PayoutNoticeSender>(PAYOUT_NOTICE_SENDER, { strict: false });
    } catch {
      return null;
    }
  }

  private dataSource(): ReceiptDataSource {
    for (const token of [RECEIPT_DATA_SOURCE_OVERRIDE, RECEIPT_DATA_SOURCE]) {
      try {
        return this.moduleRef.get<ReceiptDataSource>(token, { strict: false });
      } catch {
        // not registered: try the next token
      }
    }
    throw new TransientDeliveryError('no ReceiptDataSource is registered (RECEIPT_DATA_SOURCE)');
  }

}

function pdfName(kind: ReceiptMessageKind, receipt: ReceiptRow, number: string | null): string {
  if (kind === 'refund_notice') return `refund-notice-${receipt.id.slice(0, 8)}.pdf`;
  return `receipt-${number ?? receipt.id.slice(0, 8)}${kind === 'receipt_copy' ? '-copy' : ''}.pdf`;
}
