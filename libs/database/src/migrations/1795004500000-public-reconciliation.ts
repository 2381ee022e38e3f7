import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Reconciliation in public (issue 21, item 7): each campaign's report and ledger pages read the
 * campaign's differences, open and resolved, on every render after a run; an index makes that a
 * lookup rather than a scan of every difference ever found.
 */
export class PublicReconciliation1795004500000 implements MigrationInterface {
  name = 'PublicReconciliation1795004500000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX reconciliation_differences_campaign_idx ON reconciliation_differences (campaign_id, first_seen_at) WHERE campaign_id IS NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX reconciliation_differences_campaign_idx`);
  }
}
