// Donations under load, each figure next to a baseline measured in the same run:
// 1. Webhook ingestion: signed checkout.session.completed events for distinct donations (spread
//    over several campaigns), posted by autocannon to POST /webhooks/stripe of the real API, timed
//    until every event is fully posted (donation settled, ledger, public ledger, inbox marked
//    processed) by the real worker, which re-reads each gift from the Stripe sandbox. Baseline:
//    pgbench running the SQL one donation needs (bench/sql/donation-ingestion.sql) on the same
//    database, with as many clients as the worker processes events at once.
// 2. The same for one hot campaign (every gift locks the same campaign rows).
// 3. The campaign page /c/:slug under load, next to bare Node `http` serving the same bytes.
// Uses its own database (ataa_bench_donations, recreated) and its own queue prefix.
import autocannon from 'autocannon';
import { spawnSync } from 'node:child_process';
import { createHmac, generateKeyPairSync, randomBytes } from 'node:crypto';
import path from 'node:path';
import pg from 'pg';
import { benchDatabase, fmt, load, report, root, startNode, waitForHttp } from './lib.js';

const N = Number(process.env.BENCH_DONATIONS ?? 400);
const SPREAD_CAMPAIGNS = 20;
const WEBHOOK_CONNECTIONS = 16;
const PG_CLIENTS = 8; // the worker's Stripe event concurrency (STRIPE_EVENTS_CONCURRENCY)
const API_PORT = 3931;
const SANDBOX_PORT = 3932;
const BARE_PORT = 3933;
const SMTP_PORT = 3934;
const MAIL_HTTP_PORT = 3935;
const SECRET = 'whsec_bench_donations';
const KEY = 'sk_test_bench_donations';
const database = benchDatabase('ataa_bench_donations');
const DATABASE_URL = database.url;
const apiBase = `http://127.0.0.1:${API_PORT}`;
const sandboxBase = `http://127.0.0.1:${SANDBOX_PORT}`;

// A fresh, migrated database.
await database.recreate();
// For diagnosis: log this database's statements slower than BENCH_LOG_MIN_DURATION_MS in PostgreSQL's log.
if (process.env.BENCH_LOG_MIN_DURATION_MS) await database.admin(`ALTER DATABASE ataa_bench_donations SET log_min_duration_statement = ${Number(process.env.BENCH_LOG_MIN_DURATION_MS)}`);
const migrated = spawnSync(process.execPath, ['scripts/migrate.js'], { cwd: root, env: { ...process.env, DATABASE_URL }, stdio: ['ignore', 'ignore', 'inherit'] });
if (migrated.status !== 0) throw new Error('migrating ataa_bench_donations failed');

// Production mode, as deployed (compiled templates are cached only in production), with throwaway secrets.
const env = {
  NODE_ENV: 'production', LOG_LEVEL: 'warn', AUTH_SECRET: randomBytes(32).toString('hex'), OPERATOR_TOKEN: randomBytes(24).toString('hex'),
  TRANSPARENCY_SIGNING_KEY: generateKeyPairSync('ed25519').privateKey.export({ format: 'der', type: 'pkcs8' }).toString('base64'), DATABASE_URL, API_PORT: String(API_PORT), PUBLIC_BASE_URL: apiBase,
  SANDBOX_PORT: String(SANDBOX_PORT), SANDBOX_TEST_MODE: 'true', SANDBOX_WEBHOOK_URL: '', SANDBOX_STATE_FILE: '',
  STRIPE_SECRET_KEY: KEY, STRIPE_API_BASE: sandboxBase, STRIPE_WEBHOOK_SECRETS: SECRET,
  QUEUE_PREFIX: `ataa-bench-${process.pid}`, SMTP_URL: `smtp://127.0.0.1:${SMTP_PORT}`, MAIL_CATCHER_PORT: String(MAIL_HTTP_PORT),
  // Every gift is started from this one address: lift the per-address checkout limit.
  CHECKOUTS_PER_ADDRESS: '1000000',
};
const sandbox = startNode('dist/apps/stripe-sandbox/src/main.js', env);
// Receipts go to a mail catcher, so each is rendered and sent once, as with a working SMTP server.
const mail = startNode('dist/apps/mail-catcher/src/main.js', env);
const api = startNode('dist/apps/api/src/main.js', env);
const worker = startNode('dist/apps/worker/src/main.js', env);
const db = new pg.Pool({ connectionString: DATABASE_URL, max: 2 });

