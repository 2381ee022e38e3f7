import { jest } from '@jest/globals';
import { DataSource } from 'typeorm';
import { dataSourceOptions, ReadReplicas } from '@ataa/database';
import { createTestDatabase, TestDatabase } from '@ataa/testing';
import { FOLD_FROM, FOLD_REMOVED, foldText } from './domain/arabic-folding.js';
import { parseDiscoveryQuery, type DiscoveryQuery } from './domain/discovery.js';
import { CampaignDiscoveryRepository } from './persistence/campaign-discovery.repository.js';

jest.setTimeout(180_000);

// The benchmark's scale (bench/discovery.bench.js): about 100,000 published campaigns among all the others.
const ROWS = 147_000;
const EN = ['water', 'school', 'clinic', 'orphans', 'bread', 'shelter', 'trees'];
const AR = ['مَدْرَسَةٌ', 'بئر', 'مستشفى', 'أيتام', 'إغاثة', 'مسجد', 'آبار', 'قريـــة', 'ٱلنور', 'شجرة', 'غذاء'];
const CATEGORIES = ['water', 'food', 'health', 'education', 'shelter', 'emergency', 'orphans', 'community', 'environment', 'other'];
const CURRENCIES = ['usd', 'eur', 'kwd', 'jpy', 'sar'];

interface Seeded { id: string; title: string; summary: string; story: string; status: string; suspended: boolean; category: string; currency: string; funding: string; publishedAt: number; endsAt: number | null; goal: bigint; kept: bigint }

/**
 * Discovery against real PostgreSQL at a scale where plans matter: every filter and sort checked
 * page by page against a brute-force filter in JS over the same rows, and EXPLAIN showing indexes
 * (never a sequential scan of the listings) for the search and the filter combinations.
 */
