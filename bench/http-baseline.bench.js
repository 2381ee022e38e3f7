// /health/live and /api/v1/meta through the whole API (NestJS on Fastify, validation, filters,
// metrics and security hooks) next to bare Node `http` serving the same bytes, in the same run.
import { fmt, load, report, startNode, waitForHttp } from './lib.js';

const API_PORT = 3901;
const BARE_PORT = 3902;
const env = { API_PORT: String(API_PORT), LOG_LEVEL: 'warn', DATABASE_URL: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/ataa' };

const api = startNode('dist/apps/api/src/main.js', env);
await waitForHttp(`http://127.0.0.1:${API_PORT}/health/live`);
const live = await (await fetch(`http://127.0.0.1:${API_PORT}/health/live`)).text();
const meta = await (await fetch(`http://127.0.0.1:${API_PORT}/api/v1/meta`)).text();
const bare = startNode('bench/bare-server.js', { BARE_PORT: String(BARE_PORT), BODIES: JSON.stringify({ '/health/live': live, '/api/v1/meta': meta }) });
await waitForHttp(`http://127.0.0.1:${BARE_PORT}/health/live`);

const rows = [];
try {
  for (const route of ['/health/live', '/api/v1/meta']) {
    const baseline = await load(`http://127.0.0.1:${BARE_PORT}${route}`);
    const ours = await load(`http://127.0.0.1:${API_PORT}${route}`);
    rows.push(`${route.padEnd(14)} api ${fmt(ours.rps)} req/s (p99 ${ours.p99} ms) | bare node ${fmt(baseline.rps)} req/s (p99 ${baseline.p99} ms) | ratio ${(ours.rps / baseline.rps).toFixed(2)}x`);
  }
} finally {
  await api.stop();
  await bare.stop();
}
report('HTTP: API vs bare Node serving the same bytes (50 connections, 5 s)', rows);
