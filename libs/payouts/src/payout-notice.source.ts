import { Inject, Injectable, Logger } from '@nestjs/common';
import Handlebars from 'handlebars';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { AppConfig } from '@ataa/config';
import { repoRoot } from '@ataa/common';
import { TransactionRunner } from '@ataa/database';
import {
  classifyDeliveryError, formatMoney, MAILER, NotificationsRepository, TransientDeliveryError,
  type Mailer, type PayoutNoticeMessage, type PayoutNoticeSender,
} from '@ataa/notifications';
import { isPayoutNoticeEvent, payoutNoticeText, reversalSummary, type ReversalSummary } from './domain/payout-notice.js';
import { PayoutNoticeRepository } from './persistence/payout-notice.repository.js';

const TEMPLATES = path.join(repoRoot(import.meta.dirname), 'libs', 'payouts', 'templates');

interface NoticeView {
  headline: string; explanation: string; organization: string; campaign: string; amount: string; purpose: string; status: string;
  reason: string | null; payoutId: string;
  /** Reversed notices only: the payout's amount, what was reversed up to this reversal, what stays paid out. */
  reversal: { payoutAmount: string; reversedSoFar: string; remaining: string } | null;
}

/**
 * Renders and sends payout notices to the organization's owners and finance members (the
 * receipts pipeline calls it for `payout_notice` outbox rows). The Message-ID is derived from the
 * outbox id, so a retried send is recognisable as the same message.
 */
@Injectable()
export class PayoutNoticeDataSource implements PayoutNoticeSender {
  private readonly logger = new Logger('PayoutNotices');
  private readonly hbs = Handlebars.create();
  private readonly html: Handlebars.TemplateDelegate<NoticeView>;
  private readonly text: Handlebars.TemplateDelegate<NoticeView>;

  constructor(
    private readonly notices: PayoutNoticeRepository,
    private readonly tx: TransactionRunner,
    private readonly repository: NotificationsRepository,
    private readonly config: AppConfig,
    @Inject(MAILER) private readonly mailer: Mailer,
  ) {
    const read = (name: string) => readFileSync(path.join(TEMPLATES, name), 'utf8');
    this.html = this.hbs.compile<NoticeView>(read('payout-notice.html.hbs'), { strict: false });
    this.text = this.hbs.compile<NoticeView>(read('payout-notice.text.hbs'), { strict: false, noEscape: true });
  }

  async deliver(message: PayoutNoticeMessage, options: { finalAttempt?: boolean }): Promise<'sent' | 'failed' | 'skipped'> {
    const event = message.payload.event;
    const row = await this.notices.payout(message.aggregateId);
    const recipients = row ? await this.notices.recipients(row.organizationId) : [];
    if (!row || !isPayoutNoticeEvent(event) || recipients.length === 0) {
      await this.tx.run((m) => this.repository.finishOutbox(m, message.outboxId, 'skipped', 'no such payout, event or recipient'));
      return 'skipped';
    }
    const money = (amount: bigint) => formatMoney(amount, row.currency, 'en-US');
    const reversal = event === 'reversed' ? await this.reversalOf(row.id, row.amount, message.payload.reversalId) : null;
    if (event === 'reversed' && !reversal) {
      await this.tx.run((m) => this.repository.finishOutbox(m, message.outboxId, 'skipped', 'no such reversal'));
      return 'skipped';
    }
    const text = payoutNoticeText(event);
    const view: NoticeView = {
      ...text, organization: row.organizationName, campaign: row.campaignTitle, amount: money(reversal ? reversal.reversed : row.amount),
      purpose: row.purpose, status: row.status.replace('_', ' '), reason: event === 'rejected' ? row.rejectionReason : event === 'failed' ? row.failureMessage : null,
      payoutId: row.id,
      reversal: reversal
        ? { payoutAmount: money(row.amount), reversedSoFar: money(reversal.reversedSoFar), remaining: money(reversal.remaining) }
        : null,
    };
    const domain = /@([A-Za-z0-9.-]+)>?\s*$/.exec(this.config.MAIL_FROM)?.[1] ?? 'ataa.local';
    try {
      await this.mailer.send({
        from: this.config.MAIL_FROM,
        to: recipients.join(', '),
        subject: `${text.headline}: ${view.amount}${view.reversal ? ` of ${view.reversal.payoutAmount}` : ''} — ${row.campaignTitle}`,
        html: this.html(view),
        text: this.text(view),
        messageId: `<${message.outboxId}.payout-notice@${domain}>`,
        headers: { 'X-Ataa-Payout-Id': row.id, 'X-Ataa-Payout-Event': event },
      });
    } catch (error) {
      const description = (error as Error).message ?? String(error);
      if (classifyDeliveryError(error) === 'permanent' || options.finalAttempt) {
        await this.tx.run((m) => this.repository.finishOutbox(m, message.outboxId, 'failed', description.slice(0, 1000)));
        this.logger.warn(`payout notice ${message.outboxId} failed: ${description}`);
        return 'failed';
      }
      throw new TransientDeliveryError(description);
    }
    await this.tx.run((m) => this.repository.finishOutbox(m, message.outboxId, 'sent'));
    return 'sent';
  }

  /**
   * The reversal a `reversed` notice is about, from the ledger: its amount and the payout's
   * reversals up to it (by ledger order, so a notice sent after a later reversal still states its
   * own figures). The scan stays within the campaign's entries since the payout was posted.
   */
  private async reversalOf(payoutId: string, payoutAmount: bigint, reversalId: unknown): Promise<ReversalSummary | null> {
    if (typeof reversalId !== 'string' || reversalId.length === 0) return null;
    const found = await this.notices.reversal(payoutId, reversalId);
    return found ? reversalSummary(payoutAmount, found.reversed, found.reversedSoFar) : null;
  }
}
