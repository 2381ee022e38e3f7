import { MigrationInterface, QueryRunner } from 'typeorm';

/** Hash partitions per table. A power of two, so a partition can later be split in two (docs/partitioning.md). */
const GROWING_TABLE_PARTITIONS = 8;

/**
 * The tables that grow with every gift are hash-partitioned (issue 23, item 3; docs/partitioning.md):
 *
 * | table                  | partition key | why this key                                                        |
 * |------------------------|---------------|---------------------------------------------------------------------|
 * | journal_entries        | id            | postings and the balance check find an entry by id                  |
 * | postings               | entry_id      | an entry's postings sit in the partition of the same number         |
 * | public_ledger_entries  | campaign_id   | every read, proof and append is for one campaign's log              |
 * | transparency_nodes     | campaign_id   | the same log                                                        |
 * | stripe_events          | id            | the inbox dedupes by Stripe's event id                              |
 *
 * A partitioned table's unique constraints must contain its partition key. Kept as they were:
 * public entries' (campaign_id, idx) and (campaign_id, source_ref, kind), Merkle nodes'
 * (campaign_id, level, idx), stripe_events' id, journal_entries' id. Two cannot stay on
 * journal_entries: the idempotency key UNIQUE (source_id, kind) and UNIQUE (seq). They move, under
 * their names, to an unpartitioned key table `journal_entry_keys` (source_id, kind, entry_id, seq):
 * every journal entry must match its key row (foreign key on all four columns), and an entry's id
 * is its primary key, so two entries can never share a key row: (source_id, kind) and seq stay
 * unique over the whole ledger, exactly. A BEFORE INSERT trigger writes the key row of an entry
 * inserted directly; the ledger writer claims its keys first (`INSERT ... ON CONFLICT DO NOTHING`
 * on the key table, the idempotent step that `ON CONFLICT (source_id, kind)` on the entries was)
 * and inserts the entries it claimed. postings' key becomes (entry_id, id) (its id is a sequence
 * value nothing refers to); it also serves what postings_entry_idx served, which goes.
 *
 * Kept: every CHECK, default and sequence, every index (per partition), the foreign keys
 * postings -> journal_entries and -> ledger_accounts, and every trigger. Row triggers on a
 * partitioned table are cloned to its partitions (so UPDATE/DELETE on a partition is refused too).
 * Statement triggers are not: TRUNCATE is refused on each partition by its own trigger, and a
 * partition of postings refuses a direct INSERT (its statement-level balance trigger lives on the
 * parent and would not run). On a partition, TG_TABLE_NAME is the partition's name, so the balance
 * check now learns which table it runs for from its trigger argument.
 *
 * The rows are copied into the new tables (before their triggers exist, so balances are not
 * counted twice). down() copies them back into unpartitioned tables built as before.
 */
export class PartitionGrowingTables1795004400000 implements MigrationInterface {
  name = 'PartitionGrowingTables1795004400000';

