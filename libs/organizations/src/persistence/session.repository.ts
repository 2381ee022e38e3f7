import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager, IsNull } from 'typeorm';
import { RefreshToken, Session } from './session.entity.js';
import { SignInChallenge } from './two-factor.entity.js';
import { User } from './user.entity.js';

/** A live session's user, as the bearer token or the page cookie finds it. */
export interface SessionUserRow {
  session_id: string;
  user_id: string;
  email: string;
  display_name: string | null;
}

/** Sessions (API logins and dashboard sign-ins), their rotating refresh tokens and the second step's sign-in challenges. */
@Injectable()
export class SessionRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** A new API session (its access token is set by `setAccessToken`). */
  insert(manager: EntityManager, values: Partial<Session>): Promise<Session> {
    return manager.save(manager.create(Session, values));
  }

  /** A new dashboard session (used only through its cookie). */
  async insertPageSession(manager: EntityManager, values: Partial<Session>): Promise<void> {
    await manager.insert(Session, values);
  }

  async setAccessToken(manager: EntityManager, sessionId: string, accessTokenHash: string, accessExpiresAt: Date): Promise<void> {
    await manager.update(Session, { id: sessionId }, { accessTokenHash, accessExpiresAt });
  }

  async insertRefreshToken(manager: EntityManager, values: Partial<RefreshToken>): Promise<void> {
    await manager.insert(RefreshToken, values);
  }

  /** The refresh token with this hash, its row locked FOR UPDATE, or null. */
  lockRefreshToken(manager: EntityManager, tokenHash: string): Promise<RefreshToken | null> {
    return manager.findOne(RefreshToken, { where: { tokenHash }, lock: { mode: 'pessimistic_write' } });
  }

  async markRefreshTokenUsed(manager: EntityManager, refreshTokenId: string, at: Date): Promise<void> {
    await manager.update(RefreshToken, { id: refreshTokenId }, { usedAt: at });
  }

  /** The session, its row locked FOR UPDATE, or null. */
  lock(manager: EntityManager, sessionId: string): Promise<Session | null> {
    return manager.findOne(Session, { where: { id: sessionId }, lock: { mode: 'pessimistic_write' } });
  }

  /** Revokes the session (whatever its state), in the caller's transaction. */
  async revoke(manager: EntityManager, sessionId: string, at: Date): Promise<void> {
    await manager.update(Session, { id: sessionId }, { revokedAt: at });
  }

  /** Revokes the session if it is not revoked yet. */
  async revokeIfLive(sessionId: string, at: Date): Promise<void> {
    await this.dataSource.getRepository(Session).update({ id: sessionId, revokedAt: IsNull() }, { revokedAt: at });
  }

  /** Revokes every session of the user not revoked yet (in the caller's transaction when given one). */
  async revokeAllOfUser(userId: string, at: Date, manager?: EntityManager): Promise<void> {
    if (manager) await manager.update(Session, { userId, revokedAt: IsNull() }, { revokedAt: at });
    else await this.dataSource.getRepository(Session).update({ userId, revokedAt: IsNull() }, { revokedAt: at });
  }

  /** The live dashboard session with this cookie hash and its user, or undefined. */
  pageSessionUser(cookieTokenHash: string): Promise<(SessionUserRow & { email_verified_at: Date | null; totp_enabled_at: Date | null }) | undefined> {
    return this.dataSource.getRepository(Session).createQueryBuilder('s')
      .innerJoin(User, 'u', 'u.id = s.user_id')
      .select(['s.id AS session_id', 's.user_id AS user_id', 'u.email AS email', 'u.display_name AS display_name', 'u.email_verified_at AS email_verified_at', 'u.totp_enabled_at AS totp_enabled_at'])
      .where('s.cookie_token_hash = :hash', { hash: cookieTokenHash })
      .andWhere('s.revoked_at IS NULL AND s.expires_at > now()')
      .getRawOne<SessionUserRow & { email_verified_at: Date | null; totp_enabled_at: Date | null }>();
  }

  /** The live session with this access token hash (its access not expired) and its user, or undefined. */
  accessTokenUser(accessTokenHash: string): Promise<SessionUserRow | undefined> {
    return this.dataSource.getRepository(Session).createQueryBuilder('s')
      .innerJoin(User, 'u', 'u.id = s.user_id')
      .select(['s.id AS session_id', 's.user_id AS user_id', 'u.email AS email', 'u.display_name AS display_name'])
      .where('s.access_token_hash = :hash', { hash: accessTokenHash })
      .andWhere('s.revoked_at IS NULL AND s.access_expires_at > now() AND s.expires_at > now()')
      .getRawOne<SessionUserRow>();
  }

  async insertChallenge(values: Partial<SignInChallenge>): Promise<void> {
    await this.dataSource.getRepository(SignInChallenge).insert(values);
  }

  /** The unused sign-in challenge with this hash, or null. */
  findOpenChallenge(tokenHash: string): Promise<SignInChallenge | null> {
    return this.dataSource.getRepository(SignInChallenge).findOneBy({ tokenHash, usedAt: IsNull() });
  }

  /** The challenge, its row locked FOR UPDATE, or null. */
  lockChallenge(manager: EntityManager, challengeId: string): Promise<SignInChallenge | null> {
    return manager.createQueryBuilder(SignInChallenge, 'c').where('c.id = :id', { id: challengeId }).setLock('pessimistic_write').getOne();
  }

  async updateChallenge(manager: EntityManager, challengeId: string, changes: Partial<SignInChallenge>): Promise<void> {
    await manager.update(SignInChallenge, { id: challengeId }, changes);
  }
}
