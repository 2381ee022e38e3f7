// /health/live and /api/v1/meta through the whole API (NestJS on Fastify, validation, filters,
// metrics and security hooks) next to bare Node `http` serving the same bytes, in the same run: the
// same body with the API's own headers (security headers, request id, content type), so both write the
// same response; and, for comparison with earlier runs, bare Node writing the body with its own two
// headers only (about 1 kB less per response). Beside them, NestJS on its Fastify adapter with nothing
// of ours serving the same bytes (bench/nest-floor-server.js): the framework's floor, so a run shows
// which part of the gap is the framework's and which is ours. Each server is measured BENCH_ROUNDS
// times in turn and its median run reported.
// The API runs as in production (NODE_ENV=production, its own secrets) on its own freshly migrated
// database, ataa_bench_http, dropped at the end (BENCH_KEEP_DB=1 keeps it). BENCH_DURATION sets
// the seconds per load run (default 5).
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import path from 'node:path';
import { benchDatabase, cpuRatio, fmt, load, loadAverage, report, root, sameResponse, startNode, waitForHttp } from './lib.js';

const API_PORT = 3901;
const BARE_PORT = 3902;
const FLOOR_PORT = 3903;
const DURATION = Number(process.env.BENCH_DURATION ?? 5);
/** Rounds per route, taken in turn by bare Node, the API and the NestJS floor (BENCH_ROUNDS, default 3). */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
/** Seconds of load each server gets on a route before its rounds. */
const WARMUP = 3;
/** The run of median throughput (its p99 and CPU with it). */
const median = (runs) => [...runs].sort((a, b) => a.rps - b.rps)[Math.floor(runs.length / 2)];
const DB_NAME = 'ataa_bench_http';
const database = benchDatabase(DB_NAME);
const dbUrl = database.url;
const { runMigrations } = await import(path.join(root, 'dist/libs/database/src/migrate.js'));

await database.recreate();
let api;
let bare;
let floor;
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
  const apiBodies = { '/health/live': bodies['/health/live'], '/api/v1/meta': bodies['/api/v1/meta'] };
  bare = startNode('bench/bare-server.js', { BARE_PORT: String(BARE_PORT), BODIES: JSON.stringify(bodies) });
  floor = startNode('bench/nest-floor-server.js', { FLOOR_PORT: String(FLOOR_PORT), BODIES: JSON.stringify(apiBodies) });
  await waitForHttp(`http://127.0.0.1:${BARE_PORT}/health/live`);
  await waitForHttp(`http://127.0.0.1:${FLOOR_PORT}/health/live`);
  for (const route of Object.keys(apiBodies)) {
    // the floor must write what the API writes (but for the request id and the date)
    const theirs = await sameResponse(`http://127.0.0.1:${FLOOR_PORT}${route}`);
    const ours = bodies[route];
    const { 'x-request-id': _a, ...theirHeaders } = theirs.headers;
    const { 'x-request-id': _b, ...ourHeaders } = ours.headers;
    if (theirs.base64 !== ours.base64 || JSON.stringify(Object.entries(theirHeaders).sort()) !== JSON.stringify(Object.entries(ourHeaders).sort())) {
      throw new Error(`${route}: the NestJS floor does not answer with the API's bytes`);
    }
  }

  rows.push(`load average at the start: ${loadAverage()}`);
  const servers = { api: { port: API_PORT, pid: api.child.pid }, bare: { port: BARE_PORT, pid: bare.child.pid }, floor: { port: FLOOR_PORT, pid: floor.child.pid } };
  for (const route of Object.keys(apiBodies)) {
    // Rounds in turn (bare, API, floor, bare, …), each server's median: the machine's speed drifts
    // over a run, and a server measured once, early or late, takes the drift for its own.
    const runs = { api: [], bare: [], floor: [], bodyOnly: [] };
    // each server's code made hot first (the API is far bigger than the others: one second is not enough)
    for (const name of ['bare', 'api', 'floor']) await load(`http://127.0.0.1:${servers[name].port}${route}`, { duration: WARMUP, warmup: 0 });
    for (let round = 0; round < ROUNDS; round++) {
      for (const name of ['bare', 'api', 'floor']) runs[name].push(await load(`http://127.0.0.1:${servers[name].port}${route}`, { duration: DURATION, pid: servers[name].pid }));
    }
    runs.bodyOnly.push(await load(`http://127.0.0.1:${BARE_PORT}/body-only${route}`, { duration: DURATION }));
    const [ours, baseline, framework, bodyOnly] = [runs.api, runs.bare, runs.floor, runs.bodyOnly].map(median);
    rows.push(`${route.padEnd(14)} api ${fmt(ours.rps)} req/s (p99 ${ours.p99} ms) | bare node, same bytes (the API's ${Object.keys(bodies[route].headers).length} headers) ${fmt(baseline.rps)} req/s (p99 ${baseline.p99} ms) | ratio ${(ours.rps / baseline.rps).toFixed(2)}x (goal ≥ 0.8x)${cpuRatio(ours, baseline)}`
      + ` | NestJS on Fastify alone, same bytes ${fmt(framework.rps)} req/s: ${(framework.rps / baseline.rps).toFixed(2)}x of bare, the API ${(ours.rps / framework.rps).toFixed(2)}x of it${framework.cpuPerRequest == null ? '' : ` (CPU ${framework.cpuPerRequest.toFixed(0)} µs)`}`
      + ` | bare node, body and 2 headers only ${fmt(bodyOnly.rps)} req/s: ${(ours.rps / bodyOnly.rps).toFixed(2)}x`
      + ` | ratio per round ${runs.api.map((run, i) => (run.rps / runs.bare[i].rps).toFixed(2)).join(' ')}`);
  }
  rows.push(`load average at the end: ${loadAverage()}`);
} finally {
  await api?.stop();
  await bare?.stop();
  await floor?.stop();
  if (process.env.BENCH_KEEP_DB !== '1') await database.drop();
}
report(`HTTP: API (NODE_ENV=production) vs bare Node serving the same bytes (50 connections, ${DURATION} s, median of ${ROUNDS} rounds taken in turn)`, rows);
