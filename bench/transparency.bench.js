// The public ledger of a campaign with 1,000,000 entries (issue 6):
// - ledger page (HTML) and JSON under load, first page and a page deep in the log (keyset), next to
//   bare Node serving the same bytes in the same run; and pages at random depths, each request a new
//   cursor, so none is served from the API's answer cache;
// - CSV export of every entry: time to the last byte and the API's peak memory (also by quarter of
//   the export, and for a campaign a tenth the size: flat memory means the peak does not grow with
//   the rows), next to PostgreSQL COPY of the same rows (the floor);
// - the newest page under load while entries are appended (its answer changes all the time);
// - append cost (one entry, one transaction, as the ledger posts it) at 10 entries versus 1,000,000;
// - C2SP tlog-tiles (issue 24): a full level-0 hash tile and a full entry bundle of the format-3 log,
//   next to bare Node serving the same bytes (goal ≥ 0.8x); the root recomputed from the partial tiles
//   is checked against the signed checkpoint first;
// - leaf format 1 (donor and message hashed in clear) against leaf format 3 (issue 17: salted
//   commitments, values and salts stored beside the leaf) in the same run: page throughput, CSV
//   export and append cost. A second large campaign holds the same entries in format 3; the appends
//   alternate format-1 leaves (the appender's leaf builder swapped for the old one) and format-3 ones.
// The extra cost of cosigning per append batch (witnesses, issue 24) is printed by
// bench/transparency-witness.bench.js, which `npm run bench -- transparency` runs with this one.
// The entries are seeded with SQL (generate_series) straight into a separate bench database, with
// leaf hashes, Merkle nodes, frontier and totals computed the way the appender computes them; the
// bench checks that before measuring (leaf hashes recomputed in Node, root recomputed from every
// leaf, an inclusion proof verified against the signed checkpoint). The database is dropped at the
// end (BENCH_KEEP_DB=1 keeps it). BENCH_LEDGER_SIZE overrides the size for a quick run.
import 'reflect-metadata';
import { spawnSync } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { Worker } from 'node:worker_threads';
import path from 'node:path';
import autocannon from 'autocannon';
import pg from 'pg';
import { benchDatabase, cpuRatio, fmt, load, report, root, sameResponse, startNode, waitForHttp } from './lib.js';
import { openAppender } from './ledger-appender.js';

const SIZE = Number(process.env.BENCH_LEDGER_SIZE ?? 1_000_000);
const SMALL = 10;
const MID = Math.round(SIZE / 10);
const APPENDS = Number(process.env.BENCH_APPENDS ?? 200);
const DURATION = Number(process.env.BENCH_DURATION ?? 5);
const API_PORT = 3911;
const DEFAULT_CACHE_PORT = 3913;
// The API's entry cache (PUBLIC_ENTRY_CACHE_MB) sized to hold every entry of the bench's logs, as an
// operator sizes it to the logs read at depth (about 370 bytes a format-1 entry and 530 a format-3 one,
// 0.9 kB per index for the two big logs): pages at any depth then come from memory. One row runs a
// second API with the default (64 MB) too, to show what reading beyond the cache costs.
const ENTRY_CACHE_MB = Number(process.env.BENCH_ENTRY_CACHE_MB ?? Math.max(64, Math.ceil((SIZE * 1000) / 1048576)));
const BARE_PORT = 3912;
const DB_NAME = 'ataa_bench_transparency';
const database = benchDatabase(DB_NAME);
const dbUrl = database.url;
const dist = (p) => path.join(root, 'dist', p);

const domain = await import(dist('libs/transparency/src/domain/index.js'));
const { CSV_COLUMNS, ENTRY_JSON_LINE, JSON_LINES_COPY } = await import(dist('libs/transparency/src/persistence/public-ledger.repository.js'));
const { runMigrations } = await import(dist('libs/database/src/migrate.js'));

const ms = (start) => Number(process.hrtime.bigint() - start) / 1e6;
const mb = (kb) => `${(kb / 1024).toFixed(0)} MB`;
const say = (line) => process.stdout.write(`[transparency] ${line}\n`);

// ---------------------------------------------------------------------------------------------
// Seeding: every column the appender writes, computed in SQL; the canonical JSON of the leaf is
// written out key by key in RFC 8785 order (amount, balance, campaign, currency, donor,
// donorCommitment, index, kind, message, purpose, time, v) and hashed as SHA-256(0x00 || json).
const SEED_ENTRIES_V1 = () => `
INSERT INTO public_ledger_entries (campaign_id, idx, occurred_at, month, kind, amount, currency, donor_name, donor_commitment,
  public_message, payout_purpose, balance, leaf_hash, source_ref)
SELECT $1::uuid, i, at, to_char(at AT TIME ZONE 'UTC', 'YYYY-MM'), kind, amount, 'usd', donor, commitment, message, purpose, balance,
  sha256('\\x00'::bytea || convert_to(
    '{"amount":"' || amount || '","balance":"' || balance || '","campaign":"' || $3::text || '","currency":"usd","donor":' || coalesce(to_json(donor)::text, 'null')
    || ',"donorCommitment":' || coalesce('"' || commitment || '"', 'null') || ',"index":' || i || ',"kind":"' || kind
    || '","message":' || coalesce(to_json(message)::text, 'null') || ',"purpose":' || coalesce(to_json(purpose)::text, 'null')
    || ',"time":"' || to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') || '","v":1}', 'UTF8')),
  'bench:' || i
FROM (${SEED_ROWS}) x`;

