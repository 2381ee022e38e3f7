import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Receipts and the transactional outbox.
 * - `outbox`: written in the same transaction as the business change (donation settled, refund);
 *   a relay moves unrelayed rows to BullMQ (job id = outbox id). `dedupe_key` makes enqueueing a
 *   receipt for the same gift twice a no-op, so a replayed webhook never sends a second receipt.
 * - `receipt_counters`: one row per (organization, year), locked FOR UPDATE while a number is
 *   taken, in the same transaction that stores the receipt: numbers have no gaps and are never reused.
 * - `receipts`: every message sent (or attempted), with its number, Message-ID and delivery state.
 *   `sent_at` is the idempotency guard; a lease (`sending_until`) keeps two workers from sending at once.
 */
export class Notifications1795000400000 implements MigrationInterface {
  name = 'Notifications1795000400000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE outbox (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        kind text NOT NULL CHECK (kind IN ('donation_receipt', 'refund_notice', 'payout_notice', 'receipt_copy')),
        aggregate_id text NOT NULL CHECK (length(aggregate_id) BETWEEN 1 AND 200),
        dedupe_key text UNIQUE,
        payload jsonb NOT NULL DEFAULT '{}'::jsonb,
        created_at timestamptz NOT NULL DEFAULT now(),
        relayed_at timestamptz,
        relay_count int NOT NULL DEFAULT 0,
        status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed', 'skipped')),
        finished_at timestamptz,
        last_error text,
        CHECK ((status = 'pending') = (finished_at IS NULL))
      )`);
    await q.query(`CREATE INDEX outbox_unrelayed_idx ON outbox (created_at) WHERE relayed_at IS NULL`);
    await q.query(`CREATE INDEX outbox_unfinished_idx ON outbox (relayed_at) WHERE finished_at IS NULL`);
    await q.query(`CREATE INDEX outbox_aggregate_idx ON outbox (aggregate_id)`);

    await q.query(`
      CREATE TABLE receipt_counters (
        organization_id uuid NOT NULL,
        year int NOT NULL CHECK (year BETWEEN 2000 AND 9999),
        last_number int NOT NULL CHECK (last_number >= 0),
        PRIMARY KEY (organization_id, year)
      )`);

    await q.query(`
      CREATE TABLE receipts (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        outbox_id uuid NOT NULL UNIQUE REFERENCES outbox(id),
        kind text NOT NULL CHECK (kind IN ('donation_receipt', 'refund_notice', 'receipt_copy')),
        organization_id uuid NOT NULL,
        donation_id text NOT NULL,
        aggregate_id text NOT NULL,
        year int NOT NULL,
        sequence int,
        receipt_number text,
        copy_of uuid REFERENCES receipts(id),
        recipient text NOT NULL,
        locale text NOT NULL,
        message_id text NOT NULL UNIQUE,
        status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
        attempts int NOT NULL DEFAULT 0,
        last_error text,
        sending_until timestamptz,
        sent_at timestamptz,
        failed_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        CHECK ((kind = 'donation_receipt') = (sequence IS NOT NULL AND copy_of IS NULL)),
        CHECK (kind <> 'receipt_copy' OR copy_of IS NOT NULL)
      )`);
    // One original receipt per gift and one number per (organization, year): enforced, not hoped for.
    await q.query(`CREATE UNIQUE INDEX receipts_number_uq ON receipts (organization_id, year, sequence) WHERE kind = 'donation_receipt'`);
    await q.query(`CREATE UNIQUE INDEX receipts_donation_uq ON receipts (donation_id) WHERE kind = 'donation_receipt'`);
    await q.query(`CREATE INDEX receipts_org_status_idx ON receipts (organization_id, status, created_at DESC)`);
    await q.query(`CREATE INDEX receipts_donation_idx ON receipts (donation_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE receipts`);
    await q.query(`DROP TABLE receipt_counters`);
    await q.query(`DROP TABLE outbox`);
  }
}
