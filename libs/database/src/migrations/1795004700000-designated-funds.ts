import { MigrationInterface, QueryRunner } from 'typeorm';

const CODE = `'^[a-z0-9]+(-[a-z0-9]+)*$'`;

/**
 * Designated (restricted) funds, zakat included (issue 21, item 2; docs/designations.md).
 * - `campaigns.designations`: what the campaign declared (`[{code, labelEn, labelAr, zakat}]`); empty:
 *   the campaign has the implicit `general` only and behaves exactly as before.
 * - `donations.designation`: what the donor chose (NULL: the campaign declared none, so `general`).
 * - `postings.designation`: the designation a posting to a campaign account moves (NULL on platform
 *   accounts; NULL on campaign accounts only for postings made before this migration, read as `general`).
 * - `ledger_designation_balances`: a campaign account's balance per designation, kept by a
 *   statement-level trigger on postings next to `postings_apply_balances` (one more upsert per
 *   postings statement), never written directly. Rows are created from the existing postings (all `general`).
 * - The database refuses a payout beyond a designation's funds: a statement that credits a
 *   campaign's `payouts_pending` (a payout hold) may not leave that designation's `funds` balance
 *   overdrawn (check_violation, `ledger_designation_overdrawn`). The upsert locks the designation's row,
 *   so two holds on one designation queue there and the second sees the first.
 * - `payouts.designation` (the designation a payout spends) and `payouts.draws` (the gifts it drew
 *   from, first in first out, recorded when it is paid).
 * - `public_ledger_entries.designation` and `draws`: leaf format 4 (format 3 + `designation`, + `draws`
 *   on a payout), for entries of campaigns that declared designations.
 */
