// Gift settlement throughput at 1 and 8 concurrent transactions, in SQL only: pgbench runs the SQL
// one gift's ingestion costs (bench/sql/donation-ingestion.sql: the donation row, the three journal
// entries and their postings, campaign totals, the public-ledger appends, the inbox) on a migrated
// database seeded directly (an organization, campaigns and their ledger accounts, pending donations).
// Every gift posts to the same platform accounts (platform:stripe_balance, fee_revenue,
// processing_fees): what 8 clients gain over 1 shows how much those balance rows serialize.
// Two shapes: gifts spread over 20 campaigns, and every gift to one hot campaign (which serializes on
// its own rows whatever the platform accounts do). While pgbench runs, pg_stat_activity is sampled
// every 10 ms for its backends waiting for a lock in INSERT INTO postings (the balance rows' locks are
// taken there and held until commit). Each configuration runs BENCH_LEDGER_ROUNDS times
// (default 3), alternating, and reports the median. Afterwards the cached balances are checked against
// the postings. Uses its own database (ataa_bench_ledger, recreated, dropped at the end).
import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import pg from 'pg';
import { benchDatabase, report, root } from './lib.js';

const PER_RUN = Number(process.env.BENCH_LEDGER_DONATIONS ?? 1600);
const ROUNDS = Number(process.env.BENCH_LEDGER_ROUNDS ?? 3);
const CLIENTS = (process.env.BENCH_LEDGER_CLIENTS ?? '1,8').split(',').map(Number);
const SPREAD_CAMPAIGNS = 20;
const database = benchDatabase('ataa_bench_ledger');

await database.recreate();
const migrated = spawnSync(process.execPath, ['scripts/migrate.js'], { cwd: root, env: { ...process.env, DATABASE_URL: database.url }, stdio: ['ignore', 'ignore', 'inherit'] });
if (migrated.status !== 0) throw new Error('migrating ataa_bench_ledger failed');
const db = new pg.Pool({ connectionString: database.url, max: 2 });

async function seed() {
  const [{ id: orgId }] = (await db.query(`INSERT INTO organizations (name, charges_enabled, payouts_enabled, details_submitted) VALUES ('Bench Trust', true, true, true) RETURNING id`)).rows;
  const campaigns = (await db.query(
    `INSERT INTO campaigns (organization_id, slug, title, currency, goal_amount, funding_model, language, platform_fee_bps, status, published_at)
     SELECT $1, 'bench-' || g, 'Bench campaign ' || g, 'usd', 5000000, 'flexible', 'en', 200, 'published', now() FROM generate_series(0, $2) g
     RETURNING id`,
    [orgId, SPREAD_CAMPAIGNS],
  )).rows.map((r) => r.id);
  // The accounts a gift posts to (the real path creates them with the campaign's first gift).
  await db.query(
    `INSERT INTO ledger_accounts (code, currency, type, campaign_id)
     SELECT 'campaign:' || c || ':funds', 'usd', 'liability', c FROM unnest($1::uuid[]) c
     UNION ALL VALUES ('platform:stripe_balance', 'usd', 'asset', NULL::uuid), ('platform:fee_revenue', 'usd', 'revenue', NULL), ('platform:processing_fees', 'usd', 'expense', NULL::uuid)`,
    [campaigns],
  );
  // A checkout.session.completed payload of about the real size (the inbox stores the verified event).
  await db.query(`CREATE TABLE bench_payload (payload jsonb NOT NULL)`);
  await db.query(
    `INSERT INTO bench_payload SELECT jsonb_build_object('id', 'evt_bench', 'object', 'event', 'type', 'checkout.session.completed',
       'data', jsonb_build_object('object', jsonb_build_object('id', 'cs_bench', 'object', 'checkout.session', 'amount_total', 2500, 'currency', 'usd',
         'metadata', jsonb_build_object('campaign_id', $1::text), 'padding', repeat('x', 2500))))`,
    [campaigns[0]],
  );
  await db.query(`CREATE TABLE bench_queue (n bigint PRIMARY KEY, donation_id uuid NOT NULL, campaign_id uuid NOT NULL, amount bigint NOT NULL, currency text NOT NULL)`);
  await db.query(`CREATE SEQUENCE bench_seq`);
  return { orgId, hot: campaigns[0], spread: campaigns.slice(1) };
}

