import { Injectable } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { AppConfig } from '@ataa/config';
import { buildInvitationView, invitationAcceptUrl } from '../domain/invitation-view.js';
import { languageOf } from '../domain/messages.js';
import { OutboxMailSender } from '../outbox/outbox-mail-sender.service.js';
import type { OutboxRow } from '../persistence/notifications.repository.js';
import { InvitationRenderer } from '../rendering/invitation-renderer.js';
import { TransientDeliveryError } from '../domain/delivery-failure.js';
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
  private readonly renderer = new InvitationRenderer();

  constructor(
    private readonly sender: OutboxMailSender,
    private readonly moduleRef: ModuleRef,
    private readonly config: AppConfig,
  ) {}

  async deliver(outbox: OutboxRow, options: { finalAttempt?: boolean } = {}): Promise<'sent' | 'already_done' | 'failed' | 'skipped'> {
    const data = await this.dataSource().load(outbox.aggregateId);
    // Revoked, accepted or expired before it went out: the link would not work, so it is not sent.
    if (!data || data.status !== 'pending') return this.sender.skip(outbox.id, data ? `invitation ${data.status}` : 'no such invitation');
    const view = buildInvitationView(data, {
      language: languageOf(typeof outbox.payload.language === 'string' ? outbox.payload.language : null),
      acceptUrl: invitationAcceptUrl(this.config.PUBLIC_BASE_URL, data.token),
    });
    const message = this.renderer.render(view);
    return this.sender.send(outbox.id, 'invitation', {
      to: data.email, subject: message.subject, html: message.html, text: message.text,
      headers: { 'X-Ataa-Invitation-Id': data.invitationId },
    }, options);
  }

  private dataSource(): InvitationDataSource {
    try {
      return this.moduleRef.get<InvitationDataSource>(INVITATION_DATA_SOURCE, { strict: false });
    } catch {
      throw new TransientDeliveryError('no InvitationDataSource is registered (INVITATION_DATA_SOURCE)');
    }
  }
}
