import { Inject, Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '@ataa/config';
import { TransactionRunner } from '@ataa/database';
import {
  classifyDeliveryError, MAILER, NotificationsRepository, TransientDeliveryError, type ErasureLinkMessage, type ErasureLinkSender, type Mailer,
} from '@ataa/notifications';
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
  private readonly logger = new Logger('ErasureLinks');
  private readonly messageIdDomain: string;

  constructor(
    private readonly requests: ErasureRepository,
    private readonly erasures: ErasureService,
    private readonly outbox: NotificationsRepository,
    private readonly transactions: TransactionRunner,
    private readonly config: AppConfig,
    @Inject(MAILER) private readonly mailer: Mailer,
  ) {
    this.messageIdDomain = /@([A-Za-z0-9.-]+)>?\s*$/.exec(config.MAIL_FROM)?.[1] ?? 'ataa.local';
  }

  async deliver(message: ErasureLinkMessage, options: { finalAttempt?: boolean }): Promise<'sent' | 'failed' | 'skipped'> {
    const request = await this.requests.find(message.aggregateId);
    if (!request || request.email === null || linkState(request, new Date()) !== 'usable') {
      await this.transactions.run((m) => this.outbox.finishOutbox(m, message.outboxId, 'skipped', request ? `erasure request ${request.state}` : 'no such erasure request'));
      return 'skipped';
    }
    const mail = renderErasureLinkMail(request.language, this.erasures.linkFor(request), request.expiresAt!);
    return this.transactions.run(async (m) => {
      const locked = await this.outbox.findOutbox(message.outboxId, m, true);
      if (!locked || locked.status !== 'pending') return 'skipped';
      try {
        await this.mailer.send({
          from: this.config.MAIL_FROM, to: request.email!, subject: mail.subject, html: mail.html, text: mail.text,
          messageId: `<${message.outboxId}.erasure-link@${this.messageIdDomain}>`,
          headers: { 'X-Ataa-Erasure-Request': request.id },
        });
      } catch (error) {
        const description = error instanceof Error ? error.message : String(error);
        if (classifyDeliveryError(error) === 'permanent' || options.finalAttempt) {
          await this.outbox.finishOutbox(m, message.outboxId, 'failed', description.slice(0, 500));
          this.logger.warn(`erasure link ${message.outboxId} failed: ${description}`);
          return 'failed';
        }
        throw new TransientDeliveryError(description);
      }
      await this.outbox.finishOutbox(m, message.outboxId, 'sent');
      return 'sent';
    }, { retries: 0 });
  }
}
