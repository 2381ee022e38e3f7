#!/usr/bin/env node
// `npm start`: builds, migrates, starts the API, the worker, the Stripe sandbox, a mail catcher and a witness,
// seeds a demo organization (idempotently), prints the URLs. Ctrl-C stops everything.
//
// In development it prints one line per step and a summary; the processes' JSON logs go to
// var/log/<process>.log (START_LOGS=stdout sends them to the terminal instead, prefixed). With
// NODE_ENV=production the JSON logs go to stdout as before (prefixed by process), for a log collector.
import { spawn, spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
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
const production = env.NODE_ENV === 'production';
const development = env.NODE_ENV === 'development';
const apiPort = Number(env.API_PORT ?? 3000);
const sandboxPort = Number(env.SANDBOX_PORT ?? 12111);
const mailPort = Number(env.MAIL_CATCHER_PORT ?? 1080);
const publicBase = (env.PUBLIC_BASE_URL ?? `http://127.0.0.1:${apiPort}`).replace(/\/+$/, '');
const apiBase = `http://127.0.0.1:${apiPort}`;
const sandboxUrl = `http://127.0.0.1:${sandboxPort}`;
const mailUrl = `http://127.0.0.1:${mailPort}`;
env.SANDBOX_WEBHOOK_URL ??= `${apiBase}/webhooks/stripe`;
// The sandbox keeps its state across restarts outside production, so the demo's connected account
// and payments are still there on the next start (the database keeps its side of them).
if (!production) env.SANDBOX_STATE_FILE ??= '.data/sandbox-state.json';

const LOG_DIR = path.join('var', 'log');
const toFiles = !production && env.START_LOGS !== 'stdout';
if (toFiles) mkdirSync(LOG_DIR, { recursive: true });
const logFile = (name) => path.join(LOG_DIR, `${name}.log`);

const say = (message) => process.stdout.write(`[start] ${message}\n`);
const seconds = (since) => `${((Date.now() - since) / 1000).toFixed(1)} s`;

/** The last lines of a log file, to show why a step failed without sending anyone to look for it. */
function tail(file, lines = 15) {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).map((l) => `    ${l}`).join('\n');
  } catch {
    return '';
  }
}

/** Runs a step to its end; in development its output goes to var/log/<name>.log, shown only on failure. */
function run(name, label, command, args) {
  const began = Date.now();
  const result = spawnSync(command, args, { env, encoding: 'utf8', stdio: toFiles ? ['ignore', 'pipe', 'pipe'] : 'inherit' });
  if (toFiles) writeFileSync(logFile(name), `${result.stdout ?? ''}${result.stderr ?? ''}`);
  if (result.status !== 0) {
    say(`✗ ${label} failed (exit ${result.status}).`);
    if (toFiles) process.stdout.write(`${result.stdout ?? ''}${result.stderr ?? ''}`.trimEnd().split('\n').slice(-15).map((l) => `    ${l}`).join('\n') + `\n    (all of it: ${logFile(name)})\n`);
    process.exit(1);
  }
  return { output: `${result.stdout ?? ''}`, took: seconds(began) };
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
  // Only a single local Redis is started here; a cluster or sentinels (redis+cluster://, redis+sentinel://,
  // REDIS_CLUSTER_NODES, REDIS_SENTINELS) are the operator's, and their URL is no single host:port.
  const singleRedis = /^rediss?:\/\//.test(env.REDIS_URL ?? 'redis://') && !env.REDIS_CLUSTER_NODES && !env.REDIS_SENTINELS;
  const redisUrl = singleRedis ? new URL(env.REDIS_URL ?? 'redis://127.0.0.1:6379') : null;
  const local = (h) => h === '127.0.0.1' || h === 'localhost';
  if (local(pgUrl.hostname) && !(await portOpen(Number(pgUrl.port || 5432)))) {
    say('PostgreSQL is not answering; starting the local cluster');
    spawnSync('bash', ['-c', 'pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql | head -1) main start'], { stdio: 'inherit' });
  }
  if (redisUrl && local(redisUrl.hostname) && !(await portOpen(Number(redisUrl.port || 6379)))) {
    say('Redis is not answering; starting it');
    spawnSync('redis-server', ['--daemonize', 'yes', '--bind', '127.0.0.1', '--port', String(redisUrl.port || 6379), '--save', '', '--appendonly', 'no'], { stdio: 'inherit' });
  }
}

const children = [];
/**
 * Starts a process. Its output goes to var/log/<name>.log in development (a fresh file each start),
 * else to this terminal line by line, prefixed with its name. `onLine` sees every line (readiness).
 */
