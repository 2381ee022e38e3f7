import type { WitnessMigration } from '../witness-migration.js';

/**
 * The witness's state: per log (origin), the latest checkpoint it cosigned, updated only by
 * compare-and-swap on the size (see CheckpointStore); and the evidence it keeps of checkpoints signed
 * by a trusted log key that did not extend what it had cosigned (a possible split view or rewrite).
 * `$schema` is the witness's own PostgreSQL schema (WITNESS_DATABASE_SCHEMA, quoted by the migrator).
 */
export const witnessCheckpoints1795003200000: WitnessMigration = {
  id: 1795003200000,
  name: 'witness-checkpoints',
  statements: [
    `CREATE TABLE $schema.checkpoints (
      origin text PRIMARY KEY CONSTRAINT checkpoints_origin_check CHECK (length(origin) BETWEEN 1 AND 1024),
      tree_size bigint NOT NULL CONSTRAINT checkpoints_tree_size_check CHECK (tree_size >= 0),
      root_hash bytea NOT NULL CONSTRAINT checkpoints_root_hash_check CHECK (octet_length(root_hash) = 32),
      note text NOT NULL,
      cosignature text NOT NULL,
      cosigned_at timestamptz NOT NULL,
      first_cosigned_at timestamptz NOT NULL DEFAULT now()
    )`,
    `COMMENT ON TABLE $schema.checkpoints IS 'Per log, the latest checkpoint this witness cosigned (C2SP tlog-witness); changed only by compare-and-swap on tree_size'`,
    `COMMENT ON COLUMN $schema.checkpoints.note IS 'The checkpoint as submitted (signed note with the log''s signatures)'`,
    `COMMENT ON COLUMN $schema.checkpoints.cosignature IS 'The cosignature line this witness returned for it'`,
    `CREATE TABLE $schema.evidence (
      id bigserial PRIMARY KEY,
      origin text NOT NULL,
      reason text NOT NULL CONSTRAINT evidence_reason_check CHECK (reason IN ('inconsistent', 'root_hash_mismatch')),
      old_size bigint NOT NULL,
      proof text NOT NULL,
      note text NOT NULL,
      note_sha256 bytea NOT NULL,
      cosigned_size bigint NOT NULL,
      cosigned_root_hash bytea NOT NULL,
      received_at timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT evidence_once UNIQUE (origin, note_sha256, old_size)
    )`,
    `COMMENT ON TABLE $schema.evidence IS 'Checkpoints validly signed by a trusted log key that did not extend the one cosigned: possible log misbehaviour'`,
  ],
};
