import { Injectable } from '@nestjs/common';
import { OutboxMailSender, type DonorSignInMessage, type DonorSignInSender } from '@ataa/notifications';
import { renderSignInLinkMail } from './domain/sign-in-link-mail.js';
import { DonorPageService } from './donor-page.service.js';

/**
 * Sends the sign-in link of a `donor_sign_in` outbox row (the receipts pipeline calls it), to every
 * address asked for, with gifts or not. A link used or expired meanwhile is not mailed. The outbox
 * row stays locked from before the send until it is finished (OutboxMailSender), so a duplicate job
 * sends nothing more; the Message-ID is derived from the outbox id.
 */
@Injectable()
export class SignInLinkMailer implements DonorSignInSender {
  constructor(
    private readonly donors: DonorPageService,
    private readonly sender: OutboxMailSender,
  ) {}

  async deliver(message: DonorSignInMessage, options: { finalAttempt?: boolean }): Promise<'sent' | 'failed' | 'skipped'> {
    const found = await this.donors.mailData(message.aggregateId);
    if (!found) return this.sender.skip(message.outboxId, 'no such sign-in link');
    const { link, url } = found;
    if (link.usedAt || link.expiresAt.getTime() <= Date.now()) return this.sender.skip(message.outboxId, link.usedAt ? 'sign-in link used' : 'sign-in link expired');
    const mail = renderSignInLinkMail(link.language, url, link.expiresAt);
    const outcome = await this.sender.send(message.outboxId, 'donor-sign-in', {
      to: link.email, subject: mail.subject, html: mail.html, text: mail.text,
      headers: { 'X-Ataa-Donor-Sign-In': link.id },
    }, options);
    return outcome === 'already_done' ? 'skipped' : outcome;
  }
}
