import { MigrationInterface, QueryRunner } from 'typeorm';

/** The hash partitions migration 1795004400000 made (down() gives them back). */
const HASH_PARTITIONS = 8;

/**
 * The Stripe event inbox, `stripe_events`, is partitioned by month of `received_at` instead of by
 * hash of its id (issue 23, item 3; docs/partitioning.md "Moving old data to cheaper storage"), so
 * that a finished month can be moved to a cheaper tablespace, online, a partition at a time.
 *
 * - One partition per calendar month (UTC), `stripe_events_YYYY_MM`, plain (not sub-partitioned by
 *   hash): a lookup by id goes through the key table below to its one month, so a hash level would
 *   only multiply the partitions every unpruned query (the batch claim, the sweep) plans and reads.
 *   Plus `stripe_events_default`, a safety net that should stay empty.
 * - A partitioned table's unique keys must contain its partition key, so the primary key becomes
 *   (id, received_at) and the inbox's dedupe moves to an unpartitioned key table
 *   `stripe_event_ids (id primary key, received_at)`, as `journal_entry_keys` did for journal
 *   entries: every event matches its key row (foreign key on both columns) and the key row's id is
 *   unique, so an event id is recorded once, whatever month it is delivered again in. A BEFORE
 *   INSERT trigger claims the key of an event inserted directly and raises the same
 *   unique_violation on `stripe_events_pkey` as before for a duplicate; the inbox claims its keys
 *   first (`INSERT INTO stripe_event_ids ... ON CONFLICT (id) DO NOTHING`, the step
 *   `ON CONFLICT (id)` on the events was).
 * - `stripe_events_ensure_partitions(since, months_ahead)` creates the missing months from `since`
 *   (or this month) to two months ahead, and the month of any row waiting in the default partition,
 *   moving those rows out of it; one caller at a time (advisory lock), idempotent. Run here and by the
 *   worker's retention job.
 *
 * The rows are copied (the key rows from the events, before the trigger exists). down() puts back
 * the 8 hash partitions by id and the primary key (id).
 */
export class StripeEventsByMonth1795004800000 implements MigrationInterface {
  name = 'StripeEventsByMonth1795004800000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE stripe_events RENAME TO stripe_events_hashed`);
    await q.query(`CREATE TABLE stripe_events (LIKE stripe_events_hashed INCLUDING DEFAULTS INCLUDING CONSTRAINTS) PARTITION BY RANGE (received_at)`);
    await q.query(`CREATE TABLE stripe_events_default PARTITION OF stripe_events DEFAULT`);
    await q.query(`COMMENT ON TABLE stripe_events_default IS 'Stripe events outside every month partition: should stay empty (stripe_events_ensure_partitions moves rows out; migration 1795004800000)'`);
    await q.query(`CREATE TABLE stripe_event_ids (id text NOT NULL, received_at timestamptz NOT NULL)`);
    await q.query(`INSERT INTO stripe_event_ids (id, received_at) SELECT id, received_at FROM stripe_events_hashed`);
    await q.query(ENSURE_PARTITIONS);
    await q.query(`SELECT stripe_events_ensure_partitions((SELECT min(received_at) FROM stripe_events_hashed))`);
    await q.query(`INSERT INTO stripe_events SELECT * FROM stripe_events_hashed`);
    await q.query(`DROP TABLE stripe_events_hashed`);

