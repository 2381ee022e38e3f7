import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A sponsor's card payment given back reopens the pledge it collected (docs/matching.md "Collection
 * by card"), as voiding an offline collection does.
 * - `matching_card_reopenings`: written in the settlement transaction of a refund or a lost dispute
 *   of the sponsor's payment, under the offer's row lock: `amount` is the part of the collection no
 *   longer covered by what the campaign kept of the payment (a refund takes the excess, the ordinary
 *   gift part, first). The trigger takes `amount` off the offer's `collected` (the offer's CHECK keeps
 *   it ≥ 0) and refuses reopening more than the collection collected. Numbered per donation (`seq`);
 *   never changed or deleted.
 */
export class MatchingCardReopenings1795004780000 implements MigrationInterface {
  name = 'MatchingCardReopenings1795004780000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE matching_card_reopenings (
        donation_id uuid NOT NULL REFERENCES matching_card_collections (donation_id),
        seq integer NOT NULL CHECK (seq > 0),
        offer_id uuid NOT NULL,
        amount bigint NOT NULL CHECK (amount > 0),
        reason text NOT NULL CHECK (reason IN ('refund', 'dispute_lost')),
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (donation_id, seq)
      )`);
    await q.query(`CREATE INDEX matching_card_reopenings_offer_idx ON matching_card_reopenings (offer_id)`);
    await q.query(`
      CREATE FUNCTION ataa_matching_card_reopening_apply() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        collection matching_card_collections%ROWTYPE;
        reopened bigint;
      BEGIN
        SELECT * INTO collection FROM matching_card_collections WHERE donation_id = NEW.donation_id;
        IF collection.offer_id IS DISTINCT FROM NEW.offer_id THEN
          RAISE EXCEPTION 'matching card reopening names offer %, the collection is of offer %', NEW.offer_id, collection.offer_id USING ERRCODE = '23514';
        END IF;
        SELECT COALESCE(sum(amount), 0) INTO reopened FROM matching_card_reopenings WHERE donation_id = NEW.donation_id;
        IF reopened > collection.amount THEN
          RAISE EXCEPTION 'matching card reopenings (%) exceed the collection (%)', reopened, collection.amount USING ERRCODE = '23514';
        END IF;
        UPDATE matching_offers SET collected = collected - NEW.amount WHERE id = NEW.offer_id;
        RETURN NEW;
      END $$`);
    await q.query(`CREATE TRIGGER matching_card_reopenings_apply AFTER INSERT ON matching_card_reopenings FOR EACH ROW EXECUTE FUNCTION ataa_matching_card_reopening_apply()`);
    await q.query(`CREATE TRIGGER matching_card_reopenings_no_update BEFORE UPDATE OR DELETE ON matching_card_reopenings FOR EACH ROW EXECUTE FUNCTION ataa_forbid_mutation()`);
    await q.query(`CREATE TRIGGER matching_card_reopenings_no_truncate BEFORE TRUNCATE ON matching_card_reopenings FOR EACH STATEMENT EXECUTE FUNCTION ataa_forbid_mutation()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE matching_card_reopenings`);
    await q.query(`DROP FUNCTION ataa_matching_card_reopening_apply()`);
  }
}
