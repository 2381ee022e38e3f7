import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Accounts for the organization dashboard (issue 19, step 1).
 * - `users.email_verified_at`: set when the owner of the address opens an e-mailed verification (or
 *   password-reset) link. Existing accounts stay unverified until they do.
 * - `sessions.cookie_token_hash`: a dashboard sign-in is a session like an API login (same expiry,
 *   same revocation, so "sign out everywhere" ends both); its secret travels in an HttpOnly cookie
 *   and only its SHA-256 is stored.
 * - `account_tokens`: e-mailed single-use links (email verification, password reset). The link's
 *   token is an HMAC of the row (key derived from AUTH_SECRET) and only its SHA-256 is stored, so the
 *   table alone opens nothing; `used_at` makes it single-use, `expires_at` bounds it.
 * - outbox kinds `email_verification`, `password_reset` (every earlier kind kept).
 */
export class DashboardAccounts1795002000000 implements MigrationInterface {
  name = 'DashboardAccounts1795002000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE users ADD COLUMN email_verified_at timestamptz`);
    await q.query(`ALTER TABLE sessions ADD COLUMN cookie_token_hash text CHECK (cookie_token_hash ~ '^[0-9a-f]{64}$')`);
    await q.query(`CREATE UNIQUE INDEX sessions_cookie_token_idx ON sessions (cookie_token_hash) WHERE cookie_token_hash IS NOT NULL`);
    await q.query(`CREATE INDEX sessions_user_open_idx ON sessions (user_id) WHERE revoked_at IS NULL`);
    await q.query(`
      CREATE TABLE account_tokens (
        id uuid PRIMARY KEY,
        user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        purpose text NOT NULL CHECK (purpose IN ('email_verification', 'password_reset')),
        email text NOT NULL CHECK (length(email) BETWEEN 3 AND 254),
        language text NOT NULL DEFAULT 'en' CHECK (language IN ('en', 'ar')),
        token_hash text NOT NULL UNIQUE CHECK (token_hash ~ '^[0-9a-f]{64}$'),
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        used_at timestamptz,
        CHECK (expires_at > created_at)
      )`);
    await q.query(`CREATE INDEX account_tokens_user_idx ON account_tokens (user_id, purpose) WHERE used_at IS NULL`);
    await q.query(`CREATE INDEX account_tokens_expiry_idx ON account_tokens (expires_at)`);
    await q.query(`ALTER TABLE outbox DROP CONSTRAINT outbox_kind_check`);
    await q.query(`ALTER TABLE outbox ADD CONSTRAINT outbox_kind_check CHECK (kind IN ('donation_receipt', 'refund_notice', 'payout_notice', 'receipt_copy', 'invitation', 'erasure_link', 'data_export', 'email_verification', 'password_reset'))`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DELETE FROM outbox WHERE kind IN ('email_verification', 'password_reset')`);
    await q.query(`ALTER TABLE outbox DROP CONSTRAINT outbox_kind_check`);
    await q.query(`ALTER TABLE outbox ADD CONSTRAINT outbox_kind_check CHECK (kind IN ('donation_receipt', 'refund_notice', 'payout_notice', 'receipt_copy', 'invitation', 'erasure_link', 'data_export'))`);
    await q.query(`DROP TABLE account_tokens`);
    await q.query(`DROP INDEX sessions_user_open_idx`);
    await q.query(`DROP INDEX sessions_cookie_token_idx`);
    await q.query(`ALTER TABLE sessions DROP COLUMN cookie_token_hash`);
    await q.query(`ALTER TABLE users DROP COLUMN email_verified_at`);
  }
}