  async up(q: QueryRunner): Promise<void> {
    // The old tables step aside under another name; the new ones take their names, then their indexes' names.
    for (const t of TABLES) await q.query(`ALTER TABLE ${t.name} RENAME TO ${t.name}_unpartitioned`);
    for (const t of TABLES) {
      await q.query(`CREATE TABLE ${t.name} (LIKE ${t.name}_unpartitioned INCLUDING DEFAULTS INCLUDING CONSTRAINTS) PARTITION BY HASH (${t.key})`);
      for (let r = 0; r < GROWING_TABLE_PARTITIONS; r++) {
        await q.query(`CREATE TABLE ${t.name}_p${r} PARTITION OF ${t.name} FOR VALUES WITH (MODULUS ${GROWING_TABLE_PARTITIONS}, REMAINDER ${r})`);
      }
      await q.query(`INSERT INTO ${t.name} SELECT * FROM ${t.name}_unpartitioned`);
    }
    await q.query(`
      CREATE TABLE journal_entry_keys (
        source_id text NOT NULL,
        kind text NOT NULL,
        entry_id uuid NOT NULL DEFAULT gen_random_uuid(),
        seq bigint NOT NULL DEFAULT nextval('journal_entries_seq_seq')
      )`);
    await q.query(`INSERT INTO journal_entry_keys (source_id, kind, entry_id, seq) SELECT source_id, kind, id, seq FROM journal_entries_unpartitioned`);
    await dropOldTables(q);

    await q.query(`
      ALTER TABLE journal_entry_keys
        ADD CONSTRAINT journal_entries_source_kind_uq PRIMARY KEY (source_id, kind),
        ADD CONSTRAINT journal_entries_seq_key UNIQUE (seq),
        ADD CONSTRAINT journal_entry_keys_entry_uq UNIQUE (entry_id, seq, source_id, kind)`);
    await q.query(`COMMENT ON TABLE journal_entry_keys IS 'The unique keys of journal_entries (hash-partitioned by id): each entry matches exactly one row (migration 1795004400000).'`);

    await q.query(`ALTER TABLE journal_entries ADD CONSTRAINT journal_entries_pkey PRIMARY KEY (id)`);
    await q.query(`
      ALTER TABLE journal_entries ADD CONSTRAINT journal_entries_key_fkey
        FOREIGN KEY (id, seq, source_id, kind) REFERENCES journal_entry_keys (entry_id, seq, source_id, kind)`);
    await q.query(`CREATE INDEX journal_entries_source_kind_idx ON journal_entries (source_id, kind)`);
    await journalEntryIndexes(q);
    await q.query(`ALTER TABLE postings ADD CONSTRAINT postings_pkey PRIMARY KEY (entry_id, id)`);
    await q.query(`CREATE INDEX postings_account_idx ON postings (account_code, currency, id)`);
    await postingForeignKeys(q);
    await otherIndexes(q);

    await q.query(`
      CREATE FUNCTION ledger_claim_entry_key() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        claimed journal_entry_keys%ROWTYPE;
      BEGIN
        INSERT INTO journal_entry_keys (source_id, kind, entry_id, seq) VALUES (NEW.source_id, NEW.kind, NEW.id, NEW.seq)
        ON CONFLICT (source_id, kind) DO NOTHING;
        IF NOT FOUND THEN
          -- Claimed before by the ledger writer for this very entry, or taken by another entry.
          SELECT * INTO claimed FROM journal_entry_keys WHERE source_id = NEW.source_id AND kind = NEW.kind;
          IF claimed.entry_id IS DISTINCT FROM NEW.id OR claimed.seq IS DISTINCT FROM NEW.seq THEN
            RAISE EXCEPTION 'duplicate key value violates unique constraint "journal_entries_source_kind_uq"'
              USING ERRCODE = 'unique_violation', CONSTRAINT = 'journal_entries_source_kind_uq', TABLE = 'journal_entries',
                    DETAIL = format('Key (source_id, kind)=(%s, %s) already exists.', NEW.source_id, NEW.kind);
          END IF;
        END IF;
        RETURN NEW;
      END $$`);
    await q.query(`CREATE TRIGGER journal_entries_claim_key BEFORE INSERT ON journal_entries FOR EACH ROW EXECUTE FUNCTION ledger_claim_entry_key()`);
    await q.query(`CREATE TRIGGER journal_entry_keys_append_only BEFORE UPDATE OR DELETE ON journal_entry_keys FOR EACH ROW EXECUTE FUNCTION ataa_forbid_mutation()`);
    await q.query(`CREATE TRIGGER journal_entry_keys_no_truncate BEFORE TRUNCATE ON journal_entry_keys FOR EACH STATEMENT EXECUTE FUNCTION ataa_forbid_mutation()`);

    await q.query(BALANCE_CHECK_BY_ARGUMENT);
    await ledgerTriggers(q, { checkArgument: true });
    await otherTriggers(q);

    for (const t of TABLES) {
      for (let r = 0; r < GROWING_TABLE_PARTITIONS; r++) {
        const partition = `${t.name}_p${r}`;
        if (t.appendOnly) {
          await q.query(`CREATE TRIGGER ${partition}_no_truncate BEFORE TRUNCATE ON ${partition} FOR EACH STATEMENT EXECUTE FUNCTION ataa_forbid_mutation()`);
        }
        await q.query(`COMMENT ON TABLE ${partition} IS 'Hash partition ${r} of ${GROWING_TABLE_PARTITIONS} of ${t.name} by ${t.key} (migration 1795004400000)'`);
      }
    }
    await q.query(`
      CREATE FUNCTION ledger_postings_through_parent() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'insert into postings, not into its partition %: the balances are kept by the parent''s trigger', TG_TABLE_NAME
          USING ERRCODE = 'insufficient_privilege';
      END $$`);
    for (let r = 0; r < GROWING_TABLE_PARTITIONS; r++) {
      await q.query(`CREATE TRIGGER postings_p${r}_through_parent BEFORE INSERT ON postings_p${r} FOR EACH STATEMENT EXECUTE FUNCTION ledger_postings_through_parent()`);
    }
    await q.query(`ANALYZE ${TABLES.map((t) => t.name).join(', ')}, journal_entry_keys`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of TABLES) await q.query(`ALTER TABLE ${t.name} RENAME TO ${t.name}_partitioned`);
    for (const t of TABLES) {
      await q.query(`CREATE TABLE ${t.name} (LIKE ${t.name}_partitioned INCLUDING DEFAULTS INCLUDING CONSTRAINTS)`);
      await q.query(`INSERT INTO ${t.name} SELECT * FROM ${t.name}_partitioned`);
    }
    await q.query(`ALTER SEQUENCE journal_entries_seq_seq OWNED BY NONE`);
    await q.query(`ALTER SEQUENCE postings_id_seq OWNED BY NONE`);
    for (const t of [...TABLES].reverse()) await q.query(`DROP TABLE ${t.name}_partitioned`);
    await q.query(`DROP TABLE journal_entry_keys`);
    await q.query(`ALTER SEQUENCE journal_entries_seq_seq OWNED BY journal_entries.seq`);
    await q.query(`ALTER SEQUENCE postings_id_seq OWNED BY postings.id`);
    await q.query(`DROP FUNCTION ledger_claim_entry_key()`);
    await q.query(`DROP FUNCTION ledger_postings_through_parent()`);

    await q.query(`ALTER TABLE journal_entries ADD CONSTRAINT journal_entries_pkey PRIMARY KEY (id)`);
    await q.query(`ALTER TABLE journal_entries ADD CONSTRAINT journal_entries_seq_key UNIQUE (seq)`);
    await q.query(`ALTER TABLE journal_entries ADD CONSTRAINT journal_entries_source_kind_uq UNIQUE (source_id, kind)`);
    await journalEntryIndexes(q);
    await q.query(`ALTER TABLE postings ADD CONSTRAINT postings_pkey PRIMARY KEY (id)`);
    await q.query(`CREATE INDEX postings_entry_idx ON postings (entry_id)`);
    await q.query(`CREATE INDEX postings_account_idx ON postings (account_code, currency, id)`);
    await postingForeignKeys(q);
    await otherIndexes(q);

    await q.query(BALANCE_CHECK_BY_TABLE_NAME);
    await ledgerTriggers(q, { checkArgument: false });
    await otherTriggers(q);
  }
}

