import { Module } from '@nestjs/common';
import { NotificationsModule } from '@ataa/notifications';
import { OrganizationsModule } from '@ataa/organizations';
import { ReceiptsController } from './receipts.controller.js';

/** Receipts for organizations (list, failures, re-send); also registers the outbox backlog metrics. */
@Module({
  imports: [NotificationsModule, OrganizationsModule],
  controllers: [ReceiptsController],
})
export class NotificationsApiModule {}
