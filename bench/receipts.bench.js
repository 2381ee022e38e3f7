// Receipts: rendered (Handlebars HTML + text, PDF) alone, and the same receipts sent alone through the
// SMTP adapter (the ceiling), next to rendered AND delivered by the real worker (outbox -> relay ->
// BullMQ -> processor -> SMTP) to a local SMTP sink, in the same run.
// Own database and queue prefix, removed afterwards. RECEIPTS=<n> sets the delivered batch (default 400).
import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { Redis } from 'ioredis';
import pg from 'pg';
import { SMTPServer } from 'smtp-server';
import { benchDatabase, fmt, report, root } from './lib.js';
import { BENCH_ORG, benchReceiptData, mixDescription } from './receipts-data.js';

const dist = (p) => path.join(root, 'dist', p);
const { ReceiptRenderer, ReceiptPdfRenderer, buildReceiptView } = await import(dist('libs/notifications/src/index.js'));
const { runMigrations } = await import(dist('libs/database/src/migrate.js'));
const { NOTIFICATIONS_CONCURRENCY } = await import(dist('apps/worker/src/notifications/notifications.processor.js'));
const { loadConfig } = await import(dist('libs/config/src/index.js'));
// Threads the worker renders PDFs on (none: on its event loop, before ReceiptPdfPool).
const renderThreads = loadConfig({ RECEIPT_RENDER_THREADS: process.env.RECEIPT_RENDER_THREADS }).RECEIPT_RENDER_THREADS;

const COUNT = Number(process.env.RECEIPTS ?? 400);
const WARMUP = 40;
const RENDER_SECONDS = 5;
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const suffix = randomBytes(4).toString('hex');
const dbName = `ataa_bench_receipts_${suffix}`;
const queuePrefix = `ataa-bench-${suffix}`;
const database = benchDatabase(dbName);

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

/** Renders for `seconds` after a warm-up: receipts per second, sequential, one core. */
async function renderRate(seconds, withPdf) {
  const html = new ReceiptRenderer();
  const pdf = new ReceiptPdfRenderer();
  const one = async (n) => {
    const view = buildReceiptView('donation_receipt', benchReceiptData(`bench-${n}`), `R-2026-${String(n + 1).padStart(6, '0')}`);
    const message = html.render(view);
    const bytes = withPdf ? (await pdf.render(view)).length : 0;
    return message.html.length + message.text.length + bytes;
  };
  for (let n = 0; n < 20; n++) await one(n);
  let done = 0;
  let bytes = 0;
  const start = process.hrtime.bigint();
  const until = start + BigInt(seconds * 1e9);
  while (process.hrtime.bigint() < until) bytes += await one(done++);
  const elapsed = Number(process.hrtime.bigint() - start) / 1e9;
  return { rate: done / elapsed, perReceiptMs: (elapsed * 1000) / done, avgKiB: bytes / done / 1024 };
}

/** A real SMTP server that accepts everything and counts what arrives (no MIME parsing: cheap). */
async function startSink() {
  const recipients = new Set();
  let messages = 0;
  let bytes = 0;
  let wake = () => undefined;
  const sink = new SMTPServer({
    authOptional: true, disabledCommands: ['STARTTLS', 'AUTH'], logger: false, closeTimeout: 500, size: 25 * 1024 * 1024,
    onData(stream, session, callback) {
      stream.on('data', (chunk) => { bytes += chunk.length; });
      stream.on('end', () => {
        messages += 1;
        for (const r of session.envelope.rcptTo) recipients.add(r.address);
        wake();
        callback();
      });
    },
  });
  await new Promise((resolve) => sink.listen(0, '127.0.0.1', resolve));
  return {
    url: `smtp://127.0.0.1:${sink.server.address().port}`,
    stats: () => ({ messages, bytes, recipients: recipients.size }),
    async waitFor(count, timeoutMs = 300_000) {
      const deadline = Date.now() + timeoutMs;
      while (messages < count) {
        if (Date.now() > deadline) throw new Error(`SMTP sink: ${messages} of ${count} messages arrived in time`);
        await new Promise((resolve) => {
          const timer = setTimeout(resolve, 200);
          wake = () => { clearTimeout(timer); resolve(); };
        });
      }
    },
    close: () => new Promise((resolve) => sink.close(resolve)),
  };
}

