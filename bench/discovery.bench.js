// Campaign discovery at scale: BENCH_CAMPAIGNS (100,000) published campaigns (plus drafts, cancelled,
// suspended and ended ones) in their own database (ataa_bench_discovery, recreated), searched and
// filtered through the public API (GET /api/v1/public/campaigns: validation, the query, the cards, the
// ETag), one request at a time, p50/p99 per query shape; next to PostgreSQL running the same SQL
// (CampaignDiscoveryRepository.searchSql, the statement the API sends) alone through one client,
// in the same run. Goal (issue 22): every shape < 50 ms p99 through the API.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import pg from 'pg';
import { benchDatabase, fmt, loadAverage, percentile, report, root, startNode, waitForHttp } from './lib.js';

const CAMPAIGNS = Number(process.env.BENCH_CAMPAIGNS ?? 100_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 200);
const API_PORT = 3943;
const database = benchDatabase('ataa_bench_discovery');
const DATABASE_URL = database.url;
const apiBase = `http://127.0.0.1:${API_PORT}`;

const { parseDiscoveryQuery } = await import(path.join(root, 'dist/libs/campaigns/src/domain/discovery.js'));
const { CampaignDiscoveryRepository } = await import(path.join(root, 'dist/libs/campaigns/src/persistence/campaign-discovery.repository.js'));

// The query shapes measured: words in English and Arabic (with diacritics), each filter, each sort, combinations.
const SHAPES = [
  ['newest (no filter)', {}],
  ['search "water"', { q: 'water' }],
  ['search Arabic with diacritics', { q: 'مَدْرَسَةٌ' }],
  ['search two words', { q: 'clinic school' }],
  ['category + currency, most raised', { category: 'food', currency: 'eur', sort: 'most_raised' }],
  ['ending soon', { sort: 'ending_soon' }],
  ['closest to goal, all-or-nothing', { sort: 'closest_to_goal', fundingModel: 'all_or_nothing' }],
  ['search + category + ended', { q: 'water', category: 'emergency', status: 'ended' }],
  ['search a word found nowhere', { q: 'xylophone' }],
];

await database.recreate();
const migrated = spawnSync(process.execPath, ['scripts/migrate.js'], { cwd: root, env: { ...process.env, DATABASE_URL }, stdio: ['ignore', 'ignore', 'inherit'] });
if (migrated.status !== 0) throw new Error('migrating ataa_bench_discovery failed');

const db = new pg.Client({ connectionString: DATABASE_URL });
await db.connect();
const seedStarted = Date.now();
const [org] = (await db.query(`INSERT INTO organizations (name) VALUES ('Discovery bench') RETURNING id`)).rows;
const EN = ['water', 'school', 'clinic', 'orphans', 'bread', 'shelter', 'trees'];
const AR = ['مَدْرَسَةٌ', 'بئر', 'مستشفى', 'أيتام', 'إغاثة', 'مسجد', 'آبار', 'قريـــة', 'ٱلنور', 'شجرة', 'غذاء'];
const CATEGORIES = ['water', 'food', 'health', 'education', 'shelter', 'emergency', 'orphans', 'community', 'environment', 'other'];
const CURRENCIES = ['usd', 'eur', 'kwd', 'jpy', 'sar'];
// About 1 in 7 never listed (drafts, cancelled, paused), 1 in 5 ended: 68 % published, so CAMPAIGNS published ones overall.
const total = Math.ceil(CAMPAIGNS / 0.68);
for (let from = 1; from <= total; from += 20_000) {
  await db.query(
    `INSERT INTO campaigns (organization_id, slug, title, summary, story_markdown, currency, goal_amount, ends_at, funding_model, language, platform_fee_bps, status, category, published_at, cancelled_at)
     SELECT $1, 'seed-' || i, ($2::text[])[1 + i % 7] || ' ' || ($3::text[])[1 + i % 11] || ' ' || i, 'summary ' || ($3::text[])[1 + (i / 7) % 11],
            'story ' || ($2::text[])[1 + (i / 11) % 7], ($4::text[])[1 + i % 5], 1000 + (i % 13) * 1000,
            CASE WHEN i % 4 = 0 THEN NULL ELSE now() + make_interval(hours => (i * 7919) % 20000) END,
            CASE WHEN i % 3 = 0 THEN 'all_or_nothing' ELSE 'flexible' END, CASE WHEN i % 2 = 0 THEN 'ar' ELSE 'en' END, 250,
            CASE WHEN i % 17 = 0 THEN 'draft' WHEN i % 19 = 0 THEN 'cancelled' WHEN i % 23 = 0 THEN 'paused' WHEN i % 5 = 0 THEN 'ended' ELSE 'published' END,
            ($5::text[])[1 + (i * 31) % 10],
            CASE WHEN i % 17 = 0 THEN NULL ELSE now() - make_interval(secs => i) END,
            CASE WHEN i % 19 = 0 THEN now() END
       FROM generate_series($6::int, $7::int) AS i`,
    [org.id, EN, AR, CURRENCIES, CATEGORIES, from, Math.min(total, from + 19_999)]);
}
await db.query(
  `INSERT INTO campaign_ledger_totals (campaign_id, currency, raised, refunded, donations_count)
   SELECT id, currency, (hashtext(id::text) & 16383), (hashtext(slug) & 511), 1 + (hashtext(slug) & 7) FROM campaigns WHERE hashtext(id::text) % 2 = 0`);