describe('campaign discovery (PostgreSQL)', () => {
  let database: TestDatabase;
  let dataSource: DataSource;
  let repository: CampaignDiscoveryRepository;
  let seeded: Seeded[];

  beforeAll(async () => {
    database = await createTestDatabase();
    dataSource = new DataSource({ ...dataSourceOptions(database.url), entities: [], logging: false });
    await dataSource.initialize();
    repository = new CampaignDiscoveryRepository(ReadReplicas.primaryOnly(dataSource));
    const [org] = await dataSource.query(`INSERT INTO organizations (name) VALUES ('Seed') RETURNING id`);
    // Deterministic variety from i: statuses (some never listed), categories, currencies, models, end dates, ties on published_at.
    await dataSource.query(
      `INSERT INTO campaigns (organization_id, slug, title, summary, story_markdown, currency, goal_amount, ends_at, funding_model, language, platform_fee_bps, status, category, published_at, cancelled_at)
       SELECT $1, 'seed-' || i, ($2::text[])[1 + i % 7] || ' ' || ($3::text[])[1 + i % 11] || ' ' || i, 'summary ' || ($3::text[])[1 + (i / 7) % 11],
              'story ' || ($2::text[])[1 + (i / 11) % 7], ($4::text[])[1 + i % 5], 1000 + (i % 13) * 1000,
              CASE WHEN i % 4 = 0 THEN NULL ELSE timestamptz '2027-01-01' + make_interval(hours => (i * 7919) % 20000) END,
              CASE WHEN i % 3 = 0 THEN 'all_or_nothing' ELSE 'flexible' END, CASE WHEN i % 2 = 0 THEN 'ar' ELSE 'en' END, 250,
              CASE WHEN i % 17 = 0 THEN 'draft' WHEN i % 19 = 0 THEN 'cancelled' WHEN i % 23 = 0 THEN 'paused' WHEN i % 5 = 0 THEN 'ended' ELSE 'published' END,
              ($5::text[])[1 + (i * 31) % 10],
              CASE WHEN i % 17 = 0 THEN NULL ELSE timestamptz '2026-06-01' - make_interval(secs => i / 2) END,
              CASE WHEN i % 19 = 0 THEN now() END
         FROM generate_series(1, $6::int) AS i`,
      [org.id, EN, AR, CURRENCIES, CATEGORIES, ROWS]);
    await dataSource.query(`UPDATE campaigns SET suspended_at = now(), suspension_reason = 'x' WHERE slug IN (SELECT 'seed-' || i FROM generate_series(29, $1::int, 29) i)`, [ROWS]);
    // Gifts through the ledger's totals table (its trigger keeps the listings' figures): about half the campaigns, some past their goal.
    await dataSource.query(
      `INSERT INTO campaign_ledger_totals (campaign_id, currency, raised, refunded, donations_count)
       SELECT id, currency, (hashtext(id::text) & 16383), (hashtext(slug) & 511), 1 + (hashtext(slug) & 7) FROM campaigns WHERE hashtext(id::text) % 2 = 0`);
    await dataSource.query(`ANALYZE campaigns; ANALYZE campaign_listings`);
    const rows: Record<string, unknown>[] = await dataSource.query(
      `SELECT c.id, c.title, c.summary, c.story_markdown, c.status, c.suspended_at IS NOT NULL AS suspended, c.category, c.currency, c.funding_model,
              extract(epoch FROM c.published_at) * 1000 AS published_ms, extract(epoch FROM c.ends_at) * 1000 AS ends_ms, c.goal_amount::text AS goal,
              coalesce(t.raised - t.refunded - t.disputed, 0)::text AS kept
         FROM campaigns c LEFT JOIN campaign_ledger_totals t ON t.campaign_id = c.id`);
    seeded = rows.map((r) => ({
      id: r.id as string, title: r.title as string, summary: r.summary as string, story: r.story_markdown as string, status: r.status as string, suspended: r.suspended as boolean,
      category: r.category as string, currency: r.currency as string, funding: r.funding_model as string, publishedAt: Number(r.published_ms),
      endsAt: r.ends_ms === null ? null : Number(r.ends_ms), goal: BigInt(r.goal as string), kept: BigInt(r.kept as string),
    }));
  });
  afterAll(async () => {
    await dataSource?.destroy();
    await database?.drop();
  });

  /** The same query answered by brute force over every seeded row. */
  function bruteForce(q: DiscoveryQuery): string[] {
    const closeness = (s: Seeded) => (s.kept >= s.goal ? -1n : (s.kept * 10000n) / s.goal);
    const cmp = (a: bigint | number, b: bigint | number) => (a < b ? -1 : a > b ? 1 : 0);
    const key: Record<DiscoveryQuery['sort'], (s: Seeded) => bigint | number> = {
      newest: (s) => s.publishedAt, ending_soon: (s) => s.endsAt ?? Number.POSITIVE_INFINITY, most_raised: (s) => s.kept, closest_to_goal: closeness,
    };
    const desc = q.sort !== 'ending_soon';
    return seeded
      .filter((s) => s.status === q.status && !s.suspended)
      .filter((s) => (!q.category || s.category === q.category) && (!q.currency || s.currency === q.currency) && (!q.fundingModel || s.funding === q.fundingModel))
      .filter((s) => q.words.every((w) => foldText(`${s.title} ${s.summary} ${s.story}`).includes(w)))
      .sort((a, b) => (desc ? -1 : 1) * (cmp(key[q.sort](a), key[q.sort](b)) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)))
      .map((s) => s.id);
  }

  const QUERIES: Record<string, string>[] = [
    {}, { status: 'ended' }, { category: 'water' }, { currency: 'kwd' }, { funding: 'all_or_nothing' },
    { sort: 'ending_soon' }, { sort: 'most_raised' }, { sort: 'closest_to_goal' }, { sort: 'ending_soon', status: 'ended', category: 'health' },
    { q: 'water' }, { q: 'مدرسة' }, { q: 'مستشفي بير' }, { q: 'قرية', sort: 'most_raised', currency: 'usd' }, { q: 'النور', category: 'orphans' },
    { q: 'اغاثه', funding: 'flexible', sort: 'closest_to_goal' }, { q: 'school 1234' }, { q: 'nothing-matches-this' },
    { category: 'food', currency: 'jpy', funding: 'flexible', sort: 'most_raised' },
  ];

  it.each(QUERIES.map((q) => [JSON.stringify(q), q]))('%s: the same campaigns, in the same order, page after page, as a brute-force filter', async (_, raw) => {
    const expected = bruteForce(parseDiscoveryQuery(raw, true));
    const got: string[] = [];
    let cursor: string | undefined;
    // Up to three pages of 50 (the cursor of each taken from the last row, as the service does).
    for (let page = 0; page < 3; page++) {
      const query = parseDiscoveryQuery({ ...raw, limit: '50', ...(cursor ? { cursor } : {}) }, true);
      const { rows, more } = await repository.search(query);
      got.push(...rows.map((r) => r.id));
      if (!more) break;
      const last = rows.at(-1)!;
      const { encodeDiscoveryCursor } = await import('./domain/discovery.js');
      cursor = encodeDiscoveryCursor({ sort: query.sort, value: last.sortValue, id: last.id });
    }
    expect(got).toEqual(expected.slice(0, got.length));
    expect(got.length).toBe(Math.min(expected.length, 150));
  });

  it('the search and every filter combination use indexes, never a sequential scan of the listings', async () => {
    const combos: Record<string, string>[] = [
      ...QUERIES,
      { q: 'مدرسة', category: 'education', currency: 'usd', funding: 'flexible', status: 'ended', sort: 'ending_soon' },
      { currency: 'eur', sort: 'closest_to_goal' }, { category: 'other', sort: 'ending_soon' },
    ];
    for (const raw of combos) {
      const { sql, params } = CampaignDiscoveryRepository.searchSql(parseDiscoveryQuery({ ...raw, limit: '20' }, true));
      const [{ 'QUERY PLAN': plan }] = await dataSource.query(`EXPLAIN (FORMAT JSON) ${sql}`, params);
      const text = JSON.stringify(plan);
      expect([JSON.stringify(raw), text.includes('"Relation Name":"campaign_listings"')]).toEqual([JSON.stringify(raw), true]);
      expect([JSON.stringify(raw), /"Node Type":"Seq Scan"[^}]*"Relation Name":"campaign_listings"/.test(text)]).toEqual([JSON.stringify(raw), false]);
      expect([JSON.stringify(raw), /campaign_listings_\w+_idx/.test(text)]).toEqual([JSON.stringify(raw), true]);
      // A word found nowhere goes through the trigram index. (Which index a rare-but-present word takes depends on
      // ANALYZE's sample: walking a sort index or the trigram index; both are index plans, asserted above.)
      if (raw.q === 'nothing-matches-this') expect([JSON.stringify(raw), text]).toEqual([JSON.stringify(raw), expect.stringContaining('campaign_listings_search_idx')]);
    }
  });

  it('ataa_fold in SQL and foldText agree on every mapped character', async () => {
    const samples = [...FOLD_FROM, ...FOLD_REMOVED].map((c) => `Aب${c}ة`).concat(['مَدْرَسَةُ الْقَرْيَةِ', 'CLEAN Water', 'إِغَاثَة', 'مستشفى']);
    const [{ folded }] = await dataSource.query(`SELECT array_agg(ataa_fold(s) ORDER BY n) AS folded FROM unnest($1::text[]) WITH ORDINALITY AS t(s, n)`, [samples]);
    expect(folded).toEqual(samples.map(foldText));
  });

  it('trending counts gifts per hour from the totals trigger, not from the gifts', async () => {
    const [c] = await dataSource.query(`SELECT l.campaign_id FROM campaign_listings l WHERE l.status = 'published' AND NOT EXISTS (SELECT 1 FROM campaign_ledger_totals t WHERE t.campaign_id = l.campaign_id) LIMIT 1`);
    await dataSource.query(`INSERT INTO campaign_ledger_totals (campaign_id, currency, raised, donations_count) SELECT id, currency, 500, 40 FROM campaigns WHERE id = $1`, [c.campaign_id]);
    await dataSource.query(`UPDATE campaign_ledger_totals SET donations_count = donations_count + 2, raised = raised + 10 WHERE campaign_id = $1`, [c.campaign_id]);
    const [bucket] = await dataSource.query(`SELECT gifts FROM campaign_gift_hours WHERE campaign_id = $1`, [c.campaign_id]);
    expect(bucket.gifts).toBe(42);
    const trending = await repository.mostGiftsSince(24, 1);
    expect(trending.map((t) => t.id)).toEqual([c.campaign_id]);
    const [listing] = await dataSource.query(`SELECT raised::int, gifts::int FROM campaign_listings WHERE campaign_id = $1`, [c.campaign_id]);
    expect(listing).toEqual({ raised: 510, gifts: 42 });
  });
});
