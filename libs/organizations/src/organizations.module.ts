import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ACCOUNT_MAIL_SENDER, INVITATION_DATA_SOURCE, NotificationsModule } from '@ataa/notifications';
import { AccountMailer } from './account-mailer.js';
import { AccountsService } from './accounts.service.js';
import { AccountTokensRepository } from './persistence/account-tokens.repository.js';
import { PaymentsModule } from '@ataa/payments';
import { ApiKeysService } from './api-keys.service.js';
import { AuditService } from './audit.service.js';
import { AuthService } from './auth.service.js';
import { AuthGuard, UserAuthGuard } from './auth/auth.guard.js';
import { OperatorGuard } from './auth/operator.guard.js';
import { SignupRateLimitGuard } from './auth/signup-rate-limit.guard.js';
import { InvitationMailSource } from './invitation-mail.source.js';
import { MembersService } from './members.service.js';
import { OrganizationsService } from './organizations.service.js';
import { PasswordHasher } from './password-hasher.js';
import { ApiKey } from './persistence/api-key.entity.js';
import { AuditLogEntry } from './persistence/audit-log-entry.entity.js';
import { Invitation } from './persistence/invitation.entity.js';
import { Membership } from './persistence/membership.entity.js';
import { Organization } from './persistence/organization.entity.js';
import { RefreshToken, Session } from './persistence/session.entity.js';
import { RecoveryCode, SignInChallenge } from './persistence/two-factor.entity.js';
import { User } from './persistence/user.entity.js';
import { ApiKeyRepository } from './persistence/api-key.repository.js';
import { AuditLogRepository } from './persistence/audit-log.repository.js';
import { MembershipRepository } from './persistence/membership.repository.js';
import { OrganizationRepository } from './persistence/organization.repository.js';
import { SessionRepository } from './persistence/session.repository.js';
import { UserRepository } from './persistence/user.repository.js';
import { TwoFactorService } from './two-factor.service.js';
import { StripeOnboardingService } from './stripe-onboarding.service.js';
import { AUTH_RATE_LIMITS, DEFAULT_AUTH_RATE_LIMITS, RateLimiter, type AuthRateLimits } from './rate-limiter.js';

const exported = [AuthService, OrganizationsService, MembersService, ApiKeysService, AuditService, AuthGuard, UserAuthGuard, OperatorGuard, SignupRateLimitGuard, RateLimiter, StripeOnboardingService, AccountsService, TwoFactorService];

/**
 * Global so that every feature's controllers can use AuthGuard / OperatorGuard (a guard resolves
 * its dependencies in the module of the controller that uses it).
 */
@Global()
@Module({
  imports: [PaymentsModule, NotificationsModule, TypeOrmModule.forFeature([User, Organization, Membership, Invitation, ApiKey, Session, RefreshToken, AuditLogEntry, RecoveryCode, SignInChallenge])],
  providers: [
    ...exported, PasswordHasher,
    ApiKeyRepository, AuditLogRepository, MembershipRepository, OrganizationRepository, SessionRepository, UserRepository,
    // A copy per application, so that a test can change its own app's limits (setAuthRateLimits).
    { provide: AUTH_RATE_LIMITS, useFactory: (): AuthRateLimits => structuredClone(DEFAULT_AUTH_RATE_LIMITS) },
    // Invitation e-mails are rendered by the notifications worker from what this source reads.
    InvitationMailSource, { provide: INVITATION_DATA_SOURCE, useExisting: InvitationMailSource },
    // Dashboard account links (verification, reset), sent by the notifications worker through this sender.
    AccountTokensRepository, AccountMailer, { provide: ACCOUNT_MAIL_SENDER, useExisting: AccountMailer },
  ],
  exports: [...exported, AUTH_RATE_LIMITS, INVITATION_DATA_SOURCE, ACCOUNT_MAIL_SENDER],
})
export class OrganizationsModule {}
