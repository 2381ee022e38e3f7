import { Injectable } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { buildDataExportView } from '../domain/data-export-view.js';
import { OutboxMailSender } from '../outbox/outbox-mail-sender.service.js';
import type { OutboxRow } from '../persistence/notifications.repository.js';
import { DataExportRenderer } from '../rendering/data-export-renderer.js';
import { TransientDeliveryError } from '../domain/delivery-failure.js';
import { DATA_EXPORT_MAIL_SOURCE, type DataExportMailSource } from './data-export-mail-source.js';

/**
 * Sends one `data_export` outbox message: the signed, single-use download link, to the address the
 * export was asked for. Like invitations, the outbox row stays locked from before the send until it
 * is finished, so a duplicate job finds it done. A request for an address the platform holds nothing
 * about, or whose link was used or expired meanwhile, finishes as skipped without an e-mail.
 */
@Injectable()
export class DataExportDeliveryService {
  private readonly renderer = new DataExportRenderer();

  constructor(
    private readonly sender: OutboxMailSender,
    private readonly moduleRef: ModuleRef,
  ) {}

  async deliver(outbox: OutboxRow, options: { finalAttempt?: boolean } = {}): Promise<'sent' | 'already_done' | 'failed' | 'skipped'> {
    const data = await this.dataSource().load(outbox.aggregateId);
    if (!data || data.status !== 'pending') return this.sender.skip(outbox.id, data ? `export ${data.status}` : 'no such export request');
    const message = this.renderer.render(buildDataExportView(data));
    return this.sender.send(outbox.id, 'data-export', {
      to: data.email, subject: message.subject, html: message.html, text: message.text,
      headers: { 'X-Ataa-Data-Export-Id': data.requestId },
    }, options);
  }

  private dataSource(): DataExportMailSource {
    try {
      return this.moduleRef.get<DataExportMailSource>(DATA_EXPORT_MAIL_SOURCE, { strict: false });
    } catch {
      throw new TransientDeliveryError('no DataExportMailSource is registered (DATA_EXPORT_MAIL_SOURCE)');
    }
  }
}
