import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Two-factor sign-in for dashboard accounts (issue 19).
 * - `users.totp_secret`: the TOTP secret, AES-256-GCM under a key derived from AUTH_SECRET (never in
 *   plaintext); `totp_enabled_at` says it is on; `totp_last_step` is the RFC 6238 time step of the last
 *   code accepted (a code is never accepted twice). `totp_pending_secret`: a secret shown during
 *   enrolment, sealed the same way, until a code from it confirms it.
 * - `recovery_codes`: ten one-time codes per account, only an HMAC of each stored; `used_at` spends one.
 * - `sign_in_challenges`: the second step of a dashboard sign-in (the password was right): not a
 *   session, only the SHA-256 of its cookie's secret, minutes long, a few attempts, used once.
 */
export class TwoFactor1795002400000 implements MigrationInterface {
  name = 'TwoFactor1795002400000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE users ADD COLUMN totp_secret text CHECK (totp_secret LIKE 'v1.%')`);
    await q.query(`ALTER TABLE users ADD COLUMN totp_enabled_at timestamptz`);
    await q.query(`ALTER TABLE users ADD COLUMN totp_last_step bigint`);
    await q.query(`ALTER TABLE users ADD COLUMN totp_pending_secret text CHECK (totp_pending_secret LIKE 'v1.%')`);
    await q.query(`ALTER TABLE users ADD CONSTRAINT users_totp_enabled_check CHECK ((totp_enabled_at IS NULL) = (totp_secret IS NULL))`);
    await q.query(`
      CREATE TABLE recovery_codes (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        code_hash text NOT NULL UNIQUE CHECK (code_hash ~ '^[0-9a-f]{64}$'),
        created_at timestamptz NOT NULL DEFAULT now(),
        used_at timestamptz
      )`);
    await q.query(`CREATE INDEX recovery_codes_user_idx ON recovery_codes (user_id) WHERE used_at IS NULL`);
    await q.query(`
      CREATE TABLE sign_in_challenges (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        token_hash text NOT NULL UNIQUE CHECK (token_hash ~ '^[0-9a-f]{64}$'),
        attempts integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        used_at timestamptz,
        CHECK (expires_at > created_at)
      )`);
    await q.query(`CREATE INDEX sign_in_challenges_expiry_idx ON sign_in_challenges (expires_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE sign_in_challenges`);
    await q.query(`DROP TABLE recovery_codes`);
    await q.query(`ALTER TABLE users DROP CONSTRAINT users_totp_enabled_check`);
    await q.query(`ALTER TABLE users DROP COLUMN totp_pending_secret`);
    await q.query(`ALTER TABLE users DROP COLUMN totp_last_step`);
    await q.query(`ALTER TABLE users DROP COLUMN totp_enabled_at`);
    await q.query(`ALTER TABLE users DROP COLUMN totp_secret`);
  }
}
