import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Donor data export and retention (issue 17, parts 4 and 5).
 * - `data_export_requests`: one row per request made on the public export form, whether or not the
 *   address is known (the answer must not tell). The e-mailed link is signed (HMAC) over the row's
 *   id, nonce and expiry, so no usable link is stored; `used_at` makes it single-use. Rows go after
 *   RETENTION_EXPORT_REQUEST_DAYS past their expiry.
 * - outbox kind `data_export`: the link's e-mail travels the outbox like receipts and invitations.
 * - `stripe_events.payload` may be nulled once the event is processed (RETENTION_WEBHOOK_PAYLOAD_DAYS):
 *   id, type and times stay for redelivery dedupe; an unprocessed or dead-lettered event keeps it.
 * - `receipts.recipient` may be nulled once the message was delivered (RETENTION_MAIL_BODY_DAYS); a
 *   message still to send always has it.
 * - Indexes for the export's lookup by address and for the retention job's batches.
 */
export class PrivacyExportRetention1795001800000 implements MigrationInterface {
  name = 'PrivacyExportRetention1795001800000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE data_export_requests (
        id uuid PRIMARY KEY,
        email text NOT NULL CHECK (length(email) BETWEEN 3 AND 254),
        language text NOT NULL DEFAULT 'en' CHECK (language IN ('en', 'ar')),
        nonce text NOT NULL CHECK (nonce ~ '^[0-9a-f]{32}$'),
        requested_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        used_at timestamptz,
        CHECK (expires_at > requested_at)
      )`);
    await q.query(`CREATE INDEX data_export_requests_email_idx ON data_export_requests (lower(email))`);
    await q.query(`CREATE INDEX data_export_requests_expiry_idx ON data_export_requests (expires_at)`);

    await q.query(`ALTER TABLE outbox DROP CONSTRAINT outbox_kind_check`);
    await q.query(`ALTER TABLE outbox ADD CONSTRAINT outbox_kind_check CHECK (kind IN ('donation_receipt', 'refund_notice', 'payout_notice', 'receipt_copy', 'invitation', 'erasure_link', 'data_export'))`);
    await q.query(`CREATE INDEX outbox_retention_idx ON outbox (finished_at) WHERE finished_at IS NOT NULL AND kind <> 'invitation'`);

    await q.query(`ALTER TABLE stripe_events ALTER COLUMN payload DROP NOT NULL`);
    await q.query(`ALTER TABLE stripe_events ADD CONSTRAINT stripe_events_payload_until_processed CHECK (payload IS NOT NULL OR processed_at IS NOT NULL)`);
    await q.query(`CREATE INDEX stripe_events_payload_retention_idx ON stripe_events (processed_at) WHERE payload IS NOT NULL AND processed_at IS NOT NULL`);
    // The retention job never deletes a gift an unprocessed (or dead-lettered) event still refers to.
    await q.query(`CREATE INDEX stripe_events_unprocessed_object_idx ON stripe_events (object_id) WHERE processed_at IS NULL`);

    await q.query(`ALTER TABLE receipts ALTER COLUMN recipient DROP NOT NULL`);
    await q.query(`ALTER TABLE receipts ADD CONSTRAINT receipts_recipient_until_sent CHECK (recipient IS NOT NULL OR status <> 'pending')`);
    await q.query(`CREATE INDEX receipts_retention_idx ON receipts (sent_at) WHERE status = 'sent' AND recipient IS NOT NULL`);

    // donations_donor_email_idx (lower(donor_email)) comes with the erasure migration (1795001600000).
    await q.query(`CREATE INDEX donations_unsettled_created_idx ON donations (created_at) WHERE status IN ('pending', 'failed', 'expired')`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX donations_unsettled_created_idx`);
    await q.query(`DROP INDEX receipts_retention_idx`);
    await q.query(`ALTER TABLE receipts DROP CONSTRAINT receipts_recipient_until_sent`);
    // The previous schema cannot hold a receipt without its recipient.
    await q.query(`UPDATE receipts SET recipient = '' WHERE recipient IS NULL`);
    await q.query(`ALTER TABLE receipts ALTER COLUMN recipient SET NOT NULL`);
    await q.query(`DROP INDEX stripe_events_unprocessed_object_idx`);
    await q.query(`DROP INDEX stripe_events_payload_retention_idx`);
    await q.query(`ALTER TABLE stripe_events DROP CONSTRAINT stripe_events_payload_until_processed`);
    await q.query(`UPDATE stripe_events SET payload = '{}'::jsonb WHERE payload IS NULL`);
    await q.query(`ALTER TABLE stripe_events ALTER COLUMN payload SET NOT NULL`);
    await q.query(`DROP INDEX outbox_retention_idx`);
    await q.query(`DELETE FROM outbox WHERE kind = 'data_export'`);
    await q.query(`ALTER TABLE outbox DROP CONSTRAINT outbox_kind_check`);
    await q.query(`ALTER TABLE outbox ADD CONSTRAINT outbox_kind_check CHECK (kind IN ('donation_receipt', 'refund_notice', 'payout_notice', 'receipt_copy', 'invitation', 'erasure_link'))`);
    await q.query(`DROP TABLE data_export_requests`);
  }
}