async function json(url, { method = 'GET', token, body } = {}) {
  const res = await fetch(url, {
    method,
    headers: { ...(body ? { 'content-type': 'application/json' } : {}), ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const data = await res.json().catch(() => null);
  if (!res.ok) throw new Error(`${method} ${url}: ${res.status} ${JSON.stringify(data)}`);
  return data;
}

async function until(check, what, timeoutMs = 600_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function inParallel(items, width, fn) {
  const out = new Array(items.length);
  let next = 0;
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i], i);
    }
  }));
  return out;
}

/** Starts `count` gifts on a campaign through its page's form; returns the Checkout Session ids. */
async function startGifts(slug, count) {
  const page = await fetch(`${apiBase}/c/${slug}`);
  const cookie = page.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
  const token = /name="_csrf" value="([^"]+)"/.exec(await page.text())?.[1];
  if (!token) throw new Error('no CSRF token on the campaign page');
  return inParallel(Array.from({ length: count }, (_, i) => i), 6, async (i) => {
    const res = await fetch(`${apiBase}/c/${slug}/donate`, {
      method: 'POST', redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
      body: new URLSearchParams({ _csrf: token, amount: 'other', customAmount: String(10 + (i % 90)) + '.00', donorName: `Donor ${i}`, donorEmail: `donor${i}@example.org` }),
    });
    const location = res.headers.get('location') ?? '';
    const session = /cs_test_[A-Za-z0-9]+/.exec(location)?.[0];
    if (res.status !== 303 || !session) throw new Error(`donation form: ${res.status} ${(await res.text()).slice(0, 300)}`);
    return session;
  });
}

/** Pays each session on the sandbox (no webhook endpoint is registered there), then signs its event. */
async function signedCompletions(sessions) {
  await inParallel(sessions, 6, async (id) => {
    const res = await fetch(`${sandboxBase}/_sandbox/checkout/sessions/${id}/pay`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ card: '4242424242424242' }) });
    if (!res.ok) throw new Error(`pay ${id}: ${res.status} ${await res.text()}`);
  });
  const wanted = new Set(sessions);
  const events = [];
  let after;
  for (;;) {
    const page = await json(`${sandboxBase}/v1/events?type=checkout.session.completed&limit=100${after ? `&starting_after=${after}` : ''}`, { token: KEY });
    for (const e of page.data) if (wanted.has(e.data.object.id)) events.push(e);
    if (!page.has_more) break;
    after = page.data.at(-1).id;
  }
  if (events.length !== sessions.length) throw new Error(`expected ${sessions.length} completion events, found ${events.length}`);
  const t = Math.floor(Date.now() / 1000);
  return events.map((e) => {
    const body = JSON.stringify(e, null, 2);
    return { body, signature: `t=${t},v1=${createHmac('sha256', SECRET).update(`${t}.${body}`).digest('hex')}` };
  });
}

const LEDGER_TABLES = ['stripe_events', 'donations', 'journal_entries', 'postings', 'ledger_balances', 'campaign_ledger_totals', 'outbox',
  'public_ledger_entries', 'transparency_logs', 'transparency_nodes', 'transparency_totals', 'transparency_donors'];

/** Rows inserted + updated in the tables one donation's ingestion writes (outbox: inserts only). */
async function rowsWritten() {
  await new Promise((r) => setTimeout(r, 1_200)); // backends flush their statistics about once a second
  const client = await db.connect();
  try {
    await client.query('SELECT pg_stat_clear_snapshot()');
    const { rows } = await client.query(`SELECT relname, n_tup_ins, n_tup_upd FROM pg_stat_user_tables WHERE relname = ANY($1)`, [LEDGER_TABLES]);
    return rows.reduce((sum, r) => sum + Number(r.n_tup_ins) + (r.relname === 'outbox' ? 0 : Number(r.n_tup_upd)), 0);
  } finally {
    client.release();
  }
}

async function settledCount(sessions) {
  const { rows } = await db.query(
    `SELECT count(*)::int AS n FROM donations d JOIN stripe_events e ON e.object_id = d.stripe_checkout_session_id
     WHERE d.stripe_checkout_session_id = ANY($1) AND d.status = 'succeeded' AND e.processed_at IS NOT NULL`,
    [sessions],
  );
  return rows[0].n;
}

/** Posts the signed events with autocannon and waits until every gift is fully posted. */
async function ingest(sessions, events) {
  let i = 0;
  const writesBefore = await rowsWritten();
  const started = performance.now();
  const result = await autocannon({
    url: `${apiBase}/webhooks/stripe`, connections: Math.min(WEBHOOK_CONNECTIONS, events.length), amount: events.length,
    requests: [{
      method: 'POST',
      setupRequest: (req) => {
        const e = events[i++ % events.length];
        return { ...req, headers: { 'content-type': 'application/json', 'stripe-signature': e.signature }, body: e.body };
      },
    }],
  });
  const acknowledged = performance.now();
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`webhooks: ${result.non2xx} non-2xx, ${result.errors} errors`);
  await until(async () => (await settledCount(sessions)) === sessions.length, 'every gift to be posted');
  const done = performance.now();
  const writes = (await rowsWritten()) - writesBefore;
  return {
    eventsPerSecond: sessions.length / ((done - started) / 1000),
    ackPerSecond: result.requests.total / ((acknowledged - started) / 1000),
    p99: result.latency.p99,
    writesPerGift: writes / sessions.length,
  };
}

