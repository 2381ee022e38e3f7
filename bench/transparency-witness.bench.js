// Witnesses (issue 24): what cosigning costs, in one run.
// 1. On the append path: a batch of k entries (k = 1 and k = 50) appended in one transaction by an
//    appender with witnesses configured (its statement also upserts the campaign's row in
//    transparency_witness_pending) against one without, alternating batch by batch.
// 2. Off the path: one WitnessSubmissionService.submit (read the pending size, sign and store the
//    checkpoint, build the consistency proof, POST to each witness, verify and store each
//    cosignature, clear the pending row) against 1 and 2 real witnesses (dist/apps/witness, each on
//    a database of its own), one append before each; next to the floor measured in the same run,
//    alternating: the Ed25519 signature of the checkpoint plus one POST of the same bytes per witness
//    (in parallel, with the platform's WitnessClient) to bare Node answering a cosignature line.
// 3. Witness throughput: add-checkpoint requests per second to one witness from many campaign logs
//    at once (each connection sends the next size of a log that has no request in flight: what many
//    campaigns growing in parallel look like; the witness serializes a log's sizes by design), and one
//    log alone on one connection (successive sizes); next to bare Node answering the same bytes.
// Databases: ataa_bench_witness (the platform's, migrated) and ataa_bench_witness_w1, _w2 (the
// witnesses'), created here and dropped at the end (BENCH_KEEP_DB=1 keeps them). Sizes:
// BENCH_BATCHES (per k and setting, default 200), BENCH_SUBMISSIONS (per setting, default 200),
// BENCH_WITNESS_REQUESTS (throughput run, default 5000).
import 'reflect-metadata';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import autocannon from 'autocannon';
import pg from 'pg';
import { benchDatabase, fmt, loadAverage, percentile, report, root, startNode, waitForHttp } from './lib.js';

const BATCHES = Number(process.env.BENCH_BATCHES ?? 200);
const SUBMISSIONS = Number(process.env.BENCH_SUBMISSIONS ?? 200);
const REQUESTS = Number(process.env.BENCH_WITNESS_REQUESTS ?? 5000);
const CONNECTIONS = 50;
const LOGS = 2 * CONNECTIONS;
const ORIGIN = 'ataa.bench';
const LOAD_PLATFORM = 'load.bench';
const database = benchDatabase('ataa_bench_witness');
const witnessDatabases = ['ataa_bench_witness_w1', 'ataa_bench_witness_w2'].map(benchDatabase);
const dist = (p) => path.join(root, 'dist', p);

const domain = await import(dist('libs/transparency/src/domain/index.js'));
const { runMigrations } = await import(dist('libs/database/src/migrate.js'));
const { NestFactory } = await import('@nestjs/core');
const { Module } = await import('@nestjs/common');
const { ConfigModule, loadConfig } = await import(dist('libs/config/src/index.js'));
const { DatabaseModule, TransactionRunner } = await import(dist('libs/database/src/index.js'));
const { TransparencyModule, PublicLedgerAppender, WitnessClient, WitnessSubmissionService } = await import(dist('libs/transparency/src/index.js'));

const ms = (start) => Number(process.hrtime.bigint() - start) / 1e6;
const say = (line) => process.stdout.write(`[witness] ${line}\n`);
const mean = (values) => values.reduce((a, b) => a + b, 0) / values.length;
const stats = (values) => ({ mean: mean(values), p50: percentile(values, 50), p99: percentile(values, 99) });
const line = (s) => `mean ${s.mean.toFixed(2)} ms, p50 ${s.p50.toFixed(2)} ms, p99 ${s.p99.toFixed(2)} ms`;
const pkcs8 = (key) => key.export({ format: 'der', type: 'pkcs8' }).toString('base64');

