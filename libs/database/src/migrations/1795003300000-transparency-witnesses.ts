import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Witness cosignatures of the campaign logs' checkpoints (issue 24, C2SP tlog-witness):
 * - transparency_witness_pending: one row per campaign whose log grew since every configured witness
 *   last cosigned it (the size to submit, coalesced: a newer append overwrites it). Written by the
 *   appender in the append's own transaction, so a crash never loses a submission; the worker's relay
 *   hands each row to the queue, marking it relayed only if no append changed it meanwhile
 *   (`generation`: the relay holds no lock an append would wait for), and the submission deletes it
 *   once every witness has cosigned that size;
 * - transparency_witness_state: per campaign and witness (its cosigner vkey), the witness's size as
 *   last learned (from a cosignature or a 409 answer), the last size it cosigned with that cosignature
 *   line and time, and the last attempt's outcome. `revision` counts stored cosignatures: the public
 *   answers' version includes its sum, so a new cosignature changes them;
 * - transparency_cosignatures: every cosignature line stored, by checkpoint size and witness, verified
 *   against the witness's configured key before it is written; append-only, like the checkpoints.
 */
export class TransparencyWitnesses1795003300000 implements MigrationInterface {
  name = 'TransparencyWitnesses1795003300000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE transparency_witness_pending (
        campaign_id uuid PRIMARY KEY REFERENCES transparency_logs(campaign_id),
        size bigint NOT NULL CHECK (size > 0),
        generation bigint NOT NULL DEFAULT 1,
        queued_at timestamptz NOT NULL DEFAULT now(),
        relayed_at timestamptz
      )`);
    await q.query(`CREATE INDEX transparency_witness_pending_unrelayed ON transparency_witness_pending (queued_at) WHERE relayed_at IS NULL`);
    await q.query(`
      CREATE TABLE transparency_witness_state (
        campaign_id uuid NOT NULL REFERENCES transparency_logs(campaign_id),
        witness text NOT NULL CHECK (length(witness) BETWEEN 1 AND 400),
        known_size bigint CHECK (known_size >= 0),
        cosigned_size bigint CHECK (cosigned_size >= 0),
        cosignature text,
        cosigned_at timestamptz,
        revision integer NOT NULL DEFAULT 0,
        failures integer NOT NULL DEFAULT 0,
        last_outcome text,
        last_error text,
        attempted_at timestamptz,
        PRIMARY KEY (campaign_id, witness),
        CHECK ((cosigned_size IS NULL) = (cosignature IS NULL) AND (cosigned_size IS NULL) = (cosigned_at IS NULL))
      )`);
    await q.query(`
      CREATE TABLE transparency_cosignatures (
        campaign_id uuid NOT NULL,
        size bigint NOT NULL,
        witness text NOT NULL,
        signature_line text NOT NULL CHECK (signature_line ~ '^\u2014 \\S+ [A-Za-z0-9+/=]+\\n$'),
        signed_at timestamptz NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (campaign_id, size, witness),
        FOREIGN KEY (campaign_id, size) REFERENCES transparency_checkpoints (campaign_id, size)
      )`);
    await q.query(`CREATE TRIGGER transparency_cosignatures_append_only BEFORE UPDATE OR DELETE ON transparency_cosignatures FOR EACH ROW EXECUTE FUNCTION ataa_forbid_mutation()`);
    await q.query(`CREATE TRIGGER transparency_cosignatures_no_truncate BEFORE TRUNCATE ON transparency_cosignatures FOR EACH STATEMENT EXECUTE FUNCTION ataa_forbid_mutation()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE transparency_cosignatures`);
    await q.query(`DROP TABLE transparency_witness_state`);
    await q.query(`DROP TABLE transparency_witness_pending`);
  }
}