// Leaf format 3 (issue 17): the same rows, donor name and message committed as SHA-256(salt || UTF-8
// value) with a salt each (derived from the index here: the bench needs no secrecy), none for an
// anonymous gift; the leaf's keys in RFC 8785 order (amount, balance, campaign, currency,
// donorCommitment, donorHash, index, kind, messageHash, purpose, time, v).
const SEED_ENTRIES_V3 = () => `
INSERT INTO public_ledger_entries (campaign_id, idx, occurred_at, month, kind, amount, currency, donor_name, donor_commitment,
  public_message, payout_purpose, balance, leaf_hash, source_ref, leaf_format, donor_hash, donor_salt, message_hash, message_salt)
SELECT $1::uuid, i, at, to_char(at AT TIME ZONE 'UTC', 'YYYY-MM'), kind, amount, 'usd', donor, commitment, message, purpose, balance,
  sha256('\\x00'::bytea || convert_to(
    '{"amount":"' || amount || '","balance":"' || balance || '","campaign":"' || $3::text || '","currency":"usd"'
    || ',"donorCommitment":' || coalesce('"' || commitment || '"', 'null') || ',"donorHash":' || coalesce('"' || encode(donor_hash, 'hex') || '"', 'null')
    || ',"index":' || i || ',"kind":"' || kind || '","messageHash":' || coalesce('"' || encode(message_hash, 'hex') || '"', 'null')
    || ',"purpose":' || coalesce(to_json(purpose)::text, 'null')
    || ',"time":"' || to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') || '","v":3}', 'UTF8')),
  'bench:' || i, 3, donor_hash, donor_salt, message_hash, message_salt
FROM (
  SELECT *, sha256(donor_salt || convert_to(donor, 'UTF8')) AS donor_hash, sha256(message_salt || convert_to(message, 'UTF8')) AS message_hash FROM (
    SELECT *,
      CASE WHEN donor IS NOT NULL AND donor <> 'Anonymous' THEN sha256(convert_to('bench-donor-salt-' || i, 'UTF8')) END AS donor_salt,
      CASE WHEN message IS NOT NULL THEN sha256(convert_to('bench-message-salt-' || i, 'UTF8')) END AS message_salt
    FROM (${SEED_ROWS}) x
  ) salted
) committed`;

const SEED_ROWS = `
  SELECT *, (sum(amount) OVER (ORDER BY i))::bigint AS balance FROM (
    SELECT i, at, kind,
      CASE kind WHEN 'donation' THEN 500 + (i * 7919 % 100) * 100 WHEN 'fee' THEN -(30 + i % 50) WHEN 'platform_fee' THEN -(20 + i % 30)
        WHEN 'refund' THEN -(100 + i % 400) WHEN 'dispute' THEN -2500 WHEN 'dispute_reversal' THEN 2500
        WHEN 'payout' THEN -5000000 WHEN 'payout_reversal' THEN 250000 END::bigint AS amount,
      CASE WHEN kind <> 'donation' THEN NULL WHEN i % 20 = 13 THEN 'Anonymous' WHEN i % 3 = 0 THEN 'متبرع ' || (i * 31 % 40000) ELSE 'Donor ' || (i * 31 % 40000) END AS donor,
      CASE WHEN kind = 'donation' AND i % 20 = 13 THEN encode(sha256(convert_to('bench-salt-' || i, 'UTF8')), 'hex') END AS commitment,
      CASE WHEN kind = 'donation' AND i % 7 = 0 THEN (CASE WHEN i % 2 = 0 THEN 'بالتوفيق — ' ELSE 'Keep going, "team"! #' END) || i END AS message,
      CASE WHEN kind = 'payout' THEN 'Field operations, batch ' || (i / 10000) END AS purpose
    FROM (
      SELECT i, timestamptz '2024-01-01 00:00:00+00' + i * interval '1 minute' AS at,
        CASE
          WHEN i % 20 = 14 THEN 'fee'
          WHEN i % 20 = 15 THEN 'platform_fee'
          WHEN i % 20 = 16 THEN 'refund'
          WHEN i % 1000 = 18 THEN 'dispute'
          WHEN i % 1000 = 38 THEN 'dispute_reversal'
          WHEN i % 20 = 18 THEN 'fee'
          WHEN i % 10000 = 9999 THEN 'payout'
          WHEN i % 100000 = 10039 THEN 'payout_reversal'
          ELSE 'donation'
        END AS kind
      FROM generate_series(0, $2::bigint - 1) AS i
    ) k
  ) b`;

/** Interior nodes of level `level` from the completed pairs of the level below (what appends store). */
const SEED_LEVEL = (level) => {
  const source = level === 1
    ? `SELECT idx, leaf_hash AS hash, lead(leaf_hash) OVER (ORDER BY idx) AS next FROM public_ledger_entries WHERE campaign_id = $1`
    : `SELECT idx, hash, lead(hash) OVER (ORDER BY idx) AS next FROM transparency_nodes WHERE campaign_id = $1 AND level = ${level - 1}`;
  return `INSERT INTO transparency_nodes (campaign_id, level, idx, hash)
    SELECT $1::uuid, ${level}, idx / 2, sha256('\\x01'::bytea || hash || next) FROM (${source}) s WHERE idx % 2 = 0 AND next IS NOT NULL`;
};