/** A Nest application context on the bench database, as the worker has it (appender, ledger, witness client, submissions). */
async function openContext(platformKey, witnesses) {
  class WitnessBenchModule {}
  const config = loadConfig({
    ...process.env, NODE_ENV: 'development', DATABASE_URL: database.url, LOG_LEVEL: 'warn', TRANSPARENCY_ORIGIN: ORIGIN,
    TRANSPARENCY_SIGNING_KEY: pkcs8(platformKey), TRANSPARENCY_WITNESSES: witnesses.map((w) => `${w.url} ${w.vkey}`).join(', '),
    TRANSPARENCY_WITNESS_TIMEOUT_MS: '10000',
  });
  Module({ imports: [ConfigModule.forRoot(config), DatabaseModule, TransparencyModule], providers: [WitnessClient, WitnessSubmissionService] })(WitnessBenchModule);
  const context = await NestFactory.createApplicationContext(WitnessBenchModule, { logger: false });
  const runner = context.get(TransactionRunner);
  const appender = context.get(PublicLedgerAppender);
  let n = 0;
  const entry = (campaignId) => ({
    campaignId, kind: 'donation', amount: 2500n, currency: 'usd', occurredAt: new Date(Date.UTC(2026, 0, 1) + n * 1000),
    donorDisplayName: `Bench donor ${n++}`, donorCommitment: null, publicMessage: 'Appended by the benchmark', payoutPurpose: null, sourceRef: randomUUID(),
  });
  return {
    context,
    appendBatch: (campaignId, k) => runner.run((manager) => appender.appendMany(manager, Array.from({ length: k }, () => entry(campaignId)))),
    submissions: context.get(WitnessSubmissionService),
    client: context.get(WitnessClient),
    close: () => context.close(),
  };
}

async function createCampaign(client, slug) {
  const org = await client.query(`INSERT INTO organizations (name) VALUES ($1) RETURNING id`, [`Bench ${slug}`]);
  const campaign = await client.query(
    `INSERT INTO campaigns (organization_id, slug, title, currency, goal_amount, funding_model, language, platform_fee_bps, status, published_at)
     VALUES ($1, $2, $3, 'usd', 100000000000, 'flexible', 'en', 200, 'published', now()) RETURNING id`,
    [org.rows[0].id, slug, `Bench campaign ${slug}`],
  );
  return campaign.rows[0].id;
}

/** Part 1: batches of k entries, witnessed and plain alternating; returns the per-batch times of each. */
async function appendCosts(plain, witnessed, campaigns, k) {
  const settings = [['plain', plain, campaigns.plain], ['witnessed', witnessed, campaigns.witnessed]];
  for (let i = 0; i < 20; i++) for (const [, ctx, campaign] of settings) await ctx.appendBatch(campaign, k); // warm-up
  const times = { plain: [], witnessed: [] };
  for (let i = 0; i < BATCHES; i++) {
    // Which goes first alternates too, so neither always follows the other's commit.
    for (const [name, ctx, campaign] of i % 2 === 0 ? settings : [...settings].reverse()) {
      const start = process.hrtime.bigint();
      await ctx.appendBatch(campaign, k);
      times[name].push(ms(start));
    }
  }
  // Batch i of each setting ran back to back: the median of those pairs' differences is the least
  // disturbed by the machine's load changing during the run.
  const paired = percentile(times.witnessed.map((t, i) => t - times.plain[i]), 50);
  return { plain: stats(times.plain), witnessed: stats(times.witnessed), paired };
}

/**
 * Part 3's load: `amount` add-checkpoint requests over `connections` connections, each request the
 * next size of a log with no request in flight (a log goes back in the queue when its answer came),
 * so no two requests for one log race and every one must be cosigned (200). Bodies are signed before
 * the run (the same bytes go to the bare server).
 */