let pgbenchOffset = 0;
let pgbenchSettled = 0;
/** pgbench running bench/sql/donation-ingestion.sql for `count` fresh pending donations on `campaignIds`. */
async function pgbench(campaignIds, count, templateSession) {
  // Only campaigns whose ledger accounts the real path created (accounts are made once, on the first gift).
  campaignIds = (await db.query(`SELECT DISTINCT campaign_id FROM ledger_accounts WHERE campaign_id = ANY($1::uuid[])`, [campaignIds])).rows.map((r) => r.campaign_id);
  const start = pgbenchOffset + 1;
  pgbenchOffset += count;
  const [template] = (await db.query(`SELECT id, payload FROM stripe_events WHERE object_id = $1`, [templateSession])).rows;
  await db.query(`CREATE TABLE IF NOT EXISTS bench_payload (payload jsonb NOT NULL)`);
  await db.query(`TRUNCATE bench_payload`);
  await db.query(`INSERT INTO bench_payload VALUES ($1)`, [template.payload]);
  await db.query(`CREATE TABLE IF NOT EXISTS bench_queue (n bigint PRIMARY KEY, donation_id uuid NOT NULL, campaign_id uuid NOT NULL, amount bigint NOT NULL, currency text NOT NULL)`);
  await db.query(`CREATE SEQUENCE IF NOT EXISTS bench_seq`);
  await db.query(`SELECT setval('bench_seq', $1, false)`, [start]);
  await db.query(
    `INSERT INTO bench_queue SELECT g, gen_random_uuid(), ($3::uuid[])[1 + g % cardinality($3::uuid[])], 1000 + (g % 90) * 100, 'usd'
     FROM generate_series($1::bigint, $2::bigint) g`,
    [start, start + count - 1, campaignIds],
  );
  await db.query(
    `INSERT INTO donations (id, campaign_id, organization_id, currency, amount, chosen_amount, covered_fees, platform_fee_bps, donor_name, donor_email,
       anonymous, public_message, locale, stripe_checkout_session_id)
     SELECT q.donation_id, q.campaign_id, c.organization_id, q.currency, q.amount, q.amount, 0, 200, 'Bench donor ' || q.n, 'bench' || q.n || '@example.org',
       false, NULL, 'en', 'cs_pgb_' || q.n
     FROM bench_queue q JOIN campaigns c ON c.id = q.campaign_id WHERE q.n BETWEEN $1 AND $2`,
    [start, start + count - 1],
  );
  const writesBefore = await rowsWritten();
  const run = spawnSync('pgbench', [
    '-n', '-M', 'extended', '-c', String(PG_CLIENTS), '-j', '2', '-t', String(Math.floor(count / PG_CLIENTS)), '--max-tries', '10',
    '-f', path.join(root, 'bench/sql/donation-ingestion.sql'), DATABASE_URL,
  ], { encoding: 'utf8' });
  const tps = /tps = ([\d.]+) \(without initial connection time\)/.exec(run.stdout)?.[1];
  const failed = /number of failed transactions: (\d+)/.exec(run.stdout)?.[1];
  if (run.status !== 0 || !tps || failed !== '0') throw new Error(`pgbench failed: ${run.stdout}\n${run.stderr}`);
  const done = Math.floor(count / PG_CLIENTS) * PG_CLIENTS;
  const [{ n }] = (await db.query(`SELECT count(*)::int AS n FROM donations WHERE stripe_checkout_session_id LIKE 'cs_pgb_%' AND status = 'succeeded'`)).rows;
  pgbenchSettled += done;
  if (n !== pgbenchSettled) throw new Error(`pgbench settled ${n} donations, expected ${pgbenchSettled}`);
  const writes = (await rowsWritten()) - writesBefore;
  return { tps: Number(tps), writesPerGift: writes / done };
}