    await q.query(`ALTER TABLE stripe_event_ids ADD CONSTRAINT stripe_event_ids_pkey PRIMARY KEY (id), ADD CONSTRAINT stripe_event_ids_received_uq UNIQUE (id, received_at)`);
    await q.query(`COMMENT ON TABLE stripe_event_ids IS 'The unique key of stripe_events (partitioned by month of received_at): each event matches exactly one row (migration 1795004800000)'`);
    await q.query(`ALTER TABLE stripe_events ADD CONSTRAINT stripe_events_pkey PRIMARY KEY (id, received_at)`);
    await q.query(`ALTER TABLE stripe_events ADD CONSTRAINT stripe_events_id_fkey FOREIGN KEY (id, received_at) REFERENCES stripe_event_ids (id, received_at)`);
    await stripeEventIndexes(q);
    await q.query(`
      CREATE FUNCTION stripe_events_claim_id() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        claimed timestamptz;
      BEGIN
        -- The inbox claims the id first (same statement, same receipt time): then one lookup is all this costs.
        SELECT received_at INTO claimed FROM stripe_event_ids WHERE id = NEW.id;
        IF NOT FOUND THEN
          INSERT INTO stripe_event_ids (id, received_at) VALUES (NEW.id, NEW.received_at) ON CONFLICT (id) DO NOTHING;
          IF FOUND THEN
            RETURN NEW;
          END IF;
          -- Claimed meanwhile by a concurrent delivery.
          SELECT received_at INTO claimed FROM stripe_event_ids WHERE id = NEW.id;
        END IF;
        IF claimed IS DISTINCT FROM NEW.received_at THEN
            RAISE EXCEPTION 'duplicate key value violates unique constraint "stripe_events_pkey"'
              USING ERRCODE = 'unique_violation', CONSTRAINT = 'stripe_events_pkey', TABLE = 'stripe_events',
                    DETAIL = format('Key (id)=(%s) already exists.', NEW.id);
        END IF;
        RETURN NEW;
      END $$`);
    await q.query(`CREATE TRIGGER stripe_events_claim_id BEFORE INSERT ON stripe_events FOR EACH ROW EXECUTE FUNCTION stripe_events_claim_id()`);
    await q.query(`ANALYZE stripe_events, stripe_event_ids`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE stripe_events RENAME TO stripe_events_monthly`);
    await q.query(`CREATE TABLE stripe_events (LIKE stripe_events_monthly INCLUDING DEFAULTS INCLUDING CONSTRAINTS) PARTITION BY HASH (id)`);
    for (let r = 0; r < HASH_PARTITIONS; r++) {
      await q.query(`CREATE TABLE stripe_events_p${r} PARTITION OF stripe_events FOR VALUES WITH (MODULUS ${HASH_PARTITIONS}, REMAINDER ${r})`);
      await q.query(`COMMENT ON TABLE stripe_events_p${r} IS 'Hash partition ${r} of ${HASH_PARTITIONS} of stripe_events by id (migration 1795004400000)'`);
    }
    await q.query(`INSERT INTO stripe_events SELECT * FROM stripe_events_monthly`);
    await q.query(`DROP TABLE stripe_events_monthly`);
    await q.query(`DROP TABLE stripe_event_ids`);
    await q.query(`DROP FUNCTION stripe_events_claim_id()`);
    await q.query(`DROP FUNCTION stripe_events_ensure_partitions(timestamptz, int)`);
    await q.query(`ALTER TABLE stripe_events ADD CONSTRAINT stripe_events_pkey PRIMARY KEY (id)`);
    await stripeEventIndexes(q);
  }
}

/** The inbox's indexes as migration 1795004400000 left them (on the parent: every partition gets its own). */
async function stripeEventIndexes(q: QueryRunner): Promise<void> {
  await q.query(`CREATE INDEX stripe_events_batch_idx ON stripe_events (received_at, id) WHERE processed_at IS NULL AND dead_lettered_at IS NULL AND last_attempt_at IS NULL`);
  await q.query(`CREATE INDEX stripe_events_dead_lettered_idx ON stripe_events (dead_lettered_at DESC, id DESC) WHERE dead_lettered_at IS NOT NULL`);
  await q.query(`CREATE INDEX stripe_events_object_idx ON stripe_events (object_id) WHERE object_id IS NOT NULL`);
  await q.query(`CREATE INDEX stripe_events_payload_retention_idx ON stripe_events (processed_at) WHERE payload IS NOT NULL AND processed_at IS NOT NULL`);
  await q.query(`CREATE INDEX stripe_events_unprocessed_idx ON stripe_events (received_at) WHERE processed_at IS NULL AND dead_lettered_at IS NULL`);
  await q.query(`CREATE INDEX stripe_events_unprocessed_object_idx ON stripe_events (object_id) WHERE processed_at IS NULL`);
}

/**
 * Creates the month partitions of stripe_events that are missing: every month from the month of
 * `since` (or this month) to `months_ahead` months ahead (UTC months), and the month of each row
 * waiting in the default partition; answers the partitions it created. Rows of such a month found in the default partition
 * are moved into the new month (with a WARNING: the default should stay empty). A table of a
 * month's name that is not attached (a month detached to be moved, docs/partitioning.md) is an
 * error, not silently replaced.
 *
 * Each month is created as a table of its own, filled, then attached: ATTACH takes a SHARE UPDATE
 * EXCLUSIVE lock on the parent (the inbox keeps writing), where CREATE TABLE ... PARTITION OF
 * would take ACCESS EXCLUSIVE. Callers run it in a transaction of its own: the advisory lock makes
 * two concurrent calls (two workers, a worker and a migration) run one after the other, and the
 * second finds the months made.
 */
const ENSURE_PARTITIONS = `
  CREATE FUNCTION stripe_events_ensure_partitions(since timestamptz DEFAULT NULL, months_ahead int DEFAULT 2) RETURNS text[]
  LANGUAGE plpgsql AS $$
  DECLARE
    this_month timestamp := date_trunc('month', now() AT TIME ZONE 'UTC');
    month timestamp;
    lo timestamptz;
    hi timestamptz;
    partition text;
    attached boolean;
    moved bigint;
    created text[] := '{}';
  BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('stripe_events_ensure_partitions'));
    -- Every month from since's (or this one) to months_ahead, and the months of rows waiting in the default.
    FOR month IN
      SELECT generate_series(least(this_month, date_trunc('month', since AT TIME ZONE 'UTC')), this_month + make_interval(months => months_ahead), interval '1 month')
      UNION SELECT DISTINCT date_trunc('month', received_at AT TIME ZONE 'UTC') FROM stripe_events_default
      ORDER BY 1
    LOOP
      partition := 'stripe_events_' || to_char(month, 'YYYY_MM');
      lo := month AT TIME ZONE 'UTC';
      hi := (month + interval '1 month') AT TIME ZONE 'UTC';
      SELECT EXISTS (SELECT 1 FROM pg_inherits WHERE inhrelid = c.oid AND inhparent = 'stripe_events'::regclass) INTO attached
        FROM pg_class c WHERE c.relname = partition AND c.relnamespace = current_schema()::regnamespace;
      IF attached IS NULL THEN
        EXECUTE format('CREATE TABLE %I (LIKE stripe_events INCLUDING DEFAULTS INCLUDING CONSTRAINTS)', partition);
        -- Lets ATTACH skip scanning the new month (it is the partition's own bound).
        EXECUTE format('ALTER TABLE %I ADD CONSTRAINT %I CHECK (received_at >= %L AND received_at < %L)', partition, partition || '_bounds', lo, hi);
        EXECUTE format('WITH gone AS (DELETE FROM stripe_events_default WHERE received_at >= %L AND received_at < %L RETURNING *) INSERT INTO %I SELECT * FROM gone', lo, hi, partition);
        GET DIAGNOSTICS moved = ROW_COUNT;
        IF moved > 0 THEN
          RAISE WARNING 'moved % Stripe event(s) out of stripe_events_default into %', moved, partition;
        END IF;
        EXECUTE format('ALTER TABLE stripe_events ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)', partition, lo, hi);
        EXECUTE format('ALTER TABLE %I DROP CONSTRAINT %I', partition, partition || '_bounds');
        EXECUTE format('COMMENT ON TABLE %I IS %L', partition,
          'Stripe events received in ' || to_char(month, 'YYYY-MM') || ' (UTC): a month of stripe_events (migration 1795004800000)');
        created := created || partition;
      ELSIF NOT attached THEN
        RAISE EXCEPTION 'table % exists but is not a partition of stripe_events: attach it again (docs/partitioning.md)', partition
          USING ERRCODE = 'object_not_in_prerequisite_state';
      END IF;
    END LOOP;
    RETURN created;
  END $$`;
