import { Module } from '@nestjs/common';
import { AppConfig } from '@ataa/config';
import { NotificationsModule, ReceiptDeliveryService } from '@ataa/notifications';
import { createNotificationsProcessor, NotificationsProcessor } from './notifications.processor.js';
import { OutboxRelayRunner } from './outbox-relay.runner.js';

@Module({
  imports: [NotificationsModule],
  providers: [
    { provide: NotificationsProcessor, inject: [AppConfig, ReceiptDeliveryService], useFactory: createNotificationsProcessor },
    OutboxRelayRunner,
  ],
})
export class NotificationsWorkerModule {}
