import { Module } from '@nestjs/common';
import { DonorsModule } from '@ataa/donors';
import { OrganizationsModule } from '@ataa/organizations';
import { DonorPagesController } from './donor-pages.controller.js';

/** The donor's own page (issue 20, item 4) under /donor. */
@Module({
  imports: [DonorsModule, OrganizationsModule],
  controllers: [DonorPagesController],
})
export class DonorsApiModule {}