function campaignLoad(url, logs, amount, connections) {
  const ready = logs.map((log) => ({ log, next: 0 }));
  let failed = 0;
  // Timed from the first request built to the last answer read (autocannon's own duration counts whole ticks on short runs).
  let first = null;
  let last = null;
  let answered = 0;
  return autocannon({
    url: `${url}/add-checkpoint`, connections, amount, method: 'POST',
    headers: { 'content-type': 'text/plain; charset=utf-8', accept: 'text/plain, text/x.tlog.size' },
    requests: [{
      setupRequest: (req, context) => {
        const slot = ready.shift();
        if (!slot) throw new Error('no log without a request in flight: more connections than logs');
        context.slot = slot;
        first ??= process.hrtime.bigint();
        return { ...req, body: slot.log.body(slot.next) };
      },
      onResponse: (status, _body, context) => {
        if (status !== 200) failed++;
        answered++;
        last = process.hrtime.bigint();
        context.slot.next++;
        ready.push(context.slot);
      },
    }],
  }).then((result) => {
    if (result.non2xx > 0 || result.errors > 0 || failed > 0) throw new Error(`${url}: ${result.non2xx} non-2xx, ${result.errors} errors`);
    return { rps: answered / (Number(last - first) / 1e9), p99: result.latency.p99, p50: result.latency.p50, requests: result.requests.total };
  });
}

/** Campaign-style logs for the throughput run: one tree of leaves shared by all (roots and proofs computed once), an origin and signatures each. */
function loadLogs(count, sizes, signer) {
  const leaves = Array.from({ length: sizes + 1 }, (_, i) => domain.leafHash(Buffer.from(JSON.stringify({ v: 3, index: i, kind: 'donation', amount: String(1000 + i), currency: 'usd' }))));
  // Request i goes from size i to size i + 1 (old 0 and no proof for the first).
  const roots = Array.from({ length: sizes + 1 }, (_, size) => domain.merkleRoot(leaves.slice(0, size)));
  const proofs = Array.from({ length: sizes }, (_, i) => (i === 0 ? [] : domain.consistencyProofRanges(i, i + 1).map((r) => domain.merkleRoot(leaves.slice(r.start, r.end)))));
  return Array.from({ length: count }, () => {
    const origin = `${LOAD_PLATFORM}/campaigns/${randomUUID()}`;
    const bodies = proofs.map((proof, i) => Buffer.from(domain.addCheckpointBody(i, proof, domain.signCheckpoint({ origin, size: i + 1, rootHash: roots[i + 1] }, signer))));
    return { origin, body: (i) => { if (i >= bodies.length) throw new Error(`load log ${origin}: no body for size ${i + 1}`); return bodies[i]; } };
  });
}

