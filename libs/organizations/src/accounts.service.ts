import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { DomainError } from '@ataa/common';
import { AppConfig } from '@ataa/config';
import { OutboxService } from '@ataa/notifications';
import {
  accountTokenExpiry, accountTokenFor, accountTokenHash, accountTokenPurpose, accountTokenState, deriveAccountTokenKey,
  passwordProblem, type AccountTokenPurpose, type AccountTokenState,
} from './domain/account-tokens.js';
import { rateLimitSubject } from './domain/client-address.js';
import { hashSecret, normalizeEmail } from './domain/tokens.js';
import { PasswordHasher } from './password-hasher.js';
import { AccountTokenRow, AccountTokensRepository } from './persistence/account-tokens.repository.js';
import { RateLimiter } from './rate-limiter.js';

export type AccountLanguage = 'en' | 'ar';

/** What a link's page may show before it is used: never who it is for beyond the address it was sent to. */
export type AccountLinkLookup = { state: AccountTokenState | 'unknown'; email: string | null; language: AccountLanguage | null };

const LINK_UNUSABLE = () => new DomainError('link_unusable', 'This link is not valid, was already used, or has expired', 400);

/**
 * E-mail verification and password reset by e-mailed, single-use, expiring links (the dashboard's
 * account pages; the rules live here, once). A request writes the token row and its outbox message
 * in one transaction; the worker sends the link (AccountMailer). Only the token's hash is stored.
 */
@Injectable()
export class AccountsService {
  private readonly key: Buffer;

  constructor(
    private readonly dataSource: DataSource,
    private readonly tokens: AccountTokensRepository,
    private readonly outbox: OutboxService,
    private readonly hasher: PasswordHasher,
    private readonly limiter: RateLimiter,
    config: AppConfig,
  ) {
    if (!config.AUTH_SECRET) throw new Error('AUTH_SECRET is required to sign account links');
    this.key = deriveAccountTokenKey(config.AUTH_SECRET);
  }

  /** The token of a row (the mail sender rebuilds the link with it). */
  tokenFor(row: Pick<AccountTokenRow, 'purpose' | 'id'>): string {
    return accountTokenFor(this.key, row.purpose, row.id);
  }

  /** Sends (again) a verification link to the account's address; limited per account. */
  async requestEmailVerification(userId: string, language: AccountLanguage): Promise<'sent' | 'already_verified'> {
    const user = await this.tokens.findUser(userId);
    if (!user) throw new DomainError('not_found', 'Account not found', 404);
    if (user.emailVerified) return 'already_verified';
    await this.limiter.take([{ limit: 'verificationMailsPerAccount', subject: userId }]);
    await this.issue(user.id, user.email, 'email_verification', language);
    return 'sent';
  }

  /**
   * Asks for a reset link. The answer is the same whether or not the address has an account (the
   * page says "if an account exists..."), and the limits count every attempt, known address or not.
   */
  async requestPasswordReset(emailInput: string, ip: string, language: AccountLanguage): Promise<void> {
    const email = normalizeEmail(emailInput);
    await this.limiter.take([
      { limit: 'passwordResetsPerAddress', subject: rateLimitSubject(ip) },
      { limit: 'passwordResetsPerEmail', subject: hashSecret(email) },
    ]);
    const user = await this.tokens.findUserByEmail(email);
    if (user) await this.issue(user.id, user.email, 'password_reset', language);
  }

  /** What the link's page shows before it is used (nothing is used by looking). */
  async lookup(token: unknown, purpose: AccountTokenPurpose, ip: string): Promise<AccountLinkLookup> {
    await this.limiter.take([{ limit: 'accountLinksPerAddress', subject: rateLimitSubject(ip) }]);
    if (accountTokenPurpose(token) !== purpose) return { state: 'unknown', email: null, language: null };
    const row = await this.tokens.findByHash(accountTokenHash(token as string));
    if (!row || row.purpose !== purpose) return { state: 'unknown', email: null, language: null };
    return { state: accountTokenState(row, new Date()), email: row.email, language: row.language };
  }

  /** Uses a verification link: the address it was sent to becomes verified (if it is still the account's). */
  async verifyEmail(token: unknown, ip: string): Promise<{ userId: string; email: string }> {
    await this.limiter.take([{ limit: 'accountLinksPerAddress', subject: rateLimitSubject(ip) }]);
    if (accountTokenPurpose(token) !== 'email_verification') throw LINK_UNUSABLE();
    return this.dataSource.transaction(async (manager) => {
      const row = await this.tokens.consume(manager, accountTokenHash(token as string), 'email_verification');
      if (!row) throw LINK_UNUSABLE();
      await this.tokens.markEmailVerified(manager, row.userId, row.email);
      return { userId: row.userId, email: row.email };
    });
  }

  /**
   * Uses a reset link: sets the new password, ends every session of the account (API and
   * dashboard), and verifies the address (the mail reached it). The caller signs in afresh.
   */
  async resetPassword(token: unknown, newPassword: string, ip: string): Promise<{ userId: string; email: string }> {
    await this.limiter.take([{ limit: 'accountLinksPerAddress', subject: rateLimitSubject(ip) }]);
    const problem = passwordProblem(newPassword);
    if (problem) throw new DomainError(problem, 'The password must be 12 to 256 characters', 400);
    if (accountTokenPurpose(token) !== 'password_reset') throw LINK_UNUSABLE();
    const passwordHash = await this.hasher.hash(newPassword);
    return this.dataSource.transaction(async (manager) => {
      const row = await this.tokens.consume(manager, accountTokenHash(token as string), 'password_reset');
      if (!row) throw LINK_UNUSABLE();
      await this.tokens.setPassword(manager, row.userId, passwordHash);
      await this.tokens.markEmailVerified(manager, row.userId, row.email);
      return { userId: row.userId, email: row.email };
    });
  }

  private async issue(userId: string, email: string, purpose: AccountTokenPurpose, language: AccountLanguage): Promise<void> {
    const id = randomUUID();
    const token = accountTokenFor(this.key, purpose, id);
    await this.dataSource.transaction(async (manager) => {
      await this.tokens.retireOpen(manager, userId, purpose);
      await this.tokens.insert(manager, { id, userId, purpose, email, language, tokenHash: accountTokenHash(token), expiresAt: accountTokenExpiry(purpose, new Date()) });
      await this.outbox.enqueue(manager, { kind: purpose, aggregateId: id });
    });
  }
}