async function seedCampaign(client, slug, size, format = 1) {
  const org = await client.query(`INSERT INTO organizations (name) VALUES ($1) RETURNING id`, [`Bench ${slug}`]);
  const campaign = await client.query(
    `INSERT INTO campaigns (organization_id, slug, title, currency, goal_amount, funding_model, language, platform_fee_bps, status, published_at)
     VALUES ($1, $2, $3, 'usd', 100000000000, 'flexible', 'en', 200, 'published', now()) RETURNING id`,
    [org.rows[0].id, slug, `Bench campaign with ${size.toLocaleString('en-US')} entries`],
  );
  const id = campaign.rows[0].id;
  await client.query(format === 3 ? SEED_ENTRIES_V3() : SEED_ENTRIES_V1(), [id, size, id]);
  for (let level = 1; ; level++) {
    const inserted = await client.query(SEED_LEVEL(level), [id]);
    if (inserted.rowCount === 0) break;
  }
  // Frontier and root from the stored perfect subtrees, exactly as an append leaves them.
  const refs = domain.frontierNodes(size);
  const found = await client.query(
    `SELECT 0 AS level, idx, leaf_hash AS hash FROM public_ledger_entries WHERE campaign_id = $1 AND idx = ANY($2::bigint[])
     UNION ALL SELECT level, idx, hash FROM transparency_nodes n JOIN unnest($3::smallint[], $4::bigint[]) AS t(l, i) ON n.level = t.l AND n.idx = t.i WHERE n.campaign_id = $1`,
    [id, refs.filter((r) => r.level === 0).map((r) => r.index), refs.filter((r) => r.level > 0).map((r) => r.level), refs.filter((r) => r.level > 0).map((r) => r.index)],
  );
  const byKey = new Map(found.rows.map((r) => [`${r.level}:${r.idx}`, r.hash]));
  const frontier = refs.map((r) => byKey.get(domain.nodeKey(r)));
  if (frontier.some((h) => !h)) throw new Error('seeded tree misses a frontier node');
  const rootHash = domain.foldRange(frontier);
  await client.query(
    `INSERT INTO transparency_totals (campaign_id, month, kind, entries, amount)
     SELECT $1, month, kind, count(*), sum(amount) FROM public_ledger_entries WHERE campaign_id = $1 GROUP BY month, kind`,
    [id],
  );
  await client.query(
    `INSERT INTO transparency_donors (campaign_id, donor_name)
     SELECT DISTINCT $1::uuid, donor_name FROM public_ledger_entries
     WHERE campaign_id = $1 AND kind = 'donation' AND donor_commitment IS NULL AND donor_name IS NOT NULL AND donor_name <> 'Anonymous'`,
    [id],
  );
  await client.query(
    `INSERT INTO transparency_logs (campaign_id, currency, size, root_hash, frontier, balance, donors)
     SELECT $1, 'usd', $2::bigint, $3, $4,
       (SELECT balance FROM public_ledger_entries WHERE campaign_id = $1 AND idx = $2::bigint - 1),
       (SELECT count(*) FROM transparency_donors WHERE campaign_id = $1)
         + (SELECT count(*) FROM public_ledger_entries WHERE campaign_id = $1 AND kind = 'donation' AND (donor_commitment IS NOT NULL OR donor_name IS NULL OR donor_name = 'Anonymous'))`,
    [id, size, rootHash, domain.encodeFrontier(frontier)],
  );
  return { id, slug, rootHash, format };
}

/** Recomputes the root from every leaf hash (in keyset batches), independently of the seeded nodes. */
async function recomputeRoot(client, id, size) {
  // The compact frontier as a binary counter: one hash per node, 2n in all (appendToFrontier also
  // folds the root on every call, which this does once at the end).
  const frontier = [];
  let n = 0;
  for (let from = -1; n < size; ) {
    const rows = (await client.query(`SELECT idx, leaf_hash FROM public_ledger_entries WHERE campaign_id = $1 AND idx > $2 ORDER BY idx LIMIT 100000`, [id, from])).rows;
    if (rows.length === 0) break;
    for (const row of rows) {
      if (Number(row.idx) !== n) throw new Error(`leaf ${n} missing`);
      let node = row.leaf_hash;
      for (let i = n++; i % 2 === 1; i = (i - 1) / 2) node = domain.nodeHash(frontier.pop(), node);
      frontier.push(node);
    }
    from = Number(rows[rows.length - 1].idx);
  }
  return domain.foldRange(frontier);
}

async function getJson(url) {
  const res = await fetch(url, { headers: { accept: 'application/json' } });
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  return res.json();
}

/** What the API serves must verify: leaf hashes (SQL-built JSON = the TypeScript canonical JSON) and a proof against the signed root. */
async function checkServed(api, campaign, size) {
  const key = domain.parseVerifierKey(await (await fetch(`${api}/.well-known/ataa-transparency.pub`)).text());
  const checkpoint = domain.verifyCheckpoint((await getJson(`${api}/api/v1/public/campaigns/${campaign.slug}/checkpoint?size=${size}`)).note, key);
  if (!checkpoint.rootHash.equals(campaign.rootHash)) throw new Error('signed root differs from the seeded root');
  for (const query of ['order=asc&limit=200', 'limit=200']) {
    const page = await getJson(`${api}/api/v1/public/campaigns/${campaign.slug}/ledger?${query}`);
    for (const entry of page.entries) {
      if (entry.v !== campaign.format) throw new Error(`entry ${entry.index}: leaf format ${entry.v}, seeded ${campaign.format}`);
      if (domain.publicLeafHash(domain.toLeaf(entry)).toString('hex') !== entry.leafHash) throw new Error(`entry ${entry.index}: SQL leaf hash differs from the canonical JSON hash`);
      const problems = domain.checkPersonalFields(entry).problems;
      if (problems.length > 0) throw new Error(`entry ${entry.index}: ${problems.join('; ')}`);
    }
  }
  const index = Math.floor(size * 0.61803);
  const entry = (await getJson(`${api}/api/v1/public/campaigns/${campaign.slug}/ledger?order=asc&limit=1&cursor=${Buffer.from(`a${index - 1}`).toString('base64url')}`)).entries[0];
  const proof = await getJson(`${api}/api/v1/public/campaigns/${campaign.slug}/proof/inclusion?index=${index}&size=${size}`);
  const ok = domain.verifyInclusion(index, size, Buffer.from(entry.leafHash, 'hex'), proof.proof.map((p) => Buffer.from(p, 'base64')), checkpoint.rootHash);
  if (!ok) throw new Error(`inclusion proof of entry ${index} does not verify`);
  // The log as tiles: the root from the partial tiles (served up to the checkpoint signed above) is the signed one.
  const tiles = new Map();
  for (const tile of domain.partialTiles(size)) {
    const res = await fetch(`${api}/c/${campaign.slug}/${domain.tilePath(tile)}`);
    if (!res.ok) throw new Error(`${domain.tilePath(tile)}: HTTP ${res.status}`);
    tiles.set(domain.tileKey(tile), Buffer.from(await res.arrayBuffer()));
  }
  if (!domain.rootFromTiles(size, (tile) => tiles.get(domain.tileKey(tile))).equals(checkpoint.rootHash)) throw new Error('the root from the tiles is not the signed root');
}