await db.query('ANALYZE');
const [{ published }] = (await db.query(`SELECT count(*)::int AS published FROM campaign_listings WHERE status = 'published'`)).rows;

const api = startNode('dist/apps/api/src/main.js', {
  NODE_ENV: 'development', LOG_LEVEL: 'warn', DATABASE_URL, API_PORT: String(API_PORT), PUBLIC_BASE_URL: apiBase,
  QUEUE_PREFIX: `ataa-bench-discovery-${process.pid}`, SMTP_URL: 'smtp://127.0.0.1:1',
});

/** Milliseconds of `ROUNDS` sequential calls, after 20 unmeasured ones. */
async function timed(call) {
  for (let i = 0; i < 20; i++) await call();
  const times = [];
  for (let i = 0; i < ROUNDS; i++) {
    const started = process.hrtime.bigint();
    await call();
    times.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  return { p50: percentile(times, 50), p99: percentile(times, 99) };
}

const rows = [`${fmt(published)} published campaigns listed (${fmt(total)} seeded in ${((Date.now() - seedStarted) / 1000).toFixed(0)} s); ${ROUNDS} sequential calls a shape; ${loadAverage()}`];
let worst = 0;
try {
  await waitForHttp(`${apiBase}/health/live`);
  for (const [name, params] of SHAPES) {
    const search = new URLSearchParams(params).toString();
    const url = `${apiBase}/api/v1/public/campaigns${search ? `?${search}` : ''}`;
    const first = await fetch(url);
    const body = await first.json();
    if (!first.ok) throw new Error(`${url}: ${first.status} ${JSON.stringify(body)}`);
    const { sql, params: values } = CampaignDiscoveryRepository.searchSql(parseDiscoveryQuery(params, true));
    const ours = await timed(async () => {
      const res = await fetch(url);
      await res.arrayBuffer();
    });
    const baseline = await timed(() => db.query(sql, values));
    worst = Math.max(worst, ours.p99);
    rows.push(`${name.padEnd(36)} API p50 ${ours.p50.toFixed(1)} ms, p99 ${ours.p99.toFixed(1)} ms | PostgreSQL alone p50 ${baseline.p50.toFixed(1)} ms, p99 ${baseline.p99.toFixed(1)} ms (${body.items.length} cards)`);
  }
  rows.push(`worst p99 through the API: ${worst.toFixed(1)} ms (goal < 50 ms)`);
  report('Discovery: search and filters through the public API vs the same SQL alone', rows);
} finally {
  await db.end();
  await api.stop();
  await database.drop();
}