let offset = 0;
/** pgbench with `clients` clients settling `count` fresh pending donations over `campaignIds`; returns tps. */
async function run(orgId, campaignIds, clients, count) {
  const perClient = Math.floor(count / clients);
  const start = offset + 1;
  offset += perClient * clients;
  const end = offset;
  await db.query(`SELECT setval('bench_seq', $1, false)`, [start]);
  await db.query(
    `INSERT INTO bench_queue SELECT g, gen_random_uuid(), ($3::uuid[])[1 + g % cardinality($3::uuid[])], 1000 + (g % 90) * 100, 'usd'
     FROM generate_series($1::bigint, $2::bigint) g`,
    [start, end, campaignIds],
  );
  await db.query(
    `INSERT INTO donations (id, campaign_id, organization_id, currency, amount, chosen_amount, covered_fees, platform_fee_bps, donor_name, donor_email,
       anonymous, public_message, locale, stripe_checkout_session_id)
     SELECT q.donation_id, q.campaign_id, $3, q.currency, q.amount, q.amount, 0, 200, 'Bench donor ' || q.n, 'bench' || q.n || '@example.org', false, NULL, 'en', 'cs_pgb_' || q.n
     FROM bench_queue q WHERE q.n BETWEEN $1 AND $2`,
    [start, end, orgId],
  );
  await db.query(`VACUUM ANALYZE`).catch(() => undefined);
  // While pgbench runs, sample every 10 ms how many of its backends wait for a lock in INSERT INTO postings.
  let sampling = true;
  const samples = [];
  const sampler = (async () => {
    while (sampling) {
      const { rows } = await db.query(
        `SELECT count(*) FILTER (WHERE wait_event_type = 'Lock' AND query LIKE 'INSERT INTO postings%')::int AS postings
         FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND application_name = 'pgbench'`,
      );
      samples.push(rows[0].postings);
      await new Promise((r) => setTimeout(r, 10));
    }
  })();
  const result = await new Promise((resolve) => {
    const child = spawn('pgbench', [
      '-n', '-M', 'extended', '-c', String(clients), '-j', String(Math.min(clients, 2)), '-t', String(perClient), '--max-tries', '20',
      '-f', path.join(root, 'bench/sql/donation-ingestion.sql'), database.url,
    ]);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
  sampling = false;
  await sampler;
  const tps = /tps = ([\d.]+) \(without initial connection time\)/.exec(result.stdout)?.[1];
  const failed = /number of failed transactions: (\d+)/.exec(result.stdout)?.[1];
  const retried = /number of transactions retried: (\d+)/.exec(result.stdout)?.[1] ?? '0';
  if (result.status !== 0 || !tps || failed !== '0') throw new Error(`pgbench failed: ${result.stdout}\n${result.stderr}`);
  const [{ n }] = (await db.query(`SELECT count(*)::int AS n FROM donations WHERE stripe_checkout_session_id = ANY(SELECT 'cs_pgb_' || g FROM generate_series($1::bigint, $2::bigint) g) AND status = 'succeeded'`, [start, end])).rows;
  if (n !== end - start + 1) throw new Error(`pgbench settled ${n} donations, expected ${end - start + 1}`);
  return { tps: Number(tps), retried: Number(retried), postingsWaiting: samples.reduce((a, b) => a + b, 0) / Math.max(1, samples.length) };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const rows = [];
try {
  const { orgId, hot, spread } = await seed();
  await run(orgId, spread, 2, 200); // warm-up
  const shapes = [['spread over 20 campaigns', spread], ['one hot campaign', [hot]]];
  const results = new Map();
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, ids] of shapes) {
      for (const clients of CLIENTS) {
        const key = `${name}|${clients}`;
        const r = await run(orgId, ids, clients, PER_RUN);
        results.set(key, [...(results.get(key) ?? []), r]);
      }
    }
  }
  for (const [name] of shapes) {
    const line = CLIENTS.map((clients) => {
      const runs = results.get(`${name}|${clients}`);
      return `${clients} client${clients > 1 ? 's' : ''} ${median(runs.map((r) => r.tps)).toFixed(1)} gifts/s (runs ${runs.map((r) => r.tps.toFixed(0)).join(', ')};`
        + ` backends waiting for a lock in INSERT INTO postings ${median(runs.map((r) => r.postingsWaiting)).toFixed(2)} on average; retried ${runs.reduce((s, r) => s + r.retried, 0)})`;
    });
    const [first, last] = [CLIENTS[0], CLIENTS.at(-1)].map((c) => median(results.get(`${name}|${c}`).map((r) => r.tps)));
    rows.push(`${name}: ${line.join(' | ')} | ${CLIENTS.at(-1)}/${CLIENTS[0]}: ${(last / first).toFixed(2)}x`);
  }
  // The cached balances (summed over their rows) must equal the postings, account by account.
  const stale = (await db.query(
    `SELECT coalesce(b.account_code, p.account_code) AS account FROM (SELECT account_code, currency, sum(balance) AS balance FROM ledger_balances GROUP BY 1, 2) b
     FULL JOIN (SELECT account_code, currency, sum(amount) AS total FROM postings GROUP BY 1, 2) p ON p.account_code = b.account_code AND p.currency = b.currency
     WHERE b.balance IS DISTINCT FROM p.total`,
  )).rows;
  if (stale.length > 0) throw new Error(`cached balances differ from the postings for ${stale.map((r) => r.account).join(', ')}`);
  const [{ n: balanceRows }] = (await db.query(`SELECT count(*)::int AS n FROM ledger_balances WHERE account_code LIKE 'platform:%'`)).rows;
  rows.push(`balances equal the postings; platform balance rows: ${balanceRows}`);
} finally {
  await db.end().catch(() => undefined);
  await database.drop().catch(() => undefined);
}
report(`Ledger contention: gifts settled per second by pgbench running bench/sql/donation-ingestion.sql (${PER_RUN} gifts a run, median of ${ROUNDS})`, rows);
