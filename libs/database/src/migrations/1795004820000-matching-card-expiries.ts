import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Obsolete card sessions of matching offers expired on Stripe (docs/matching.md "Collection by
 * card"): when an offer's `collected` rises, every other still-open session asking more than the
 * offer owes now gets a row here, in the collection's transaction under the offer's row lock. The
 * worker expires the session on Stripe outside any transaction (at least once, with retries
 * `attempts` / `next_attempt_at` / `last_error`) and records `outcome`:
 * - `expired`: Stripe expired it now;
 * - `already_expired`: it had expired already (another worker, Stripe's own timeout);
 * - `completed`: the sponsor paid it meanwhile (its payment settles through the "Excess" path).
 * One row per request (primary key); never deleted. `owed` is what the offer owed when it was decided.
 */
export class MatchingCardExpiries1795004820000 implements MigrationInterface {
  name = 'MatchingCardExpiries1795004820000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE matching_card_expiries (
        donation_id uuid PRIMARY KEY,
        offer_id uuid NOT NULL,
        owed bigint NOT NULL CHECK (owed >= 0),
        requested_at timestamptz NOT NULL DEFAULT now(),
        attempts integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
        next_attempt_at timestamptz NOT NULL DEFAULT now(),
        last_error text NULL CHECK (length(last_error) <= 1000),
        done_at timestamptz NULL,
        outcome text NULL CHECK (outcome IN ('expired', 'already_expired', 'completed')),
        CONSTRAINT matching_card_expiries_done CHECK ((done_at IS NULL) = (outcome IS NULL)),
        CONSTRAINT matching_card_expiries_request_fk FOREIGN KEY (donation_id, offer_id) REFERENCES matching_card_requests (donation_id, offer_id)
      )`);
    await q.query(`CREATE INDEX matching_card_expiries_due_idx ON matching_card_expiries (next_attempt_at) WHERE done_at IS NULL`);
    await q.query(`CREATE TRIGGER matching_card_expiries_no_delete BEFORE DELETE ON matching_card_expiries FOR EACH ROW EXECUTE FUNCTION ataa_forbid_mutation()`);
    await q.query(`CREATE TRIGGER matching_card_expiries_no_truncate BEFORE TRUNCATE ON matching_card_expiries FOR EACH STATEMENT EXECUTE FUNCTION ataa_forbid_mutation()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE matching_card_expiries`);
  }
}
