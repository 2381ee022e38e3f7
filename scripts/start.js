#!/usr/bin/env node
// `npm start`: builds, migrates, starts the API, the worker, the Stripe sandbox and a mail catcher,
// seeds a demo organization and campaign (idempotently), prints the URLs. Ctrl-C stops everything.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
process.chdir(root);
if (existsSync('.env')) process.loadEnvFile('.env');

const env = {
  ...process.env,
  NODE_ENV: process.env.NODE_ENV ?? 'development',
  SANDBOX_TEST_MODE: process.env.SANDBOX_TEST_MODE ?? 'true',
};
const apiPort = Number(env.API_PORT ?? 3000);
const sandboxPort = Number(env.SANDBOX_PORT ?? 12111);
const mailPort = Number(env.MAIL_CATCHER_PORT ?? 1080);
const publicBase = env.PUBLIC_BASE_URL ?? `http://127.0.0.1:${apiPort}`;
env.SANDBOX_WEBHOOK_URL ??= `http://127.0.0.1:${apiPort}/webhooks/stripe`;

const say = (message) => process.stdout.write(`[start] ${message}\n`);

function run(command, args, label) {
  const result = spawnSync(command, args, { stdio: 'inherit', env });
  if (result.status !== 0) {
    say(`${label} failed (exit ${result.status}).`);
    process.exit(1);
  }
}

function portOpen(port, host = '127.0.0.1') {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host });
    socket.once('connect', () => { socket.destroy(); resolve(true); });
    socket.once('error', () => resolve(false));
  });
}

async function ensureServices() {
  const pgUrl = new URL(env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/ataa');
  const redisUrl = new URL(env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  const local = (h) => h === '127.0.0.1' || h === 'localhost';
  if (local(pgUrl.hostname) && !(await portOpen(Number(pgUrl.port || 5432)))) {
    say('PostgreSQL is not answering; starting the local cluster');
    spawnSync('bash', ['-c', 'pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql | head -1) main start'], { stdio: 'inherit' });
  }
  if (local(redisUrl.hostname) && !(await portOpen(Number(redisUrl.port || 6379)))) {
    say('Redis is not answering; starting it');
    spawnSync('redis-server', ['--daemonize', 'yes', '--bind', '127.0.0.1', '--port', String(redisUrl.port || 6379), '--save', '', '--appendonly', 'no'], { stdio: 'inherit' });
  }
}

const children = [];
function startProcess(label, script) {
  const child = spawn(process.execPath, ['--enable-source-maps', script], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const prefix = (stream, out) => {
    let buffer = '';
    stream.on('data', (chunk) => {
      buffer += chunk;
      let index;
      while ((index = buffer.indexOf('\n')) >= 0) {
        out.write(`${label.padEnd(8)}| ${buffer.slice(0, index)}\n`);
        buffer = buffer.slice(index + 1);
      }
    });
  };
  prefix(child.stdout, process.stdout);
  prefix(child.stderr, process.stderr);
  child.on('exit', (code, signal) => {
    if (!stopping) {
      say(`${label} exited (${signal ?? code}); stopping everything`);
      void stop(1);
    }
  });
  children.push(child);
  return child;
}

let stopping = false;
async function stop(code = 0) {
  if (stopping) return;
  stopping = true;
  say('stopping...');
  await Promise.all(children.map((child) => new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', resolve);
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 15_000).unref();
  })));
  say('stopped');
  process.exit(code);
}
process.on('SIGINT', () => void stop(0));
process.on('SIGTERM', () => void stop(0));

async function waitForHttp(url, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(url);
      if (res.ok) return true;
    } catch { /* not up yet */ }
    await new Promise((r) => setTimeout(r, 500));
  }
  return false;
}

await ensureServices();
say('building');
run('npm', ['run', '--silent', 'build'], 'build');
say('creating the database if needed and running migrations');
run(process.execPath, ['scripts/migrate.js'], 'migrations');

startProcess('sandbox', 'dist/apps/stripe-sandbox/src/main.js');
if (existsSync('dist/apps/mail-catcher/src/main.js')) startProcess('mail', 'dist/apps/mail-catcher/src/main.js');
startProcess('api', 'dist/apps/api/src/main.js');
startProcess('worker', 'dist/apps/worker/src/main.js');

if (!(await waitForHttp(`http://127.0.0.1:${apiPort}/health/ready`))) {
  say('the API did not become ready in time');
  await stop(1);
}
const { seedDemo } = await import('./seed-demo.js');
const demo = await seedDemo({ apiBase: `http://127.0.0.1:${apiPort}`, sandboxBase: `http://127.0.0.1:${sandboxPort}`, publicBase, say });
const { seedDemoOperator } = await import('./seed-operator.js');
const demoOperator = await seedDemoOperator({ databaseUrl: env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/ataa', say });

const lines = [
  '',
  'Ataa is running:',
  `  Dashboard      ${publicBase}/dashboard`,
  `  API            ${publicBase}/api/v1`,
  `  API docs       ${publicBase}/docs`,
  `  Health         ${publicBase}/health/ready   metrics: ${publicBase}/metrics`,
  `  Stripe sandbox http://127.0.0.1:${sandboxPort}`,
  `  Mail catcher   http://127.0.0.1:${mailPort}`,
];
if (demo?.campaignUrl) lines.push(`  Demo campaign  ${demo.campaignUrl}`);
// The demo password is printed in development only (the seed's account is for trying the platform out).
if (demo?.email) lines.push(`  Demo login     ${demo.email}${(process.env.NODE_ENV ?? 'development') === 'development' ? ` / ${demo.password}` : ''}   (dashboard and API)`);
if (demoOperator) lines.push(`  Operator console  ${publicBase}/console  ${demoOperator.email} / ${demoOperator.password}`);
lines.push('  Test cards     4242 4242 4242 4242 (success), 4000 0000 0000 0002 (declined)', '', 'Press Ctrl-C to stop.', '');
process.stdout.write(lines.join('\n'));
