import { Module } from '@nestjs/common';
import { OrganizationsModule } from '@ataa/organizations';
import { PrivacyModule } from '@ataa/privacy';
import { DonorExportController } from './donor-export.controller.js';
import { OperatorErasuresController } from './operator-erasures.controller.js';
import { DataExportPagesController } from './data-export-pages.controller.js';
import { ErasurePagesController } from './erasure-pages.controller.js';

/**
 * Privacy (issue 17): the donor's pages under /privacy (erasure, data export), the operator's
 * erasure endpoint under /operator/erasures and the organizations' donor CSV.
 */
@Module({
  imports: [PrivacyModule, OrganizationsModule],
  controllers: [ErasurePagesController, DataExportPagesController, OperatorErasuresController, DonorExportController],
})
export class PrivacyApiModule {}
