// Shared helpers for the benchmarks: child processes, readiness, autocannon runs, reporting, databases.
import autocannon from 'autocannon';
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';

export const root = path.resolve(import.meta.dirname, '..');

export function startNode(script, env = {}, args = []) {
  const child = spawn(process.execPath, [script, ...args], { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'inherit'] });
  return { child, stop: () => new Promise((resolve) => { if (child.exitCode !== null || child.signalCode !== null) return resolve(); child.once('exit', resolve); child.kill('SIGTERM'); }) };
}

export async function waitForHttp(url, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch { /* not yet */ }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} did not answer in time`);
}

/** A process's CPU ticks so far (user + system, 1/100 s), or null off Linux. */
function cpuTicks(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(f[11]) + Number(f[12]);
  } catch {
    return null;
  }
}

/**
 * Runs autocannon and returns requests/s (mean) and latency p99 (ms); given the server's `pid`, also
 * its CPU time per request (µs), steadier than throughput on a machine shared with other work.
 */
export async function load(url, { connections = 50, duration = 5, warmup = 1, method = 'GET', headers, body, pid } = {}) {
  if (warmup > 0) await autocannon({ url, connections, duration: warmup, method, headers, body });
  const before = pid === undefined ? null : cpuTicks(pid);
  const result = await autocannon({ url, connections, duration, method, headers, body });
  const after = pid === undefined ? null : cpuTicks(pid);
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`${url}: ${result.non2xx} non-2xx, ${result.errors} errors`);
  const cpuPerRequest = before === null || after === null || result.requests.total === 0 ? null : ((after - before) * 10_000) / result.requests.total;
  return { rps: result.requests.average, p99: result.latency.p99, requests: result.requests.total, cpuPerRequest };
}

/** "CPU per request: api X µs, bare node Y µs (Y/X)" when both were measured. */
export function cpuRatio(ours, baseline) {
  if (ours.cpuPerRequest == null || baseline.cpuPerRequest == null || ours.cpuPerRequest === 0) return '';
  return ` | CPU per request api ${ours.cpuPerRequest.toFixed(0)} µs, bare ${baseline.cpuPerRequest.toFixed(0)} µs: ${(baseline.cpuPerRequest / ours.cpuPerRequest).toFixed(2)}x`;
}

/** Headers a server's framework adds by itself (bare Node writes its own) or that depend on the body's length. */
const HOP_BY_HOP = new Set(['date', 'connection', 'keep-alive', 'transfer-encoding', 'content-length']);

/**
 * One response of `url` as the bare server can replay it: the body and the API's own headers (security
 * headers, request id, cache control, content type…), so the baseline writes the same bytes.
 */
export async function sameResponse(url, init = {}) {
  // as autocannon asks: no compression
  const res = await fetch(url, { ...init, headers: { 'accept-encoding': 'identity', ...init.headers } });
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  const bytes = Buffer.from(await res.arrayBuffer());
  const headers = {};
  for (const [name, value] of res.headers) if (!HOP_BY_HOP.has(name)) headers[name] = value;
  return { base64: bytes.toString('base64'), headers, length: bytes.length };
}

export function report(title, rows) {
  process.stdout.write(`\n## ${title}\n`);
  for (const row of rows) process.stdout.write(`${row}\n`);
}

export const fmt = (n) => Math.round(n).toLocaleString('en-US');

/** The machine's load as `uptime` prints it ("load average: 1.02, 0.87, 0.60"), for a report's context. */
export function loadAverage() {
  const run = spawnSync('uptime', { encoding: 'utf8' });
  const printed = /load averages?:\s*(.+)$/.exec(run.stdout?.trim() ?? '')?.[1];
  return `load average: ${printed ?? os.loadavg().map((n) => n.toFixed(2)).join(', ')}`;
}

/** The p-th percentile (0..100) of a list of numbers, nearest rank. */
export function percentile(values, p) {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/**
 * A benchmark's own database on the server of DATABASE_URL: its URL, `recreate()` (dropped if left
 * over, created empty) and `drop()`, both run from the server's `postgres` database.
 */
export function benchDatabase(name) {
  const server = new URL(process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/ataa');
  const urlOf = (database) => Object.assign(new URL(server), { pathname: `/${database}` }).toString();
  const admin = async (...statements) => {
    const client = new pg.Client({ connectionString: urlOf('postgres') });
    await client.connect();
    try {
      for (const sql of statements) await client.query(sql);
    } finally {
      await client.end();
    }
  };
  return {
    url: urlOf(name),
    admin,
    recreate: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`, `CREATE DATABASE ${name}`),
    drop: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}
