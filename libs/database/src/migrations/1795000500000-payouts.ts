import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Payouts (design sections 5 and 6).
 * - `payouts`: one row per request. Its id is the Stripe idempotency key of the transfer. The
 *   status only moves forward (trigger); amount, currency and campaign are fixed. A request made
 *   with an Idempotency-Key (or client request id) exists once per organization and key.
 * - `campaign_payout_funds`: one row per campaign, locked FOR UPDATE by every payout request, so
 *   concurrent requests on a campaign are serialized and can never together exceed what is
 *   available (the hold is posted to the ledger in the same transaction).
 * - The amount up to which requests are approved automatically is the organization's
 *   `payout_approval_threshold` (minor units of the campaign's currency; NULL: an operator decides every one).
 * - `payout_gift_availability`: when each settled gift's Stripe balance transaction becomes
 *   available (read from Stripe), so pending funds can be told from available ones.
 */
export class Payouts1795000500000 implements MigrationInterface {
  name = 'Payouts1795000500000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE campaign_payout_funds (
        campaign_id uuid PRIMARY KEY REFERENCES campaigns(id),
        organization_id uuid NOT NULL REFERENCES organizations(id),
        currency text NOT NULL CHECK (currency ~ '^[a-z]{3}$'),
        requests_count bigint NOT NULL DEFAULT 0,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);

    await q.query(`
      CREATE TABLE payouts (
        id uuid PRIMARY KEY,
        organization_id uuid NOT NULL REFERENCES organizations(id),
        campaign_id uuid NOT NULL REFERENCES campaigns(id),
        currency text NOT NULL CHECK (currency ~ '^[a-z]{3}$'),
        amount bigint NOT NULL CHECK (amount > 0),
        status text NOT NULL CHECK (status IN ('pending_approval', 'approved', 'processing', 'paid', 'failed', 'rejected', 'cancelled', 'reversed')),
        purpose text NOT NULL CHECK (length(purpose) BETWEEN 1 AND 500),
        private_note text CHECK (length(private_note) <= 2000),
        requested_by text NOT NULL,
        idempotency_key text CHECK (length(idempotency_key) BETWEEN 1 AND 255),
        request_fingerprint text,
        approval text CHECK (approval IN ('automatic', 'operator')),
        decided_by text,
        decided_at timestamptz,
        rejection_reason text CHECK (length(rejection_reason) <= 1000),
        cancelled_by text,
        stripe_transfer_id text UNIQUE,
        amount_reversed bigint NOT NULL DEFAULT 0 CHECK (amount_reversed >= 0),
        failure_code text,
        failure_message text,
        attempts int NOT NULL DEFAULT 0,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        executed_at timestamptz,
        CHECK (amount_reversed <= amount),
        CONSTRAINT payouts_idempotency_uq UNIQUE (organization_id, idempotency_key)
      )`);
    await q.query(`CREATE INDEX payouts_campaign_idx ON payouts (campaign_id, created_at DESC, id DESC)`);
    await q.query(`CREATE INDEX payouts_open_idx ON payouts (status, created_at) WHERE status IN ('pending_approval', 'approved', 'processing')`);

    // The state machine only moves forward (invariant 9); amount, currency and campaign are fixed.
    await q.query(`
      CREATE FUNCTION payouts_forward_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.amount <> OLD.amount OR NEW.currency <> OLD.currency OR NEW.campaign_id <> OLD.campaign_id OR NEW.organization_id <> OLD.organization_id THEN
          RAISE EXCEPTION 'payout % amount, currency and campaign are fixed', OLD.id USING ERRCODE = 'check_violation';
        END IF;
        IF OLD.status <> NEW.status AND NOT (
             (OLD.status = 'pending_approval' AND NEW.status IN ('approved', 'rejected', 'cancelled'))
          OR (OLD.status = 'approved' AND NEW.status IN ('processing', 'cancelled'))
          OR (OLD.status = 'processing' AND NEW.status IN ('paid', 'failed'))
          OR (OLD.status = 'paid' AND NEW.status = 'reversed')) THEN
          RAISE EXCEPTION 'payout % cannot go from % to %', OLD.id, OLD.status, NEW.status USING ERRCODE = 'check_violation';
        END IF;
        NEW.updated_at := now();
        RETURN NEW;
      END $$`);
    await q.query(`CREATE TRIGGER payouts_forward_only BEFORE UPDATE ON payouts FOR EACH ROW EXECUTE FUNCTION payouts_forward_only()`);
    await q.query(`CREATE TRIGGER payouts_no_delete BEFORE DELETE ON payouts FOR EACH ROW EXECUTE FUNCTION ataa_forbid_mutation()`);

    await q.query(`
      CREATE TABLE payout_gift_availability (
        donation_id uuid PRIMARY KEY REFERENCES donations(id),
        campaign_id uuid NOT NULL,
        balance_transaction_id text,
        available_on timestamptz,
        available boolean NOT NULL DEFAULT false,
        checked_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX payout_gift_availability_campaign_idx ON payout_gift_availability (campaign_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE payout_gift_availability`);
    await q.query(`DROP TABLE payouts`);
    await q.query(`DROP FUNCTION payouts_forward_only()`);
    await q.query(`DROP TABLE campaign_payout_funds`);
  }
}
