import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Redactable personal fields in the public ledger (issue 17, part 1; docs/transparency.md).
 * - `public_ledger_entries.leaf_format`: 3 for every entry appended from now on (personal fields
 *   committed in the leaf); NULL for the entries already there, which keep their format (1, or 2
 *   when `terms` is set). Added with no default: no existing row is rewritten.
 * - `donor_hash`/`donor_salt`, `message_hash`/`message_salt`: a format-3 entry's commitment
 *   SHA-256(salt || UTF-8 value) (hashed into the leaf) and its 32-byte salt (served beside it, with
 *   the value in `donor_name`/`public_message`). A salt exists only with its commitment.
 * - `redactions`: per redacted field, why and when (`{"donor": {"reason", "note", "at"}}`); null when none.
 * - The append-only trigger of `public_ledger_entries` becomes "append-only but redactable": an
 *   UPDATE may only set personal values and salts to NULL and add redaction records; every hashed
 *   column, the leaf hash and the rest stay as they are (still enforced by the database). DELETE and
 *   TRUNCATE stay forbidden. Merkle nodes and checkpoints are untouched (still fully append-only).
 * - `transparency_donors` (distinct public names, for the donor count): DELETE is now allowed (a
 *   redacted name no longer shown anywhere leaves it); UPDATE and TRUNCATE stay forbidden. The count
 *   itself lives in `transparency_logs.donors` and never changes on a redaction.
 * - `transparency_logs.redactions`: how many redaction runs touched the log: part of the public
 *   answers' version (cache, ETag), since a redaction changes entries without changing the root.
 */
export class PublicEntryRedaction1795001500000 implements MigrationInterface {
  name = 'PublicEntryRedaction1795001500000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE public_ledger_entries
      ADD COLUMN leaf_format smallint CONSTRAINT public_ledger_entries_leaf_format_check CHECK (leaf_format = 3),
      ADD COLUMN donor_hash bytea CONSTRAINT public_ledger_entries_donor_hash_check CHECK (length(donor_hash) = 32),
      ADD COLUMN donor_salt bytea CONSTRAINT public_ledger_entries_donor_salt_check CHECK (length(donor_salt) = 32),
      ADD COLUMN message_hash bytea CONSTRAINT public_ledger_entries_message_hash_check CHECK (length(message_hash) = 32),
      ADD COLUMN message_salt bytea CONSTRAINT public_ledger_entries_message_salt_check CHECK (length(message_salt) = 32),
      ADD COLUMN redactions jsonb CONSTRAINT public_ledger_entries_redactions_check CHECK (jsonb_typeof(redactions) = 'object'),
      ADD CONSTRAINT public_ledger_entries_commitments_check CHECK (
        (leaf_format IS NOT NULL OR (donor_hash IS NULL AND message_hash IS NULL))
        AND (donor_salt IS NULL OR donor_hash IS NOT NULL) AND (message_salt IS NULL OR message_hash IS NOT NULL))`);
    await q.query(`
      CREATE FUNCTION ataa_public_entry_redact_only() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        personal constant text[] := ARRAY['donor_name', 'public_message', 'donor_salt', 'message_salt', 'redactions'];
      BEGIN
        IF TG_OP <> 'UPDATE' THEN
          RAISE EXCEPTION 'table % is append-only: % is not allowed', TG_TABLE_NAME, TG_OP USING ERRCODE = 'insufficient_privilege';
        END IF;
        IF (to_jsonb(NEW) - personal) IS DISTINCT FROM (to_jsonb(OLD) - personal)
          OR (NEW.donor_name IS NOT NULL AND NEW.donor_name IS DISTINCT FROM OLD.donor_name)
          OR (NEW.public_message IS NOT NULL AND NEW.public_message IS DISTINCT FROM OLD.public_message)
          OR (NEW.donor_salt IS NOT NULL AND NEW.donor_salt IS DISTINCT FROM OLD.donor_salt)
          OR (NEW.message_salt IS NOT NULL AND NEW.message_salt IS DISTINCT FROM OLD.message_salt)
          OR (OLD.redactions IS NOT NULL AND (NEW.redactions IS NULL OR NOT NEW.redactions @> OLD.redactions)) THEN
          RAISE EXCEPTION 'table % is append-only: an UPDATE may only redact personal fields', TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
        END IF;
        RETURN NEW;
      END $$`);
    await q.query(`DROP TRIGGER public_ledger_entries_append_only ON public_ledger_entries`);
    await q.query(`CREATE TRIGGER public_ledger_entries_append_only BEFORE UPDATE OR DELETE ON public_ledger_entries FOR EACH ROW EXECUTE FUNCTION ataa_public_entry_redact_only()`);
    await q.query(`DROP TRIGGER transparency_donors_append_only ON transparency_donors`);
    await q.query(`CREATE TRIGGER transparency_donors_append_only BEFORE UPDATE ON transparency_donors FOR EACH ROW EXECUTE FUNCTION ataa_forbid_mutation()`);
    await q.query(`ALTER TABLE transparency_logs ADD COLUMN redactions bigint NOT NULL DEFAULT 0`);
  }

  async down(q: QueryRunner): Promise<void> {
    const [{ n }] = await q.query(`SELECT count(*)::int AS n FROM public_ledger_entries WHERE leaf_format IS NOT NULL OR redactions IS NOT NULL`);
    if (n > 0) throw new Error(`cannot revert: ${n} public entries are format 3 or redacted`);
    await q.query(`ALTER TABLE transparency_logs DROP COLUMN redactions`);
    await q.query(`DROP TRIGGER transparency_donors_append_only ON transparency_donors`);
    await q.query(`CREATE TRIGGER transparency_donors_append_only BEFORE UPDATE OR DELETE ON transparency_donors FOR EACH ROW EXECUTE FUNCTION ataa_forbid_mutation()`);
    await q.query(`DROP TRIGGER public_ledger_entries_append_only ON public_ledger_entries`);
    await q.query(`CREATE TRIGGER public_ledger_entries_append_only BEFORE UPDATE OR DELETE ON public_ledger_entries FOR EACH ROW EXECUTE FUNCTION ataa_forbid_mutation()`);
    await q.query(`DROP FUNCTION ataa_public_entry_redact_only()`);
    await q.query(`ALTER TABLE public_ledger_entries DROP CONSTRAINT public_ledger_entries_commitments_check,
      DROP COLUMN redactions, DROP COLUMN message_salt, DROP COLUMN message_hash, DROP COLUMN donor_salt, DROP COLUMN donor_hash, DROP COLUMN leaf_format`);
  }
}
