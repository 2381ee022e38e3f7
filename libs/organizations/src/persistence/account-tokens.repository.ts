import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import type { AccountTokenPurpose } from '../domain/account-tokens.js';

export interface AccountTokenRow {
  id: string;
  userId: string;
  purpose: AccountTokenPurpose;
  email: string;
  language: 'en' | 'ar';
  createdAt: Date;
  expiresAt: Date;
  usedAt: Date | null;
}

const COLUMNS = `id, user_id, purpose, email, language, created_at, expires_at, used_at`;

function toRow(r: Record<string, any>): AccountTokenRow {
  return { id: r.id, userId: r.user_id, purpose: r.purpose, email: r.email, language: r.language, createdAt: r.created_at, expiresAt: r.expires_at, usedAt: r.used_at };
}

/** The e-mailed account links' rows (`account_tokens`) and the user columns they change. */
@Injectable()
export class AccountTokensRepository {
  constructor(private readonly dataSource: DataSource) {}

  async insert(manager: EntityManager, row: { id: string; userId: string; purpose: AccountTokenPurpose; email: string; language: 'en' | 'ar'; tokenHash: string; expiresAt: Date }): Promise<void> {
    await manager.query(
      `INSERT INTO account_tokens (id, user_id, purpose, email, language, token_hash, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [row.id, row.userId, row.purpose, row.email, row.language, row.tokenHash, row.expiresAt],
    );
  }

  /** Earlier unused links of the same purpose stop working when a new one is sent (only the latest opens). */
  async retireOpen(manager: EntityManager, userId: string, purpose: AccountTokenPurpose): Promise<void> {
    await manager.query(`UPDATE account_tokens SET expires_at = greatest(created_at + interval '1 millisecond', now()) WHERE user_id = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > now()`, [userId, purpose]);
  }

  async find(id: string, manager: EntityManager = this.dataSource.manager): Promise<AccountTokenRow | null> {
    const [row] = await manager.query(`SELECT ${COLUMNS} FROM account_tokens WHERE id = $1`, [id]);
    return row ? toRow(row) : null;
  }

  async findByHash(tokenHash: string): Promise<AccountTokenRow | null> {
    const [row] = await this.dataSource.query(`SELECT ${COLUMNS} FROM account_tokens WHERE token_hash = $1`, [tokenHash]);
    return row ? toRow(row) : null;
  }

  /** Uses a token: one statement, so two concurrent posts of the same link cannot both succeed. */
  async consume(manager: EntityManager, tokenHash: string, purpose: AccountTokenPurpose): Promise<AccountTokenRow | null> {
    const rows = await manager.query(
      `UPDATE account_tokens SET used_at = now() WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > now() RETURNING ${COLUMNS}`,
      [tokenHash, purpose],
    );
    const row = (rows[0] as unknown[] | undefined)?.[0] ?? rows[0];
    return row && (row as Record<string, unknown>).id ? toRow(row as Record<string, unknown>) : null;
  }

  /** Marks the address verified, if it is still the account's address. */
  async markEmailVerified(manager: EntityManager, userId: string, email: string): Promise<void> {
    await manager.query(`UPDATE users SET email_verified_at = coalesce(email_verified_at, now()) WHERE id = $1 AND email = $2`, [userId, email]);
  }

  async setPassword(manager: EntityManager, userId: string, passwordHash: string): Promise<void> {
    await manager.query(`UPDATE users SET password_hash = $2, password_changed_at = now(), updated_at = now() WHERE id = $1`, [userId, passwordHash]);
    await manager.query(`UPDATE sessions SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL`, [userId]);
  }

  async findUserByEmail(email: string): Promise<{ id: string; email: string; emailVerified: boolean } | null> {
    const [row] = await this.dataSource.query(`SELECT id, email, email_verified_at FROM users WHERE email = $1`, [email]);
    return row ? { id: row.id, email: row.email, emailVerified: row.email_verified_at !== null } : null;
  }

  async findUser(userId: string): Promise<{ id: string; email: string; emailVerified: boolean } | null> {
    const [row] = await this.dataSource.query(`SELECT id, email, email_verified_at FROM users WHERE id = $1`, [userId]);
    return row ? { id: row.id, email: row.email, emailVerified: row.email_verified_at !== null } : null;
  }
}
