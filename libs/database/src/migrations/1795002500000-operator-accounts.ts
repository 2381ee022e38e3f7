import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Accounts for the operator console (issue 19, part 8): platform staff, distinct from organization
 * users (no row in `users`, no membership), so an organization's session can never open the console
 * and an operator's can never open an organization's dashboard.
 * - `operators`: e-mail (lower-cased) and an argon2id hash, like `users`; `disabled_at` ends access
 *   without deleting who did what (the audit log names `operator:<id>`).
 * - `operator_sessions`: a console sign-in. Its secret travels only in an HttpOnly cookie; only its
 *   SHA-256 is stored, so the table alone opens nothing. Sessions end at `expires_at` or sign-out.
 */
export class OperatorAccounts1795002500000 implements MigrationInterface {
  name = 'OperatorAccounts1795002500000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE operators (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        email text NOT NULL UNIQUE CHECK (email = lower(email) AND length(email) BETWEEN 3 AND 254),
        password_hash text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        disabled_at timestamptz
      )`);
    await q.query(`
      CREATE TABLE operator_sessions (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        operator_id uuid NOT NULL REFERENCES operators(id) ON DELETE CASCADE,
        token_hash text NOT NULL UNIQUE CHECK (token_hash ~ '^[0-9a-f]{64}$'),
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        revoked_at timestamptz,
        CHECK (expires_at > created_at)
      )`);
    await q.query(`CREATE INDEX operator_sessions_open_idx ON operator_sessions (operator_id) WHERE revoked_at IS NULL`);
    await q.query(`CREATE INDEX operator_sessions_expiry_idx ON operator_sessions (expires_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE operator_sessions`);
    await q.query(`DROP TABLE operators`);
  }
}
