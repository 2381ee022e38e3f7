import { Inject, Module, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { AppConfig } from '@ataa/config';
import { MetricsService } from '@ataa/observability';
import { InvitationDeliveryService } from './invitations/invitation-delivery.service.js';
import { DataExportDeliveryService } from './privacy/data-export-delivery.service.js';
import { MAILER } from './mail/mailer.port.js';
import type { Mailer } from './mail/mailer.port.js';
import { SmtpMailer } from './mail/smtp-mailer.js';
import { OutboxMailSender } from './outbox/outbox-mail-sender.service.js';
import { OutboxRelay } from './outbox/outbox-relay.service.js';
import { OutboxService } from './outbox/outbox.service.js';
import { NotificationsRepository } from './persistence/notifications.repository.js';
import { ReceiptPdfPool } from './rendering/receipt-pdf-pool.js';
import { ReceiptDeliveryService } from './receipts/receipt-delivery.service.js';
import { ReceiptsService } from './receipts/receipts.service.js';

/**
 * Receipts, refund notices and the outbox. Imported by the API (outbox writes, re-send, metrics)
 * and by the worker (relay and delivery). The ReceiptDataSource is found at run time under
 * RECEIPT_DATA_SOURCE (the donations lib provides it).
 */
@Module({
  providers: [
    NotificationsRepository,
    OutboxService,
    OutboxRelay,
    ReceiptsService,
    ReceiptDeliveryService,
    ReceiptPdfPool,
    OutboxMailSender,
    InvitationDeliveryService,
    DataExportDeliveryService,
    { provide: MAILER, inject: [AppConfig], useFactory: (config: AppConfig) => new SmtpMailer(config.SMTP_URL) },
  ],
  exports: [OutboxService, OutboxRelay, OutboxMailSender, ReceiptsService, ReceiptDeliveryService, ReceiptPdfPool, NotificationsRepository, MAILER],
})
export class NotificationsModule implements OnModuleInit, OnModuleDestroy {
  constructor(
    private readonly metrics: MetricsService,
    private readonly repository: NotificationsRepository,
    @Inject(MAILER) private readonly mailer: Mailer,
  ) {}

  onModuleDestroy(): void {
    // Pooled SMTP connections would otherwise keep the process (and the mail server) waiting.
    this.mailer.close?.();
  }

  onModuleInit(): void {
    // Read at scrape time: the relay's backlog is what operators alert on when Redis is down.
    let cached: Promise<{ unrelayed: number; unfinished: number; oldestUnrelayedSeconds: number }> | null = null;
    const backlog = () => {
      cached ??= this.repository.backlog().finally(() => setTimeout(() => (cached = null), 500));
      return cached;
    };
    this.metrics.gauge('ataa_outbox_unrelayed', 'Outbox messages not yet handed to the queue', async () => (await backlog()).unrelayed);
    this.metrics.gauge('ataa_outbox_unfinished', 'Outbox messages not yet sent or finally failed', async () => (await backlog()).unfinished);
    this.metrics.gauge('ataa_outbox_oldest_unrelayed_seconds', 'Age of the oldest outbox message waiting for the relay', async () => (await backlog()).oldestUnrelayedSeconds);
  }
}
