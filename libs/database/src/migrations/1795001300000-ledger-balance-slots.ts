import { MigrationInterface, QueryRunner } from 'typeorm';

/** Rows each platform account's balance is striped over (slots 0 to BALANCE_SLOTS - 1). */
const BALANCE_SLOTS = 16;

/**
 * No hot platform rows (issue 16). Every gift posts to `platform:stripe_balance`, `fee_revenue` and
 * `processing_fees`; with one cached balance row each, updated by a per-row trigger, every settling
 * transaction held those three row locks from its postings until its commit, so gifts settled one
 * after another however many workers ran.
 *
 * - Striped balances: `ledger_balances` gains `slot` in its primary key. A platform account's balance
 *   is spread over up to 16 rows; each transaction adds to the row of its own slot, its transaction
 *   id modulo 16. Transaction ids are handed out in order at a transaction's first write, so
 *   transactions running at the same time hold nearby ids and land on different rows (round robin;
 *   a backend pid would pin each pooled connection to one slot for its life, and two connections
 *   of a pool of 8 would likely share one). All statements of one transaction use its one slot, so it
 *   locks at most one row per platform account, in account order as before. Campaign accounts stay
 *   on slot 0 (CHECK): their row serializes the gifts of one campaign, which its totals and public
 *   log rows do anyway. A balance is the sum over an account's rows: the view
 *   `ledger_account_balances` (readers use it, filtered by account so only its rows are summed).
 *   Existing rows become slot 0.
 * - One balance update per account per statement: the per-row `postings_apply_balance` trigger is
 *   replaced by a statement-level trigger over the statement's new postings (transition table),
 *   which adds per (account, currency) their sum and count in one upsert, in account order. The
 *   guard on `ledger_balances` (`pg_trigger_depth() < 2` refuses what is not run by a trigger) still
 *   holds: the upsert runs at depth 1, its row triggers at 2. No TRUNCATE, as before.
 * - The deferred balance check (`postings_balanced`, `journal_entries_have_postings`), as strong
 *   and cheaper: one query per check instead of two, and a posting's own check is skipped when its
 *   entry was inserted by this transaction (not in a savepoint: `xmin` is the transaction's id)
 *   and no entry check has run before the statement that inserted the posting. Then the entry's
 *   own check is still pending, fires at commit after the posting was written (it was queued
 *   before the posting's), and checks the entry whole. An entry check run early (`SET CONSTRAINTS
 *   ... IMMEDIATE`) sets `ataa.ledger_entry_checked` for the transaction; every postings INSERT
 *   statement that starts after it sets `ataa.ledger_postings_recheck`, and from then on postings
 *   are checked one by one as before (both flags are transaction-local and undone with a savepoint
 *   rolled back, as are the checks that ran in it). A posting added to an entry of another
 *   transaction is always checked.
 */
export class LedgerBalanceSlots1795001300000 implements MigrationInterface {
  name = 'LedgerBalanceSlots1795001300000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE ledger_balances ADD COLUMN slot smallint NOT NULL DEFAULT 0`);
    await q.query(`ALTER TABLE ledger_balances DROP CONSTRAINT ledger_balances_pkey`);
    await q.query(`ALTER TABLE ledger_balances ADD CONSTRAINT ledger_balances_pkey PRIMARY KEY (account_code, currency, slot)`);
    await q.query(`
      ALTER TABLE ledger_balances ADD CONSTRAINT ledger_balances_slot_check
      CHECK (slot >= 0 AND slot < ${BALANCE_SLOTS} AND (slot = 0 OR account_code LIKE 'platform:%'))`);
    await q.query(`
      CREATE VIEW ledger_account_balances AS
      SELECT account_code, currency, sum(balance)::bigint AS balance, sum(postings_count)::bigint AS postings_count, max(updated_at) AS updated_at
      FROM ledger_balances GROUP BY account_code, currency`);

    await q.query(`DROP TRIGGER postings_apply_balance ON postings`);
    await q.query(`DROP FUNCTION ledger_apply_posting()`);
    await q.query(`
      CREATE FUNCTION ledger_apply_postings() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO ledger_balances AS b (account_code, currency, slot, balance, postings_count, updated_at)
        SELECT p.account_code, p.currency,
               CASE WHEN p.account_code LIKE 'platform:%' THEN (pg_current_xact_id()::text::bigint % ${BALANCE_SLOTS})::smallint ELSE 0 END,
               sum(p.amount), count(*), now()
        FROM new_postings p GROUP BY p.account_code, p.currency ORDER BY p.account_code, p.currency
        ON CONFLICT (account_code, currency, slot) DO UPDATE
          SET balance = b.balance + EXCLUDED.balance, postings_count = b.postings_count + EXCLUDED.postings_count, updated_at = EXCLUDED.updated_at;
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE TRIGGER postings_apply_balances AFTER INSERT ON postings REFERENCING NEW TABLE AS new_postings
      FOR EACH STATEMENT EXECUTE FUNCTION ledger_apply_postings()`);

