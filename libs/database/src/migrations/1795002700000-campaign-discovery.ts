import { MigrationInterface, QueryRunner } from 'typeorm';

/** Categories an organization picks from (translated on the pages; CAMPAIGN_CATEGORIES in @ataa/campaigns). */
const CATEGORIES = ['water', 'food', 'health', 'education', 'shelter', 'emergency', 'orphans', 'community', 'environment', 'other'];
/** Tashkeel U+064B–U+065F, superscript alef U+0670, tatweel U+0640: removed (FOLD_REMOVED in arabic-folding.ts). */
const REMOVED = Array.from({ length: 0x065f - 0x064b + 1 }, (_, i) => String.fromCharCode(0x064b + i)).join('') + '\u0670\u0640';

/**
 * Campaign discovery (issue 22: home page, /campaigns, the public campaigns API).
 *
 * - `campaigns.category`: one of a fixed list, 'other' by default.
 * - `ataa_fold(text)`: IMMUTABLE; lower case, tashkeel and tatweel removed, alef forms → ا, ة → ه,
 *   ى → ي. The query is folded the same way in TypeScript (foldText, same strings).
 * - `campaign_listings`: one row per campaign that the public may find (published or ended, not
 *   suspended), with only what discovery filters and sorts on, and the folded search text under a
 *   pg_trgm GIN index. Kept by triggers: on `campaigns` (any change: the row is upserted or deleted,
 *   its figures read from `campaign_ledger_totals`) and on `campaign_ledger_totals` (the ledger's
 *   own per-campaign upsert, in the transaction that posts a gift). A separate narrow table so that
 *   a gift never rewrites the wide campaigns row (story, generated text) and every sort has its index.
 *   `raised` is what the campaign kept (gifts less refunds and disputes lost), in its currency's minor
 *   units; `closeness` is progress in basis points while under the goal and -1 once reached (the
 *   "closest to goal" sort puts reached goals last); `funded_at` is when the goal was first reached.
 * - `campaign_gift_hours`: gifts per campaign per hour, incremented by the same totals trigger
 *   (trending = the sum over the last 24 buckets: a bounded read, not a scan of gifts).
 */
export class CampaignDiscovery1795002700000 implements MigrationInterface {
  name = 'CampaignDiscovery1795002700000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE EXTENSION IF NOT EXISTS pg_trgm`);
    await q.query(`ALTER TABLE campaigns ADD COLUMN category text NOT NULL DEFAULT 'other'
      CONSTRAINT campaigns_category_check CHECK (category IN (${CATEGORIES.map((c) => `'${c}'`).join(', ')}))`);
    await q.query(`
      CREATE FUNCTION ataa_fold(t text) RETURNS text LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
      RETURN translate(lower(t), $1, $2)`.replace('$1', `'أإآٱةى${REMOVED}'`).replace('$2', `'ااااهي'`));

    await q.query(`
      CREATE TABLE campaign_listings (
        campaign_id uuid PRIMARY KEY REFERENCES campaigns(id) ON DELETE CASCADE,
        status text NOT NULL CHECK (status IN ('published', 'ended')),
        category text NOT NULL,
        currency text NOT NULL,
        funding_model text NOT NULL,
        published_at timestamptz NOT NULL,
        ends_key timestamptz NOT NULL,
        goal bigint NOT NULL,
        raised bigint NOT NULL DEFAULT 0,
        gifts bigint NOT NULL DEFAULT 0,
        closeness int NOT NULL DEFAULT 0,
        funded_at timestamptz,
        search_text text NOT NULL
      )`);
    await q.query(`CREATE INDEX campaign_listings_search_idx ON campaign_listings USING gin (search_text gin_trgm_ops)`);
    await q.query(`CREATE INDEX campaign_listings_newest_idx ON campaign_listings (status, published_at DESC, campaign_id DESC)`);
    await q.query(`CREATE INDEX campaign_listings_ending_idx ON campaign_listings (status, ends_key, campaign_id)`);
    await q.query(`CREATE INDEX campaign_listings_raised_idx ON campaign_listings (status, raised DESC, campaign_id DESC)`);
    await q.query(`CREATE INDEX campaign_listings_closeness_idx ON campaign_listings (status, closeness DESC, campaign_id DESC)`);
    await q.query(`CREATE INDEX campaign_listings_category_idx ON campaign_listings (category, status, published_at DESC, campaign_id DESC)`);
    await q.query(`CREATE INDEX campaign_listings_currency_idx ON campaign_listings (currency, status, published_at DESC, campaign_id DESC)`);
    await q.query(`CREATE INDEX campaign_listings_funded_idx ON campaign_listings (funded_at DESC, campaign_id DESC) WHERE funded_at IS NOT NULL`);