export class DesignatedFunds1795004700000 implements MigrationInterface {
  name = 'DesignatedFunds1795004700000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE campaigns ADD COLUMN designations jsonb NOT NULL DEFAULT '[]'::jsonb
      CONSTRAINT campaigns_designations_check CHECK (jsonb_typeof(designations) = 'array' AND jsonb_array_length(designations) <= 20)`);
    await q.query(`ALTER TABLE donations ADD COLUMN designation text CONSTRAINT donations_designation_check CHECK (designation ~ ${CODE} AND length(designation) <= 40)`);
    await q.query(`ALTER TABLE postings ADD COLUMN designation text CONSTRAINT postings_designation_check CHECK (designation ~ ${CODE} AND length(designation) <= 40)`);
    await q.query(`
      CREATE TABLE ledger_designation_balances (
        account_code text NOT NULL,
        currency text NOT NULL,
        designation text NOT NULL CHECK (designation ~ ${CODE}),
        balance bigint NOT NULL DEFAULT 0,
        postings_count bigint NOT NULL DEFAULT 0,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (account_code, currency, designation),
        CHECK (account_code LIKE 'campaign:%')
      )`);
    await q.query(`
      INSERT INTO ledger_designation_balances (account_code, currency, designation, balance, postings_count)
      SELECT account_code, currency, coalesce(designation, 'general'), sum(amount), count(*)
        FROM postings WHERE account_code LIKE 'campaign:%' GROUP BY 1, 2, 3`);
    await q.query(`
      CREATE FUNCTION ledger_apply_designations() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        over record;
      BEGIN
        INSERT INTO ledger_designation_balances AS b (account_code, currency, designation, balance, postings_count, updated_at)
        SELECT p.account_code, p.currency, coalesce(p.designation, 'general'), sum(p.amount), count(*), now()
          FROM new_postings p WHERE p.account_code LIKE 'campaign:%'
         GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
        ON CONFLICT (account_code, currency, designation) DO UPDATE
          SET balance = b.balance + EXCLUDED.balance, postings_count = b.postings_count + EXCLUDED.postings_count, updated_at = EXCLUDED.updated_at;
        -- A payout hold (a credit to payouts_pending) may not overdraw its designation's funds (credit-normal: funded is negative).
        SELECT f.account_code, f.designation, f.balance INTO over
          FROM (SELECT DISTINCT left(p.account_code, length(p.account_code) - length('payouts_pending')) || 'funds' AS funds, p.currency, coalesce(p.designation, 'general') AS designation
                  FROM new_postings p WHERE p.account_code LIKE 'campaign:%:payouts_pending' AND p.amount < 0) h
          JOIN ledger_designation_balances f ON f.account_code = h.funds AND f.currency = h.currency AND f.designation = h.designation
         WHERE f.balance > 0 LIMIT 1;
        IF FOUND THEN
          RAISE EXCEPTION 'payout hold overdraws designation % of %: short by %', over.designation, over.account_code, over.balance
            USING ERRCODE = 'check_violation', CONSTRAINT = 'ledger_designation_overdrawn';
        END IF;
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE TRIGGER postings_apply_designations AFTER INSERT ON postings REFERENCING NEW TABLE AS new_postings
      FOR EACH STATEMENT EXECUTE FUNCTION ledger_apply_designations()`);
    await q.query(`
      CREATE FUNCTION ledger_guard_designation_balances() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF pg_trigger_depth() < 2 THEN
          RAISE EXCEPTION 'ledger_designation_balances is maintained by the postings trigger: % is not allowed', TG_OP USING ERRCODE = 'insufficient_privilege';
        END IF;
        IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
        RETURN NEW;
      END $$`);
    await q.query(`CREATE TRIGGER ledger_designation_balances_guard BEFORE INSERT OR UPDATE OR DELETE ON ledger_designation_balances FOR EACH ROW EXECUTE FUNCTION ledger_guard_designation_balances()`);
    await q.query(`CREATE TRIGGER ledger_designation_balances_no_truncate BEFORE TRUNCATE ON ledger_designation_balances FOR EACH STATEMENT EXECUTE FUNCTION ataa_forbid_mutation()`);

    await q.query(`ALTER TABLE payouts ADD COLUMN designation text NOT NULL DEFAULT 'general' CONSTRAINT payouts_designation_check CHECK (designation ~ ${CODE} AND length(designation) <= 40)`);
    await q.query(`ALTER TABLE payouts ADD COLUMN draws jsonb CONSTRAINT payouts_draws_check CHECK (draws IS NULL OR jsonb_typeof(draws) = 'array')`);

    await q.query(`ALTER TABLE public_ledger_entries ADD COLUMN designation text CONSTRAINT public_ledger_entries_designation_check CHECK (designation ~ ${CODE} AND length(designation) <= 40)`);
    await q.query(`ALTER TABLE public_ledger_entries ADD COLUMN draws jsonb`);
    await q.query(`ALTER TABLE public_ledger_entries DROP CONSTRAINT public_ledger_entries_leaf_format_check`);
    await q.query(`ALTER TABLE public_ledger_entries ADD CONSTRAINT public_ledger_entries_leaf_format_check CHECK (leaf_format IN (3, 4))`);
    await q.query(`ALTER TABLE public_ledger_entries ADD CONSTRAINT public_ledger_entries_format4_check CHECK (
      (leaf_format = 4) = (designation IS NOT NULL) AND (draws IS NULL OR (leaf_format = 4 AND kind = 'payout' AND jsonb_typeof(draws) = 'array')))`);
  }

  async down(q: QueryRunner): Promise<void> {
    const [{ n }] = await q.query(`SELECT count(*)::int AS n FROM public_ledger_entries WHERE leaf_format = 4`);
    if (n > 0) throw new Error('format-4 entries are in public logs: they cannot be removed');
    await q.query(`ALTER TABLE public_ledger_entries DROP CONSTRAINT public_ledger_entries_format4_check`);
    await q.query(`ALTER TABLE public_ledger_entries DROP CONSTRAINT public_ledger_entries_leaf_format_check`);
    await q.query(`ALTER TABLE public_ledger_entries ADD CONSTRAINT public_ledger_entries_leaf_format_check CHECK (leaf_format = 3)`);
    await q.query(`ALTER TABLE public_ledger_entries DROP COLUMN draws, DROP COLUMN designation`);
    await q.query(`ALTER TABLE payouts DROP COLUMN draws, DROP COLUMN designation`);
    await q.query(`DROP TABLE ledger_designation_balances`);
    await q.query(`DROP FUNCTION ledger_guard_designation_balances()`);
    await q.query(`DROP TRIGGER postings_apply_designations ON postings`);
    await q.query(`DROP FUNCTION ledger_apply_designations()`);
    await q.query(`ALTER TABLE postings DROP COLUMN designation`);
    await q.query(`ALTER TABLE donations DROP COLUMN designation`);
    await q.query(`ALTER TABLE campaigns DROP COLUMN designations`);
  }
}
