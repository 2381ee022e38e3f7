import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { DomainError, UnauthorizedError } from '@ataa/common';
import { isUniqueViolation } from '@ataa/database';
import { rateLimitSubject } from './domain/client-address.js';
import { generateSecret, hashSecret, normalizeEmail, TOKEN_PREFIX } from './domain/tokens.js';
import type { UserPrincipal } from './domain/roles.js';
import { SIGN_IN_CHALLENGE_MAX_ATTEMPTS, SIGN_IN_CHALLENGE_TTL_SECONDS } from './domain/two-factor.js';
import { PasswordHasher } from './password-hasher.js';
import { RateLimiter } from './rate-limiter.js';
import { Session } from './persistence/session.entity.js';
import { SessionRepository } from './persistence/session.repository.js';
import { User } from './persistence/user.entity.js';
import { UserRepository } from './persistence/user.repository.js';
import { TwoFactorService } from './two-factor.service.js';

export const ACCESS_TOKEN_TTL_SECONDS = 15 * 60;
export const SESSION_TTL_SECONDS = 30 * 24 * 3600;

export interface TokenPair {
  accessToken: string;
  refreshToken: string;
  tokenType: 'Bearer';
  expiresIn: number;
  user: { id: string; email: string; displayName: string | null };
}

/** A dashboard sign-in: the cookie's secret (shown once, stored hashed) and when the session ends. */
export interface PageSession {
  cookieToken: string;
  expiresAt: Date;
}

/** A dashboard sign-in after the password: a session, or (two-factor sign-in on) the second step's cookie secret. */
export type PageSignIn = ({ kind: 'session' } & PageSession) | { kind: 'second-factor'; challengeToken: string; expiresAt: Date };

export type PageUser = UserPrincipal & { emailVerified: boolean; totpEnabled: boolean };

const INVALID_CREDENTIALS = () => new UnauthorizedError('invalid_credentials', 'The e-mail or password is incorrect');
const SIGN_IN_EXPIRED = () => new UnauthorizedError('sign_in_expired', 'The sign-in expired; enter the e-mail and password again');
const TOTP_REQUIRED = () => new UnauthorizedError('totp_required', 'This account uses two-factor sign-in: send the current code of the authenticator app (or a recovery code) as totpCode');
const CHALLENGE_TOKEN = /^ataa_2fa_[A-Za-z0-9_-]{43}$/;
const INVALID_REFRESH = () => new UnauthorizedError('invalid_token', 'The refresh token is invalid or expired');

/**
 * Sign-up, login, refresh, logout and password change. Access tokens are short-lived opaque
 * secrets; refresh tokens rotate on every use and a reused one revokes its session (it leaked).
 */
