export { DonorsModule } from './donors.module.js';
export {
  DonorPageService, DONOR_SIGN_IN_PURPOSE, DONOR_SESSION_PURPOSE, SIGN_IN_LINK_TTL_SECONDS,
  type DonorSession, type SignInLinkRefusal, type SignInLinkState,
} from './donor-page.service.js';
export { SignInLinkMailer } from './sign-in-link.sender.js';
export {
  resolveStatementPeriod, parseDay, dayString, StatementPeriodError, MAX_CUSTOM_DAYS, MIN_STATEMENT_YEAR, MAX_STATEMENT_YEAR,
  type StatementPeriod, type StatementPeriodInput, type StatementPeriodKind,
} from './domain/statement-period.js';
export { DONOR_GIFT_STATUSES, netAmount, totalsPerCurrency, giftsInPeriod, type DonorGift, type DonorGiftStatus, type CurrencyTotal } from './domain/donor-gifts.js';
export { renderSignInLinkMail, SIGN_IN_MAIL_SUBJECTS, type SignInLinkMail } from './domain/sign-in-link-mail.js';
export { EMPTY_DONOR_PAGE_SECTIONS, type DonorPageSections } from './domain/page-sections.js';
export type { SignInLinkRow } from './persistence/donor-page.repository.js';
