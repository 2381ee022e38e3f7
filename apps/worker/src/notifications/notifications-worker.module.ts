import { Module } from '@nestjs/common';
import { NotificationsModule } from '@ataa/notifications';
import { NotificationsProcessor } from './notifications.processor.js';
import { OutboxRelayRunner } from './outbox-relay.runner.js';

@Module({
  imports: [NotificationsModule],
  providers: [NotificationsProcessor, OutboxRelayRunner],
})
export class NotificationsWorkerModule {}
