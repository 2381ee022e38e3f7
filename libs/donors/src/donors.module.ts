import { Module } from '@nestjs/common';
import { DONOR_SIGN_IN_SENDER, NotificationsModule } from '@ataa/notifications';
import { PrivacyModule } from '@ataa/privacy';
import { DonorPageService } from './donor-page.service.js';
import { DonorPageRepository } from './persistence/donor-page.repository.js';
import { SignInLinkMailer } from './sign-in-link.sender.js';

/**
 * The donor's own page (issue 20, item 4): magic-link sign-in, the gifts of an address, receipts
 * again, statements and the data export. Imported by the API (pages) and the worker (the sign-in
 * e-mail, DONOR_SIGN_IN_SENDER).
 *
 * Extension points for what issue 20 adds later: recurring gifts and pledges get their own
 * services in their libs; the page has empty, named sections for them (see DonorPageSections).
 */
@Module({
  imports: [NotificationsModule, PrivacyModule],
  providers: [DonorPageRepository, DonorPageService, SignInLinkMailer, { provide: DONOR_SIGN_IN_SENDER, useExisting: SignInLinkMailer }],
  exports: [DonorPageService, DONOR_SIGN_IN_SENDER],
})
export class DonorsModule {}
