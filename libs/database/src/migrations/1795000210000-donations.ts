import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Donations, their refunds and disputes, and the Stripe event inbox.
 * - `donations`: created `pending` when the donor submits the form (the checkout), settled from
 *   Stripe's webhooks. The status only moves forward (trigger): a settled gift never becomes
 *   pending, failed or expired again.
 * - `donation_refunds`: one row per refund request (its id is the Stripe idempotency key) or per
 *   refund seen in Stripe; `requested`/`pending` rows reserve their amount so two concurrent
 *   partial refunds can never exceed what remains.
 * - `donation_disputes`: one row per Stripe dispute; its status only moves forward.
 * - `stripe_events`: the webhook inbox, keyed by Stripe's event id. Rows are written in one short
 *   transaction before the 2xx; `processed_at` IS NULL means the event still has to be processed
 *   (the worker's sweep re-enqueues those, so a Redis outage or a restart only delays them).
 */
export class Donations1795000210000 implements MigrationInterface {
  name = 'Donations1795000210000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE donations (
        id uuid PRIMARY KEY,
        campaign_id uuid NOT NULL REFERENCES campaigns(id),
        organization_id uuid NOT NULL,
        status text NOT NULL DEFAULT 'pending' CHECK (status IN (
          'pending', 'succeeded', 'failed', 'expired', 'partially_refunded', 'refunded', 'disputed', 'dispute_won', 'dispute_lost')),
        currency text NOT NULL CHECK (currency ~ '^[a-z]{3}$'),
        amount bigint NOT NULL CHECK (amount > 0),
        chosen_amount bigint NOT NULL CHECK (chosen_amount > 0 AND chosen_amount <= amount),
        covered_fees bigint NOT NULL DEFAULT 0 CHECK (covered_fees >= 0),
        platform_fee_bps int NOT NULL CHECK (platform_fee_bps BETWEEN 0 AND 5000),
        platform_fee bigint,
        processing_fee bigint,
        refunded_amount bigint NOT NULL DEFAULT 0 CHECK (refunded_amount >= 0),
        disputed_amount bigint NOT NULL DEFAULT 0 CHECK (disputed_amount >= 0),
        donor_name text CHECK (length(donor_name) <= 120),
        donor_email text NOT NULL CHECK (length(donor_email) <= 254),
        anonymous boolean NOT NULL DEFAULT false,
        public_message text CHECK (length(public_message) <= 500),
        locale text NOT NULL DEFAULT 'en',
        donor_commitment_salt text CHECK (donor_commitment_salt ~ '^[0-9a-f]{64}$'),
        public_leaf_index bigint,
        public_leaf_hash text,
        stripe_checkout_session_id text UNIQUE,
        stripe_payment_intent_id text UNIQUE,
        stripe_charge_id text UNIQUE,
        payment_status text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        settled_at timestamptz,
        CHECK (refunded_amount + disputed_amount <= amount)
      )`);
    await q.query(`CREATE INDEX donations_org_created_idx ON donations (organization_id, created_at DESC, id DESC)`);
    await q.query(`CREATE INDEX donations_campaign_public_idx ON donations (campaign_id, settled_at DESC) WHERE settled_at IS NOT NULL`);

    // State machine: unsettled -> settled states, never back (invariant 9).
    await q.query(`
      CREATE FUNCTION donations_forward_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF OLD.status <> NEW.status AND (
             (OLD.status NOT IN ('pending', 'failed', 'expired') AND NEW.status IN ('pending', 'failed', 'expired'))
          OR (OLD.status IN ('failed', 'expired') AND NEW.status = 'pending')) THEN
          RAISE EXCEPTION 'donation % cannot go from % back to %', OLD.id, OLD.status, NEW.status USING ERRCODE = 'check_violation';
        END IF;
        IF NEW.amount <> OLD.amount OR NEW.currency <> OLD.currency OR NEW.campaign_id <> OLD.campaign_id THEN
          RAISE EXCEPTION 'donation % amount, currency and campaign are fixed', OLD.id USING ERRCODE = 'check_violation';
        END IF;
        NEW.updated_at := now();
        RETURN NEW;
      END $$`);
    await q.query(`CREATE TRIGGER donations_forward_only BEFORE UPDATE ON donations FOR EACH ROW EXECUTE FUNCTION donations_forward_only()`);

    await q.query(`
      CREATE TABLE donation_refunds (
        id uuid PRIMARY KEY,
        donation_id uuid NOT NULL REFERENCES donations(id),
        amount bigint NOT NULL CHECK (amount > 0),
        status text NOT NULL CHECK (status IN ('requested', 'pending', 'succeeded', 'failed', 'canceled')),
        stripe_refund_id text UNIQUE,
        reason text,
        requested_by text,
        failure_reason text,
        platform_fee_returned bigint NOT NULL DEFAULT 0,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX donation_refunds_donation_idx ON donation_refunds (donation_id)`);

    await q.query(`
      CREATE TABLE donation_disputes (
        stripe_dispute_id text PRIMARY KEY,
        donation_id uuid NOT NULL REFERENCES donations(id),
        amount bigint NOT NULL CHECK (amount > 0),
        status text NOT NULL,
        outcome text CHECK (outcome IN ('open', 'won', 'lost')),
        reason text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX donation_disputes_donation_idx ON donation_disputes (donation_id)`);

    await q.query(`
      CREATE TABLE stripe_events (
        id text PRIMARY KEY CHECK (id ~ '^evt_[A-Za-z0-9_]{1,250}$'),
        type text NOT NULL,
        api_version text,
        livemode boolean NOT NULL DEFAULT false,
        account text,
        object_id text,
        stripe_created_at timestamptz NOT NULL,
        payload jsonb NOT NULL,
        received_at timestamptz NOT NULL DEFAULT now(),
        processed_at timestamptz,
        outcome text,
        attempts int NOT NULL DEFAULT 0,
        last_error text,
        last_attempt_at timestamptz
      )`);
    await q.query(`CREATE INDEX stripe_events_unprocessed_idx ON stripe_events (received_at) WHERE processed_at IS NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE stripe_events`);
    await q.query(`DROP TABLE donation_disputes`);
    await q.query(`DROP TABLE donation_refunds`);
    await q.query(`DROP TABLE donations`);
    await q.query(`DROP FUNCTION donations_forward_only()`);
  }
}
