import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Matching gifts (issue 21, item 6): a sponsor pledges to match a campaign's gifts at a ratio, up
 * to a cap, within a window.
 * - `matching_offers`: the offer's terms never change (trigger `matching_offers_terms_fixed`);
 *   `accrued` (the sponsor's pledge so far) and `collected` (how much of it was received as offline
 *   gifts) are maintained by triggers on the two tables below, never written by the application.
 *   CHECKs `accrued <= cap` and `collected <= accrued` are what makes two gifts settling at once
 *   unable to accrue past the cap, whatever the code above does (it locks the offer and plans within
 *   the cap; these CHECKs are the floor under it).
 * - `matching_accruals`: one row per (offer, gift): what the gift accrued, and how much of that was
 *   taken back after a refund or dispute (`reduced`, only up, never past `accrued`). The primary key
 *   makes accrual idempotent per gift.
 * - `matching_collections`: the offline gifts that collected an offer's pledge (one each).
 * None of them holds money: the ledger does (an accrual posts nothing; a collection is an offline gift).
 */
export class MatchingGifts1795004710000 implements MigrationInterface {
  name = 'MatchingGifts1795004710000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE matching_offers (
        id uuid PRIMARY KEY,
        organization_id uuid NOT NULL REFERENCES organizations(id),
        campaign_id uuid NOT NULL REFERENCES campaigns(id),
        idempotency_key text NOT NULL CHECK (length(idempotency_key) BETWEEN 1 AND 255),
        request_hash text NOT NULL CHECK (request_hash ~ '^[0-9a-f]{64}$'),
        sponsor_name text NOT NULL CHECK (length(sponsor_name) BETWEEN 1 AND 120),
        ratio_numerator integer NOT NULL CHECK (ratio_numerator BETWEEN 1 AND 100),
        ratio_denominator integer NOT NULL CHECK (ratio_denominator BETWEEN 1 AND 100),
        cap bigint NOT NULL CHECK (cap > 0),
        currency text NOT NULL CHECK (currency ~ '^[a-z]{3}$'),
        starts_at timestamptz NOT NULL,
        ends_at timestamptz NOT NULL,
        accrued bigint NOT NULL DEFAULT 0,
        collected bigint NOT NULL DEFAULT 0,
        created_by text NOT NULL CHECK (length(created_by) BETWEEN 1 AND 200),
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT matching_offers_key_uq UNIQUE (organization_id, idempotency_key),
        CONSTRAINT matching_offers_window CHECK (ends_at > starts_at),
        CONSTRAINT matching_offers_within_cap CHECK (accrued >= 0 AND accrued <= cap),
        CONSTRAINT matching_offers_collected_accrued CHECK (collected >= 0 AND collected <= accrued)
      )`);
    await q.query(`CREATE INDEX matching_offers_campaign_idx ON matching_offers (campaign_id, starts_at)`);
    await q.query(`
      CREATE FUNCTION ataa_matching_offer_terms_fixed() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF (to_jsonb(NEW) - ARRAY['accrued','collected']) IS DISTINCT FROM (to_jsonb(OLD) - ARRAY['accrued','collected']) THEN
          RAISE EXCEPTION 'a matching offer''s terms never change' USING ERRCODE = 'P0001';
        END IF;
        RETURN NEW;
      END $$`);
    await q.query(`CREATE TRIGGER matching_offers_terms_fixed BEFORE UPDATE ON matching_offers FOR EACH ROW EXECUTE FUNCTION ataa_matching_offer_terms_fixed()`);
    await q.query(`CREATE TRIGGER matching_offers_no_delete BEFORE DELETE ON matching_offers FOR EACH ROW EXECUTE FUNCTION ataa_forbid_mutation()`);
    await q.query(`CREATE TRIGGER matching_offers_no_truncate BEFORE TRUNCATE ON matching_offers FOR EACH STATEMENT EXECUTE FUNCTION ataa_forbid_mutation()`);

    await q.query(`
      CREATE TABLE matching_accruals (
        offer_id uuid NOT NULL REFERENCES matching_offers(id),
        donation_id uuid NOT NULL,
        gift_amount bigint NOT NULL CHECK (gift_amount > 0),
        accrued bigint NOT NULL CHECK (accrued > 0),
        reduced bigint NOT NULL DEFAULT 0,
        settled_at timestamptz NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (offer_id, donation_id),
        CHECK (reduced >= 0 AND reduced <= accrued)
      )`);
    await q.query(`CREATE INDEX matching_accruals_donation_idx ON matching_accruals (donation_id)`);
    // The offer's running figures follow its rows: an accrual adds, a reduction (only up) takes off.
    await q.query(`
      CREATE FUNCTION ataa_matching_accrual_apply() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'INSERT' THEN
          IF NEW.reduced <> 0 THEN RAISE EXCEPTION 'a matching accrual starts unreduced' USING ERRCODE = 'P0001'; END IF;
          UPDATE matching_offers SET accrued = accrued + NEW.accrued WHERE id = NEW.offer_id;
        ELSE
          IF (NEW.offer_id, NEW.donation_id, NEW.gift_amount, NEW.accrued, NEW.settled_at, NEW.created_at) IS DISTINCT FROM (OLD.offer_id, OLD.donation_id, OLD.gift_amount, OLD.accrued, OLD.settled_at, OLD.created_at)
             OR NEW.reduced < OLD.reduced THEN
            RAISE EXCEPTION 'a matching accrual only ever gets reduced' USING ERRCODE = 'P0001';
          END IF;
          UPDATE matching_offers SET accrued = accrued - (NEW.reduced - OLD.reduced) WHERE id = NEW.offer_id;
        END IF;
        RETURN NEW;
      END $$`);
    await q.query(`CREATE TRIGGER matching_accruals_apply AFTER INSERT OR UPDATE ON matching_accruals FOR EACH ROW EXECUTE FUNCTION ataa_matching_accrual_apply()`);
    await q.query(`CREATE TRIGGER matching_accruals_no_delete BEFORE DELETE ON matching_accruals FOR EACH ROW EXECUTE FUNCTION ataa_forbid_mutation()`);
    await q.query(`CREATE TRIGGER matching_accruals_no_truncate BEFORE TRUNCATE ON matching_accruals FOR EACH STATEMENT EXECUTE FUNCTION ataa_forbid_mutation()`);

    await q.query(`
      CREATE TABLE matching_collections (
        offline_gift_id uuid PRIMARY KEY REFERENCES offline_gifts(id),
        offer_id uuid NOT NULL REFERENCES matching_offers(id),
        amount bigint NOT NULL CHECK (amount > 0),
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX matching_collections_offer_idx ON matching_collections (offer_id)`);
    await q.query(`
      CREATE FUNCTION ataa_matching_collection_apply() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        UPDATE matching_offers SET collected = collected + NEW.amount WHERE id = NEW.offer_id;
        RETURN NEW;
      END $$`);
    await q.query(`CREATE TRIGGER matching_collections_apply AFTER INSERT ON matching_collections FOR EACH ROW EXECUTE FUNCTION ataa_matching_collection_apply()`);
    await q.query(`CREATE TRIGGER matching_collections_no_update BEFORE UPDATE OR DELETE ON matching_collections FOR EACH ROW EXECUTE FUNCTION ataa_forbid_mutation()`);
    await q.query(`CREATE TRIGGER matching_collections_no_truncate BEFORE TRUNCATE ON matching_collections FOR EACH STATEMENT EXECUTE FUNCTION ataa_forbid_mutation()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE matching_collections`);
    await q.query(`DROP TABLE matching_accruals`);
    await q.query(`DROP TABLE matching_offers`);
    await q.query(`DROP FUNCTION ataa_matching_collection_apply()`);
    await q.query(`DROP FUNCTION ataa_matching_accrual_apply()`);
    await q.query(`DROP FUNCTION ataa_matching_offer_terms_fixed()`);
  }
}
