import { Module } from '@nestjs/common';
import { OrganizationsModule } from '@ataa/organizations';
import { PrivacyModule } from '@ataa/privacy';
import { DonorExportController } from './donor-export.controller.js';
import { PrivacyPagesController } from './privacy-pages.controller.js';

/** The donor's data-export pages (outside /api/v1) and the organizations' donor CSV. */
@Module({
  imports: [PrivacyModule, OrganizationsModule],
  controllers: [PrivacyPagesController, DonorExportController],
})
export class PrivacyApiModule {}
