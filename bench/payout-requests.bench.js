// Payout requests per second on ONE campaign under contention (every request locks the same
// campaign funds row, all concurrent), through the real API (auth, validation, the request's
// transaction: lock, availability, payout row, ledger hold, audit, outbox), next to pgbench running
// the same locking SQL (bench/sql/payout-request.sql) with as many clients, on the same database,
// in the same run. Uses its own database (ataa_bench_payouts, recreated) and queue prefix.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import pg from 'pg';
import { benchDatabase, fmt, load, report, root, startNode, waitForHttp } from './lib.js';

const CONNECTIONS = Number(process.env.BENCH_PAYOUT_CONNECTIONS ?? 32);
const DURATION = Number(process.env.BENCH_DURATION ?? 5);
const API_PORT = 3941;
const database = benchDatabase('ataa_bench_payouts');
const DATABASE_URL = database.url;
const apiBase = `http://127.0.0.1:${API_PORT}`;

await database.recreate();
const migrated = spawnSync(process.execPath, ['scripts/migrate.js'], { cwd: root, env: { ...process.env, DATABASE_URL }, stdio: ['ignore', 'ignore', 'inherit'] });
if (migrated.status !== 0) throw new Error('migrating ataa_bench_payouts failed');

const env = {
  NODE_ENV: 'development', LOG_LEVEL: 'warn', DATABASE_URL, API_PORT: String(API_PORT), PUBLIC_BASE_URL: apiBase,
  QUEUE_PREFIX: `ataa-bench-payouts-${process.pid}`, SMTP_URL: 'smtp://127.0.0.1:1', DATABASE_POOL_SIZE: String(Math.max(10, CONNECTIONS)),
};
const api = startNode('dist/apps/api/src/main.js', env);
const db = new pg.Pool({ connectionString: DATABASE_URL, max: 2 });

async function json(url, { method = 'GET', token, body, headers = {} } = {}) {
  const res = await fetch(url, {
    method,
    headers: { ...(body ? { 'content-type': 'application/json' } : {}), ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
    body: body ? JSON.stringify(body) : undefined,
  });
  const data = await res.json().catch(() => null);
  if (!res.ok) throw new Error(`${method} ${url}: ${res.status} ${JSON.stringify(data)}`);
  return data;
}

const rows = [];
try {
  await waitForHttp(`${apiBase}/health/live`);
  const signup = await json(`${apiBase}/api/v1/auth/signup`, { method: 'POST', body: { email: `bench-${process.pid}@example.org`, password: 'correct horse battery staple' }, headers: { 'x-forwarded-for': '198.51.100.7' } });
  const token = signup.accessToken;
  const org = await json(`${apiBase}/api/v1/orgs`, { method: 'POST', token, body: { name: 'Payout bench' } });
  const campaign = await json(`${apiBase}/api/v1/orgs/${org.id}/campaigns`, {
    method: 'POST', token, body: { title: 'Payout bench', summary: 'Benchmark', currency: 'usd', goal: '100000000' },
  });
  await db.query(`UPDATE organizations SET payouts_enabled = true, stripe_account_id = 'acct_bench' WHERE id = $1`, [org.id]);
  // Fund the campaign with one large settled gift straight in the ledger (balanced entry; the
  // triggers maintain the balances), so every request of the run fits.
  const client = await db.connect();
  try {
    await client.query('BEGIN');
    await client.query(`INSERT INTO ledger_accounts (code, currency, type, campaign_id) VALUES ('platform:stripe_balance', 'usd', 'asset', NULL) ON CONFLICT DO NOTHING`);
    await client.query(`INSERT INTO ledger_accounts (code, currency, type, campaign_id) VALUES ($1, 'usd', 'liability', $2), ($3, 'usd', 'liability', $2) ON CONFLICT DO NOTHING`,
      [`campaign:${campaign.id}:funds`, campaign.id, `campaign:${campaign.id}:payouts_pending`]);
    const { rows: [entry] } = await client.query(
      `INSERT INTO journal_entries (kind, source_id, campaign_id, currency, occurred_at) VALUES ('donation', 'ch_bench', $1, 'usd', now()) RETURNING id`, [campaign.id]);
    await client.query(`INSERT INTO postings (entry_id, account_code, currency, amount) VALUES ($1, $2, 'usd', -100000000000), ($1, 'platform:stripe_balance', 'usd', 100000000000)`,
      [entry.id, `campaign:${campaign.id}:funds`]);
    await client.query(`INSERT INTO campaign_ledger_totals (campaign_id, currency, raised, donations_count) VALUES ($1, 'usd', 100000000000, 1)`, [campaign.id]);
    await client.query('COMMIT');
  } finally {
    client.release();
  }

  const url = `${apiBase}/api/v1/orgs/${org.id}/campaigns/${campaign.id}/payouts`;
  const body = JSON.stringify({ amount: '100', currency: 'usd', purpose: 'Bench payout' });
  const ours = await load(url, { method: 'POST', connections: CONNECTIONS, duration: DURATION, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body });

  const run = spawnSync('pgbench', [
    '-n', '-M', 'extended', '-c', String(CONNECTIONS), '-j', '2', '-T', String(DURATION), '-D', `cid=${campaign.id}`, '-D', `funds=campaign:${campaign.id}:funds`, '-D', `pending=campaign:${campaign.id}:payouts_pending`,
    '-f', path.join(root, 'bench/sql/payout-request.sql'), DATABASE_URL,
  ], { encoding: 'utf8' });
  const tps = /tps = ([\d.]+) \(without initial connection time\)/.exec(run.stdout)?.[1];
  if (run.status !== 0 || !tps) throw new Error(`pgbench failed: ${run.stdout}\n${run.stderr}`);

  // Nothing may exceed the funds: the holds equal the payouts requested.
  const [{ reserved, payouts }] = (await db.query(
    `SELECT (SELECT -balance FROM ledger_account_balances WHERE account_code = $1)::text AS reserved, (SELECT sum(amount) FROM payouts WHERE campaign_id = $2)::text AS payouts`,
    [`campaign:${campaign.id}:payouts_pending`, campaign.id],
  )).rows;
  if (reserved !== payouts) throw new Error(`holds (${reserved}) differ from payouts requested (${payouts})`);
  rows.push(`one campaign, ${CONNECTIONS} concurrent: api ${fmt(ours.rps)} requests/s (p99 ${ours.p99} ms) | pgbench same SQL ${fmt(Number(tps))} tx/s | ratio ${(ours.rps / Number(tps)).toFixed(2)}x`);
} finally {
  await api.stop();
  await db.end();
}
report(`Payout requests on one campaign under contention (${DURATION} s)`, rows);
