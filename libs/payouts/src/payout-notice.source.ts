import { Inject, Injectable, Logger } from '@nestjs/common';
import Handlebars from 'handlebars';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { DataSource } from 'typeorm';
import { AppConfig } from '@ataa/config';
import { repoRoot } from '@ataa/common';
import { TransactionRunner } from '@ataa/database';
import {
  classifyDeliveryError, formatMoney, MAILER, NotificationsRepository, TransientDeliveryError,
  type Mailer, type PayoutNoticeMessage, type PayoutNoticeSender,
} from '@ataa/notifications';
import { isPayoutNoticeEvent, payoutNoticeText } from './domain/payout-notice.js';

const TEMPLATES = path.join(repoRoot(import.meta.dirname), 'libs', 'payouts', 'templates');

interface NoticeView {
  headline: string; explanation: string; organization: string; campaign: string; amount: string; purpose: string; status: string;
  reason: string | null; payoutId: string;
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
    private readonly dataSource: DataSource,
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
    const [row] = await this.dataSource.query(
      `SELECT p.*, o.name AS org_name, c.title AS campaign_title FROM payouts p
       JOIN organizations o ON o.id = p.organization_id JOIN campaigns c ON c.id = p.campaign_id WHERE p.id::text = $1`,
      [message.aggregateId],
    );
    const recipients: { email: string }[] = row
      ? await this.dataSource.query(
        `SELECT u.email FROM memberships m JOIN users u ON u.id = m.user_id WHERE m.organization_id = $1 AND m.role IN ('owner', 'finance') ORDER BY u.email`,
        [row.organization_id],
      )
      : [];
    if (!row || !isPayoutNoticeEvent(event) || recipients.length === 0) {
      await this.tx.run((m) => this.repository.finishOutbox(m, message.outboxId, 'skipped', 'no such payout, event or recipient'));
      return 'skipped';
    }
    const text = payoutNoticeText(event);
    const view: NoticeView = {
      ...text, organization: row.org_name, campaign: row.campaign_title, amount: formatMoney(BigInt(row.amount), row.currency, 'en-US'),
      purpose: row.purpose, status: row.status.replace('_', ' '), reason: event === 'rejected' ? row.rejection_reason : event === 'failed' ? row.failure_message : null,
      payoutId: row.id,
    };
    const domain = /@([A-Za-z0-9.-]+)>?\s*$/.exec(this.config.MAIL_FROM)?.[1] ?? 'ataa.local';
    try {
      await this.mailer.send({
        from: this.config.MAIL_FROM,
        to: recipients.map((r) => r.email).join(', '),
        subject: `${text.headline}: ${view.amount} — ${row.campaign_title}`,
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
}