    await q.query(`
      CREATE OR REPLACE FUNCTION ledger_check_entry_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        entry uuid;
        n bigint;
        off_currency text;
        off_by numeric;
      BEGIN
        IF TG_TABLE_NAME = 'postings' THEN
          entry := NEW.entry_id;
          -- The entry's own check is still to come and will see this posting (see the migration's comment).
          IF current_setting('ataa.ledger_postings_recheck', true) IS DISTINCT FROM 'on'
             AND EXISTS (SELECT 1 FROM journal_entries WHERE id = entry AND xmin = pg_current_xact_id()::xid) THEN
            RETURN NULL;
          END IF;
        ELSE
          entry := NEW.id;
          IF current_setting('ataa.ledger_entry_checked', true) IS DISTINCT FROM 'on' THEN
            PERFORM set_config('ataa.ledger_entry_checked', 'on', true);
          END IF;
        END IF;
        SELECT coalesce(sum(c.n), 0), (array_agg(c.currency ORDER BY c.currency) FILTER (WHERE c.total <> 0))[1],
               (array_agg(c.total ORDER BY c.currency) FILTER (WHERE c.total <> 0))[1]
          INTO n, off_currency, off_by
          FROM (SELECT currency, count(*) AS n, sum(amount) AS total FROM postings WHERE entry_id = entry GROUP BY currency) c;
        IF n < 2 THEN
          RAISE EXCEPTION 'journal entry % has % posting(s); at least two are required', entry, n USING ERRCODE = 'check_violation';
        END IF;
        IF off_currency IS NOT NULL THEN
          RAISE EXCEPTION 'journal entry % does not balance in %: off by %', entry, off_currency, off_by USING ERRCODE = 'check_violation';
        END IF;
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE FUNCTION ledger_note_postings_after_entry_check() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF current_setting('ataa.ledger_entry_checked', true) = 'on' THEN
          PERFORM set_config('ataa.ledger_postings_recheck', 'on', true);
        END IF;
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE TRIGGER postings_recheck_after_entry_check BEFORE INSERT ON postings
      FOR EACH STATEMENT EXECUTE FUNCTION ledger_note_postings_after_entry_check()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER postings_recheck_after_entry_check ON postings`);
    await q.query(`DROP FUNCTION ledger_note_postings_after_entry_check()`);
    await q.query(`
      CREATE OR REPLACE FUNCTION ledger_check_entry_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        entry uuid;
        unbalanced record;
        n int;
      BEGIN
        IF TG_TABLE_NAME = 'postings' THEN entry := NEW.entry_id; ELSE entry := NEW.id; END IF;
        SELECT count(*) INTO n FROM postings WHERE entry_id = entry;
        IF n < 2 THEN
          RAISE EXCEPTION 'journal entry % has % posting(s); at least two are required', entry, n USING ERRCODE = 'check_violation';
        END IF;
        SELECT currency, sum(amount) AS total INTO unbalanced FROM postings WHERE entry_id = entry GROUP BY currency HAVING sum(amount) <> 0 LIMIT 1;
        IF FOUND THEN
          RAISE EXCEPTION 'journal entry % does not balance in %: off by %', entry, unbalanced.currency, unbalanced.total USING ERRCODE = 'check_violation';
        END IF;
        RETURN NULL;
      END $$`);

    await q.query(`DROP TRIGGER postings_apply_balances ON postings`);
    await q.query(`DROP FUNCTION ledger_apply_postings()`);
    await q.query(`
      CREATE FUNCTION ledger_apply_posting() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO ledger_balances AS b (account_code, currency, balance, postings_count, updated_at)
        VALUES (NEW.account_code, NEW.currency, NEW.amount, 1, now())
        ON CONFLICT (account_code, currency) DO UPDATE
          SET balance = b.balance + EXCLUDED.balance, postings_count = b.postings_count + 1, updated_at = now();
        RETURN NULL;
      END $$`);
    await q.query(`CREATE TRIGGER postings_apply_balance AFTER INSERT ON postings FOR EACH ROW EXECUTE FUNCTION ledger_apply_posting()`);

    // Each account's rows folded into its slot 0 (by the migration itself: the guard is off meanwhile).
    await q.query(`DROP VIEW ledger_account_balances`);
    await q.query(`ALTER TABLE ledger_balances DISABLE TRIGGER ledger_balances_guard`);
    await q.query(`
      WITH moved AS (DELETE FROM ledger_balances WHERE slot <> 0 RETURNING account_code, currency, balance, postings_count, updated_at)
      INSERT INTO ledger_balances AS b (account_code, currency, slot, balance, postings_count, updated_at)
      SELECT account_code, currency, 0, sum(balance), sum(postings_count), max(updated_at) FROM moved GROUP BY account_code, currency
      ON CONFLICT (account_code, currency, slot) DO UPDATE
        SET balance = b.balance + EXCLUDED.balance, postings_count = b.postings_count + EXCLUDED.postings_count,
            updated_at = greatest(b.updated_at, EXCLUDED.updated_at)`);
    await q.query(`ALTER TABLE ledger_balances ENABLE TRIGGER ledger_balances_guard`);
    await q.query(`ALTER TABLE ledger_balances DROP CONSTRAINT ledger_balances_slot_check`);
    await q.query(`ALTER TABLE ledger_balances DROP CONSTRAINT ledger_balances_pkey`);
    await q.query(`ALTER TABLE ledger_balances DROP COLUMN slot`);
    await q.query(`ALTER TABLE ledger_balances ADD CONSTRAINT ledger_balances_pkey PRIMARY KEY (account_code, currency)`);
  }
}
