import { Inject, Injectable, Logger } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { AppConfig } from '@ataa/config';
import { TransactionRunner } from '@ataa/database';
import { buildInvitationView, invitationAcceptUrl } from '../domain/invitation-view.js';
import { classifyDeliveryError, describeDeliveryError } from '../domain/delivery-failure.js';
import { languageOf } from '../domain/messages.js';
import { MAILER } from '../mail/mailer.port.js';
import type { Mailer } from '../mail/mailer.port.js';
import { NotificationsRepository, type OutboxRow } from '../persistence/notifications.repository.js';
import { InvitationRenderer } from '../rendering/invitation-renderer.js';
import { TransientDeliveryError } from '../receipts/receipt-delivery.service.js';
import { INVITATION_DATA_SOURCE, type InvitationDataSource } from './invitation-data-source.js';

/**
 * Sends one `invitation` outbox message to the invitee. The outbox row stays locked (FOR UPDATE)
 * from before the send until it is marked sent, so a duplicate job (the relay's sweep, a job id
 * re-added) waits and then finds it finished: one e-mail. Invitations are rare, so holding a
 * connection for one SMTP exchange is cheap. A crash after the server accepted the mail and before
 * the commit re-sends it once with the same Message-ID (derived from the outbox id).
 */
@Injectable()
export class InvitationDeliveryService {
  private readonly logger = new Logger(InvitationDeliveryService.name);
  private readonly renderer = new InvitationRenderer();
  private readonly messageIdDomain: string;

  constructor(
    private readonly repository: NotificationsRepository,
    private readonly transactions: TransactionRunner,
    private readonly moduleRef: ModuleRef,
    private readonly config: AppConfig,
    @Inject(MAILER) private readonly mailer: Mailer,
  ) {
    this.messageIdDomain = /@([A-Za-z0-9.-]+)>?\s*$/.exec(config.MAIL_FROM)?.[1] ?? 'ataa.local';
  }

  async deliver(outbox: OutboxRow, options: { finalAttempt?: boolean } = {}): Promise<'sent' | 'already_done' | 'failed' | 'skipped'> {
    const data = await this.dataSource().load(outbox.aggregateId);
    if (!data || data.status !== 'pending') {
      // Revoked, accepted or expired before it went out: the link would not work, so it is not sent.
      await this.transactions.run((m) => this.repository.finishOutbox(m, outbox.id, 'skipped', data ? `invitation ${data.status}` : 'no such invitation'));
      return 'skipped';
    }
    const view = buildInvitationView(data, {
      language: languageOf(typeof outbox.payload.language === 'string' ? outbox.payload.language : null),
      acceptUrl: invitationAcceptUrl(this.config.PUBLIC_BASE_URL, data.token),
    });
    const message = this.renderer.render(view);
    // No transaction retries: a retried transaction would send the e-mail again.
    return this.transactions.run(async (m) => {
      const locked = await this.repository.findOutbox(outbox.id, m, true);
      if (!locked || locked.status !== 'pending') return 'already_done';
      try {
        await this.mailer.send({
          from: this.config.MAIL_FROM,
          to: data.email,
          subject: message.subject,
          html: message.html,
          text: message.text,
          messageId: `<${outbox.id}.invitation@${this.messageIdDomain}>`,
          headers: { 'X-Ataa-Invitation-Id': data.invitationId },
        });
      } catch (error) {
        const description = describeDeliveryError(error);
        if (classifyDeliveryError(error) === 'permanent' || options.finalAttempt) {
          await this.repository.finishOutbox(m, outbox.id, 'failed', description);
          this.logger.warn(`invitation e-mail ${outbox.id} failed: ${description}`);
          return 'failed';
        }
        throw new TransientDeliveryError(description);
      }
      await this.repository.finishOutbox(m, outbox.id, 'sent');
      return 'sent';
    }, { retries: 0 });
  }

  private dataSource(): InvitationDataSource {
    try {
      return this.moduleRef.get<InvitationDataSource>(INVITATION_DATA_SOURCE, { strict: false });
    } catch {
      throw new TransientDeliveryError('no InvitationDataSource is registered (INVITATION_DATA_SOURCE)');
    }
  }
}
