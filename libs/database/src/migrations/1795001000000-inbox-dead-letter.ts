import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Stuck events are never silent; paid gifts always post (issue 14).
 * - `stripe_events.dead_lettered_at`: an inbox event that failed INBOX_MAX_ATTEMPTS times stops
 *   being retried (the sweep skips it) and waits, with its `last_error`, for an operator to retry
 *   it. The partial index serves the operator list and the gauge; the sweep's unprocessed index
 *   is narrowed to events still live.
 * - `reconciliation_differences.kind` gains `charge_not_posted`: a succeeded charge whose gift is
 *   not posted in the ledger within RECONCILIATION_POSTING_DEADLINE_SECONDS.
 */
export class InboxDeadLetter1795001000000 implements MigrationInterface {
  name = 'InboxDeadLetter1795001000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE stripe_events ADD COLUMN dead_lettered_at timestamptz`);
    await q.query(`ALTER TABLE stripe_events ADD CONSTRAINT stripe_events_dead_letter_unprocessed CHECK (dead_lettered_at IS NULL OR processed_at IS NULL)`);
    await q.query(`CREATE INDEX stripe_events_dead_lettered_idx ON stripe_events (dead_lettered_at DESC, id DESC) WHERE dead_lettered_at IS NOT NULL`);
    await q.query(`DROP INDEX stripe_events_unprocessed_idx`);
    await q.query(`CREATE INDEX stripe_events_unprocessed_idx ON stripe_events (received_at) WHERE processed_at IS NULL AND dead_lettered_at IS NULL`);
    await q.query(`ALTER TABLE reconciliation_differences DROP CONSTRAINT reconciliation_differences_kind_check`);
    await q.query(`ALTER TABLE reconciliation_differences ADD CONSTRAINT reconciliation_differences_kind_check
      CHECK (kind IN ('missing_in_ledger', 'missing_on_stripe', 'amount_mismatch', 'duplicate', 'charge_not_posted'))`);
  }

  async down(q: QueryRunner): Promise<void> {
    // The previous schema cannot hold the new kind: its rows go with it.
    await q.query(`DELETE FROM reconciliation_differences WHERE kind = 'charge_not_posted'`);
    await q.query(`ALTER TABLE reconciliation_differences DROP CONSTRAINT reconciliation_differences_kind_check`);
    await q.query(`ALTER TABLE reconciliation_differences ADD CONSTRAINT reconciliation_differences_kind_check
      CHECK (kind IN ('missing_in_ledger', 'missing_on_stripe', 'amount_mismatch', 'duplicate'))`);
    await q.query(`DROP INDEX stripe_events_unprocessed_idx`);
    await q.query(`CREATE INDEX stripe_events_unprocessed_idx ON stripe_events (received_at) WHERE processed_at IS NULL`);
    await q.query(`DROP INDEX stripe_events_dead_lettered_idx`);
    await q.query(`ALTER TABLE stripe_events DROP CONSTRAINT stripe_events_dead_letter_unprocessed`);
    await q.query(`ALTER TABLE stripe_events DROP COLUMN dead_lettered_at`);
  }
}
