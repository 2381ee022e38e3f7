import { Injectable } from '@nestjs/common';
import { OutboxMailSender, type ErasureLinkMessage, type ErasureLinkSender } from '@ataa/notifications';
import { linkState } from './domain/erasure-request.js';
import { renderErasureLinkMail } from './domain/erasure-link-mail.js';
import { ErasureService } from './erasure.service.js';
import { ErasureRepository } from './persistence/erasure.repository.js';

/**
 * Sends the confirmation link of an `erasure_link` outbox row (the receipts pipeline calls it). A
 * request no longer waiting (confirmed, expired) is not mailed. Like invitations, the outbox row
 * stays locked from before the send until it is finished, so a duplicate job sends nothing more;
 * the Message-ID is derived from the outbox id.
 */
@Injectable()
export class ErasureLinkMailer implements ErasureLinkSender {
  constructor(
    private readonly requests: ErasureRepository,
    private readonly erasures: ErasureService,
    private readonly sender: OutboxMailSender,
  ) {}

  async deliver(message: ErasureLinkMessage, options: { finalAttempt?: boolean }): Promise<'sent' | 'failed' | 'skipped'> {
    const request = await this.requests.find(message.aggregateId);
    if (!request || request.email === null || linkState(request, new Date()) !== 'usable') {
      return this.sender.skip(message.outboxId, request ? `erasure request ${request.state}` : 'no such erasure request');
    }
    const mail = renderErasureLinkMail(request.language, this.erasures.linkFor(request), request.expiresAt!);
    const outcome = await this.sender.send(message.outboxId, 'erasure-link', {
      to: request.email, subject: mail.subject, html: mail.html, text: mail.text,
      headers: { 'X-Ataa-Erasure-Request': request.id },
    }, options);
    return outcome === 'already_done' ? 'skipped' : outcome;
  }
}
