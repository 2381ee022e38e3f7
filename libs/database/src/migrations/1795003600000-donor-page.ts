import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The donor page (issue 20, item 4).
 * - `donor_sign_in_links`: e-mailed magic links. The link's token is signed (HMAC, `@ataa/privacy`'s
 *   signed links, purpose `donor-sign-in`) over the row id, its expiry and a random nonce; nothing
 *   secret is stored. `used_at` makes it single-use; it expires 15 minutes after it was asked for
 *   (a CHECK holds the bound). Using it starts the donor's session on the same row: the session
 *   cookie is signed the same way (purpose `donor-session`) over the row id, `session_expires_at` and
 *   `session_nonce`; `signed_out_at` ends it. `email` is kept lower-cased (the address a donor typed).
 * - outbox kind `donor_sign_in` (every earlier kind kept): the link's e-mail, sent for every request,
 *   whether the address has gifts or not.
 * (The page lists gifts by lower(donations.donor_email): donations_donor_email_idx, from 1795001600000.)
 */
export class DonorPage1795003600000 implements MigrationInterface {
  name = 'DonorPage1795003600000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE donor_sign_in_links (
        id uuid PRIMARY KEY,
        email text NOT NULL CHECK (length(email) BETWEEN 3 AND 254 AND email = lower(email)),
        language text NOT NULL DEFAULT 'en' CHECK (language IN ('en', 'ar')),
        nonce text NOT NULL CHECK (nonce ~ '^[0-9a-f]{32}$'),
        requested_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        used_at timestamptz,
        session_nonce text CHECK (session_nonce ~ '^[0-9a-f]{32}$'),
        session_expires_at timestamptz,
        signed_out_at timestamptz,
        CHECK (expires_at > requested_at AND expires_at <= requested_at + interval '15 minutes'),
        CHECK ((session_nonce IS NULL) = (session_expires_at IS NULL)),
        CHECK (session_nonce IS NULL OR used_at IS NOT NULL)
      )`);
    await q.query(`CREATE INDEX donor_sign_in_links_expiry_idx ON donor_sign_in_links (expires_at)`);
    await q.query(`ALTER TABLE outbox DROP CONSTRAINT outbox_kind_check`);
    await q.query(`ALTER TABLE outbox ADD CONSTRAINT outbox_kind_check CHECK (kind IN ('donation_receipt', 'refund_notice', 'payout_notice', 'receipt_copy', 'invitation', 'erasure_link', 'data_export', 'email_verification', 'password_reset', 'donor_sign_in'))`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DELETE FROM outbox WHERE kind = 'donor_sign_in'`);
    await q.query(`ALTER TABLE outbox DROP CONSTRAINT outbox_kind_check`);
    await q.query(`ALTER TABLE outbox ADD CONSTRAINT outbox_kind_check CHECK (kind IN ('donation_receipt', 'refund_notice', 'payout_notice', 'receipt_copy', 'invitation', 'erasure_link', 'data_export', 'email_verification', 'password_reset'))`);
    await q.query(`DROP TABLE donor_sign_in_links`);
  }
}
