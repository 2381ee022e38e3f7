import { Inject, Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { ConflictError, DomainError, UnauthorizedError } from '@ataa/common';
import { AppConfig } from '@ataa/config';
import { rateLimitSubject } from './domain/client-address.js';
import {
  acceptedTimeStep, decryptTotpSecret, deriveTwoFactorKeys, encryptTotpSecret, newRecoveryCodes, newTotpSecret, recoveryCodeHash, recoveryCodeOf,
  totpCodeOf, totpUri, type TwoFactorKeys,
} from './domain/two-factor.js';
import { PasswordHasher } from './password-hasher.js';
import { RateLimiter } from './rate-limiter.js';
import { User } from './persistence/user.entity.js';
import { UserRepository } from './persistence/user.repository.js';

export interface TwoFactorStatus {
  enabled: boolean;
  enabledAt: Date | null;
  recoveryCodesLeft: number;
}

/** What proves it is the account's owner before a change to its two-factor settings: the password or a code. */
export interface TwoFactorProof {
  password?: string;
  code?: string;
}

export const INVALID_SECOND_FACTOR = () => new UnauthorizedError('invalid_totp_code', 'The code is not valid, or was already used');
const WRONG_ENROLMENT_CODE = () => new DomainError('invalid_totp_code', 'The code is not valid; check the time on your device and try the current code', 400);
const WRONG_PROOF = () => new DomainError('invalid_proof', 'The password or code is not right', 400);

/**
 * Two-factor sign-in (TOTP) of an account: enrolment (a pending secret confirmed by a code from it),
 * recovery codes (ten, one-time, HMAC stored), turning it off, and checking a second factor at
 * sign-in. Every check of a code takes a point from `secondFactorFailuresPerAccount` (and the login
 * limit per address) first and gives it back when the code was right, as the password check does.
 * Codes are checked with the user's row locked, so one code is accepted once even when two requests
 * race with it.
 */
@Injectable()
export class TwoFactorService {
  private readonly keys: TwoFactorKeys;

  constructor(
    private readonly dataSource: DataSource,
    private readonly users: UserRepository,
    private readonly hasher: PasswordHasher,
    private readonly limiter: RateLimiter,
    @Inject(AppConfig) config: AppConfig,
  ) {
    if (!config.AUTH_SECRET) throw new Error('AUTH_SECRET is required to seal two-factor secrets');
    this.keys = deriveTwoFactorKeys(config.AUTH_SECRET);
  }

  async status(userId: string): Promise<TwoFactorStatus> {
    const user = await this.users.getById(userId);
    const left = await this.users.unusedRecoveryCodes(userId);
    return { enabled: Boolean(user.totpEnabledAt), enabledAt: user.totpEnabledAt ?? null, recoveryCodesLeft: user.totpEnabledAt ? left : 0 };
  }

  /** A new secret to enrol with (replacing one not yet confirmed). Refused while two-factor sign-in is on. */
  async startEnrolment(userId: string): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      const user = await this.lockedUser(manager, userId);
      if (user.totpEnabledAt) throw new ConflictError('totp_already_enabled', 'Two-factor sign-in is already on');
      await this.users.update(manager, userId, { totpPendingSecret: encryptTotpSecret(this.keys.secret, newTotpSecret(), userId) });
    });
  }

  /** The secret being enrolled and its otpauth:// address, or null when no enrolment is under way. */
  async pendingEnrolment(userId: string): Promise<{ secret: string; uri: string } | null> {
    const user = await this.users.findWithPendingSecret(userId);
    if (!user?.totpPendingSecret || user.totpEnabledAt) return null;
    const secret = decryptTotpSecret(this.keys.secret, user.totpPendingSecret, userId);
    return secret ? { secret, uri: totpUri(secret, user.email) } : null;
  }

  /**
   * Turns two-factor sign-in on when `typed` is a current code of the pending secret; returns the
   * new recovery codes (shown once: only their HMACs are kept).
   */
  async confirmEnrolment(userId: string, typed: unknown, ip: string): Promise<string[]> {
    return this.limited(userId, ip, async () => this.dataSource.transaction(async (manager) => {
      const user = await this.lockedUser(manager, userId);
      if (user.totpEnabledAt) throw new ConflictError('totp_already_enabled', 'Two-factor sign-in is already on');
      const secret = user.totpPendingSecret ? decryptTotpSecret(this.keys.secret, user.totpPendingSecret, userId) : null;
      if (!secret) throw new DomainError('totp_enrolment_missing', 'Start the set-up again', 409);
      const code = totpCodeOf(typed);
      const step = code ? acceptedTimeStep(secret, code, null) : null;
      if (step === null) return null;
      await this.users.update(manager, userId, {
        totpSecret: encryptTotpSecret(this.keys.secret, secret, userId), totpPendingSecret: null, totpEnabledAt: new Date(), totpLastStep: step,
      });
      return this.replaceRecoveryCodes(manager, userId);
    }), WRONG_ENROLMENT_CODE);
  }

  /** New recovery codes (the old ones stop working), after the password or a code. */
  async regenerateRecoveryCodes(userId: string, proof: TwoFactorProof, ip: string): Promise<string[]> {
    return this.limited(userId, ip, () => this.dataSource.transaction(async (manager) => {
      const user = await this.lockedUser(manager, userId);
      if (!user.totpEnabledAt) throw new DomainError('totp_not_enabled', 'Two-factor sign-in is off', 409);
      if (!(await this.proven(manager, user, proof))) return null;
      return this.replaceRecoveryCodes(manager, userId);
    }), WRONG_PROOF);
  }

  /** Turns two-factor sign-in off (secret and recovery codes deleted), after the password or a code. */
  async disable(userId: string, proof: TwoFactorProof, ip: string): Promise<void> {
    await this.limited(userId, ip, () => this.dataSource.transaction(async (manager) => {
      const user = await this.lockedUser(manager, userId);
      if (!user.totpEnabledAt) return true; // already off: nothing to prove
      if (!(await this.proven(manager, user, proof))) return null;
      await this.users.update(manager, userId, { totpSecret: null, totpEnabledAt: null, totpLastStep: null, totpPendingSecret: null });
      await this.users.deleteRecoveryCodes(manager, userId);
      return true;
    }), WRONG_PROOF);
  }

  /**
   * The second step of a sign-in, inside the caller's transaction: true when `typed` is a current,
   * unused TOTP code (its step is recorded) or an unused recovery code (it is spent). The caller
   * takes the rate limits (checkSecondFactor / AuthService).
   */
  async acceptSecondFactor(manager: EntityManager, userId: string, typed: unknown): Promise<boolean> {
    const user = await this.lockedUser(manager, userId);
    if (!user.totpEnabledAt || !user.totpSecret) return false;
    const code = totpCodeOf(typed);
    if (code) {
      const secret = decryptTotpSecret(this.keys.secret, user.totpSecret, userId);
      const step = secret ? acceptedTimeStep(secret, code, user.totpLastStep ?? null) : null;
      if (step === null) return false;
      await this.users.update(manager, userId, { totpLastStep: step });
      return true;
    }
    const recovery = recoveryCodeOf(typed);
    if (!recovery) return false;
    return this.users.spendRecoveryCode(manager, userId, recoveryCodeHash(this.keys.recovery, userId, recovery));
  }

  /** A second factor checked under the limits (used by the REST login): throws 401 `invalid_totp_code` when wrong. */
  async checkSecondFactor(userId: string, typed: unknown, ip: string): Promise<void> {
    await this.limited(userId, ip, () => this.dataSource.transaction(async (manager) => ((await this.acceptSecondFactor(manager, userId, typed)) ? true : null)));
  }

  /** Takes the second-factor limits, runs `work` (null: the code or password was wrong), gives the points back on success. */
  async limited<T>(userId: string, ip: string, work: () => Promise<T | null>, refuse: () => DomainError = INVALID_SECOND_FACTOR): Promise<T> {
    const taken = await this.limiter.take([
      { limit: 'secondFactorFailuresPerAccount', subject: userId },
      { limit: 'loginFailuresPerIp', subject: rateLimitSubject(ip) },
    ]);
    const result = await work();
    if (result === null) throw refuse();
    await taken.giveBack();
    return result;
  }

  private async proven(manager: EntityManager, user: User, proof: TwoFactorProof): Promise<boolean> {
    if (proof.code) return this.acceptSecondFactor(manager, user.id, proof.code);
    if (!proof.password) return false;
    const row = await this.users.findWithPasswordIn(manager, user.id);
    return this.hasher.verify(row?.passwordHash ?? null, proof.password);
  }

  private async replaceRecoveryCodes(manager: EntityManager, userId: string): Promise<string[]> {
    const codes = newRecoveryCodes();
    await this.users.deleteRecoveryCodes(manager, userId);
    await this.users.insertRecoveryCodes(manager, userId, codes.map((code) => recoveryCodeHash(this.keys.recovery, userId, code)));
    return codes;
  }

  private async lockedUser(manager: EntityManager, userId: string): Promise<User> {
    const user = await this.users.lockWithSecrets(manager, userId);
    if (!user) throw new UnauthorizedError();
    return user;
  }
}