    await q.query(`
      CREATE TABLE campaign_gift_hours (
        campaign_id uuid NOT NULL,
        hour timestamptz NOT NULL,
        gifts int NOT NULL CHECK (gifts >= 0),
        PRIMARY KEY (campaign_id, hour)
      )`);
    await q.query(`CREATE INDEX campaign_gift_hours_hour_idx ON campaign_gift_hours (hour)`);

    // The figures columns of a listing from the campaign's totals (kept = raised - refunded - disputed).
    await q.query(`
      CREATE FUNCTION campaign_listing_sync() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE kept bigint; n bigint;
      BEGIN
        IF NEW.status NOT IN ('published', 'ended') OR NEW.suspended_at IS NOT NULL OR NEW.published_at IS NULL THEN
          DELETE FROM campaign_listings WHERE campaign_id = NEW.id;
          RETURN NULL;
        END IF;
        SELECT t.raised - t.refunded - t.disputed, t.donations_count INTO kept, n FROM campaign_ledger_totals t WHERE t.campaign_id = NEW.id;
        kept := coalesce(kept, 0); n := coalesce(n, 0);
        INSERT INTO campaign_listings AS l (campaign_id, status, category, currency, funding_model, published_at, ends_key, goal, raised, gifts, closeness, funded_at, search_text)
        VALUES (NEW.id, NEW.status, NEW.category, NEW.currency, NEW.funding_model, NEW.published_at, coalesce(NEW.ends_at, 'infinity'), NEW.goal_amount, kept, n,
                CASE WHEN kept >= NEW.goal_amount THEN -1 ELSE (kept * 10000 / NEW.goal_amount)::int END,
                CASE WHEN kept >= NEW.goal_amount THEN now() END,
                ataa_fold(NEW.title || ' ' || NEW.summary || ' ' || NEW.story_markdown))
        ON CONFLICT (campaign_id) DO UPDATE SET status = EXCLUDED.status, category = EXCLUDED.category, currency = EXCLUDED.currency,
          funding_model = EXCLUDED.funding_model, published_at = EXCLUDED.published_at, ends_key = EXCLUDED.ends_key, goal = EXCLUDED.goal,
          raised = EXCLUDED.raised, gifts = EXCLUDED.gifts, closeness = EXCLUDED.closeness,
          funded_at = CASE WHEN EXCLUDED.funded_at IS NULL THEN NULL ELSE coalesce(l.funded_at, EXCLUDED.funded_at) END,
          search_text = EXCLUDED.search_text;
        RETURN NULL;
      END $$`);
    await q.query(`CREATE TRIGGER campaigns_listing_sync AFTER INSERT OR UPDATE ON campaigns FOR EACH ROW EXECUTE FUNCTION campaign_listing_sync()`);

    await q.query(`
      CREATE FUNCTION campaign_listing_totals() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE kept bigint := NEW.raised - NEW.refunded - NEW.disputed;
              added bigint := NEW.donations_count - CASE WHEN TG_OP = 'UPDATE' THEN OLD.donations_count ELSE 0 END;
      BEGIN
        IF added > 0 THEN
          INSERT INTO campaign_gift_hours AS h (campaign_id, hour, gifts) VALUES (NEW.campaign_id, date_trunc('hour', now()), added)
          ON CONFLICT (campaign_id, hour) DO UPDATE SET gifts = h.gifts + EXCLUDED.gifts;
        END IF;
        UPDATE campaign_listings l SET raised = kept, gifts = NEW.donations_count,
          closeness = CASE WHEN kept >= l.goal THEN -1 ELSE (kept * 10000 / l.goal)::int END,
          funded_at = CASE WHEN kept >= l.goal THEN coalesce(l.funded_at, now()) END
        WHERE l.campaign_id = NEW.campaign_id AND (l.raised, l.gifts) IS DISTINCT FROM (kept, NEW.donations_count);
        RETURN NULL;
      END $$`);
    await q.query(`CREATE TRIGGER campaign_ledger_totals_listing AFTER INSERT OR UPDATE ON campaign_ledger_totals FOR EACH ROW EXECUTE FUNCTION campaign_listing_totals()`);

    // Campaigns published before this migration.
    await q.query(`UPDATE campaigns SET category = category WHERE status IN ('published', 'ended') AND suspended_at IS NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER campaign_ledger_totals_listing ON campaign_ledger_totals`);
    await q.query(`DROP FUNCTION campaign_listing_totals()`);
    await q.query(`DROP TRIGGER campaigns_listing_sync ON campaigns`);
    await q.query(`DROP FUNCTION campaign_listing_sync()`);
    await q.query(`DROP TABLE campaign_gift_hours`);
    await q.query(`DROP TABLE campaign_listings`);
    await q.query(`DROP FUNCTION ataa_fold(text)`);
    await q.query(`ALTER TABLE campaigns DROP COLUMN category`);
  }
}
