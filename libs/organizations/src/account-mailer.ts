import { Injectable } from '@nestjs/common';
import { AppConfig } from '@ataa/config';
import { OutboxMailSender, type AccountMailMessage, type AccountMailSender } from '@ataa/notifications';
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
  constructor(
    private readonly tokens: AccountTokensRepository,
    private readonly accounts: AccountsService,
    private readonly sender: OutboxMailSender,
    private readonly config: AppConfig,
  ) {}

  async deliver(message: AccountMailMessage, options: { finalAttempt?: boolean }): Promise<'sent' | 'failed' | 'skipped'> {
    const row = await this.tokens.find(message.aggregateId);
    if (!row || row.purpose !== message.kind || accountTokenState(row, new Date()) !== 'usable') {
      return this.sender.skip(message.outboxId, row ? 'link no longer usable' : 'no such account link');
    }
    const link = accountLink(this.config.PUBLIC_BASE_URL, row.purpose, this.accounts.tokenFor(row));
    const mail = renderAccountMail(row.purpose, row.language, link, row.expiresAt);
    const outcome = await this.sender.send(message.outboxId, row.purpose.replace('_', '-'), { to: row.email, subject: mail.subject, html: mail.html, text: mail.text }, options);
    return outcome === 'already_done' ? 'skipped' : outcome;
  }
}
