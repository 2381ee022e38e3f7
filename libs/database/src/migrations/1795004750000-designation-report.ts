import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The report's money in and out per designation (issue 21, items 2 and 4; docs/designations.md).
 *
 * `transparency_designation_totals (campaign_id, designation, kind)`: the count and signed sum of a
 * campaign's public entries per designation and kind, so the report never sums entries per request
 * (as `transparency_totals` per month and kind). An entry's designation is the one
 * `designationOf` gives: its `designation` in leaf format 4, else `general`. Payouts and their
 * reversals are counted too, but the report reads their split entry by entry (a payout may come to
 * spend several designations; `designationShares` in libs/transparency says how much of each).
 *
 * Kept only by the statement-level trigger `public_ledger_entries_designation_totals` (one upsert
 * per append statement, grouped), built here from the entries already appended. Rows are never
 * deleted or truncated.
 */
export class DesignationReport1795004750000 implements MigrationInterface {
  name = 'DesignationReport1795004750000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE transparency_designation_totals (
        campaign_id uuid NOT NULL,
        designation text NOT NULL,
        kind text NOT NULL,
        entries bigint NOT NULL DEFAULT 0 CHECK (entries >= 0),
        amount bigint NOT NULL DEFAULT 0,
        PRIMARY KEY (campaign_id, designation, kind)
      )`);
    await q.query(`
      INSERT INTO transparency_designation_totals (campaign_id, designation, kind, entries, amount)
      SELECT campaign_id, CASE WHEN leaf_format = 4 AND designation IS NOT NULL THEN designation ELSE 'general' END, kind, count(*), sum(amount)
        FROM public_ledger_entries WHERE kind NOT IN ('terms_changed', 'evidence')
       GROUP BY 1, 2, 3`);
    await q.query(`
      CREATE FUNCTION ataa_public_entries_designation_totals() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO transparency_designation_totals AS t (campaign_id, designation, kind, entries, amount)
        SELECT campaign_id, CASE WHEN leaf_format = 4 AND designation IS NOT NULL THEN designation ELSE 'general' END, kind, count(*), sum(amount)
          FROM appended WHERE kind NOT IN ('terms_changed', 'evidence')
         GROUP BY 1, 2, 3
         ORDER BY 1, 2, 3
        ON CONFLICT (campaign_id, designation, kind) DO UPDATE SET entries = t.entries + excluded.entries, amount = t.amount + excluded.amount;
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE TRIGGER public_ledger_entries_designation_totals AFTER INSERT ON public_ledger_entries
        REFERENCING NEW TABLE AS appended FOR EACH STATEMENT EXECUTE FUNCTION ataa_public_entries_designation_totals()`);
    await q.query(`CREATE TRIGGER transparency_designation_totals_no_delete BEFORE DELETE ON transparency_designation_totals FOR EACH ROW EXECUTE FUNCTION ataa_forbid_mutation()`);
    await q.query(`CREATE TRIGGER transparency_designation_totals_no_truncate BEFORE TRUNCATE ON transparency_designation_totals FOR EACH STATEMENT EXECUTE FUNCTION ataa_forbid_mutation()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER public_ledger_entries_designation_totals ON public_ledger_entries`);
    await q.query(`DROP FUNCTION ataa_public_entries_designation_totals()`);
    await q.query(`DROP TABLE transparency_designation_totals`);
  }
}