interface GrowingTable {
  name: string;
  key: string;
  appendOnly: boolean;
}

/** In foreign-key order: a table comes after the one it references. */
const TABLES: GrowingTable[] = [
  { name: 'journal_entries', key: 'id', appendOnly: true },
  { name: 'postings', key: 'entry_id', appendOnly: true },
  { name: 'public_ledger_entries', key: 'campaign_id', appendOnly: true },
  { name: 'transparency_nodes', key: 'campaign_id', appendOnly: true },
  { name: 'stripe_events', key: 'id', appendOnly: false },
];

/** Drops the unpartitioned tables; their sequences stay (the new tables' defaults use them) and follow the new columns. */
async function dropOldTables(q: QueryRunner): Promise<void> {
  await q.query(`ALTER SEQUENCE journal_entries_seq_seq OWNED BY NONE`);
  await q.query(`ALTER SEQUENCE postings_id_seq OWNED BY NONE`);
  for (const t of [...TABLES].reverse()) await q.query(`DROP TABLE ${t.name}_unpartitioned`);
  await q.query(`ALTER SEQUENCE journal_entries_seq_seq OWNED BY journal_entries.seq`);
  await q.query(`ALTER SEQUENCE postings_id_seq OWNED BY postings.id`);
}

const RECONCILED_KINDS = `'donation', 'processing_fee', 'refund', 'dispute', 'dispute_fee', 'dispute_reversal', 'dispute_fee_refund', 'payout', 'payout_reversal'`;

async function journalEntryIndexes(q: QueryRunner): Promise<void> {
  await q.query(`CREATE INDEX journal_entries_campaign_idx ON journal_entries (campaign_id, seq) WHERE campaign_id IS NOT NULL`);
  await q.query(`CREATE INDEX journal_entries_reconciled_recorded_idx ON journal_entries (recorded_at) WHERE kind IN (${RECONCILED_KINDS})`);
}

async function postingForeignKeys(q: QueryRunner): Promise<void> {
  await q.query(`ALTER TABLE postings ADD CONSTRAINT postings_entry_id_fkey FOREIGN KEY (entry_id) REFERENCES journal_entries(id)`);
  await q.query(`ALTER TABLE postings ADD CONSTRAINT postings_account_code_currency_fkey FOREIGN KEY (account_code, currency) REFERENCES ledger_accounts(code, currency)`);
}