/**
 * Pages that are never cached: every request asks for 50 entries before a different random index,
 * so each answer is built instead of coming from the API's answer cache, as the first view of a page
 * after an append is. Since issue 18's entry cache (PublicLedgerService.jsonPage), the entries' JSON
 * comes from chunks of 64 entries kept by the API (ENTRY_CACHE_MB: sized here to hold the logs; the
 * default 64 MB holds a 100,000-entry log, about a sixth of a 1,000,000-entry one), each read from
 * PostgreSQL the first time a page needs it. `warm` false:
 * no warm-up run, so the figure includes filling the cache from nothing (the v3 log's first pages).
 * `acceptEncoding`: as a browser or `fetch` asks (compressed answers are made by the route, not the
 * server's fast path, which serves clients that ask for no compression).
 */
async function loadUncached(base, size, connections = 50, warm = true, acceptEncoding = undefined) {
  const run = (duration) => autocannon({
    url: base, connections, duration, headers: { accept: 'application/json', ...(acceptEncoding ? { 'accept-encoding': acceptEncoding } : {}) },
    requests: [{ setupRequest: (req) => ({ ...req, path: `${new URL(base).pathname}?cursor=${Buffer.from(`b${50 + Math.floor(Math.random() * (size - 50))}`).toString('base64url')}` }) }],
  });
  // long enough for every chunk of a 100,000-entry log to be read once (1 s left some to the measured run)
  if (warm) await run(Math.min(3, DURATION));
  const result = await run(DURATION);
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`${base}: ${result.non2xx} non-2xx, ${result.errors} errors`);
  return { rps: result.requests.average, p99: result.latency.p99 };
}

/**
 * Reads every chunk of a log into the API's entry cache: one page per chunk of 64 entries (the page
 * before index 64k + 64 lies within chunk k), 16 requests at a time, as a crawler walking the ledger
 * would leave it. Returns the pages asked for and the time it took.
 */
async function fillEntryCache(base, size) {
  const chunks = Math.ceil(size / 64);
  const start = process.hrtime.bigint();
  let next = 0;
  await Promise.all(Array.from({ length: 16 }, async () => {
    while (next < chunks) {
      const k = next++;
      const res = await fetch(`${base}?cursor=${Buffer.from(`b${Math.min(size, k * 64 + 64)}`).toString('base64url')}`, { headers: { accept: 'application/json' } });
      if (!res.ok) throw new Error(`${base}: HTTP ${res.status} filling the entry cache`);
      await res.arrayBuffer();
    }
  }));
  return { pages: chunks, ms: ms(start) };
}

function procStatus(pid, field) {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) : NaN;
}

/**
 * Streams the CSV to nowhere; returns time to the last byte, bytes, lines and the API's peak RSS
 * meanwhile. Uncompressed unless `encoding` is given (fetch then decodes it; bytes count decoded).
 */
async function exportCsv(url, pid, encoding = 'identity') {
  let resetPeak = true;
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5'); // resets VmHWM (peak RSS) to the current RSS
  } catch {
    resetPeak = false;
  }
  const before = procStatus(pid, 'VmRSS');
  let sampled = before;
  let bytes = 0;
  // RSS as the export goes, to tell a plateau (bounded) from growth with the number of rows.
  const timeline = [];
  const sampler = setInterval(() => {
    const rss = procStatus(pid, 'VmRSS');
    sampled = Math.max(sampled, rss);
    timeline.push([bytes, rss]);
  }, 20);
  const start = process.hrtime.bigint();
  const res = await fetch(url, { headers: { 'accept-encoding': encoding } });
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  let lines = 0;
  for await (const chunk of res.body) {
    bytes += chunk.length;
    for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines++;
  }
  const time = ms(start);
  clearInterval(sampler);
  const peak = resetPeak ? Math.max(procStatus(pid, 'VmHWM'), sampled) : sampled;
  // Peak RSS within each quarter of the bytes received.
  const quarters = [1, 2, 3, 4].map((q) => Math.max(0, ...timeline.filter(([b]) => b > ((q - 1) * bytes) / 4 && b <= (q * bytes) / 4).map(([, rss]) => rss)));
  return { time, bytes, lines, before, peak, quarters };
}

/**
 * PostgreSQL COPY of the same rows in the same order to CSV, discarded: the floor for the export.
 * `same`: the export's own SELECT (its columns formatted in SQL: dates, major units, formula guard,
 * hex); otherwise the raw columns of the first leaf format, as the earlier runs measured.
 */
/** psql COPY of a SELECT over one campaign's entries, discarded: the exports' floor. */
function copyFloor(id, columns, options) {
  const sql = `COPY (SELECT ${columns} FROM public_ledger_entries WHERE campaign_id = '${id}' ORDER BY idx) TO STDOUT WITH (${options})`;
  const start = process.hrtime.bigint();
  const result = spawnSync('psql', [dbUrl, '-qAt', '-c', sql], { stdio: ['ignore', 'ignore', 'inherit'] });
  if (result.status !== 0) throw new Error('psql COPY failed');
  return ms(start);
}

/** The CSV export's own SELECT (or, `same` false, the raw format-1 columns of earlier runs' floor). */
const copyBaseline = (id, same = true) =>
  copyFloor(id, same ? CSV_COLUMNS : `idx, occurred_at, kind, amount, currency, donor_name, donor_commitment, public_message, payout_purpose, balance, encode(leaf_hash, 'hex')`, 'FORMAT csv, HEADER');

/** The JSON lines export's own SELECT. */
const copyJsonLinesBaseline = (id) => copyFloor(id, ENTRY_JSON_LINE, JSON_LINES_COPY);

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/**
 * The newest page of a live campaign: entries appended one after another (10 ms apart, as gifts post
 * them) while the page is under load, so its answer changes all the time. Then one more request must
 * show every entry appended.
 */
