import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Reconciliation of the ledger with Stripe (design section 11).
 * - `reconciliation_runs`: one row per run, with the window it compared (Stripe objects created
 *   from `window_start`, null: all history, to `window_end`) and its counts.
 * - `reconciliation_differences`: one row per difference for as long as it lasts. `key` (kind,
 *   ledger kind, Stripe id) identifies it across runs: at most one open row per key (partial unique
 *   index), so a difference seen again updates its row; one no longer seen gets `resolved_at`.
 */
export class Reconciliation1795000900000 implements MigrationInterface {
  name = 'Reconciliation1795000900000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE reconciliation_runs (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        trigger text NOT NULL CHECK (trigger IN ('schedule', 'operator', 'job')),
        status text NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'succeeded', 'failed')),
        window_start timestamptz,
        window_end timestamptz NOT NULL,
        grace_ms bigint NOT NULL CHECK (grace_ms >= 0),
        started_at timestamptz NOT NULL DEFAULT now(),
        finished_at timestamptz,
        stripe_movements int NOT NULL DEFAULT 0 CHECK (stripe_movements >= 0),
        ledger_entries int NOT NULL DEFAULT 0 CHECK (ledger_entries >= 0),
        matched int NOT NULL DEFAULT 0 CHECK (matched >= 0),
        in_flight int NOT NULL DEFAULT 0 CHECK (in_flight >= 0),
        differences int NOT NULL DEFAULT 0 CHECK (differences >= 0),
        new_differences int NOT NULL DEFAULT 0 CHECK (new_differences >= 0),
        resolved_differences int NOT NULL DEFAULT 0 CHECK (resolved_differences >= 0),
        error text CHECK (length(error) <= 1000),
        CHECK ((status = 'running') = (finished_at IS NULL))
      )`);
    await q.query(`CREATE INDEX reconciliation_runs_started_idx ON reconciliation_runs (started_at DESC)`);
    await q.query(`
      CREATE TABLE reconciliation_differences (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        key text NOT NULL CHECK (length(key) <= 400),
        kind text NOT NULL CHECK (kind IN ('missing_in_ledger', 'missing_on_stripe', 'amount_mismatch', 'duplicate')),
        ledger_kind text NOT NULL CHECK (ledger_kind ~ '^[a-z_]{1,40}$'),
        stripe_object_id text NOT NULL CHECK (length(stripe_object_id) <= 255),
        ledger_entry_id uuid,
        ledger_entry_ids uuid[] NOT NULL DEFAULT '{}',
        stripe_amount bigint,
        ledger_amount bigint,
        currency text NOT NULL CHECK (currency ~ '^[a-z]{3}$'),
        campaign_id uuid,
        occurred_at timestamptz NOT NULL,
        details jsonb NOT NULL DEFAULT '{}',
        first_run_id uuid NOT NULL REFERENCES reconciliation_runs(id),
        last_run_id uuid NOT NULL REFERENCES reconciliation_runs(id),
        resolved_run_id uuid REFERENCES reconciliation_runs(id),
        first_seen_at timestamptz NOT NULL DEFAULT now(),
        last_seen_at timestamptz NOT NULL DEFAULT now(),
        resolved_at timestamptz,
        CHECK ((resolved_at IS NULL) = (resolved_run_id IS NULL))
      )`);
    await q.query(`CREATE UNIQUE INDEX reconciliation_differences_open_key_uq ON reconciliation_differences (key) WHERE resolved_at IS NULL`);
    await q.query(`CREATE INDEX reconciliation_differences_open_idx ON reconciliation_differences (occurred_at) WHERE resolved_at IS NULL`);
    await q.query(`CREATE INDEX reconciliation_differences_key_idx ON reconciliation_differences (key)`);
    // The run reads the ledger's Stripe-sourced entries of its window by time.
    await q.query(`CREATE INDEX journal_entries_reconciled_idx ON journal_entries (occurred_at)
      WHERE kind IN ('donation', 'processing_fee', 'refund', 'dispute', 'dispute_fee', 'dispute_reversal', 'dispute_fee_refund', 'payout', 'payout_reversal')`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX journal_entries_reconciled_idx`);
    await q.query(`DROP TABLE reconciliation_differences`);
    await q.query(`DROP TABLE reconciliation_runs`);
  }
}