async function otherIndexes(q: QueryRunner): Promise<void> {
  await q.query(`ALTER TABLE public_ledger_entries ADD CONSTRAINT public_ledger_entries_pkey PRIMARY KEY (campaign_id, idx)`);
  await q.query(`ALTER TABLE public_ledger_entries ADD CONSTRAINT public_ledger_entries_source_unique UNIQUE (campaign_id, source_ref, kind)`);
  await q.query(`CREATE INDEX public_ledger_entries_kind ON public_ledger_entries (campaign_id, kind, idx)`);
  await q.query(`CREATE INDEX public_ledger_entries_month ON public_ledger_entries (campaign_id, month, idx)`);
  await q.query(`ALTER TABLE transparency_nodes ADD CONSTRAINT transparency_nodes_pkey PRIMARY KEY (campaign_id, level, idx)`);
  await q.query(`ALTER TABLE stripe_events ADD CONSTRAINT stripe_events_pkey PRIMARY KEY (id)`);
  await q.query(`CREATE INDEX stripe_events_batch_idx ON stripe_events (received_at, id) WHERE processed_at IS NULL AND dead_lettered_at IS NULL AND last_attempt_at IS NULL`);
  await q.query(`CREATE INDEX stripe_events_dead_lettered_idx ON stripe_events (dead_lettered_at DESC, id DESC) WHERE dead_lettered_at IS NOT NULL`);
  await q.query(`CREATE INDEX stripe_events_object_idx ON stripe_events (object_id) WHERE object_id IS NOT NULL`);
  await q.query(`CREATE INDEX stripe_events_payload_retention_idx ON stripe_events (processed_at) WHERE payload IS NOT NULL AND processed_at IS NOT NULL`);
  await q.query(`CREATE INDEX stripe_events_unprocessed_idx ON stripe_events (received_at) WHERE processed_at IS NULL AND dead_lettered_at IS NULL`);
  await q.query(`CREATE INDEX stripe_events_unprocessed_object_idx ON stripe_events (object_id) WHERE processed_at IS NULL`);
}

/** The ledger's triggers as migrations 1795000200000 and 1795001300000 left them; the balance check names its table by argument when partitioned. */
async function ledgerTriggers(q: QueryRunner, options: { checkArgument: boolean }): Promise<void> {
  const arg = (table: string) => (options.checkArgument ? `'${table}'` : '');
  await q.query(`
    CREATE CONSTRAINT TRIGGER postings_balanced AFTER INSERT ON postings
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ledger_check_entry_balanced(${arg('postings')})`);
  await q.query(`
    CREATE CONSTRAINT TRIGGER journal_entries_have_postings AFTER INSERT ON journal_entries
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ledger_check_entry_balanced(${arg('journal_entries')})`);
  await q.query(`
    CREATE TRIGGER postings_apply_balances AFTER INSERT ON postings REFERENCING NEW TABLE AS new_postings
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_apply_postings()`);
  await q.query(`CREATE TRIGGER postings_recheck_after_entry_check BEFORE INSERT ON postings FOR EACH STATEMENT EXECUTE FUNCTION ledger_note_postings_after_entry_check()`);
  for (const table of ['journal_entries', 'postings']) {
    await q.query(`CREATE TRIGGER ${table}_append_only BEFORE UPDATE OR DELETE ON ${table} FOR EACH ROW EXECUTE FUNCTION ataa_forbid_mutation()`);
    await q.query(`CREATE TRIGGER ${table}_no_truncate BEFORE TRUNCATE ON ${table} FOR EACH STATEMENT EXECUTE FUNCTION ataa_forbid_mutation()`);
  }
}

async function otherTriggers(q: QueryRunner): Promise<void> {
  // Public entries may only have personal fields redacted (migration 1795001500000); Merkle nodes never change.
  await q.query(`CREATE TRIGGER public_ledger_entries_append_only BEFORE UPDATE OR DELETE ON public_ledger_entries FOR EACH ROW EXECUTE FUNCTION ataa_public_entry_redact_only()`);
  await q.query(`CREATE TRIGGER public_ledger_entries_no_truncate BEFORE TRUNCATE ON public_ledger_entries FOR EACH STATEMENT EXECUTE FUNCTION ataa_forbid_mutation()`);
  await q.query(`CREATE TRIGGER transparency_nodes_append_only BEFORE UPDATE OR DELETE ON transparency_nodes FOR EACH ROW EXECUTE FUNCTION ataa_forbid_mutation()`);
  await q.query(`CREATE TRIGGER transparency_nodes_no_truncate BEFORE TRUNCATE ON transparency_nodes FOR EACH STATEMENT EXECUTE FUNCTION ataa_forbid_mutation()`);
}

/** Migration 1795001300000's balance check, told its table by `which` instead of reading TG_TABLE_NAME. */
function balanceCheck(which: string): string {
  return `
      CREATE OR REPLACE FUNCTION ledger_check_entry_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        entry uuid;
        n bigint;
        off_currency text;
        off_by numeric;
      BEGIN
        IF ${which} = 'postings' THEN
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
      END $$`;
}

const BALANCE_CHECK_BY_ARGUMENT = balanceCheck('TG_ARGV[0]');
const BALANCE_CHECK_BY_TABLE_NAME = balanceCheck('TG_TABLE_NAME');
