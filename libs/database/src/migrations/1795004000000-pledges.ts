import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * All-or-nothing pledges (issue 20 item 2).
 * - `pledges`: one row per pledge. The donor's card is saved on a Customer through Checkout in
 *   `setup` mode; nothing is charged until the campaign's close-out decides the goal was met. The
 *   state machine is `libs/donations/src/domain/pledges.ts`. `seq` orders the close-out's batches
 *   (stable across runs). `donation_id` is the gift the collected charge becomes (made when the
 *   pledge starts charging; its PaymentIntent's idempotency key derives from the pledge id), so
 *   the ledger and the public log record only collected money, through the one-time gift's path.
 * - Nothing here is money in the ledger: pledged amounts are shown as unverified figures.
 */
export class Pledges1795004000000 implements MigrationInterface {
  name = 'Pledges1795004000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE pledges (
        id uuid PRIMARY KEY,
        campaign_id uuid NOT NULL REFERENCES campaigns(id),
        organization_id uuid NOT NULL,
        seq bigint GENERATED ALWAYS AS IDENTITY,
        currency text NOT NULL CHECK (currency ~ '^[a-z]{3}$'),
        amount bigint NOT NULL CHECK (amount > 0),
        chosen_amount bigint NOT NULL CHECK (chosen_amount > 0 AND chosen_amount <= amount),
        covered_fees bigint NOT NULL DEFAULT 0 CHECK (covered_fees >= 0),
        platform_fee_bps int NOT NULL CHECK (platform_fee_bps >= 0),
        donor_email text NOT NULL CHECK (length(donor_email) <= 254),
        donor_name text CHECK (length(donor_name) <= 120),
        anonymous boolean NOT NULL DEFAULT false,
        public_message text CHECK (length(public_message) <= 500),
        message_review text CHECK (message_review IN ('held')),
        locale text NOT NULL CHECK (locale IN ('en', 'ar')),
        state text NOT NULL DEFAULT 'open'
          CHECK (state IN ('open', 'pledged', 'charging', 'collected', 'awaiting_donor', 'failed', 'released', 'cancelled')),
        stripe_checkout_session_id text UNIQUE,
        stripe_setup_intent_id text UNIQUE,
        stripe_customer_id text,
        stripe_payment_method_id text,
        donation_id uuid UNIQUE REFERENCES donations(id),
        stripe_payment_intent_id text,
        completion_session_id text,
        attempts int NOT NULL DEFAULT 0 CHECK (attempts >= 0),
        last_error text CHECK (length(last_error) <= 500),
        grace_ends_at timestamptz,
        donor_notified_at timestamptz,
        card_detached_at timestamptz,
        pledged_at timestamptz,
        decided_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CHECK (state IN ('open', 'cancelled') OR (stripe_customer_id IS NOT NULL AND stripe_payment_method_id IS NOT NULL)),
        CHECK (state NOT IN ('charging', 'collected', 'awaiting_donor', 'failed') OR donation_id IS NOT NULL),
        CHECK ((state IN ('awaiting_donor', 'failed')) = (grace_ends_at IS NOT NULL) OR state = 'collected')
      )`);
    await q.query(`CREATE INDEX pledges_campaign_idx ON pledges (campaign_id, seq)`);
    await q.query(`CREATE INDEX pledges_open_idx ON pledges (campaign_id, seq) WHERE state IN ('open', 'pledged', 'charging')`);
    await q.query(`CREATE INDEX pledges_waiting_idx ON pledges (grace_ends_at) WHERE state = 'awaiting_donor'`);
    // The close-out sweep's after-care (every sweep interval): notices not sent, cards not detached.
    await q.query(`CREATE INDEX pledges_notice_idx ON pledges (campaign_id) WHERE donor_notified_at IS NULL AND state IN ('released', 'awaiting_donor')`);
    await q.query(`CREATE INDEX pledges_detach_idx ON pledges (campaign_id) WHERE card_detached_at IS NULL AND state IN ('collected', 'released', 'failed')`);
    await q.query(`CREATE INDEX pledges_email_idx ON pledges (lower(donor_email))`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE pledges`);
  }
}