async function liveNewestPage(apiBase, campaign) {
  const url = `${apiBase}/api/v1/public/campaigns/${campaign.slug}/ledger`;
  // The appends run in a worker thread: in this thread they would hold up autocannon's event loop,
  // and its latencies would count the appender's work as the API's.
  const worker = new Worker(new URL('./live-appender.worker.js', import.meta.url), { workerData: { dbUrl, campaign: { id: campaign.id }, first: 100_000 } });
  const message = () => new Promise((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  await message(); // ready
  const start = process.hrtime.bigint();
  let result;
  let appended;
  try {
    worker.postMessage('start');
    result = await load(url, { duration: DURATION, warmup: 0 });
  } finally {
    const done = message();
    worker.postMessage('stop');
    ({ appended } = await done);
    await worker.terminate();
  }
  const seconds = ms(start) / 1000;
  const last = (await getJson(url)).entries[0];
  const size = Number((await getJson(`${url.replace(/\/ledger$/, '')}/checkpoint`)).size);
  if (last.index !== size - 1 || last.donor !== `Bench donor ${100_000 + appended - 1}`) throw new Error(`newest page after the appends shows entry ${last.index}, log size ${size}`);
  return { ...result, appended, rate: appended / seconds };
}

async function appendCosts(appender, campaigns) {
  const append = appender.append;
  const formats = [1, 3];
  for (let n = 0; n < 20; n++) for (const c of campaigns) for (const f of formats) await append(c, n, f); // warm-up
  const times = new Map(campaigns.flatMap((c) => formats.map((f) => [`${c.id}|${f}`, []])));
  // Interleaved so both sizes and both leaf formats see the same machine state.
  for (let n = 0; n < APPENDS; n++) {
    for (const c of campaigns) {
      for (const f of formats) {
        const start = process.hrtime.bigint();
        await append(c, 1000 + n, f);
        times.get(`${c.id}|${f}`).push(ms(start));
      }
    }
  }
  return campaigns.flatMap((c) => formats.map((format) => {
    const sorted = times.get(`${c.id}|${format}`).sort((a, b) => a - b);
    const mean = sorted.reduce((a, b) => a + b, 0) / sorted.length;
    return { campaign: c, format, mean, p50: percentile(sorted, 50), p99: percentile(sorted, 99) };
  }));
}

// ---------------------------------------------------------------------------------------------
say(`API in production mode; ${SIZE.toLocaleString('en-US')} entries; ${APPENDS} appends; entry cache ${ENTRY_CACHE_MB} MB (BENCH_ENTRY_CACHE_MB)`);
say('the extra cost of cosigning per append batch (witnesses, issue 24): bench/transparency-witness.bench.js, run with this one');
await database.recreate();
const bodiesFile = path.join(tmpdir(), `ataa-bench-transparency-${process.pid}.json`);
const sameBodies = {};
let api;
let bare;
let appender;
const rows = [];
let bigV3;
try {
  await runMigrations(dbUrl);
  const client = new pg.Client({ connectionString: dbUrl });
  await client.connect();
  let big;
  let small;
  let mid;
  try {
    await client.query(`SET synchronous_commit = off`);
    let start = process.hrtime.bigint();
    big = await seedCampaign(client, 'bench-million', SIZE);
    say(`seeded ${SIZE.toLocaleString('en-US')} entries with SQL in ${(ms(start) / 1000).toFixed(1)} s`);
    start = process.hrtime.bigint();
    bigV3 = await seedCampaign(client, 'bench-million-v3', SIZE, 3);
    say(`seeded ${SIZE.toLocaleString('en-US')} format-3 entries with SQL in ${(ms(start) / 1000).toFixed(1)} s`);
    small = await seedCampaign(client, 'bench-ten', SMALL);
    mid = await seedCampaign(client, 'bench-tenth', MID);
    await client.query(`VACUUM ANALYZE public_ledger_entries`);
    await client.query(`VACUUM ANALYZE transparency_nodes`);
    start = process.hrtime.bigint();
    const recomputed = await recomputeRoot(client, big.id, SIZE);
    if (!recomputed.equals(big.rootHash)) throw new Error('the root recomputed from every leaf differs from the seeded tree');
    if (!(await recomputeRoot(client, bigV3.id, SIZE)).equals(bigV3.rootHash)) throw new Error('the format-3 root recomputed from every leaf differs from the seeded tree');
    say(`root recomputed from all ${SIZE.toLocaleString('en-US')} leaves in ${(ms(start) / 1000).toFixed(1)} s: matches`);
  } finally {
    await client.end();
  }

  // Production mode, as deployed (templates compiled once, cached); the secrets exist only for this run.
  const signingKey = generateKeyPairSync('ed25519').privateKey.export({ format: 'der', type: 'pkcs8' }).toString('base64');
  const apiEnv = (port, cacheMb) => ({
    NODE_ENV: 'production', API_PORT: String(port), LOG_LEVEL: 'warn', DATABASE_URL: dbUrl, QUEUE_PREFIX: 'ataa-bench-transparency',
    AUTH_SECRET: randomBytes(32).toString('hex'), OPERATOR_TOKEN: randomBytes(24).toString('hex'), STRIPE_SECRET_KEY: 'sk_test_bench_transparency',
    STRIPE_WEBHOOK_SECRETS: 'whsec_bench_transparency', TRANSPARENCY_SIGNING_KEY: signingKey, PUBLIC_ENTRY_CACHE_MB: String(cacheMb),
  });
  api = startNode('dist/apps/api/src/main.js', apiEnv(API_PORT, ENTRY_CACHE_MB));
  const apiBase = `http://127.0.0.1:${API_PORT}`;
  await waitForHttp(`${apiBase}/health/live`);
  await checkServed(apiBase, big, SIZE);
  await checkServed(apiBase, bigV3, SIZE);
  say('served entries (formats 1 and 3, commitments opened), signed checkpoints and inclusion proofs verify');

  const deep = Buffer.from(`b${Math.floor(SIZE / 2)}`).toString('base64url');
  const routes = [
    { name: 'JSON ledger, newest 50', path: `/api/v1/public/campaigns/${big.slug}/ledger` },
    { name: 'JSON ledger, 50 at the middle', path: `/api/v1/public/campaigns/${big.slug}/ledger?cursor=${deep}` },
    { name: 'HTML ledger page, newest 50', path: `/c/${big.slug}/ledger`, html: true },
    { name: 'HTML ledger page, middle', path: `/c/${big.slug}/ledger?cursor=${deep}`, html: true },
    { name: `JSON ledger, newest (${SMALL} entries)`, path: `/api/v1/public/campaigns/${small.slug}/ledger` },
    { name: 'JSON report', path: `/api/v1/public/campaigns/${big.slug}/report` },
    { name: 'JSON ledger, newest 50 (v3)', path: `/api/v1/public/campaigns/${bigV3.slug}/ledger`, pair: 0 },
    { name: 'JSON ledger, middle (v3)', path: `/api/v1/public/campaigns/${bigV3.slug}/ledger?cursor=${deep}`, pair: 1 },
    { name: 'HTML ledger, newest 50 (v3)', path: `/c/${bigV3.slug}/ledger`, html: true, pair: 2 },
    { name: 'HTML ledger, middle (v3)', path: `/c/${bigV3.slug}/ledger?cursor=${deep}`, html: true, pair: 3 },
  ];
  const measured = [];
  // The bare server replays each answer with the API's own headers: the same bytes, headers included.
  const bodies = {};
  for (const route of routes) {
    const same = await sameResponse(`${apiBase}${route.path}`, { headers: { accept: route.html ? 'text/html' : 'application/json' } });
    bodies[route.path] = Buffer.from(same.base64, 'base64').toString();
    sameBodies[route.path] = same;
  }
  // Tiles (issue 24): binary bodies.
  const tileRoutes = [
    { name: 'tile: full level-0 hash tile', path: `/c/${bigV3.slug}/tile/0/${domain.encodeTileIndex(Math.floor(SIZE / 512))}` },
    { name: 'tile: full entry bundle (v3)', path: `/c/${bigV3.slug}/tile/entries/${domain.encodeTileIndex(Math.floor(SIZE / 512))}` },
  ];
  const tileBytes = {};
  for (const route of tileRoutes) {
    const same = await sameResponse(`${apiBase}${route.path}`);
    if (same.headers['cache-control'] !== 'public, max-age=31536000, immutable') throw new Error(`${route.path}: not immutable (${same.headers['cache-control']})`);
    tileBytes[route.path] = Buffer.from(same.base64, 'base64');
    sameBodies[route.path] = same;
  }
  writeFileSync(bodiesFile, JSON.stringify(sameBodies));
  bare = startNode('bench/bare-server.js', { BARE_PORT: String(BARE_PORT), BODIES_FILE: bodiesFile });
  await waitForHttp(`http://127.0.0.1:${BARE_PORT}${routes[0].path}`);

  for (const route of routes) {
    const baseline = await load(`http://127.0.0.1:${BARE_PORT}${route.path}`, { duration: DURATION, warmup: Math.min(1, DURATION) });
    const ours = await load(`${apiBase}${route.path}`, { duration: DURATION, warmup: Math.min(1, DURATION) });
    const size = `${(Buffer.byteLength(bodies[route.path]) / 1024).toFixed(1)} kB`;
    measured.push(ours);
    rows.push(`${route.name.padEnd(32)} ${size.padStart(8)}  api ${fmt(ours.rps).padStart(6)} req/s (p99 ${ours.p99} ms) | bare node ${fmt(baseline.rps).padStart(6)} req/s (p99 ${baseline.p99} ms) | ratio ${(ours.rps / baseline.rps).toFixed(2)}x`);
  }
  for (const route of tileRoutes) {
    const baseline = await load(`http://127.0.0.1:${BARE_PORT}${route.path}`, { duration: DURATION, warmup: Math.min(1, DURATION), pid: bare.child.pid });
    const ours = await load(`${apiBase}${route.path}`, { duration: DURATION, warmup: Math.min(1, DURATION), pid: api.child.pid });
    const size = `${(tileBytes[route.path].length / 1024).toFixed(1)} kB`;
    rows.push(`${route.name.padEnd(32)} ${size.padStart(8)}  api ${fmt(ours.rps).padStart(6)} req/s (p99 ${ours.p99} ms) | bare node ${fmt(baseline.rps).padStart(6)} req/s (p99 ${baseline.p99} ms) | ratio ${(ours.rps / baseline.rps).toFixed(2)}x (goal ≥ 0.8x)${cpuRatio(ours, baseline)}`);
  }
  // The format-3 log first, with no warm-up: its entries are not in the entry cache yet.
  const uncachedV3 = await loadUncached(`${apiBase}/api/v1/public/campaigns/${bigV3.slug}/ledger`, SIZE, 50, false);
  const fill = await fillEntryCache(`${apiBase}/api/v1/public/campaigns/${big.slug}/ledger`, SIZE);
  say(`entry cache (${ENTRY_CACHE_MB} MB) filled with the format-1 log's ${fmt(fill.pages)} chunks in ${(fill.ms / 1000).toFixed(1)} s (a page per chunk, 16 at a time)`);
  const uncached = await loadUncached(`${apiBase}/api/v1/public/campaigns/${big.slug}/ledger`, SIZE);
  rows.push(`${'JSON ledger, 50 at random depths'.padEnd(32)} ${`${(Buffer.byteLength(bodies[routes[1].path]) / 1024).toFixed(1)} kB`.padStart(8)}  api ${fmt(uncached.rps).padStart(6)} req/s (p99 ${uncached.p99} ms) | never cached: every request another cursor, no answer cached (entries from the entry cache, filled a page per chunk, then a 3 s warm-up; no bare Node figure)`);
  rows.push(`${'JSON ledger, random depths (v3)'.padEnd(32)} ${`${(Buffer.byteLength(bodies[routes[7].path]) / 1024).toFixed(1)} kB`.padStart(8)}  api ${fmt(uncachedV3.rps).padStart(6)} req/s (p99 ${uncachedV3.p99} ms) | never cached, run first with no warm-up: the entry cache filled from nothing during the run`);
  // Issue 18: "ledger pages at any depth: p99 < 20 ms, deep page ÷ first page ≤ 1.5 in throughput",
  // read as the newest page's requests per second over a deep page's, for the cached middle page and
  // for never-cached pages at random depths; and the random depths at a moderate load too.
  const uncached10 = await loadUncached(`${apiBase}/api/v1/public/campaigns/${big.slug}/ledger`, SIZE, 10);
  rows.push(`${'JSON ledger, random depths, 10 c.'.padEnd(32)} ${`${(Buffer.byteLength(bodies[routes[1].path]) / 1024).toFixed(1)} kB`.padStart(8)}  api ${fmt(uncached10.rps).padStart(6)} req/s (p99 ${uncached10.p99} ms) | never cached, 10 connections`);
  const uncachedCompressed = await loadUncached(`${apiBase}/api/v1/public/campaigns/${big.slug}/ledger`, SIZE, 50, true, 'br, gzip');
  rows.push(`${'JSON ledger, random depths, br'.padEnd(32)} ${`${(Buffer.byteLength(bodies[routes[1].path]) / 1024).toFixed(1)} kB`.padStart(8)}  api ${fmt(uncachedCompressed.rps).padStart(6)} req/s (p99 ${uncachedCompressed.p99} ms) | never cached, 50 connections, asked as browsers and fetch ask (Accept-Encoding: br, gzip): compressed for the request (brotli 1, compressBodyOnce)`);
  // The default entry cache (64 MB), in a second API: beyond what it holds, a page reads its chunks from PostgreSQL.
  const defaultCacheApi = startNode('dist/apps/api/src/main.js', apiEnv(DEFAULT_CACHE_PORT, 64));
  let beyond;
  try {
    await waitForHttp(`http://127.0.0.1:${DEFAULT_CACHE_PORT}/health/live`);
    beyond = await loadUncached(`http://127.0.0.1:${DEFAULT_CACHE_PORT}/api/v1/public/campaigns/${big.slug}/ledger`, SIZE);
  } finally {
    await defaultCacheApi.stop();
  }
  const heldByDefault = Math.min(100, (64 * 1024 * 1024) / (SIZE * 370) * 100);
  rows.push(`${'JSON ledger, random depths, 64 MB'.padEnd(32)} ${`${(Buffer.byteLength(bodies[routes[1].path]) / 1024).toFixed(1)} kB`.padStart(8)}  api ${fmt(beyond.rps).padStart(6)} req/s (p99 ${beyond.p99} ms) | never cached, 50 connections, another API with the default entry cache (64 MB, about ${heldByDefault.toFixed(0)} % of this log): ${heldByDefault < 100 ? 'most pages read their chunks from PostgreSQL' : 'the log fits'}`);
  const depthRatio = (deep) => (measured[0].rps / deep.rps).toFixed(2);
  rows.push(`deep ÷ first (issue 18; newest page req/s ÷ deep page req/s, goal ≤ 1.5): cached middle ${depthRatio(measured[1])}, never cached at random depths ${depthRatio(uncached)}; never-cached p99 ${uncached.p99} ms at 50 connections, ${uncached10.p99} ms at 10, ${uncachedCompressed.p99} ms compressed (goal < 20 ms; entry cache ${ENTRY_CACHE_MB} MB, holding the log; ${beyond.p99} ms beyond the default 64 MB)`);
  report(`Public ledger of ${SIZE.toLocaleString('en-US')} entries under load: API vs bare Node serving the same bytes, the API's headers included (50 connections unless said, ${DURATION} s; entry cache ${ENTRY_CACHE_MB} MB)`, rows);
  const change = (before, after) => `${after >= before ? '+' : ''}${(((after - before) / before) * 100).toFixed(1)} %`;
  const formatRows = routes.flatMap((route, i) => (route.pair === undefined ? [] : [[routes[route.pair], measured[route.pair], measured[i], route]]))
    .map(([v1Route, v1, v3, v3Route]) => `${v1Route.name.padEnd(32)} format 1 ${fmt(v1.rps).padStart(6)} req/s, format 3 ${fmt(v3.rps).padStart(6)} req/s (${change(v1.rps, v3.rps)}); body ${(Buffer.byteLength(bodies[v1Route.path]) / 1024).toFixed(1)} → ${(Buffer.byteLength(bodies[v3Route.path]) / 1024).toFixed(1)} kB`);
  formatRows.push(`${'JSON ledger, 50 at random depths'.padEnd(32)} format 1 ${fmt(uncached.rps).padStart(6)} req/s, format 3 ${fmt(uncachedV3.rps).padStart(6)} req/s (${change(uncached.rps, uncachedV3.rps)}) (never cached; format 3 ran first with the entry cache empty, format 1 after a warm-up: not like for like since issue 18's entry cache)`);

  const apiPid = api.child.pid;
  const small10 = await exportCsv(`${apiBase}/c/${small.slug}/ledger.csv`, apiPid);
  const tenth = await exportCsv(`${apiBase}/c/${mid.slug}/ledger.csv`, apiPid);
  const csv = await exportCsv(`${apiBase}/c/${big.slug}/ledger.csv`, apiPid);
  if (csv.lines !== SIZE + 1) throw new Error(`CSV export has ${csv.lines} lines, expected ${SIZE + 1}`);
  const gzipped = await exportCsv(`${apiBase}/c/${big.slug}/ledger.csv`, apiPid, 'gzip');
  if (gzipped.lines !== SIZE + 1) throw new Error(`gzip CSV export has ${gzipped.lines} lines, expected ${SIZE + 1}`);
  const jsonLines = await exportCsv(`${apiBase}/c/${big.slug}/ledger.ndjson`, apiPid);
  if (jsonLines.lines !== SIZE) throw new Error(`JSON lines export has ${jsonLines.lines} lines, expected ${SIZE}`);
  const csvV3 = await exportCsv(`${apiBase}/c/${bigV3.slug}/ledger.csv`, apiPid);
  if (csvV3.lines !== SIZE + 1) throw new Error(`format-3 CSV export has ${csvV3.lines} lines, expected ${SIZE + 1}`);
  formatRows.push(`${'CSV export, every entry'.padEnd(32)} format 1 ${(csv.time / 1000).toFixed(2)} s ${(csv.bytes / 1024 / 1024).toFixed(0)} MB, format 3 ${(csvV3.time / 1000).toFixed(2)} s ${(csvV3.bytes / 1024 / 1024).toFixed(0)} MB (${change(csv.time, csvV3.time)} time)`);
  const floor = copyBaseline(big.id);
  const rawFloor = copyBaseline(big.id, false);
  const floorV3 = copyBaseline(bigV3.id);
  const jsonFloor = copyJsonLinesBaseline(big.id);
  report(`CSV and JSON lines exports of ${SIZE.toLocaleString('en-US')} entries (streamed from COPY … TO STDOUT)`, [
    `api        ${(csv.time / 1000).toFixed(2)} s, ${(csv.bytes / 1024 / 1024).toFixed(0)} MB, ${fmt(SIZE / (csv.time / 1000))} rows/s; API process RSS ${mb(csv.before)} before, peak ${mb(csv.peak)} during (+${mb(csv.peak - csv.before)})`,
    `           peak RSS by quarter of the export: ${csv.quarters.map((q) => mb(q)).join(', ')}`,
    `${MID.toLocaleString('en-US')} entries ${(tenth.time / 1000).toFixed(2)} s; API process RSS ${mb(tenth.before)} before, peak ${mb(tenth.peak)} during (+${mb(tenth.peak - tenth.before)})`,
    `10 entries ${(small10.time).toFixed(0)} ms; API process RSS peak ${mb(small10.peak)}`,
    `gzip       ${(gzipped.time / 1000).toFixed(2)} s (Accept-Encoding: gzip, decoded by the client); API process RSS peak ${mb(gzipped.peak)} (+${mb(gzipped.peak - gzipped.before)})`,
    `floor      PostgreSQL COPY of the same SELECT to CSV (psql, discarded): ${(floor / 1000).toFixed(2)} s; api at ${(floor / csv.time).toFixed(2)}x of COPY (gzip ${(floor / gzipped.time).toFixed(2)}x) (goal ≥ 0.5x)`,
    `           format 3: COPY ${(floorV3 / 1000).toFixed(2)} s, api ${(csvV3.time / 1000).toFixed(2)} s: ${(floorV3 / csvV3.time).toFixed(2)}x`,
    `           COPY of the raw columns of leaf format 1 (idx … leaf hash, unformatted; the floor of earlier runs): ${(rawFloor / 1000).toFixed(2)} s`,
    `json lines ${(jsonLines.time / 1000).toFixed(2)} s, ${(jsonLines.bytes / 1024 / 1024).toFixed(0)} MB (ledger.ndjson); API process RSS ${mb(jsonLines.before)} before, peak ${mb(jsonLines.peak)} during (+${mb(jsonLines.peak - jsonLines.before)}); COPY of the same SELECT ${(jsonFloor / 1000).toFixed(2)} s: api at ${(jsonFloor / jsonLines.time).toFixed(2)}x of COPY (goal ≥ 0.5x)`,
    `           peak RSS by quarter of the JSON lines export: ${jsonLines.quarters.map((q) => mb(q)).join(', ')}`,
  ]);
  const live = await liveNewestPage(apiBase, big);
  appender = await openAppender(dbUrl);
  report(`Newest page of a live campaign: JSON ledger, newest 50, under load while entries are appended (50 connections, ${DURATION} s)`, [
    `api ${fmt(live.rps)} req/s (p99 ${live.p99} ms) while ${live.appended} entries were appended (${live.rate.toFixed(0)} per second); the next request showed the last one`,
  ]);
  await api.stop();
  api = undefined;

  const costs = await appendCosts(appender, [small, big]);
  const costOf = (campaign, format) => costs.find((c) => c.campaign === campaign && c.format === format);
  report(`Append one public entry (own transaction, as the ledger posts it): ${APPENDS} appends of each leaf format to each log after 20 warm-up appends, interleaved`, costs.map((c) =>
    `${c.campaign === big ? `log of ${SIZE.toLocaleString('en-US')}` : `log of ${SMALL}`}, format ${c.format}`.padEnd(30) + `mean ${c.mean.toFixed(2)} ms, p50 ${c.p50.toFixed(2)} ms, p99 ${c.p99.toFixed(2)} ms`,
  ).concat([`ratio of means (large / small, format 3) ${(costOf(big, 3).mean / costOf(small, 3).mean).toFixed(2)}x`]));
  for (const campaign of [small, big]) {
    const v1 = costOf(campaign, 1);
    const v3 = costOf(campaign, 3);
    formatRows.push(`${`append, log of ${campaign === big ? SIZE.toLocaleString('en-US') : SMALL}`.padEnd(32)} format 1 mean ${v1.mean.toFixed(2)} ms (p50 ${v1.p50.toFixed(2)}), format 3 mean ${v3.mean.toFixed(2)} ms (p50 ${v3.p50.toFixed(2)}) (${change(v1.mean, v3.mean)} mean, ${change(v1.p50, v3.p50)} p50)`);
  }
  report('Leaf format 1 (before issue 17) vs format 3 (personal fields committed), same run: goal ≤ +10 % append cost, ≤ -10 % page throughput', formatRows);
} finally {
  await api?.stop();
  await bare?.stop();
  await appender?.close();
  rmSync(bodiesFile, { force: true });
  if (process.env.BENCH_KEEP_DB !== '1') await database.drop();
}
