import { Module } from '@nestjs/common';
import { DATA_EXPORT_MAIL_SOURCE, NotificationsModule } from '@ataa/notifications';
import { OrganizationsModule } from '@ataa/organizations';
import { DataExportMailSourceImpl } from './data-export-mail.source.js';
import { DataExportService } from './data-export.service.js';
import { DonorExportService } from './donor-export.service.js';
import { DataExportRepository } from './persistence/data-export.repository.js';

/**
 * Donors' data export (the public form, the signed link, the JSON document) and organizations'
 * donor export (CSV). Imported by the API (pages and endpoints) and the worker (the link's e-mail
 * is rendered from DATA_EXPORT_MAIL_SOURCE).
 */
@Module({
  imports: [NotificationsModule, OrganizationsModule],
  providers: [
    DataExportRepository, DataExportService, DonorExportService,
    DataExportMailSourceImpl, { provide: DATA_EXPORT_MAIL_SOURCE, useExisting: DataExportMailSourceImpl },
  ],
  exports: [DataExportService, DonorExportService, DATA_EXPORT_MAIL_SOURCE],
})
export class PrivacyModule {}
