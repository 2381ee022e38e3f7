import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The double-entry ledger (design section 6). Invariants are enforced by PostgreSQL itself:
 * - postings are signed minor units (debit > 0, credit < 0) and never zero;
 * - every journal entry balances to zero per currency and has at least two postings: a DEFERRED
 *   constraint trigger checks it at COMMIT, so a unit of work may insert postings one by one;
 * - an account has exactly one currency: postings reference (account code, currency), and a campaign
 *   account code exists in one currency only;
 * - accounts, entries and postings are append-only (`ataa_forbid_mutation`, also on TRUNCATE);
 * - each business fact is posted at most once: UNIQUE (source_id, kind);
 * - cached balances are maintained by a trigger in the same transaction as the posting, and cannot be
 *   changed by anything but that trigger.
 * - per-campaign totals (raised, fees, refunds, disputes, payouts) are kept by the ledger service in
 *   the same transaction, so pages never SUM over postings.
 */
export class Ledger1795000200000 implements MigrationInterface {
  name = 'Ledger1795000200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE ledger_accounts (
        code text NOT NULL CHECK (code ~ '^(platform|campaign):[a-z0-9:_-]{1,120}$'),
        currency text NOT NULL CHECK (currency ~ '^[a-z]{3}$'),
        type text NOT NULL CHECK (type IN ('asset', 'liability', 'revenue', 'expense', 'equity')),
        campaign_id uuid,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (code, currency),
        CHECK ((campaign_id IS NOT NULL) = (code LIKE 'campaign:%'))
      )`);
    // One currency per campaign account (platform accounts exist once per currency).
    await q.query(`CREATE UNIQUE INDEX ledger_accounts_campaign_code_uq ON ledger_accounts (code) WHERE campaign_id IS NOT NULL`);

    await q.query(`
      CREATE TABLE journal_entries (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        seq bigserial NOT NULL UNIQUE,
        kind text NOT NULL CHECK (kind ~ '^[a-z_]{1,40}$'),
        source_id text NOT NULL CHECK (length(source_id) BETWEEN 1 AND 255),
        campaign_id uuid,
        currency text NOT NULL CHECK (currency ~ '^[a-z]{3}$'),
        occurred_at timestamptz NOT NULL,
        recorded_at timestamptz NOT NULL DEFAULT now(),
        memo text CHECK (length(memo) <= 500),
        metadata jsonb NOT NULL DEFAULT '{}'::jsonb,
        CONSTRAINT journal_entries_source_kind_uq UNIQUE (source_id, kind)
      )`);
    await q.query(`CREATE INDEX journal_entries_campaign_idx ON journal_entries (campaign_id, seq) WHERE campaign_id IS NOT NULL`);

    await q.query(`
      CREATE TABLE postings (
        id bigserial PRIMARY KEY,
        entry_id uuid NOT NULL REFERENCES journal_entries(id),
        account_code text NOT NULL,
        currency text NOT NULL,
        amount bigint NOT NULL CHECK (amount <> 0),
        FOREIGN KEY (account_code, currency) REFERENCES ledger_accounts(code, currency)
      )`);
    await q.query(`CREATE INDEX postings_entry_idx ON postings (entry_id)`);
    await q.query(`CREATE INDEX postings_account_idx ON postings (account_code, currency, id)`);

    await q.query(`
      CREATE TABLE ledger_balances (
        account_code text NOT NULL,
        currency text NOT NULL,
        balance bigint NOT NULL DEFAULT 0,
        postings_count bigint NOT NULL DEFAULT 0,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (account_code, currency),
        FOREIGN KEY (account_code, currency) REFERENCES ledger_accounts(code, currency)
      )`);

    await q.query(`
      CREATE TABLE campaign_ledger_totals (
        campaign_id uuid PRIMARY KEY,
        currency text NOT NULL,
        raised bigint NOT NULL DEFAULT 0,
        donations_count bigint NOT NULL DEFAULT 0,
        processing_fees bigint NOT NULL DEFAULT 0,
        platform_fees bigint NOT NULL DEFAULT 0,
        refunded bigint NOT NULL DEFAULT 0,
        disputed bigint NOT NULL DEFAULT 0,
        paid_out bigint NOT NULL DEFAULT 0,
        other bigint NOT NULL DEFAULT 0,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);

    // Every entry balances to zero per currency and has at least two postings, checked at COMMIT.
    await q.query(`
      CREATE FUNCTION ledger_check_entry_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
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
    await q.query(`
      CREATE CONSTRAINT TRIGGER postings_balanced AFTER INSERT ON postings
      DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ledger_check_entry_balanced()`);
    await q.query(`
      CREATE CONSTRAINT TRIGGER journal_entries_have_postings AFTER INSERT ON journal_entries
      DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ledger_check_entry_balanced()`);

    // Cached balances move with the postings, in the same transaction, by the database itself.
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

    // Balances change only through the posting trigger (nested trigger depth), never directly.
    await q.query(`
      CREATE FUNCTION ledger_guard_balances() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF pg_trigger_depth() < 2 THEN
          RAISE EXCEPTION 'ledger_balances is maintained by the postings trigger: % is not allowed', TG_OP USING ERRCODE = 'insufficient_privilege';
        END IF;
        IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
        RETURN NEW;
      END $$`);
    await q.query(`CREATE TRIGGER ledger_balances_guard BEFORE INSERT OR UPDATE OR DELETE ON ledger_balances FOR EACH ROW EXECUTE FUNCTION ledger_guard_balances()`);

    for (const table of ['ledger_accounts', 'journal_entries', 'postings']) {
      await q.query(`CREATE TRIGGER ${table}_append_only BEFORE UPDATE OR DELETE ON ${table} FOR EACH ROW EXECUTE FUNCTION ataa_forbid_mutation()`);
      await q.query(`CREATE TRIGGER ${table}_no_truncate BEFORE TRUNCATE ON ${table} FOR EACH STATEMENT EXECUTE FUNCTION ataa_forbid_mutation()`);
    }
    await q.query(`CREATE TRIGGER ledger_balances_no_truncate BEFORE TRUNCATE ON ledger_balances FOR EACH STATEMENT EXECUTE FUNCTION ataa_forbid_mutation()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE campaign_ledger_totals`);
    await q.query(`DROP TABLE ledger_balances`);
    await q.query(`DROP TABLE postings`);
    await q.query(`DROP TABLE journal_entries`);
    await q.query(`DROP TABLE ledger_accounts`);
    await q.query(`DROP FUNCTION ledger_guard_balances()`);
    await q.query(`DROP FUNCTION ledger_apply_posting()`);
    await q.query(`DROP FUNCTION ledger_check_entry_balanced()`);
  }
}