/**
 * SMTP sending alone (bench/receipts-smtp-only.js, a process of its own like the worker): the same
 * receipts, rendered beforehand, sent through the worker's SMTP adapter at its concurrency to a sink
 * of its own. The ceiling for the delivery run: receipts per second.
 */
async function smtpOnlyRate() {
  const own = await startSink();
  try {
    const child = fork(path.join(root, 'bench', 'receipts-smtp-only.js'), [], {
      cwd: root,
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
      env: { ...process.env, RECEIPTS: String(COUNT), WARMUP: String(WARMUP), SMTP_URL: own.url },
    });
    const result = await new Promise((resolve, reject) => {
      child.once('message', resolve);
      child.once('exit', (code) => reject(new Error(`SMTP-only sender exited (${code}) without a result`)));
    });
    if (child.exitCode === null) await new Promise((resolve) => child.once('exit', resolve));
    if (own.stats().messages !== WARMUP + COUNT) throw new Error(`SMTP-only: ${own.stats().messages} of ${WARMUP + COUNT} messages arrived`);
    return result;
  } finally {
    await own.close();
  }
}

/** Writes `count` outbox rows in one transaction, as settlements do; returns the commit time. */
async function settle(db, from, count) {
  await db.query('BEGIN');
  await db.query(
    `INSERT INTO outbox (kind, aggregate_id, payload, dedupe_key)
     SELECT 'donation_receipt', 'bench-' || n, '{}'::jsonb, 'donation_receipt:bench-' || n FROM generate_series($1::int, $2::int) AS n`,
    [from, from + count - 1],
  );
  await db.query('COMMIT');
  return process.hrtime.bigint();
}