@Injectable()
export class AuthService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly sessions: SessionRepository,
    private readonly users: UserRepository,
    private readonly hasher: PasswordHasher,
    private readonly limiter: RateLimiter,
    private readonly twoFactor: TwoFactorService,
  ) {}

  /** Rate-limited per client address by SignupRateLimitGuard on the route. */
  async signUp(input: { email: string; password: string; displayName?: string | null }): Promise<TokenPair> {
    return this.createUser(input, (manager, user) => this.openSession(manager, user));
  }

  /** With two-factor sign-in on, the body must carry a current code or a recovery code (`totpCode`): 401 `totp_required` without. */
  async login(input: { email: string; password: string; totpCode?: string }, ip: string): Promise<TokenPair> {
    const user = await this.checkCredentials(input, ip);
    if (user.totpEnabledAt) {
      if (!input.totpCode) throw TOTP_REQUIRED();
      await this.twoFactor.checkSecondFactor(user.id, input.totpCode, ip);
    }
    return this.dataSource.transaction((manager) => this.openSession(manager, user));
  }

  /**
   * The dashboard's sign-in: the same credential check, limits and account lock as `login`, but the
   * session's secret is for a cookie (only its hash is stored). Sessions of both kinds share expiry
   * and revocation, so signing out everywhere (or a password change or reset) ends them all.
   */
  async signInForPages(input: { email: string; password: string }, ip: string): Promise<PageSignIn> {
    const user = await this.checkCredentials(input, ip);
    if (user.totpEnabledAt) {
      // Not a session: a short-lived row naming the account, its secret in a cookie of the second
      // step's page only, good for a few attempts and one sign-in (completeSignInForPages).
      const challengeToken = generateSecret(TOKEN_PREFIX.signInChallenge);
      const expiresAt = new Date(Date.now() + SIGN_IN_CHALLENGE_TTL_SECONDS * 1000);
      await this.sessions.insertChallenge({ userId: user.id, tokenHash: hashSecret(challengeToken), attempts: 0, expiresAt, usedAt: null });
      return { kind: 'second-factor', challengeToken, expiresAt };
    }
    return { kind: 'session', ...(await this.dataSource.transaction((manager) => this.openPageSession(manager, user.id))) };
  }

  /**
   * The second step of a dashboard sign-in: a current TOTP code (never one used before) or an unused
   * recovery code opens the session. Wrong codes count against the second-factor limits and the
   * challenge's own attempts; an expired, used or exhausted challenge is 401 `sign_in_expired`.
   */
  async completeSignInForPages(challengeToken: string, typed: unknown, ip: string): Promise<PageSession> {
    if (!CHALLENGE_TOKEN.test(challengeToken)) throw SIGN_IN_EXPIRED();
    const tokenHash = hashSecret(challengeToken);
    const open = await this.sessions.findOpenChallenge(tokenHash);
    if (!open || open.expiresAt <= new Date() || open.attempts >= SIGN_IN_CHALLENGE_MAX_ATTEMPTS) throw SIGN_IN_EXPIRED();
    return this.twoFactor.limited(open.userId, ip, () => this.dataSource.transaction(async (manager) => {
      const challenge = await this.sessions.lockChallenge(manager, open.id);
      if (!challenge || challenge.usedAt || challenge.expiresAt <= new Date() || challenge.attempts >= SIGN_IN_CHALLENGE_MAX_ATTEMPTS) throw SIGN_IN_EXPIRED();
      if (!(await this.twoFactor.acceptSecondFactor(manager, challenge.userId, typed))) {
        await this.sessions.updateChallenge(manager, challenge.id, { attempts: challenge.attempts + 1 });
        return null; // committed: the attempt counts
      }
      await this.sessions.updateChallenge(manager, challenge.id, { usedAt: new Date() });
      return this.openPageSession(manager, challenge.userId);
    }));
  }

  /** The dashboard's sign-up: the same rules as `signUp` (the caller takes the per-address limit), opening a page session. */
  async signUpForPages(input: { email: string; password: string; displayName?: string | null }): Promise<PageSession & { userId: string }> {
    return this.createUser(input, async (manager, user) => ({ ...(await this.openPageSession(manager, user.id)), userId: user.id }));
  }

  /** Creates the account and opens its first session (API tokens or a page cookie) in one transaction. */
  private async createUser<T>(input: { email: string; password: string; displayName?: string | null }, open: (manager: EntityManager, user: User) => Promise<T>): Promise<T> {
    const email = normalizeEmail(input.email);
    const passwordHash = await this.hasher.hash(input.password);
    try {
      return await this.dataSource.transaction(async (manager) => {
        const user = await this.users.insert(manager, { email, passwordHash, displayName: input.displayName ?? null, passwordChangedAt: new Date() });
        return open(manager, user);
      });
    } catch (error) {
      // Deliberately vague: the same answer whatever the reason, so sign-up does not confirm which
      // addresses have accounts beyond what a successful sign-up inevitably reveals.
      if (isUniqueViolation(error)) throw new DomainError('signup_failed', 'Sign-up failed. If you already have an account, log in instead.', 400);
      throw error;
    }
  }

  /** The user behind a dashboard session cookie, or null when it is unknown, expired or revoked. */
  async authenticatePageSession(cookieToken: string): Promise<PageUser | null> {
    if (!/^ataa_ps_[A-Za-z0-9_-]{43}$/.test(cookieToken)) return null;
    const row = await this.sessions.pageSessionUser(hashSecret(cookieToken));
    if (!row) return null;
    return {
      userId: row.user_id, sessionId: row.session_id, email: row.email, displayName: row.display_name, actor: `user:${row.user_id}`,
      emailVerified: row.email_verified_at !== null, totpEnabled: row.totp_enabled_at !== null,
    };
  }

  /** Ends every session of the user (API logins and dashboard sign-ins alike). */
  async logoutEverywhere(userId: string): Promise<void> {
    await this.sessions.revokeAllOfUser(userId, new Date());
  }

  /** Credentials checked under the login limits (one failure point taken first, given back on success). */
  private async checkCredentials(input: { email: string; password: string }, ip: string): Promise<User> {
    const email = normalizeEmail(input.email);
    const clientIp = rateLimitSubject(ip);
    // A failure point is taken from every limit before the password is checked, in one atomic step,
    // so that concurrent guesses all count; the right password gives them back (successful logins
    // are never limited). Per account too, whatever the address: guesses spread over many addresses
    // still add up, and unknown e-mails are counted the same way, so a lock says nothing about
    // whether one exists. While a limit is used up even the right password gets 429.
    const taken = await this.limiter.take([
      { limit: 'loginFailuresPerIpAndEmail', subject: `${clientIp}|${email}` },
      { limit: 'loginFailuresPerIp', subject: clientIp },
      { limit: 'loginFailuresPerAccount', subject: hashSecret(email) },
    ]);
    const user = await this.users.findByEmailWithPassword(email);
    const ok = await this.hasher.verify(user?.passwordHash ?? null, input.password);
    if (!user || !ok) throw INVALID_CREDENTIALS();
    await taken.giveBack();
    return user;
  }

  private async openPageSession(manager: EntityManager, userId: string): Promise<PageSession> {
    const now = Date.now();
    const cookieToken = generateSecret(TOKEN_PREFIX.pageSession);
    const expiresAt = new Date(now + SESSION_TTL_SECONDS * 1000);
    await this.sessions.insertPageSession(manager, {
      userId,
      // No bearer token: a page session is used only through its cookie.
      accessTokenHash: hashSecret(generateSecret('unused')),
      accessExpiresAt: new Date(now),
      cookieTokenHash: hashSecret(cookieToken),
      expiresAt,
      revokedAt: null,
    });
    return { cookieToken, expiresAt };
  }

  async refresh(refreshToken: string): Promise<TokenPair> {
    const tokenHash = hashSecret(refreshToken);
    return this.dataSource.transaction(async (manager) => {
      const token = await this.sessions.lockRefreshToken(manager, tokenHash);
      if (!token) throw INVALID_REFRESH();
      const session = await this.sessions.lock(manager, token.sessionId);
      const now = new Date();
      if (!session || session.revokedAt || session.expiresAt <= now || token.expiresAt <= now) throw INVALID_REFRESH();
      if (token.usedAt) {
        // A rotated refresh token came back: someone else holds a copy. End the session for both.
        await this.sessions.revoke(manager, session.id, now);
        return { revoked: true } as never;
      }
      await this.sessions.markRefreshTokenUsed(manager, token.id, now);
      const user = await this.users.getById(session.userId, manager);
      return this.rotate(manager, session, user);
    }).then((result) => {
      if ((result as { revoked?: boolean }).revoked) throw INVALID_REFRESH();
      return result;
    });
  }

  async logout(sessionId: string): Promise<void> {
    await this.sessions.revokeIfLive(sessionId, new Date());
  }

  /** Changes the password and ends every session of the user; the caller gets a fresh one. */
  async changePassword(userId: string, input: { currentPassword: string; newPassword: string }): Promise<TokenPair> {
    const user = await this.users.findWithPassword(userId);
    if (!user || !(await this.hasher.verify(user.passwordHash, input.currentPassword))) {
      throw new DomainError('invalid_credentials', 'The current password is incorrect', 400);
    }
    const passwordHash = await this.hasher.hash(input.newPassword);
    return this.dataSource.transaction(async (manager) => {
      await this.users.update(manager, userId, { passwordHash, passwordChangedAt: new Date() });
      await this.sessions.revokeAllOfUser(userId, new Date(), manager);
      return this.openSession(manager, user);
    });
  }

  /** The user behind a bearer access token, or null when it is unknown, expired or revoked. */
  async authenticateAccessToken(accessToken: string): Promise<UserPrincipal | null> {
    const row = await this.sessions.accessTokenUser(hashSecret(accessToken));
    if (!row) return null;
    return { userId: row.user_id, sessionId: row.session_id, email: row.email, displayName: row.display_name, actor: `user:${row.user_id}` };
  }

  private async openSession(manager: EntityManager, user: User): Promise<TokenPair> {
    const now = Date.now();
    const session = await this.sessions.insert(manager, {
      userId: user.id,
      accessTokenHash: hashSecret(generateSecret('unused')),
      accessExpiresAt: new Date(now),
      expiresAt: new Date(now + SESSION_TTL_SECONDS * 1000),
      revokedAt: null,
    });
    return this.rotate(manager, session, user);
  }

  private async rotate(manager: EntityManager, session: Session, user: User): Promise<TokenPair> {
    const accessToken = generateSecret(TOKEN_PREFIX.access);
    const refreshToken = generateSecret(TOKEN_PREFIX.refresh);
    await this.sessions.setAccessToken(manager, session.id, hashSecret(accessToken), new Date(Date.now() + ACCESS_TOKEN_TTL_SECONDS * 1000));
    await this.sessions.insertRefreshToken(manager, { sessionId: session.id, tokenHash: hashSecret(refreshToken), expiresAt: session.expiresAt, usedAt: null });
    return {
      accessToken,
      refreshToken,
      tokenType: 'Bearer',
      expiresIn: ACCESS_TOKEN_TTL_SECONDS,
      user: { id: user.id, email: user.email, displayName: user.displayName },
    };
  }
}
