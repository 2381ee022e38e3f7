export { OrganizationsModule } from './organizations.module.js';
export { ROLES, API_KEY_ROLES, isRole, roleAllows, type Role, type ApiKeyRole, type Principal, type UserPrincipal } from './domain/roles.js';
export { COUNTRY_CODES, isCountryCode, countryName } from './domain/country.js';
export { normalizeEmail, hashSecret, generateSecret } from './domain/tokens.js';
export { rateLimitSubject } from './domain/client-address.js';
export { AuthGuard, UserAuthGuard } from './auth/auth.guard.js';
export { OperatorGuard } from './auth/operator.guard.js';
export { SignupRateLimitGuard } from './auth/signup-rate-limit.guard.js';
export { Roles, ROLES_KEY } from './auth/roles.decorator.js';
export { CurrentPrincipal, CurrentUser } from './auth/current-principal.decorator.js';
export { isUuid } from './auth/request-credentials.js';
export { AuthService, ACCESS_TOKEN_TTL_SECONDS, type TokenPair, type PageSession, type PageSignIn, type PageUser } from './auth.service.js';
export { TwoFactorService, type TwoFactorStatus, type TwoFactorProof } from './two-factor.service.js';
export {
  RECOVERY_CODE_COUNT, SIGN_IN_CHALLENGE_TTL_SECONDS, TOTP_PERIOD_SECONDS, groupedSecret, totpCodeOf, recoveryCodeOf, acceptedTimeStep,
} from './domain/two-factor.js';
export { RecoveryCode, SignInChallenge } from './persistence/two-factor.entity.js';
export { AccountsService, type AccountLanguage, type AccountLinkLookup } from './accounts.service.js';
export {
  ACCOUNT_TOKEN_TTL_SECONDS, ACCOUNT_LINK_PATH, PASSWORD_MIN_LENGTH, accountLink, accountTokenFor, accountTokenHash, accountTokenPurpose, accountTokenState,
  deriveAccountTokenKey, passwordProblem, type AccountTokenPurpose, type AccountTokenState,
} from './domain/account-tokens.js';
export { renderAccountMail } from './domain/account-mail.js';
export { OrganizationsService, type OrganizationWithRole } from './organizations.service.js';
export { MembersService, type MemberView, type InvitationLookup, type InvitationStatus } from './members.service.js';
export { ApiKeysService } from './api-keys.service.js';
export { AuditService, type AuditRecord, type AuditPage, type AuditFilter, type AuditActor } from './audit.service.js';
// For tests that build services by hand (new AuditService(new AuditLogRepository(dataSource))).
export { AuditLogRepository } from './persistence/audit-log.repository.js';
export { RateLimiter, rateLimitKeyPrefix, AUTH_RATE_LIMITS, DEFAULT_AUTH_RATE_LIMITS, type AuthRateLimits, type RateLimitRule, type TakenRateLimits } from './rate-limiter.js';
export { RATE_LIMIT_POLICIES, onRedisFailure, type RateLimitClaim, type RateLimitName, type RateLimitPolicy } from './domain/rate-limits.js';
export { ARGON2_OPTIONS, PasswordHasher } from './password-hasher.js';
export { User } from './persistence/user.entity.js';
export { Organization } from './persistence/organization.entity.js';
export { Membership } from './persistence/membership.entity.js';
export { Invitation } from './persistence/invitation.entity.js';
export { ApiKey } from './persistence/api-key.entity.js';
export { Session, RefreshToken } from './persistence/session.entity.js';
export { AuditLogEntry } from './persistence/audit-log-entry.entity.js';
export * from './dto/organizations.dto.js';
export { StripeOnboardingService } from './stripe-onboarding.service.js';
export { IdParamPipe } from './auth/id-param.pipe.js';
