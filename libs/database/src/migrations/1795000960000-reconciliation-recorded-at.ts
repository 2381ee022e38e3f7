import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Reconciliation reads the ledger's Stripe-sourced entries written since its window started, by
 * `recorded_at`, not `occurred_at`: an entry posted late (a webhook retried for days) carries the
 * Stripe object's old time and would otherwise never be looked at. Every entry that happened in the
 * window was also recorded in it, so the recorded_at index replaces the occurred_at one.
 */
export class ReconciliationRecordedAt1795000960000 implements MigrationInterface {
  name = 'ReconciliationRecordedAt1795000960000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX journal_entries_reconciled_idx`);
    await q.query(`CREATE INDEX journal_entries_reconciled_recorded_idx ON journal_entries (recorded_at)
      WHERE kind IN ('donation', 'processing_fee', 'refund', 'dispute', 'dispute_fee', 'dispute_reversal', 'dispute_fee_refund', 'payout', 'payout_reversal')`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX journal_entries_reconciled_recorded_idx`);
    await q.query(`CREATE INDEX journal_entries_reconciled_idx ON journal_entries (occurred_at)
      WHERE kind IN ('donation', 'processing_fee', 'refund', 'dispute', 'dispute_fee', 'dispute_reversal', 'dispute_fee_refund', 'payout', 'payout_reversal')`);
  }
}
