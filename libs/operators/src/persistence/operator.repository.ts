import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';

export interface OperatorAccount {
  id: string;
  email: string;
  createdAt: Date;
  disabledAt: Date | null;
}

/** An open console session and who it belongs to. */
export interface OperatorIdentity {
  operatorId: string;
  sessionId: string;
  email: string;
}

const toAccount = (r: Record<string, any>): OperatorAccount => ({ id: r.id, email: r.email, createdAt: r.created_at, disabledAt: r.disabled_at });

/** The only code touching `operators` and `operator_sessions` (plain SQL). */
@Injectable()
export class OperatorRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** The account and its password hash (for the credential check), or null. */
  async findForSignIn(email: string): Promise<(OperatorAccount & { passwordHash: string }) | null> {
    const [row] = await this.dataSource.query(`SELECT * FROM operators WHERE email = $1`, [email]);
    return row ? { ...toAccount(row), passwordHash: row.password_hash } : null;
  }

  async findByEmail(email: string): Promise<OperatorAccount | null> {
    const [row] = await this.dataSource.query(`SELECT id, email, created_at, disabled_at FROM operators WHERE email = $1`, [email]);
    return row ? toAccount(row) : null;
  }

  /** Inserts the account; null when the address already has one (nothing changed). */
  async insert(email: string, passwordHash: string): Promise<OperatorAccount | null> {
    const [row] = await this.dataSource.query(
      `INSERT INTO operators (email, password_hash) VALUES ($1, $2) ON CONFLICT (email) DO NOTHING RETURNING id, email, created_at, disabled_at`,
      [email, passwordHash],
    );
    return row ? toAccount(row) : null;
  }

  /** Disables the account and ends its sessions; false when there is no such account. */
  async disable(email: string): Promise<boolean> {
    return this.dataSource.transaction(async (m) => {
      // TypeORM answers an UPDATE ... RETURNING with [rows, affected].
      const [[row]] = await m.query(`UPDATE operators SET disabled_at = coalesce(disabled_at, now()) WHERE email = $1 RETURNING id`, [email]);
      if (!row) return false;
      await m.query(`UPDATE operator_sessions SET revoked_at = now() WHERE operator_id = $1 AND revoked_at IS NULL`, [row.id]);
      return true;
    });
  }

  /** The e-mail addresses of these accounts, by id (for showing who did what). */
  async emailsOf(ids: string[]): Promise<Map<string, string>> {
    if (ids.length === 0) return new Map();
    const rows: { id: string; email: string }[] = await this.dataSource.query(`SELECT id, email FROM operators WHERE id = ANY($1::uuid[])`, [ids]);
    return new Map(rows.map((r) => [r.id, r.email]));
  }

  async openSession(m: EntityManager, operatorId: string, tokenHash: string, expiresAt: Date): Promise<string> {
    const [row] = await m.query(
      `INSERT INTO operator_sessions (operator_id, token_hash, expires_at) VALUES ($1, $2, $3) RETURNING id`, [operatorId, tokenHash, expiresAt],
    );
    return row.id;
  }

  /** The open session with this secret's hash, of an account that is not disabled. */
  async identify(tokenHash: string): Promise<OperatorIdentity | null> {
    const [row] = await this.dataSource.query(
      `SELECT s.id AS session_id, o.id AS operator_id, o.email FROM operator_sessions s JOIN operators o ON o.id = s.operator_id
       WHERE s.token_hash = $1 AND s.revoked_at IS NULL AND s.expires_at > now() AND o.disabled_at IS NULL`,
      [tokenHash],
    );
    return row ? { operatorId: row.operator_id, sessionId: row.session_id, email: row.email } : null;
  }

  /** Ends the session; false when it was already ended. */
  async revoke(m: EntityManager, sessionId: string): Promise<boolean> {
    const [, affected] = await m.query(`UPDATE operator_sessions SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL`, [sessionId]);
    return Boolean(affected);
  }
}
