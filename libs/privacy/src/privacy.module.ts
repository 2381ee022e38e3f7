import { Module } from '@nestjs/common';
import { ERASURE_LINK_SENDER, NotificationsModule } from '@ataa/notifications';
import { TransparencyModule } from '@ataa/transparency';
import { ErasureLinkMailer } from './erasure-link.sender.js';
import { ErasureService } from './erasure.service.js';
import { ErasureRepository } from './persistence/erasure.repository.js';
import { RecurringGiftsRegistry } from './recurring-gifts.js';

/** Privacy (issue 17): erasure of a donor's personal data. Imported by the API (requests, pages) and the worker (the erasure job, the link e-mail). */
@Module({
  imports: [NotificationsModule, TransparencyModule],
  providers: [ErasureRepository, ErasureService, RecurringGiftsRegistry, ErasureLinkMailer, { provide: ERASURE_LINK_SENDER, useExisting: ErasureLinkMailer }],
  exports: [ErasureService, RecurringGiftsRegistry, ERASURE_LINK_SENDER],
})
export class PrivacyModule {}
