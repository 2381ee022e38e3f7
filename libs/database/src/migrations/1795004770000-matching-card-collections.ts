import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Matching gifts collected by card (issue 21, item 6; docs/matching.md "Collection by card").
 * - `matching_card_requests`: a Checkout Session opened for a sponsor to pay what an offer owed at
 *   that time, as a donation (pending until it settles): the donation is the sponsor's, never a
 *   donor's own gift (it is never matched). Unique idempotency key per organization: a repeat
 *   answers the same session. Never changed or deleted.
 * - `matching_card_collections`: written when that donation first settles, in the settlement's
 *   transaction under the offer's row lock: `amount` is what fit the offer (≤ accrued − collected
 *   then; 0 when an offline collection took it all meanwhile), the rest of the payment (`gift_amount`
 *   − `amount`) stays an ordinary gift. The trigger adds `amount` to the offer's `collected`, under
 *   the offer's CHECK `collected <= accrued` (the database refuses a collection past the pledge).
 *   One row per donation (primary key: settling again records nothing); never changed or deleted.
 */
export class MatchingCardCollections1795004770000 implements MigrationInterface {
  name = 'MatchingCardCollections1795004770000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE matching_card_requests (
        donation_id uuid PRIMARY KEY,
        offer_id uuid NOT NULL REFERENCES matching_offers(id),
        organization_id uuid NOT NULL REFERENCES organizations(id),
        idempotency_key text NOT NULL CHECK (length(idempotency_key) BETWEEN 1 AND 255),
        amount bigint NOT NULL CHECK (amount > 0),
        requested_by text NOT NULL CHECK (length(requested_by) BETWEEN 1 AND 200),
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT matching_card_requests_key_uq UNIQUE (organization_id, idempotency_key),
        CONSTRAINT matching_card_requests_offer_uq UNIQUE (donation_id, offer_id)
      )`);
    await q.query(`CREATE INDEX matching_card_requests_offer_idx ON matching_card_requests (offer_id)`);
    await q.query(`CREATE TRIGGER matching_card_requests_no_update BEFORE UPDATE OR DELETE ON matching_card_requests FOR EACH ROW EXECUTE FUNCTION ataa_forbid_mutation()`);
    await q.query(`CREATE TRIGGER matching_card_requests_no_truncate BEFORE TRUNCATE ON matching_card_requests FOR EACH STATEMENT EXECUTE FUNCTION ataa_forbid_mutation()`);

    await q.query(`
      CREATE TABLE matching_card_collections (
        donation_id uuid PRIMARY KEY,
        offer_id uuid NOT NULL,
        gift_amount bigint NOT NULL CHECK (gift_amount >= 0),
        amount bigint NOT NULL CHECK (amount >= 0 AND amount <= gift_amount),
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT matching_card_collections_request_fk FOREIGN KEY (donation_id, offer_id) REFERENCES matching_card_requests (donation_id, offer_id)
      )`);
    await q.query(`CREATE INDEX matching_card_collections_offer_idx ON matching_card_collections (offer_id)`);
    await q.query(`
      CREATE FUNCTION ataa_matching_card_collection_apply() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.amount > 0 THEN
          UPDATE matching_offers SET collected = collected + NEW.amount WHERE id = NEW.offer_id;
        END IF;
        RETURN NEW;
      END $$`);
    await q.query(`CREATE TRIGGER matching_card_collections_apply AFTER INSERT ON matching_card_collections FOR EACH ROW EXECUTE FUNCTION ataa_matching_card_collection_apply()`);
    await q.query(`CREATE TRIGGER matching_card_collections_no_update BEFORE UPDATE OR DELETE ON matching_card_collections FOR EACH ROW EXECUTE FUNCTION ataa_forbid_mutation()`);
    await q.query(`CREATE TRIGGER matching_card_collections_no_truncate BEFORE TRUNCATE ON matching_card_collections FOR EACH STATEMENT EXECUTE FUNCTION ataa_forbid_mutation()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE matching_card_collections`);
    await q.query(`DROP TABLE matching_card_requests`);
    await q.query(`DROP FUNCTION ataa_matching_card_collection_apply()`);
  }
}
