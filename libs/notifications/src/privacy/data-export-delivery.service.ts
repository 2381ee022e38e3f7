import { Inject, Injectable, Logger } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { AppConfig } from '@ataa/config';
import { TransactionRunner } from '@ataa/database';
import { buildDataExportView } from '../domain/data-export-view.js';
import { classifyDeliveryError, describeDeliveryError } from '../domain/delivery-failure.js';
import { MAILER } from '../mail/mailer.port.js';
import type { Mailer } from '../mail/mailer.port.js';
import { NotificationsRepository, type OutboxRow } from '../persistence/notifications.repository.js';
import { DataExportRenderer } from '../rendering/data-export-renderer.js';
import { TransientDeliveryError } from '../receipts/receipt-delivery.service.js';
import { DATA_EXPORT_MAIL_SOURCE, type DataExportMailSource } from './data-export-mail-source.js';

/**
 * Sends one `data_export` outbox message: the signed, single-use download link, to the address the
 * export was asked for. Like invitations, the outbox row stays locked from before the send until it
 * is finished, so a duplicate job finds it done. A request for an address the platform holds nothing
 * about, or whose link was used or expired meanwhile, finishes as skipped without an e-mail.
 */
@Injectable()
export class DataExportDeliveryService {
  private readonly logger = new Logger(DataExportDeliveryService.name);
  private readonly renderer = new DataExportRenderer();
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
      await this.transactions.run((m) => this.repository.finishOutbox(m, outbox.id, 'skipped', data ? `export ${data.status}` : 'no such export request'));
      return 'skipped';
    }
    const message = this.renderer.render(buildDataExportView(data));
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
          messageId: `<${outbox.id}.data-export@${this.messageIdDomain}>`,
          headers: { 'X-Ataa-Data-Export-Id': data.requestId },
        });
      } catch (error) {
        const description = describeDeliveryError(error);
        if (classifyDeliveryError(error) === 'permanent' || options.finalAttempt) {
          await this.repository.finishOutbox(m, outbox.id, 'failed', description);
          this.logger.warn(`data-export e-mail ${outbox.id} failed: ${description}`);
          return 'failed';
        }
        throw new TransientDeliveryError(description);
      }
      await this.repository.finishOutbox(m, outbox.id, 'sent');
      return 'sent';
    }, { retries: 0 });
  }

  private dataSource(): DataExportMailSource {
    try {
      return this.moduleRef.get<DataExportMailSource>(DATA_EXPORT_MAIL_SOURCE, { strict: false });
    } catch {
      throw new TransientDeliveryError('no DataExportMailSource is registered (DATA_EXPORT_MAIL_SOURCE)');
    }
  }
}
