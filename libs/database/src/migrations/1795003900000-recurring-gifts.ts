import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Recurring gifts (issue 20, item 1).
 * - `recurring_gifts`: one row per donor series (a Stripe Subscription made by Checkout in
 *   `subscription` mode). `status` follows the pure state machine in
 *   libs/donations/src/domain/recurring-gift.ts (pending -> active <-> past_due/paused -> cancelled/ended;
 *   cancelled and ended are final). The donor's own text is copied to every gift of the series.
 * - `donations.recurring_gift_id` and `donations.stripe_invoice_id`: every paid invoice of a series
 *   is one donation, settled exactly like a one-time gift; the invoice id is unique, so a redelivered
 *   or reordered event never makes a second gift.
 * - outbox kind `recurring_notice` (every earlier kind kept): a failed payment (link to update the
 *   card) or the end of a series, to its donor.
 */
export class RecurringGifts1795003900000 implements MigrationInterface {
  name = 'RecurringGifts1795003900000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE recurring_gifts (
        id uuid PRIMARY KEY,
        campaign_id uuid NOT NULL REFERENCES campaigns(id),
        organization_id uuid NOT NULL,
        currency text NOT NULL CHECK (currency ~ '^[a-z]{3}$'),
        amount bigint NOT NULL CHECK (amount > 0),
        interval text NOT NULL CHECK (interval IN ('month', 'week')),
        status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'active', 'past_due', 'paused', 'cancelled', 'ended')),
        platform_fee_bps int NOT NULL CHECK (platform_fee_bps BETWEEN 0 AND 5000),
        donor_name text CHECK (length(donor_name) <= 120),
        donor_email text NOT NULL CHECK (length(donor_email) <= 254),
        anonymous boolean NOT NULL DEFAULT false,
        public_message text CHECK (length(public_message) <= 500),
        message_review text CHECK (message_review IN ('held', 'released')),
        locale text NOT NULL DEFAULT 'en' CHECK (locale IN ('en', 'ar')),
        ends_at timestamptz,
        max_payments int CHECK (max_payments BETWEEN 1 AND 520),
        payments_count int NOT NULL DEFAULT 0 CHECK (payments_count >= 0),
        stripe_checkout_session_id text UNIQUE,
        stripe_subscription_id text UNIQUE,
        stripe_customer_id text,
        end_reason text CHECK (end_reason IN ('donor', 'campaign_closed', 'payment_failed', 'schedule', 'stripe', 'erasure')),
        ended_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CHECK (ends_at IS NULL OR max_payments IS NULL),
        CHECK ((status IN ('cancelled', 'ended')) = (ended_at IS NOT NULL))
      )`);
    await q.query(`CREATE INDEX recurring_gifts_campaign_idx ON recurring_gifts (campaign_id) WHERE status NOT IN ('cancelled', 'ended')`);
    await q.query(`CREATE INDEX recurring_gifts_email_idx ON recurring_gifts (lower(donor_email))`);
    await q.query(`ALTER TABLE donations ADD COLUMN recurring_gift_id uuid REFERENCES recurring_gifts(id), ADD COLUMN stripe_invoice_id text UNIQUE`);
    await q.query(`ALTER TABLE donations ADD CONSTRAINT donations_invoice_series CHECK ((recurring_gift_id IS NULL) = (stripe_invoice_id IS NULL))`);
    await q.query(`CREATE INDEX donations_recurring_gift_idx ON donations (recurring_gift_id) WHERE recurring_gift_id IS NOT NULL`);
    await q.query(`ALTER TABLE outbox DROP CONSTRAINT outbox_kind_check`);
    await q.query(`ALTER TABLE outbox ADD CONSTRAINT outbox_kind_check CHECK (kind IN ('donation_receipt', 'refund_notice', 'payout_notice', 'receipt_copy', 'invitation', 'erasure_link', 'data_export', 'email_verification', 'password_reset', 'donor_sign_in', 'offline_receipt', 'recurring_notice'))`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DELETE FROM outbox WHERE kind = 'recurring_notice'`);
    await q.query(`ALTER TABLE outbox DROP CONSTRAINT outbox_kind_check`);
    await q.query(`ALTER TABLE outbox ADD CONSTRAINT outbox_kind_check CHECK (kind IN ('donation_receipt', 'refund_notice', 'payout_notice', 'receipt_copy', 'invitation', 'erasure_link', 'data_export', 'email_verification', 'password_reset', 'donor_sign_in', 'offline_receipt'))`);
    await q.query(`ALTER TABLE donations DROP CONSTRAINT donations_invoice_series`);
    await q.query(`ALTER TABLE donations DROP COLUMN stripe_invoice_id, DROP COLUMN recurring_gift_id`);
    await q.query(`DROP TABLE recurring_gifts`);
  }
}
