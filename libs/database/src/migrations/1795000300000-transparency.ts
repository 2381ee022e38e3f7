import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The public, verifiable ledger of each campaign (design section 7):
 * - public_ledger_entries: every public entry, append-only, keyed (campaign_id, idx) = Merkle leaf index;
 * - transparency_nodes: interior Merkle nodes of every completed perfect subtree (level >= 1; level 0
 *   is the entry's leaf_hash), append-only, so proofs and past roots are O(log n) point reads;
 * - transparency_checkpoints: signed checkpoints by tree size, append-only;
 * - transparency_logs: per campaign the tree size, the compact frontier (right-edge subtree roots,
 *   concatenated 32-byte hashes), the root, the running balance and the donor count. This row is
 *   the append lock and a cache of the above, so it is updated (never the history itself);
 * - transparency_totals: count and sum per (campaign, month, kind), maintained on append so the
 *   report never sums entries per request; transparency_donors: distinct public donor names.
 * Every campaign's rows hang off its transparency_logs row, which references campaigns(id).
 */
export class Transparency1795000300000 implements MigrationInterface {
  name = 'Transparency1795000300000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE transparency_logs (
        campaign_id uuid PRIMARY KEY REFERENCES campaigns(id),
        currency text NOT NULL CHECK (currency ~ '^[a-z]{3}$'),
        size bigint NOT NULL DEFAULT 0 CHECK (size >= 0),
        root_hash bytea NOT NULL CHECK (length(root_hash) = 32),
        frontier bytea NOT NULL DEFAULT '\\x'::bytea CHECK (length(frontier) % 32 = 0),
        balance bigint NOT NULL DEFAULT 0,
        donors bigint NOT NULL DEFAULT 0,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE public_ledger_entries (
        campaign_id uuid NOT NULL,
        idx bigint NOT NULL CHECK (idx >= 0),
        occurred_at timestamptz NOT NULL,
        month char(7) NOT NULL,
        kind text NOT NULL CHECK (kind IN ('donation','fee','platform_fee','refund','dispute','dispute_reversal','payout','payout_reversal')),
        amount bigint NOT NULL CHECK (amount <> 0),
        currency text NOT NULL,
        donor_name text,
        donor_commitment text CHECK (donor_commitment ~ '^[0-9a-f]{64}$'),
        public_message text,
        payout_purpose text,
        balance bigint NOT NULL,
        leaf_hash bytea NOT NULL CHECK (length(leaf_hash) = 32),
        source_ref text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (campaign_id, idx),
        CONSTRAINT public_ledger_entries_source_unique UNIQUE (campaign_id, source_ref, kind)
      )`);
    await q.query(`CREATE INDEX public_ledger_entries_kind ON public_ledger_entries (campaign_id, kind, idx)`);
    await q.query(`CREATE INDEX public_ledger_entries_month ON public_ledger_entries (campaign_id, month, idx)`);
    await q.query(`
      CREATE TABLE transparency_nodes (
        campaign_id uuid NOT NULL,
        level smallint NOT NULL CHECK (level >= 1),
        idx bigint NOT NULL CHECK (idx >= 0),
        hash bytea NOT NULL CHECK (length(hash) = 32),
        PRIMARY KEY (campaign_id, level, idx)
      )`);
    await q.query(`
      CREATE TABLE transparency_checkpoints (
        campaign_id uuid NOT NULL,
        size bigint NOT NULL CHECK (size >= 0),
        root_hash bytea NOT NULL CHECK (length(root_hash) = 32),
        key_name text NOT NULL,
        note text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (campaign_id, size)
      )`);
    await q.query(`
      CREATE TABLE transparency_totals (
        campaign_id uuid NOT NULL,
        month char(7) NOT NULL,
        kind text NOT NULL,
        entries bigint NOT NULL DEFAULT 0,
        amount bigint NOT NULL DEFAULT 0,
        PRIMARY KEY (campaign_id, month, kind)
      )`);
    await q.query(`
      CREATE TABLE transparency_donors (
        campaign_id uuid NOT NULL,
        donor_name text NOT NULL,
        PRIMARY KEY (campaign_id, donor_name)
      )`);
    for (const table of ['public_ledger_entries', 'transparency_nodes', 'transparency_checkpoints', 'transparency_donors']) {
      await q.query(`CREATE TRIGGER ${table}_append_only BEFORE UPDATE OR DELETE ON ${table} FOR EACH ROW EXECUTE FUNCTION ataa_forbid_mutation()`);
      await q.query(`CREATE TRIGGER ${table}_no_truncate BEFORE TRUNCATE ON ${table} FOR EACH STATEMENT EXECUTE FUNCTION ataa_forbid_mutation()`);
    }
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of ['transparency_donors', 'transparency_totals', 'transparency_checkpoints', 'transparency_nodes', 'public_ledger_entries', 'transparency_logs']) {
      await q.query(`DROP TABLE IF EXISTS ${table}`);
    }
  }
}
