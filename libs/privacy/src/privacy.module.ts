import { Module } from '@nestjs/common';
import { DATA_EXPORT_MAIL_SOURCE, ERASURE_LINK_SENDER, NotificationsModule } from '@ataa/notifications';
import { OrganizationsModule } from '@ataa/organizations';
import { TransparencyModule } from '@ataa/transparency';
import { DataExportMailSourceImpl } from './data-export-mail.source.js';
import { DataExportService } from './data-export.service.js';
import { DonorExportService } from './donor-export.service.js';
import { ErasureLinkMailer } from './erasure-link.sender.js';
import { ErasureService } from './erasure.service.js';
import { DataExportRepository } from './persistence/data-export.repository.js';
import { ErasureRepository } from './persistence/erasure.repository.js';
import { RecurringGiftsRegistry } from './recurring-gifts.js';

/**
 * Privacy (issue 17): erasure of a donor's personal data, donors' data export (the public form, the
 * signed link, the JSON document) and organizations' donor export (CSV). Imported by the API (pages,
 * endpoints) and the worker (the erasure job; the e-mails of links are rendered from
 * ERASURE_LINK_SENDER and DATA_EXPORT_MAIL_SOURCE).
 */
@Module({
  imports: [NotificationsModule, OrganizationsModule, TransparencyModule],
  providers: [
    ErasureRepository, ErasureService, RecurringGiftsRegistry, ErasureLinkMailer, { provide: ERASURE_LINK_SENDER, useExisting: ErasureLinkMailer },
    DataExportRepository, DataExportService, DonorExportService,
    DataExportMailSourceImpl, { provide: DATA_EXPORT_MAIL_SOURCE, useExisting: DataExportMailSourceImpl },
  ],
  exports: [ErasureService, RecurringGiftsRegistry, ERASURE_LINK_SENDER, DataExportService, DonorExportService, DATA_EXPORT_MAIL_SOURCE],
})
export class PrivacyModule {}