const rows = [];
await database.recreate();
let worker;
let sink;
let db;
try {
  await runMigrations(database.url);

  // 1. Rendering alone, while nothing else of ours runs (again after the delivery run: best of two,
  //    so a burst of load from elsewhere on the machine does not decide the figure).
  const templatesBefore = await renderRate(RENDER_SECONDS, false);
  const fullBefore = await renderRate(RENDER_SECONDS, true);
  // SMTP alone, the ceiling (again after the delivery run: best of two, the stricter baseline).
  const smtpBefore = await smtpOnlyRate();

  // 2. The worker delivering to the sink.
  sink = await startSink();
  worker = fork(path.join(root, 'bench', 'receipts-worker.js'), [], {
    cwd: root,
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    env: { ...process.env, NODE_ENV: 'test', LOG_LEVEL: 'warn', DATABASE_URL: database.url, REDIS_URL: redisUrl, QUEUE_PREFIX: queuePrefix, SMTP_URL: sink.url },
  });
  await new Promise((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('exit', (code) => reject(new Error(`worker exited (${code}) before it was ready`)));
  });
  db = new pg.Client({ connectionString: database.url });
  await db.connect();

  const workerCpu = () => new Promise((resolve) => {
    const onMessage = (message) => {
      if (!message?.cpu) return;
      worker.off('message', onMessage);
      resolve(message.cpu);
    };
    worker.on('message', onMessage);
    worker.send('cpu');
  });

  await settle(db, 0, WARMUP);
  await sink.waitFor(WARMUP);
  const cpuBefore = await workerCpu();
  const committed = await settle(db, WARMUP, COUNT);
  await sink.waitFor(WARMUP + COUNT);
  const elapsed = Number(process.hrtime.bigint() - committed) / 1e9;
  const cpuAfter = await workerCpu();
  const cpuMs = (key) => (cpuAfter[key] === null ? null : (cpuAfter[key] - cpuBefore[key]) / 1000 / COUNT);
  const stats = sink.stats();
  // The sink counts a message before the worker has heard "250" and recorded it: wait for the records.
  for (let i = 0; i < 300; i++) {
    const [{ n }] = (await db.query(`SELECT count(*)::int AS n FROM receipts WHERE status = 'sent'`)).rows;
    if (n >= WARMUP + COUNT) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const latencies = (await db.query(
    `SELECT extract(epoch FROM r.sent_at - o.created_at) * 1000 AS ms FROM receipts r JOIN outbox o ON o.id = r.outbox_id
     WHERE r.sequence > $1 ORDER BY 1`, [WARMUP],
  )).rows.map((r) => Number(r.ms));
  const [check] = (await db.query(
    `SELECT count(*)::int AS sent, count(DISTINCT receipt_number)::int AS numbers, max(sequence)::int AS last FROM receipts WHERE organization_id = $1 AND status = 'sent'`,
    [BENCH_ORG],
  )).rows;
  if (stats.recipients !== WARMUP + COUNT || check.sent !== WARMUP + COUNT || check.numbers !== check.sent || check.last !== check.sent) {
    throw new Error(`delivery was not exactly once: ${JSON.stringify({ stats, check })}`);
  }

  await db.end();
  db = undefined;
  await new Promise((resolve) => {
    worker.once('exit', resolve);
    worker.kill('SIGTERM');
  });
  const best = (a, b) => (a.rate >= b.rate ? a : b);
  const templates = best(templatesBefore, await renderRate(RENDER_SECONDS, false));
  const full = best(fullBefore, await renderRate(RENDER_SECONDS, true));
  const smtp = best(smtpBefore, await smtpOnlyRate());
  const delivered = COUNT / elapsed;

  rows.push(`mix: ${mixDescription()}; each receipt = HTML + text body + PDF attachment (avg PDF-inclusive render output ${full.avgKiB.toFixed(0)} KiB, MIME on the wire ${(stats.bytes / stats.messages / 1024).toFixed(0)} KiB)`);
  rows.push(`render only, templates (HTML + text)   ${fmt(templates.rate).padStart(6)} receipts/s  (${templates.perReceiptMs.toFixed(2)} ms each, one core, sequential, best of two ${RENDER_SECONDS} s runs)`);
  rows.push(`render only, templates + PDF          ${fmt(full.rate).padStart(6)} receipts/s  (${full.perReceiptMs.toFixed(2)} ms each, one core, sequential, best of two ${RENDER_SECONDS} s runs)`);
  rows.push(`SMTP sending alone (pre-rendered)      ${fmt(smtp.rate).padStart(6)} receipts/s  (${COUNT} receipts in ${smtp.elapsed.toFixed(2)} s; SMTP adapter at concurrency ${NOTIFICATIONS_CONCURRENCY}, own process, best of two runs)`);
  rows.push(`rendered + delivered by the worker     ${fmt(delivered).padStart(6)} receipts/s  (${COUNT} receipts in ${elapsed.toFixed(2)} s; worker concurrency ${NOTIFICATIONS_CONCURRENCY}, one worker process, ${renderThreads ? `PDFs on ${renderThreads} rendering thread${renderThreads > 1 ? 's' : ''}` : 'PDFs on the event loop'}, SMTP pool of 5)`);
  const threadMs = cpuMs('thread');
  rows.push(`  worker CPU per receipt: event loop ${threadMs === null ? 'n/a' : `${threadMs.toFixed(2)} ms`}, whole process ${cpuMs('process').toFixed(2)} ms (rendering threads included; from a sample before and after the batch)`);
  rows.push(`  outbox commit -> sent: p50 ${fmt(percentile(latencies, 50))} ms, p99 ${fmt(percentile(latencies, 99))} ms (the whole batch is committed at once: mostly queueing; includes the relay's 500 ms polling)`);
  rows.push(`  delivered/SMTP-alone ratio ${(delivered / smtp.rate).toFixed(2)}x, delivered/rendering-with-PDF ratio ${(delivered / full.rate).toFixed(2)}x; every receipt arrived exactly once, numbers R-2026-000001..${String(check.last).padStart(6, '0')} without gaps`);
} finally {
  await db?.end();
  if (worker && worker.exitCode === null) {
    await new Promise((resolve) => {
      worker.once('exit', resolve);
      worker.kill('SIGTERM');
    });
  }
  await sink?.close();
  await database.drop();
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${queuePrefix}:*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length) await redis.del(...keys);
  } while (cursor !== '0');
  redis.disconnect();
}
report(`Receipts: rendering alone and SMTP sending alone vs rendered and delivered to a local SMTP sink (${COUNT} receipts after ${WARMUP} warm-up)`, rows);
