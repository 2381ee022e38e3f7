import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Erasure of a donor's personal data (issue 17, part 2).
 * - `erasure_requests`: one row per request, a small state machine (libs/privacy/src/domain/erasure-request.ts):
 *   `awaiting_confirmation` (a donor asked; the signed link is e-mailed) -> `confirmed` (link opened and
 *   confirmed, or the operator asked) -> `completed`; `awaiting_confirmation` -> `expired`. The steps done
 *   so far are listed in `completed_steps`, so a run killed half-way resumes where it stopped. The
 *   address is kept only until the request is completed or expired (`email` becomes NULL); `email_hash`
 *   (an HMAC, not reversible without the server's key) stays for the audit trail and rate limits.
 * - `donations.erased_at` / `retain_until`: an erased gift keeps only what accounting needs (amount,
 *   currency, dates, Stripe ids) until `retain_until` (ERASURE_ACCOUNTING_RETENTION_DAYS); its name,
 *   e-mail, message and commitment salt are NULL. `donor_email` may be NULL only once erased.
 * - `receipts.recipient` may be NULL: an erased gift's receipts keep their number, not the address.
 * - the outbox carries `erasure_link` messages (the confirmation link, e-mailed to the donor).
 */
export class Erasure1795001600000 implements MigrationInterface {
  name = 'Erasure1795001600000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE erasure_requests (
        id uuid PRIMARY KEY,
        source text NOT NULL CHECK (source IN ('operator', 'donor_link')),
        state text NOT NULL CHECK (state IN ('awaiting_confirmation', 'confirmed', 'completed', 'expired')),
        email text CHECK (length(email) <= 254),
        email_hash text NOT NULL CHECK (email_hash ~ '^[0-9a-f]{64}$'),
        donation_id uuid,
        donation_ids uuid[],
        completed_steps text[] NOT NULL DEFAULT '{}',
        language text NOT NULL DEFAULT 'en' CHECK (language IN ('en', 'ar')),
        requested_by text NOT NULL,
        attempts int NOT NULL DEFAULT 0,
        last_error text,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz,
        confirmed_at timestamptz,
        completed_at timestamptz,
        CHECK (state <> 'awaiting_confirmation' OR (email IS NOT NULL AND expires_at IS NOT NULL)),
        CHECK (state NOT IN ('completed', 'expired') OR email IS NULL),
        CHECK (email IS NOT NULL OR donation_id IS NOT NULL OR donation_ids IS NOT NULL OR state = 'expired')
      )`);
    await q.query(`CREATE INDEX erasure_requests_open_idx ON erasure_requests (confirmed_at) WHERE state = 'confirmed'`);
    await q.query(`CREATE INDEX erasure_requests_email_idx ON erasure_requests (email_hash, created_at DESC)`);

    await q.query(`ALTER TABLE donations ADD COLUMN erased_at timestamptz, ADD COLUMN retain_until timestamptz`);
    await q.query(`ALTER TABLE donations ALTER COLUMN donor_email DROP NOT NULL`);
    await q.query(`ALTER TABLE donations ADD CONSTRAINT donations_email_unless_erased CHECK (donor_email IS NOT NULL OR erased_at IS NOT NULL)`);
    await q.query(`ALTER TABLE donations ADD CONSTRAINT donations_erased_is_empty CHECK (erased_at IS NULL OR (donor_name IS NULL AND donor_email IS NULL AND public_message IS NULL AND donor_commitment_salt IS NULL))`);
    await q.query(`CREATE INDEX donations_donor_email_idx ON donations (lower(donor_email)) WHERE donor_email IS NOT NULL`);

    await q.query(`ALTER TABLE receipts ALTER COLUMN recipient DROP NOT NULL`);

    await q.query(`ALTER TABLE outbox DROP CONSTRAINT outbox_kind_check`);
    await q.query(`ALTER TABLE outbox ADD CONSTRAINT outbox_kind_check CHECK (kind IN ('donation_receipt', 'refund_notice', 'payout_notice', 'receipt_copy', 'invitation', 'erasure_link'))`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DELETE FROM outbox WHERE kind = 'erasure_link'`);
    await q.query(`ALTER TABLE outbox DROP CONSTRAINT outbox_kind_check`);
    await q.query(`ALTER TABLE outbox ADD CONSTRAINT outbox_kind_check CHECK (kind IN ('donation_receipt', 'refund_notice', 'payout_notice', 'receipt_copy', 'invitation'))`);
    await q.query(`DROP INDEX donations_donor_email_idx`);
    await q.query(`ALTER TABLE donations DROP CONSTRAINT donations_erased_is_empty, DROP CONSTRAINT donations_email_unless_erased`);
    await q.query(`ALTER TABLE donations DROP COLUMN retain_until, DROP COLUMN erased_at`);
    // The previous schema cannot hold a gift without its donor's address: erased gifts get an empty one.
    await q.query(`UPDATE donations SET donor_email = '' WHERE donor_email IS NULL`);
    await q.query(`ALTER TABLE donations ALTER COLUMN donor_email SET NOT NULL`);
    await q.query(`DROP TABLE erasure_requests`);
  }
}
