import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Voiding a matching collection's offline gift reopens the sponsor's pledge (issue 21, item 6;
 * docs/matching.md "Collection").
 *
 * - `matching_collections.voided_at`: set once, when the collection's offline gift is voided; no
 *   other change to a collection is allowed (the row stays: the report lists it as voided).
 * - Trigger `matching_collections_void_apply`: a collection voided takes its amount back off the
 *   offer's `collected`, so `accrued − collected` can be collected again (the offer's CHECK
 *   `collected BETWEEN 0 AND accrued` still holds: it only falls).
 * - Trigger `offline_gifts_void_collection`: an offline gift that becomes voided voids its
 *   collection in the same statement, whoever voids it (the REST API, the dashboard, a script).
 * - Collections whose gift was voided before this migration are voided now (their offers' `collected` falls).
 */
export class MatchingCollectionVoids1795004750001 implements MigrationInterface {
  name = 'MatchingCollectionVoids1795004750001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE matching_collections ADD COLUMN voided_at timestamptz`);
    await q.query(`DROP TRIGGER matching_collections_no_update ON matching_collections`);
    await q.query(`
      CREATE FUNCTION ataa_matching_collection_guard() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'UPDATE' AND OLD.voided_at IS NULL AND NEW.voided_at IS NOT NULL
           AND NEW.offline_gift_id = OLD.offline_gift_id AND NEW.offer_id = OLD.offer_id AND NEW.amount = OLD.amount AND NEW.created_at = OLD.created_at THEN
          RETURN NEW;
        END IF;
        RAISE EXCEPTION 'matching_collections rows are append-only; only voided_at may be set, once'
          USING ERRCODE = 'integrity_constraint_violation';
      END $$`);
    await q.query(`CREATE TRIGGER matching_collections_no_update BEFORE UPDATE OR DELETE ON matching_collections FOR EACH ROW EXECUTE FUNCTION ataa_matching_collection_guard()`);
    await q.query(`
      CREATE FUNCTION ataa_matching_collection_void_apply() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        UPDATE matching_offers SET collected = collected - NEW.amount WHERE id = NEW.offer_id;
        RETURN NEW;
      END $$`);
    await q.query(`
      CREATE TRIGGER matching_collections_void_apply AFTER UPDATE OF voided_at ON matching_collections
        FOR EACH ROW WHEN (OLD.voided_at IS NULL AND NEW.voided_at IS NOT NULL) EXECUTE FUNCTION ataa_matching_collection_void_apply()`);
    await q.query(`
      CREATE FUNCTION ataa_offline_gift_void_collection() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        UPDATE matching_collections SET voided_at = NEW.voided_at WHERE offline_gift_id = NEW.id AND voided_at IS NULL;
        RETURN NEW;
      END $$`);
    await q.query(`
      CREATE TRIGGER offline_gifts_void_collection AFTER UPDATE OF voided_at ON offline_gifts
        FOR EACH ROW WHEN (OLD.voided_at IS NULL AND NEW.voided_at IS NOT NULL) EXECUTE FUNCTION ataa_offline_gift_void_collection()`);
    await q.query(`
      UPDATE matching_collections c SET voided_at = g.voided_at FROM offline_gifts g
       WHERE g.id = c.offline_gift_id AND g.voided_at IS NOT NULL AND c.voided_at IS NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER offline_gifts_void_collection ON offline_gifts`);
    await q.query(`DROP FUNCTION ataa_offline_gift_void_collection()`);
    await q.query(`DROP TRIGGER matching_collections_void_apply ON matching_collections`);
    await q.query(`DROP FUNCTION ataa_matching_collection_void_apply()`);
    await q.query(`DROP TRIGGER matching_collections_no_update ON matching_collections`);
    await q.query(`DROP FUNCTION ataa_matching_collection_guard()`);
    await q.query(`CREATE TRIGGER matching_collections_no_update BEFORE UPDATE OR DELETE ON matching_collections FOR EACH ROW EXECUTE FUNCTION ataa_forbid_mutation()`);
    await q.query(`ALTER TABLE matching_collections DROP COLUMN voided_at`);
  }
}
