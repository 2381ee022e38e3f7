import { Inject, Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '@ataa/config';
import { TransactionRunner } from '@ataa/database';
import {
  classifyDeliveryError, MAILER, NotificationsRepository, TransientDeliveryError, type AccountMailMessage, type AccountMailSender, type Mailer,
} from '@ataa/notifications';
import { AccountsService } from './accounts.service.js';
import { renderAccountMail } from './domain/account-mail.js';
import { accountLink, accountTokenState } from './domain/account-tokens.js';
import { AccountTokensRepository } from './persistence/account-tokens.repository.js';

/**
 * Sends the link of an `email_verification` / `password_reset` outbox row (the receipts pipeline
 * calls it through ACCOUNT_MAIL_SENDER). A link no longer usable (used, expired, replaced) is not
 * mailed. The outbox row stays locked from before the send until it is finished, so a duplicate job
 * sends nothing more; the Message-ID is derived from the outbox id.
 */
@Injectable()
export class AccountMailer implements AccountMailSender {
  private readonly logger = new Logger('AccountMails');
  private readonly messageIdDomain: string;

  constructor(
    private readonly tokens: AccountTokensRepository,
    private readonly accounts: AccountsService,
    private readonly outbox: NotificationsRepository,
    private readonly transactions: TransactionRunner,
    private readonly config: AppConfig,
    @Inject(MAILER) private readonly mailer: Mailer,
  ) {
    this.messageIdDomain = /@([A-Za-z0-9.-]+)>?\s*$/.exec(config.MAIL_FROM)?.[1] ?? 'ataa.local';
  }

  async deliver(message: AccountMailMessage, options: { finalAttempt?: boolean }): Promise<'sent' | 'failed' | 'skipped'> {
    const row = await this.tokens.find(message.aggregateId);
    if (!row || row.purpose !== message.kind || accountTokenState(row, new Date()) !== 'usable') {
      await this.transactions.run((m) => this.outbox.finishOutbox(m, message.outboxId, 'skipped', row ? 'link no longer usable' : 'no such account link'));
      return 'skipped';
    }
    const link = accountLink(this.config.PUBLIC_BASE_URL, row.purpose, this.accounts.tokenFor(row));
    const mail = renderAccountMail(row.purpose, row.language, link, row.expiresAt);
    return this.transactions.run(async (m) => {
      const locked = await this.outbox.findOutbox(message.outboxId, m, true);
      if (!locked || locked.status !== 'pending') return 'skipped';
      try {
        await this.mailer.send({
          from: this.config.MAIL_FROM, to: row.email, subject: mail.subject, html: mail.html, text: mail.text,
          messageId: `<${message.outboxId}.${row.purpose.replace('_', '-')}@${this.messageIdDomain}>`,
        });
      } catch (error) {
        const description = error instanceof Error ? error.message : String(error);
        if (classifyDeliveryError(error) === 'permanent' || options.finalAttempt) {
          await this.outbox.finishOutbox(m, message.outboxId, 'failed', description.slice(0, 500));
          this.logger.warn(`account e-mail ${message.outboxId} failed: ${description}`);
          return 'failed';
        }
        throw new TransientDeliveryError(description);
      }
      await this.outbox.finishOutbox(m, message.outboxId, 'sent');
      return 'sent';
    }, { retries: 0 });
  }
}