function startProcess(name, script, onLine = () => undefined) {
  const child = spawn(process.execPath, ['--enable-source-maps', script], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const file = toFiles ? createWriteStream(logFile(name)) : null;
  const forward = (stream, out) => {
    let buffer = '';
    stream.on('data', (chunk) => {
      file?.write(chunk);
      buffer += chunk;
      let index;
      while ((index = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, index);
        buffer = buffer.slice(index + 1);
        onLine(line);
        if (!file) out.write(`${name.padEnd(8)}| ${line}\n`);
      }
    });
  };
  forward(child.stdout, process.stdout);
  forward(child.stderr, process.stderr);
  child.exited = new Promise((resolve) => child.once('exit', resolve));
  child.on('exit', (code, signal) => {
    if (!stopping) {
      say(`✗ ${name} exited (${signal ?? code}); stopping everything`);
      if (file) file.end(() => process.stdout.write(`${tail(logFile(name))}\n    (all of it: ${logFile(name)})\n`));
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
  while (Date.now() < deadline && !stopping) {
    try {
      const res = await fetch(url);
      if (res.ok) return true;
    } catch { /* not up yet */ }
    await new Promise((r) => setTimeout(r, 300));
  }
  return false;
}

/** Waits for a process to be ready; a step that does not become ready stops everything. */
async function ready(label, began, check, detail = '') {
  if (!(await check())) {
    say(`✗ ${label} did not become ready in time`);
    await stop(1);
  }
  say(`✓ ${label}${detail ? ` ${detail}` : ''} (${seconds(began)})`);
}

/** The HTTP status a printed URL answers (redirects not followed: every URL printed must answer 200 itself). */
async function statusOf(url) {
  try {
    const res = await fetch(url, { redirect: 'manual' });
    await res.body?.cancel();
    return res.status;
  } catch {
    return 0;
  }
}

await ensureServices();
if (toFiles) say(`logs: ${LOG_DIR}/ (build, migrate, api, worker, sandbox, mail, witness: one file each, JSON lines; e.g. tail -f ${logFile('api')})`);
let began = Date.now();
say('building...');
say(`✓ build (${run('build', 'build', 'npm', ['run', '--silent', 'build']).took})`);
const migrated = run('migrate', 'migrations', process.execPath, ['scripts/migrate.js']);
const migrationLines = migrated.output.split('\n').filter((l) => l.startsWith('[migrate] ')).map((l) => l.slice(10));
const applied = migrationLines.find((l) => l.startsWith('applied '));
const migrationLine = [
  ...migrationLines.filter((l) => l.startsWith('created database')),
  applied ? `applied ${applied.split(', ').length} migration(s)` : 'schema is up to date',
].join('; ');
say(`✓ migrations: ${migrationLine} (${migrated.took})`);

// One transparency witness beside the platform (apps/witness, docs/witness.md), so the demo campaign's
// checkpoints are cosigned: its own database on the same server (<database>_witness, made at its
// start), trusting the platform's campaign logs (<TRANSPARENCY_ORIGIN>/campaigns/*) under the
// platform's checkpoint key; the platform is pointed at it (TRANSPARENCY_WITNESSES) unless configured.
// START_WITNESS=false leaves it out; in production it runs only with its own WITNESS_SIGNING_KEY.
const witness = await witnessSetup().catch((error) => {
  say(`witness not started: ${error.message}`);
  return null;
});
async function witnessSetup() {
  if (env.START_WITNESS === 'false') return null;
  if (production && !env.WITNESS_SIGNING_KEY) {
    say('witness not started (production needs WITNESS_SIGNING_KEY; START_WITNESS=false silences this)');
    return null;
  }
  const domain = await import(path.join(root, 'dist/libs/transparency/src/domain/index.js'));
  const { loadWitnessIdentity } = await import(path.join(root, 'dist/apps/witness/src/witness-config.js'));
  const origin = env.TRANSPARENCY_ORIGIN || 'ataa.local';
  // The platform's checkpoint key: configured, or the development key derived from the origin (libs/transparency).
  const { createHash } = await import('node:crypto');
  const platformKey = env.TRANSPARENCY_SIGNING_KEY
    ? domain.privateKeyFromPkcs8(env.TRANSPARENCY_SIGNING_KEY)
    : domain.privateKeyFromSeed(createHash('sha256').update(`ataa development transparency key|${origin}`).digest());
  const signer = domain.createSigner(origin, platformKey);
  const platformVkey = domain.formatVerifierKey({ keyName: signer.keyName, publicKey: signer.publicKey });
  const port = Number(env.WITNESS_PORT ?? 7380);
  const databaseUrl = new URL(env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/ataa');
  databaseUrl.pathname = `${databaseUrl.pathname}_witness`;
  env.WITNESS_PORT = String(port);
  env.WITNESS_DATABASE_URL ??= databaseUrl.toString();
  env.WITNESS_LOGS ??= `${origin}/campaigns/* ${platformVkey}`;
  const { name, key } = loadWitnessIdentity(env);
  const cosigner = domain.createCosigner(name, key);
  const vkey = domain.formatCosignerKey({ name: cosigner.name, publicKey: cosigner.publicKey });
  const url = `http://127.0.0.1:${port}`;
  env.TRANSPARENCY_WITNESSES ??= `${url} ${vkey}`;
  return { url, vkey };
}

began = Date.now();
let workerReady = false;
if (witness) startProcess('witness', 'dist/apps/witness/src/main.js');
startProcess('sandbox', 'dist/apps/stripe-sandbox/src/main.js');
const withMail = existsSync('dist/apps/mail-catcher/src/main.js');
if (withMail) startProcess('mail', 'dist/apps/mail-catcher/src/main.js');
startProcess('api', 'dist/apps/api/src/main.js');
startProcess('worker', 'dist/apps/worker/src/main.js', (line) => {
  if (line.includes('"msg":"worker started"')) workerReady = true;
});

if (witness) await ready('witness', began, () => waitForHttp(`${witness.url}/health/ready`), witness.url);
await ready('Stripe sandbox', began, () => waitForHttp(`${sandboxUrl}/`), `${sandboxUrl} (state: ${env.SANDBOX_STATE_FILE ?? 'in memory'})`);
if (withMail) await ready('mail catcher', began, () => waitForHttp(`${mailUrl}/`), mailUrl);
await ready('API', began, () => waitForHttp(`${apiBase}/health/ready`), apiBase);
await ready('worker', began, async () => {
  const deadline = Date.now() + 60_000;
  while (!workerReady && Date.now() < deadline && !stopping) await new Promise((r) => setTimeout(r, 200));
  return workerReady;
});

began = Date.now();
say('seeding the demo...');
const seedSay = (message) => say(`  ${message}`);
// The mail catcher's messages, for the seed to follow the verification link it is sent.
const mailbox = withMail ? async () => (await (await fetch(`${mailUrl}/api/messages`)).json()).map((m) => ({ id: m.id, to: m.to, text: m.text })) : undefined;
// The development operator token is the config's default (libs/config); the seed uses it to approve its payout.
const operatorToken = env.OPERATOR_TOKEN || (production ? undefined : 'development-operator-token-000000');
const { seedDemo } = await import('./seed-demo.js');
const demo = await seedDemo({ apiBase, sandboxBase: sandboxUrl, publicBase, say: seedSay, mailbox, operatorToken });
// The operator console's demo account (development only): its lines join the summary.
const { seedDemoOperator } = await import('./seed-operator.js');
const operator = await seedDemoOperator({ databaseUrl: env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/ataa', say: seedSay, publicBase });
say(`${demo ? '✓' : '✗'} demo seed (${seconds(began)})`);

const rows = [
  ['Home', `${publicBase}/`, '(campaigns: /campaigns)'],
  ['Dashboard', `${publicBase}/dashboard/sign-in`, ''],
  ...(operator?.lines ?? []).map(([label, value]) => [label, value, '']),
];
// The demo password is printed in development only (the seed's account is for trying the platform out).
if (demo) rows.push(['Demo login', `${demo.email}${development ? ` / ${demo.password}` : ''}`, '(dashboard and API)']);
if (demo) rows.push(['Campaign', demo.campaignUrl, ''], ['  in Arabic', demo.arabicCampaignUrl, '(KWD)'], ['Public ledger', demo.ledgerUrl, '']);
rows.push(
  ['API', `${publicBase}/api/v1/meta`, ''],
  ['API docs', `${publicBase}/docs`, `(OpenAPI: ${publicBase}/docs/openapi.json)`],
  ['Health', `${publicBase}/health/ready`, ''],
  ...(withMail ? [['Mail catcher', mailUrl, '(every e-mail sent)']] : []),
  ['Stripe sandbox', sandboxUrl, ''],
  ...(witness ? [['Witness', `${witness.url}/`, `(vkey ${witness.vkey})`]] : []),
);
// Every URL printed must answer 200; one that does not is marked (the summary does not lie).
const urls = rows.map(([, value]) => value).filter((v) => /^https?:\/\//.test(v));
const statuses = new Map(await Promise.all(urls.map(async (u) => [u, await statusOf(u.startsWith(publicBase) ? apiBase + u.slice(publicBase.length) : u)])));
const width = Math.max(...rows.map(([label]) => label.length)) + 2;
const lines = ['', 'Ataa is running:'];
for (const [label, value, note] of rows) {
  const status = statuses.get(value);
  const warning = status !== undefined && status !== 200 ? `  (answers ${status || 'nothing'}!)` : '';
  lines.push(`  ${label.padEnd(width)}${value}${note ? `  ${note}` : ''}${warning}`);
}
lines.push(`  ${'Test cards'.padEnd(width)}4242 4242 4242 4242 (success), 4000 0000 0000 0002 (declined)`);
if (toFiles) lines.push(`  ${'Logs'.padEnd(width)}${path.resolve(LOG_DIR)}/{api,worker,sandbox,mail${witness ? ',witness' : ''}}.log`);
lines.push('', 'Press Ctrl-C to stop.', '');
process.stdout.write(lines.join('\n'));
