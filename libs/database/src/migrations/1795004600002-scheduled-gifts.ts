import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Scheduled series (issue 20, item 1): "every night of the last ten nights of Ramadan" and "every
 * Friday for N weeks", charged by the platform off-session on a card saved once (docs/recurring.md).
 * - `scheduled_gifts`: the donor's series, its schedule (kind, weeks, time zone) and saved card.
 * - `scheduled_charges`: one row per occurrence, planned when the series starts (its day and instant
 *   computed from the schedule then, so a later change of the calendar data moves nothing). Its gift
 *   (a pending `donations` row) is reserved with the move to `charging` before Stripe is asked; the
 *   PaymentIntent's idempotency key is per series and occurrence, so each occurrence posts once.
 */
export class ScheduledGifts1795004600002 implements MigrationInterface {
  name = 'ScheduledGifts1795004600002';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE scheduled_gifts (
        id uuid PRIMARY KEY,
        campaign_id uuid NOT NULL REFERENCES campaigns(id),
        organization_id uuid NOT NULL,
        currency text NOT NULL CHECK (currency ~ '^[a-z]{3}$'),
        amount bigint NOT NULL CHECK (amount > 0),
        kind text NOT NULL CHECK (kind IN ('ramadan_last_ten', 'fridays')),
        weeks int CHECK (weeks BETWEEN 1 AND 52),
        time_zone text NOT NULL CHECK (length(time_zone) BETWEEN 1 AND 64),
        status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'active', 'completed', 'cancelled')),
        platform_fee_bps int NOT NULL CHECK (platform_fee_bps BETWEEN 0 AND 5000),
        donor_name text CHECK (length(donor_name) <= 120),
        donor_email text NOT NULL CHECK (length(donor_email) <= 254),
        anonymous boolean NOT NULL DEFAULT false,
        locale text NOT NULL DEFAULT 'en' CHECK (locale IN ('en', 'ar')),
        stripe_customer_id text,
        stripe_checkout_session_id text UNIQUE,
        stripe_setup_intent_id text UNIQUE,
        stripe_payment_method_id text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CHECK ((kind = 'fridays') = (weeks IS NOT NULL)),
        CHECK (status = 'pending' OR status = 'cancelled' OR stripe_payment_method_id IS NOT NULL)
      )`);
    await q.query(`
      CREATE TABLE scheduled_charges (
        scheduled_gift_id uuid NOT NULL REFERENCES scheduled_gifts(id),
        occurrence int NOT NULL CHECK (occurrence BETWEEN 1 AND 52),
        local_date date NOT NULL,
        charge_at timestamptz NOT NULL,
        status text NOT NULL DEFAULT 'planned' CHECK (status IN ('planned', 'charging', 'paid', 'failed')),
        donation_id uuid UNIQUE REFERENCES donations(id),
        stripe_payment_intent_id text,
        failure_code text,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (scheduled_gift_id, occurrence),
        CHECK (status = 'planned' OR donation_id IS NOT NULL)
      )`);
    await q.query(`CREATE INDEX scheduled_charges_due_idx ON scheduled_charges (charge_at) WHERE status IN ('planned', 'charging')`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE scheduled_charges`);
    await q.query(`DROP TABLE scheduled_gifts`);
  }
}