const rows = [];
let bare;
try {
  await waitForHttp(`${sandboxBase}/`);
  await waitForHttp(`http://127.0.0.1:${MAIL_HTTP_PORT}/`).catch(() => undefined);
  await waitForHttp(`${apiBase}/health/live`);

  // An organization with campaigns, through the public API.
  const owner = await json(`${apiBase}/api/v1/auth/signup`, { method: 'POST', body: { email: `bench${Date.now()}@example.org`, password: 'bench-password-1234', displayName: 'Bench' } });
  const org = await json(`${apiBase}/api/v1/orgs`, { method: 'POST', token: owner.accessToken, body: { name: 'Bench Trust' } });
  const campaigns = [];
  for (let i = 0; i <= SPREAD_CAMPAIGNS; i++) {
    const created = await json(`${apiBase}/api/v1/orgs/${org.id}/campaigns`, {
      method: 'POST', token: owner.accessToken,
      body: { title: `Bench campaign ${i}`, summary: 'Clean water for a village', story: '# Why\nBecause **water** matters.\n\nEvery gift is on the public ledger.', currency: 'usd', goal: '5000000', suggestedAmounts: ['2500', '5000', '10000'] },
    });
    campaigns.push(await json(`${apiBase}/api/v1/orgs/${org.id}/campaigns/${created.id}/publish`, { method: 'POST', token: owner.accessToken, body: {} }));
  }
  const [hot, ...spread] = campaigns;

  // Warm-up: one gift end to end (also proves the worker is consuming).
  const warm = await startGifts(hot.slug, 1);
  await ingest(warm, await signedCompletions(warm));

  // 1. Distinct donations over several campaigns.
  const perCampaign = Math.ceil(N / spread.length);
  const spreadSessions = (await Promise.all(spread.map((c) => startGifts(c.slug, perCampaign)))).flat().slice(0, N);
  const spreadEvents = await signedCompletions(spreadSessions);
  const spreadRun = await ingest(spreadSessions, spreadEvents);
  const spreadBase = await pgbench(spread.map((c) => c.id), N, warm[0]);
  rows.push(`distinct gifts (${N} over ${spread.length} campaigns): ${spreadRun.eventsPerSecond.toFixed(1)} events/s fully posted (acknowledged at ${fmt(spreadRun.ackPerSecond)}/s, p99 ${spreadRun.p99} ms)`
    + ` | pgbench same SQL ${spreadBase.tps.toFixed(1)} donations/s | ratio ${(spreadRun.eventsPerSecond / spreadBase.tps).toFixed(3)}x`);
  rows.push(`  rows written per gift in the ledger, inbox and public ledger tables: real path ${spreadRun.writesPerGift.toFixed(1)}, pgbench ${spreadBase.writesPerGift.toFixed(1)}`);

  // 2. One hot campaign.
  const hotSessions = await startGifts(hot.slug, N);
  const hotEvents = await signedCompletions(hotSessions);
  const hotRun = await ingest(hotSessions, hotEvents);
  const hotBase = await pgbench([hot.id], N, warm[0]);
  rows.push(`one hot campaign (${N} gifts): ${hotRun.eventsPerSecond.toFixed(1)} events/s fully posted (acknowledged at ${fmt(hotRun.ackPerSecond)}/s, p99 ${hotRun.p99} ms)`
    + ` | pgbench same SQL ${hotBase.tps.toFixed(1)} donations/s | ratio ${(hotRun.eventsPerSecond / hotBase.tps).toFixed(3)}x`);
  rows.push(`  rows written per gift: real path ${hotRun.writesPerGift.toFixed(1)}, pgbench ${hotBase.writesPerGift.toFixed(1)}`);

  // 3. The hot campaign's page (now with its gifts), next to bare Node serving the same bytes.
  const pageUrl = `${apiBase}/c/${hot.slug}`;
  const html = await (await fetch(pageUrl)).text();
  bare = startNode('bench/bare-server.js', { BARE_PORT: String(BARE_PORT), BODIES: JSON.stringify({ '/page': html }) });
  await waitForHttp(`http://127.0.0.1:${BARE_PORT}/page`);
  const baseline = await load(`http://127.0.0.1:${BARE_PORT}/page`);
  const page = await load(pageUrl);
  rows.push(`campaign page /c/:slug (${fmt(Buffer.byteLength(html))} bytes): ${fmt(page.rps)} req/s (p99 ${page.p99} ms) | bare node same bytes ${fmt(baseline.rps)} req/s (p99 ${baseline.p99} ms) | ratio ${(page.rps / baseline.rps).toFixed(3)}x`);
} finally {
  await db.end().catch(() => undefined);
  await Promise.all([worker.stop(), api.stop(), sandbox.stop(), mail.stop(), bare?.stop()]);
}
report(`Donations: webhook ingestion until fully posted, vs pgbench running the same SQL (${PG_CLIENTS} clients); campaign page (50 connections, 5 s)`, rows);
