import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A payout split across designations (issue 21, item 2; docs/designations.md, "Payouts").
 * - `payouts.parts`: `[{ designation, amount }]` (2 to 21 parts, distinct codes, positive amounts
 *   adding up to the payout), and from its payment on each part's FIFO `draws`; NULL for a payout of
 *   one designation, which keeps it in `payouts.designation` (so exactly one of the two is set).
 * - `public_ledger_entries.parts` and leaf format 5: a split payout's public entry (and its
 *   reversals') lists its parts instead of one designation; formats 1 to 4 are unchanged.
 * The ledger's own guard (`ledger_designation_overdrawn`) already holds per designation: a split
 * hold posts one pair of postings per part, each in its designation.
 */
export class SplitPayouts1795004740000 implements MigrationInterface {
  name = 'SplitPayouts1795004740000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION payout_parts_valid(parts jsonb, total bigint) RETURNS boolean LANGUAGE plpgsql IMMUTABLE AS $$
      DECLARE
        ok boolean;
      BEGIN
        IF jsonb_typeof(parts) <> 'array' OR jsonb_array_length(parts) NOT BETWEEN 2 AND 21 THEN RETURN false; END IF;
        IF EXISTS (SELECT 1 FROM jsonb_array_elements(parts) p WHERE jsonb_typeof(p) <> 'object' OR jsonb_typeof(p -> 'amount') IS DISTINCT FROM 'string'
                     OR jsonb_typeof(p -> 'designation') IS DISTINCT FROM 'string') THEN RETURN false; END IF;
        SELECT bool_and((p ->> 'amount') ~ '^[1-9][0-9]{0,17}$' AND (p ->> 'designation') ~ '^[a-z0-9]+(-[a-z0-9]+)*$' AND length(p ->> 'designation') <= 40)
               AND count(DISTINCT p ->> 'designation') = count(*)
          INTO ok FROM jsonb_array_elements(parts) p;
        IF NOT ok THEN RETURN false; END IF;
        RETURN (SELECT sum((p ->> 'amount')::numeric) FROM jsonb_array_elements(parts) p) = total;
      END $$`);
    await q.query(`ALTER TABLE payouts ADD COLUMN parts jsonb`);
    await q.query(`ALTER TABLE payouts ALTER COLUMN designation DROP NOT NULL`);
    await q.query(`ALTER TABLE payouts ADD CONSTRAINT payouts_parts_check CHECK ((parts IS NULL) = (designation IS NOT NULL) AND (parts IS NULL OR payout_parts_valid(parts, amount)))`);

    await q.query(`ALTER TABLE public_ledger_entries ADD COLUMN parts jsonb`);
    await q.query(`ALTER TABLE public_ledger_entries DROP CONSTRAINT public_ledger_entries_leaf_format_check`);
    await q.query(`ALTER TABLE public_ledger_entries ADD CONSTRAINT public_ledger_entries_leaf_format_check CHECK (leaf_format IN (3, 4, 5))`);
    await q.query(`ALTER TABLE public_ledger_entries ADD CONSTRAINT public_ledger_entries_format5_check CHECK (
      (coalesce(leaf_format, 0) = 5) = (parts IS NOT NULL)
      AND (parts IS NULL OR (kind IN ('payout', 'payout_reversal') AND designation IS NULL AND draws IS NULL AND jsonb_typeof(parts) = 'array' AND jsonb_array_length(parts) BETWEEN 1 AND 21)))`);
  }

  async down(q: QueryRunner): Promise<void> {
    const [{ n }] = await q.query(`SELECT count(*)::int AS n FROM public_ledger_entries WHERE leaf_format = 5`);
    if (n > 0) throw new Error('format-5 entries are in public logs: they cannot be removed');
    const [{ m }] = await q.query(`SELECT count(*)::int AS m FROM payouts WHERE parts IS NOT NULL`);
    if (m > 0) throw new Error('split payouts exist: they cannot be folded into one designation');
    await q.query(`ALTER TABLE public_ledger_entries DROP CONSTRAINT public_ledger_entries_format5_check`);
    await q.query(`ALTER TABLE public_ledger_entries DROP CONSTRAINT public_ledger_entries_leaf_format_check`);
    await q.query(`ALTER TABLE public_ledger_entries ADD CONSTRAINT public_ledger_entries_leaf_format_check CHECK (leaf_format IN (3, 4))`);
    await q.query(`ALTER TABLE public_ledger_entries DROP COLUMN parts`);
    await q.query(`ALTER TABLE payouts DROP CONSTRAINT payouts_parts_check`);
    await q.query(`ALTER TABLE payouts ALTER COLUMN designation SET NOT NULL`);
    await q.query(`ALTER TABLE payouts DROP COLUMN parts`);
    await q.query(`DROP FUNCTION payout_parts_valid(jsonb, bigint)`);
  }
}
