import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Organizations' recurring figures (issue 20, item 5):
 * - `recurring_payment_failures`: one row per failed attempt to pay an invoice of a series, written
 *   with the series' move to `past_due` (the same transaction as its `recurring_notice` e-mail), so
 *   the dashboard and the API count failed payments without reading Stripe. UNIQUE per invoice and
 *   attempt: a redelivered `invoice.payment_failed` records nothing twice. Whether a failure was made
 *   good later is read from the donations (`stripe_invoice_id`), not stored here.
 * - `recurring_gifts_org_idx`: the organization's series for its figures.
 */
export class RecurringPaymentFailures1795004600000 implements MigrationInterface {
  name = 'RecurringPaymentFailures1795004600000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE recurring_payment_failures (
        id bigserial PRIMARY KEY,
        recurring_gift_id uuid NOT NULL REFERENCES recurring_gifts(id),
        organization_id uuid NOT NULL,
        campaign_id uuid NOT NULL REFERENCES campaigns(id),
        stripe_invoice_id text NOT NULL,
        attempt int NOT NULL CHECK (attempt >= 0),
        amount bigint NOT NULL CHECK (amount >= 0),
        currency text NOT NULL CHECK (currency ~ '^[a-z]{3}$'),
        will_retry boolean NOT NULL,
        failed_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (stripe_invoice_id, attempt)
      )`);
    await q.query(`CREATE INDEX recurring_payment_failures_org_idx ON recurring_payment_failures (organization_id, failed_at DESC)`);
    await q.query(`CREATE INDEX recurring_gifts_org_idx ON recurring_gifts (organization_id, created_at DESC)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX recurring_gifts_org_idx`);
    await q.query(`DROP TABLE recurring_payment_failures`);
  }
}
