// /health/live and /api/v1/meta through the whole API (NestJS on Fastify, validation, filters,
// metrics and security hooks) next to bare Node `http` serving the same bytes, in the same run: the
// same body with the API's own headers (security headers, request id, content type), so both write the
// same response; and, for comparison with earlier runs, bare Node writing the body with its own two
// headers only (about 1 kB less per response).
// The API runs as in production (NODE_ENV=production, its own secrets) on its own freshly migrated
// database, ataa_bench_http, dropped at the end (BENCH_KEEP_DB=1 keeps it). BENCH_DURATION sets
// the seconds per load run (default 5).
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import path from 'node:path';
import { benchDatabase, cpuRatio, fmt, load, loadAverage, report, root, sameResponse, startNode, waitForHttp } from './lib.js';

const API_PORT = 3901;
const BARE_PORT = 3902;
const DURATION = Number(process.env.BENCH_DURATION ?? 5);
const DB_NAME = 'ataa_bench_http';
const database = benchDatabase(DB_NAME);
const dbUrl = database.url;
const { runMigrations } = await import(path.join(root, 'dist/libs/database/src/migrate.js'));

await database.recreate();
let api;
let bare;
const rows = [];
try {
  await runMigrations(dbUrl);
  api = startNode('dist/apps/api/src/main.js', {
    NODE_ENV: 'production', API_PORT: String(API_PORT), LOG_LEVEL: 'warn', DATABASE_URL: dbUrl, QUEUE_PREFIX: 'ataa-bench-http',
    AUTH_SECRET: randomBytes(32).toString('hex'), OPERATOR_TOKEN: randomBytes(24).toString('hex'), STRIPE_SECRET_KEY: 'sk_test_bench_http',
    STRIPE_WEBHOOK_SECRETS: 'whsec_bench_http',
    TRANSPARENCY_SIGNING_KEY: generateKeyPairSync('ed25519').privateKey.export({ format: 'der', type: 'pkcs8' }).toString('base64'),
  });
  await waitForHttp(`http://127.0.0.1:${API_PORT}/health/live`);
  const bodies = {};
  for (const route of ['/health/live', '/api/v1/meta']) {
    const same = await sameResponse(`http://127.0.0.1:${API_PORT}${route}`);
    bodies[route] = same;
    bodies[`/body-only${route}`] = Buffer.from(same.base64, 'base64').toString();
  }
  bare = startNode('bench/bare-server.js', { BARE_PORT: String(BARE_PORT), BODIES: JSON.stringify(bodies) });
  await waitForHttp(`http://127.0.0.1:${BARE_PORT}/health/live`);

  rows.push(`load average at the start: ${loadAverage()}`);
  for (const route of ['/health/live', '/api/v1/meta']) {
    const baseline = await load(`http://127.0.0.1:${BARE_PORT}${route}`, { duration: DURATION, pid: bare.child.pid });
    const ours = await load(`http://127.0.0.1:${API_PORT}${route}`, { duration: DURATION, pid: api.child.pid });
    const bodyOnly = await load(`http://127.0.0.1:${BARE_PORT}/body-only${route}`, { duration: DURATION });
    rows.push(`${route.padEnd(14)} api ${fmt(ours.rps)} req/s (p99 ${ours.p99} ms) | bare node, same bytes (the API's ${Object.keys(bodies[route].headers).length} headers) ${fmt(baseline.rps)} req/s (p99 ${baseline.p99} ms) | ratio ${(ours.rps / baseline.rps).toFixed(2)}x (goal ≥ 0.8x)${cpuRatio(ours, baseline)}`
      + ` | bare node, body and 2 headers only ${fmt(bodyOnly.rps)} req/s: ${(ours.rps / bodyOnly.rps).toFixed(2)}x`);
  }
  rows.push(`load average at the end: ${loadAverage()}`);
} finally {
  await api?.stop();
  await bare?.stop();
  if (process.env.BENCH_KEEP_DB !== '1') await database.drop();
}
report(`HTTP: API (NODE_ENV=production) vs bare Node serving the same bytes (50 connections, ${DURATION} s)`, rows);