/** A port free on 127.0.0.1 now (the machine is shared: fixed ports may be taken by another run). */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer().once('error', reject).listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** CPU time (user + system) a process has used so far, in ms (from /proc; clock ticks of 10 ms). */
function cpuMs(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** A load run with the CPU time the server process spent on it, per request. */
async function measured(run, pid) {
  const before = cpuMs(pid);
  const result = await run();
  return { ...result, cpuUs: ((cpuMs(pid) - before) * 1000) / result.requests };
}

// ---------------------------------------------------------------------------------------------
const started = loadAverage();
say(`start: ${started}; ${BATCHES} batches per k and setting, ${SUBMISSIONS} submissions per setting, ${REQUESTS} add-checkpoint requests`);
const platformKey = generateKeyPairSync('ed25519').privateKey;
const platformSigner = domain.createSigner(ORIGIN, platformKey);
const platformVkey = domain.formatVerifierKey({ keyName: platformSigner.keyName, publicKey: platformSigner.publicKey });
const loadSigner = domain.createSigner(LOAD_PLATFORM, generateKeyPairSync('ed25519').privateKey);
const loadVkey = domain.formatVerifierKey({ keyName: loadSigner.keyName, publicKey: loadSigner.publicKey });

const children = [];
const contexts = [];
let client;
try {
  await database.recreate();
  for (const db of witnessDatabases) await db.recreate();
  await runMigrations(database.url);
  // Two witnesses from the build, as deployed (production mode, keys of their own, their own databases).
  const witnesses = [];
  for (const i of [0, 1]) {
    const port = await freePort();
    const child = startNode('dist/apps/witness/src/main.js', {
      NODE_ENV: 'production', LOG_LEVEL: 'warn', WITNESS_NAME: `w${i + 1}.witness.bench`, WITNESS_SIGNING_KEY: pkcs8(generateKeyPairSync('ed25519').privateKey),
      WITNESS_DATABASE_URL: witnessDatabases[i].url, WITNESS_PORT: String(port), WITNESS_HOST: '127.0.0.1',
      WITNESS_LOGS: `${ORIGIN}/campaigns/* ${platformVkey}, ${LOAD_PLATFORM}/campaigns/* ${loadVkey}`,
    });
    children.push(child);
    const url = `http://127.0.0.1:${port}`;
    await waitForHttp(`${url}/health/ready`);
    const vkey = (await (await fetch(`${url}/vkey`)).text()).trim();
    if (child.child.exitCode !== null || !vkey.startsWith(`w${i + 1}.witness.bench+`)) throw new Error(`witness w${i + 1} did not start on port ${port}`);
    witnesses.push({ url, vkey });
  }
  const plain = await openContext(platformKey, []);
  const one = await openContext(platformKey, witnesses.slice(0, 1));
  const two = await openContext(platformKey, witnesses);
  contexts.push(plain, one, two);
  client = new pg.Client({ connectionString: database.url });
  await client.connect();

  // --- 1. The append path ------------------------------------------------------------------------
  const appendRows = [];
  for (const k of [1, 50]) {
    const campaigns = { plain: await createCampaign(client, `plain-k${k}`), witnessed: await createCampaign(client, `witnessed-k${k}`) };
    const costs = await appendCosts(plain, one, campaigns, k);
    const queued = await client.query(`SELECT size FROM transparency_witness_pending WHERE campaign_id = ANY($1::uuid[])`, [[campaigns.plain, campaigns.witnessed]]);
    if (queued.rows.length !== 1 || Number(queued.rows[0].size) !== (20 + BATCHES) * k) throw new Error(`k=${k}: the witnessed appends did not queue their log (or the plain ones did)`);
    const diff = (field) => costs.witnessed[field] - costs.plain[field];
    appendRows.push(
      `k=${String(k).padEnd(3)} no witnesses configured  ${line(costs.plain)}`,
      `k=${String(k).padEnd(3)} witnesses configured     ${line(costs.witnessed)}`,
      `k=${String(k).padEnd(3)} difference               mean ${diff('mean') >= 0 ? '+' : ''}${diff('mean').toFixed(2)} ms (${((diff('mean') / costs.plain.mean) * 100).toFixed(1)} %), p50 ${diff('p50') >= 0 ? '+' : ''}${diff('p50').toFixed(2)} ms, median of paired differences ${costs.paired >= 0 ? '+' : ''}${costs.paired.toFixed(2)} ms`,
    );
  }
  report(`Append path: a batch of k entries in one transaction (appendMany), witnesses configured vs not, ${BATCHES} batches each after 20 warm-up, alternating`, appendRows);

  // --- 2. Cosigning one append batch, off the path --------------------------------------------------
  // Each setting's campaign starts with 1,000 entries (consistency proofs of ~10 hashes) and its
  // witnesses cosign it first (old 0); then one entry is appended before each timed submission.
  const barePort = await freePort();
  const bareUrl = `http://127.0.0.1:${barePort}`;
  let body = '';
  let answer = '';
  // The platform's witness client, wrapped to keep the last body and answer (for the floor) and the
  // wall time from the first POST to a witness to the last answer of a submission.
  let posting = { from: null, to: null };
  for (const ctx of [one, two]) {
    const real = ctx.client.addCheckpoint.bind(ctx.client);
    ctx.client.addCheckpoint = async (url, sent) => {
      if (url.endsWith(`:${barePort}`)) return real(url, sent);
      const from = process.hrtime.bigint();
      posting.from ??= from;
      const response = await real(url, sent);
      posting.to = process.hrtime.bigint();
      body = sent;
      answer = response.body;
      return response;
    };
  }
  const settings = [];
  for (const [count, ctx] of [[1, one], [2, two]]) {
    const campaign = await createCampaign(client, `cosigned-by-${count}`);
    for (let i = 0; i < 10; i++) await ctx.appendBatch(campaign, 100);
    for (let i = 0; i < 20; i++) { await ctx.appendBatch(campaign, 1); await ctx.submissions.submit(campaign); } // warm-up
    settings.push({ count, ctx, campaign, times: [], posts: [], floor: [] });
  }
  const bareAnswer = answer; // a real cosignature line, as the witness answered it
  const bare = startNode('bench/bare-server.js', { BARE_PORT: String(barePort), BODIES: JSON.stringify({ '/add-checkpoint': { base64: Buffer.from(bareAnswer).toString('base64'), type: 'text/plain; charset=utf-8' } }) });
  children.push(bare);
  await waitForHttp(`${bareUrl}/add-checkpoint`);
  if (bare.child.exitCode !== null) throw new Error(`bare server did not start on port ${barePort}`);
  const floorOnce = async (count, size) => {
    const start = process.hrtime.bigint();
    domain.signCheckpoint({ origin: `${ORIGIN}/campaigns/bench`, size, rootHash: Buffer.alloc(32, size % 256) }, platformSigner);
    const answers = await Promise.all(Array.from({ length: count }, () => one.client.addCheckpoint(bareUrl, body)));
    if (answers.some((a) => a.status !== 200 || a.body !== bareAnswer)) throw new Error('bare server: unexpected answer');
    return ms(start);
  };
  for (let i = 0; i < 20; i++) for (const s of settings) await floorOnce(s.count, i + 1); // warm-up
  for (let i = 0; i < SUBMISSIONS; i++) {
    for (const s of settings) {
      await s.ctx.appendBatch(s.campaign, 1);
      posting = { from: null, to: null };
      const start = process.hrtime.bigint();
      const done = await s.ctx.submissions.submit(s.campaign);
      s.times.push(ms(start));
      s.posts.push(Number(posting.to - posting.from) / 1e6);
      if (done.witnesses.length !== s.count || done.witnesses.some((w) => w.outcome !== 'cosigned')) throw new Error(`submission to ${s.count} witness(es): ${JSON.stringify(done)}`);
      s.floor.push(await floorOnce(s.count, 1000 + i));
    }
  }
  const cosignRows = [];
  for (const s of settings) {
    const stored = await client.query(`SELECT count(*)::int AS n FROM transparency_cosignatures WHERE campaign_id = $1`, [s.campaign]);
    const expected = (20 + SUBMISSIONS) * s.count; // warm-up (the first from old 0) and timed: one per witness each, none lost
    if (stored.rows[0].n !== expected) throw new Error(`${s.count} witness(es): ${stored.rows[0].n} cosignatures stored, expected ${expected}`);
    const ours = stats(s.times);
    const floor = stats(s.floor);
    const posts = stats(s.posts);
    cosignRows.push(
      `${s.count} witness${s.count > 1 ? 'es' : ''}  submit   ${line(ours)}; ${fmt(1000 / ours.mean)} submissions/s (one at a time)`,
      `${' '.repeat(s.count > 1 ? 11 : 9)}  of which POST to the witness${s.count > 1 ? 'es' : ''} (first sent to last answer) ${line(posts)}; the rest (platform database: pending size, log, checkpoint signed and stored, proof, cosignature stored, pending cleared) ${(ours.mean - posts.mean).toFixed(2)} ms mean`,
      `${' '.repeat(s.count > 1 ? 11 : 9)}  floor    ${line(floor)}; ${fmt(1000 / floor.mean)}/s (Ed25519 sign + ${s.count > 1 ? `${s.count} POSTs in parallel` : '1 POST'} of the body the submission just sent, ~${Buffer.byteLength(body)} bytes, to bare Node)`,
      `${' '.repeat(s.count > 1 ? 11 : 9)}  ratio    ${(ours.mean / floor.mean).toFixed(1)}x the floor (mean), +${(ours.mean - floor.mean).toFixed(2)} ms`,
    );
  }
  report(`Cosigning one append batch (WitnessSubmissionService.submit in the worker, off the donation path), log of ~1,000 entries, ${SUBMISSIONS} each, alternating with the floor`, cosignRows);

  // --- 3. Witness throughput ---------------------------------------------------------------------
  const witnessUrl = witnesses[0].url;
  const perLog = Math.ceil((REQUESTS / LOGS) * 1.5) + 10;
  await campaignLoad(witnessUrl, loadLogs(LOGS, 20, loadSigner), Math.min(1000, LOGS * 10), CONNECTIONS); // warm-up, logs of its own
  const logs = loadLogs(LOGS, perLog, loadSigner);
  const many = await measured(() => campaignLoad(witnessUrl, logs, REQUESTS, CONNECTIONS), children[0].child.pid);
  const manyBare = await measured(() => campaignLoad(bareUrl, logs, REQUESTS, CONNECTIONS), bare.child.pid);
  const single = loadLogs(1, 500, loadSigner);
  const alone = await campaignLoad(witnessUrl, single, 500, 1);
  const aloneBare = await campaignLoad(bareUrl, single, 500, 1);
  const cosigned = new pg.Client({ connectionString: witnessDatabases[0].url });
  await cosigned.connect();
  try {
    const held = await cosigned.query(`SELECT count(*)::int AS logs, sum(tree_size)::bigint AS entries FROM witness.checkpoints WHERE origin LIKE $1`, [`${LOAD_PLATFORM}/%`]);
    say(`witness w1 holds ${held.rows[0].logs} load logs (${held.rows[0].entries} entries cosigned in all)`);
  } finally {
    await cosigned.end();
  }
  const sample = logs[0].body(perLog - 1).toString();
  const proofLines = sample.slice(0, sample.indexOf('\n\n')).split('\n').length - 1;
  report(`Witness throughput: POST /add-checkpoint to one witness (pool of 5 connections to its database), ${fmt(REQUESTS)} requests; bare Node answering the same bytes`, [
    `${LOGS} logs at once, ${CONNECTIONS} connections   witness ${fmt(many.rps).padStart(6)} req/s (p50 ${many.p50} ms, p99 ${many.p99} ms) | bare node ${fmt(manyBare.rps).padStart(6)} req/s (p99 ${manyBare.p99} ms) | ratio ${(many.rps / manyBare.rps).toFixed(2)}x`,
    `${' '.repeat(38)}  CPU per request: witness process ${fmt(many.cpuUs)} µs, bare node ${fmt(manyBare.cpuUs)} µs (PostgreSQL's share not counted)`,
    `one log, successive sizes, 1 connection  witness ${fmt(alone.rps).padStart(6)} req/s (p50 ${alone.p50} ms, p99 ${alone.p99} ms) | bare node ${fmt(aloneBare.rps).padStart(6)} req/s (p99 ${aloneBare.p99} ms) | ratio ${(alone.rps / aloneBare.rps).toFixed(2)}x`,
    `a body of the ${LOGS}-log run at its last size: ${Buffer.byteLength(sample)} bytes (old size, ${proofLines} proof hashes, the checkpoint signed by the log key), answer ${Buffer.byteLength(bareAnswer)} bytes (one cosignature line)`,
  ]);
} finally {
  await client?.end();
  for (const ctx of contexts) await ctx.close();
  for (const child of children) await child.stop();
  if (process.env.BENCH_KEEP_DB !== '1') {
    await database.drop();
    for (const db of witnessDatabases) await db.drop();
  }
  say(`end: ${loadAverage()}`);
}
