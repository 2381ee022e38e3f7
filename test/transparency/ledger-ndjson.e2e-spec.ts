import { NestFastifyApplication } from '@nestjs/platform-fastify';
import http from 'node:http';
import zlib from 'node:zlib';
import pg from 'pg';
import { TransactionRunner } from '@ataa/database';
import { baseUrlOf, createTestEnvironment, startTestApi, TestEnvironment } from '@ataa/testing';
import { PublicLedgerAppender, PublicLedgerRedactor } from '@ataa/transparency';
import { canonicalJson } from '../../libs/transparency/src/domain/canonical-json.js';
import { appendEntries, getRaw, insertCampaign, insertLegacyEntries, insertPlainLog, SeedEntry } from './support.js';

type Json = Record<string, unknown>;

/**
 * Text JSON must escape (quotes, backslashes, every control character, the short escapes), text it
 * must not (U+2028, U+007F, "/", RTL, emoji), and text that looks like JSON.
 */
const NASTY = [
  'a "quoted" value', 'back\\slash', 'line one\nline two', 'cr\rinside', 'tab\tinside', '\u0001\u0002\u001f controls', '\b\f both',
  'del \u007f', 'sep \u2028 \u2029', '</script>/slash', 'السلام عليكم، يا "صديق"', '😀 emoji', '👨‍👩‍👧 family', '{"not":"json"}', '\\u0041 literal',
  '', ' ', 'null', '٣٤٥ أرقام',
];

const at = (minute: number) => new Date(Date.UTC(2026, 2, 1, 10, 0, 0, 7) + minute * 60_000 + minute);

/**
 * Appended after three legacy entries (indexes 0 to 2), so this history's entries are 3 to 15.
 * Every kind of entry and every leaf format the log holds: format-3 gifts, fees, refunds, disputes and
 * payouts; a change of terms (format 3 with terms); designated gifts and a payout drawing on them
 * (format 4); a payout split across designations (format 5); offline gifts and a void.
 */
function history(): SeedEntry[] {
  return [
    { kind: 'donation', amount: 12345n, occurredAt: at(0), donorDisplayName: 'Amal', publicMessage: 'hello' },
    { kind: 'fee', amount: -7n, occurredAt: at(1) },
    { kind: 'donation', amount: 5000n, occurredAt: at(2) }, // anonymous: a commitment, no name
    { kind: 'terms_changed', amount: 0n, occurredAt: at(3), terms: [{ field: 'goal', from: '1000000', to: '2000000' }] },
    { kind: 'donation', amount: 3000n, occurredAt: at(4), donorDisplayName: 'Yusuf', designation: 'zakat' },
    { kind: 'donation', amount: 2000n, occurredAt: at(5), donorDisplayName: 'Huda', designation: 'zakat' },
    { kind: 'payout', amount: -4000n, occurredAt: at(6), payoutPurpose: 'Zakat parcels', designation: 'zakat', draws: [{ index: 7, amount: '3000' }, { index: 8, amount: '1000' }] },
    { kind: 'payout', amount: -2500n, occurredAt: at(7), payoutPurpose: 'Split', parts: [{ designation: 'general', amount: '1500', draws: [{ index: 3, amount: '1500' }] }, { designation: 'zakat', amount: '1000', draws: [{ index: 8, amount: '1000' }] }] },
    { kind: 'offline_gift', amount: 700n, occurredAt: at(8), donorDisplayName: 'Cash at the mosque' },
    { kind: 'offline_gift_void', amount: -700n, occurredAt: at(9) },
    { kind: 'refund', amount: -500n, occurredAt: at(10) },
    { kind: 'dispute', amount: -100n, occurredAt: at(11) },
    { kind: 'donation', amount: 99999999n, occurredAt: at(12), donorDisplayName: 'Omar', publicMessage: 'again' },
  ];
}

describe('JSON lines export through COPY', () => {
  let env: TestEnvironment;
  let app: NestFastifyApplication;
  let base: string;
  let db: pg.Client;

  beforeAll(async () => {
    env = await createTestEnvironment();
    app = await startTestApi(env.config, { listen: true });
    base = await baseUrlOf(app);
    db = new pg.Client({ connectionString: env.database.url });
    await db.connect();
  });
  afterAll(async () => {
    await db?.end();
    await app?.close();
    await env?.cleanup();
  });

  /** The entries as the JSON ledger's pages serve them, oldest first: every page walked by its cursors. */
  async function pagedEntries(slug: string): Promise<Json[]> {
    const entries: Json[] = [];
    let cursor: string | null = null;
    do {
      const res = await getRaw(`${base}/api/v1/public/campaigns/${slug}/ledger?order=asc&limit=7${cursor ? `&cursor=${cursor}` : ''}`);
      expect(res.status).toBe(200);
      const page = JSON.parse(res.body.toString('utf8')) as { entries: Json[]; page: { next: string | null } };
      entries.push(...page.entries);
      cursor = page.page.next;
    } while (cursor !== null);
    return entries;
  }

  it('holds every entry as the pages serve it, one a line: same keys in the same order, the same bytes but for jsonb-held values', async () => {
    const slug = 'ndjson-mixed';
    const id = await insertCampaign(env.database.url, { slug });
    // Entries from before issue 17 (leaf format 1, no commitments) first, then every later format.
    await insertLegacyEntries(env.database.url, id, [
      { kind: 'donation', amount: 1000n, donor: 'Legacy "donor"', message: 'old\nmessage' },
      { kind: 'fee', amount: -30n },
      { kind: 'donation', amount: 2000n, donor: null, message: null },
    ]);
    await appendEntries(app.get(TransactionRunner), app.get(PublicLedgerAppender), id, history());
    // Erased and hidden fields (issue 17): the served entry says so in `redacted`.
    await app.get(TransactionRunner).run((manager) => app.get(PublicLedgerRedactor).redact(manager, [
      { campaignId: id, target: { indexes: [3] }, fields: ['donor', 'message'], reason: 'erased', note: null },
      { campaignId: id, target: { indexes: [15] }, fields: ['message'], reason: 'hidden', note: 'Off-topic: "ads"' },
    ]));
    // Text the appender would refuse or trim may sit in older rows: every nasty value straight into the
    // free-text columns and the terms (the table is append-only by trigger; switched off for this session).
    await db.query(`SET session_replication_role = replica`);
    const { rows } = await db.query(`SELECT idx, kind FROM public_ledger_entries WHERE campaign_id = $1 ORDER BY idx`, [id]);
    for (const row of rows) {
      const i = Number(row.idx);
      const pick = (k: number) => NASTY[(i * 3 + k) % NASTY.length];
      if (row.kind === 'terms_changed') {
        await db.query(`UPDATE public_ledger_entries SET terms = $3 WHERE campaign_id = $1 AND idx = $2`, [id, i, canonicalJson([{ field: 'goal', from: pick(0), to: pick(1) }])]);
      } else if (i !== 3 && i !== 15) {
        await db.query(`UPDATE public_ledger_entries SET donor_name = $3, public_message = $4, payout_purpose = $5 WHERE campaign_id = $1 AND idx = $2`, [id, i, pick(0), pick(1), pick(2)]);
      }
    }
    await db.query(`SET session_replication_role = DEFAULT`);

    const res = await getRaw(`${base}/api/v1/public/campaigns/${slug}/ledger.ndjson`);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/x-ndjson; charset=utf-8');
    expect(res.headers['content-disposition']).toBe(`attachment; filename="${slug}-ledger-${rows.length}.ndjson"`);
    const text = res.body.toString('utf8');
    expect(text.endsWith('\n')).toBe(true);
    const lines = text.slice(0, -1).split('\n');
    const paged = await pagedEntries(slug);
    expect(lines).toHaveLength(rows.length);
    expect(paged).toHaveLength(rows.length);
    const formats = new Set<unknown>();
    let sameBytes = 0;
    lines.forEach((line, i) => {
      const entry = JSON.parse(line) as Json;
      expect(entry).toEqual(paged[i]);
      expect(Object.keys(entry)).toEqual(Object.keys(paged[i]));
      formats.add(entry.v);
      // Values PostgreSQL holds as jsonb come out with spaces after ':' and ','; everything else is JSON.stringify's bytes.
      if (entry.redacted === null && !('draws' in entry) && !('parts' in entry)) {
        expect(line).toBe(JSON.stringify(paged[i]));
        sameBytes++;
      }
    });
    // Every leaf format, offline gifts, redactions and every nasty string were there to compare.
    expect([...formats].sort()).toEqual([1, 3, 4, 5]);
    expect(lines.filter((line) => line.includes('"recordedBy":"organization"'))).toHaveLength(2);
    expect(paged.filter((e) => e.redacted !== null)).toHaveLength(2);
    expect(sameBytes).toBeGreaterThanOrEqual(rows.length - 4);
    for (const nasty of NASTY) expect(paged.some((e) => e.donor === nasty || e.message === nasty || e.purpose === nasty)).toBe(true);
    expect(text).toContain(String.raw`\u0001\u0002\u001f controls`);
    expect(text).toContain('sep \u2028 \u2029');

    // The campaign page's route serves the same file, and a client that takes gzip decodes the same bytes.
    expect((await getRaw(`${base}/c/${slug}/ledger.ndjson`)).body.equals(res.body)).toBe(true);
    const gzipped = await getRaw(`${base}/c/${slug}/ledger.ndjson`, { 'accept-encoding': 'gzip' });
    expect(gzipped.headers['content-encoding']).toBe('gzip');
    expect(zlib.gunzipSync(gzipped.body).equals(res.body)).toBe(true);
  });

  it('serves only the entries below the size its ETag names, the same headers to HEAD, 304 to a client holding it, 404 for a draft', async () => {
    const id = await insertCampaign(env.database.url, { slug: 'ndjson-bounded' });
    await appendEntries(app.get(TransactionRunner), app.get(PublicLedgerAppender), id, history().slice(0, 3));
    // A row beyond the log's size (as if being appended) is not part of this version.
    await db.query(
      `INSERT INTO public_ledger_entries (campaign_id, idx, occurred_at, month, kind, amount, currency, balance, leaf_hash, source_ref)
       VALUES ($1, 3, now(), '2026-03', 'donation', 5, 'usd', 5, sha256('x'::bytea), 'ahead')`,
      [id],
    );
    const url = `${base}/api/v1/public/campaigns/ndjson-bounded/ledger.ndjson`;
    const res = await getRaw(url);
    const lines = res.body.toString('utf8').trim().split('\n').map((line) => JSON.parse(line) as Json);
    expect(lines.map((e) => e.index)).toEqual([0, 1, 2]);
    expect(lines).toEqual(await pagedEntries('ndjson-bounded'));
    const head = await new Promise<http.IncomingMessage>((resolve, reject) => {
      http.request(url, { method: 'HEAD' }, (r) => r.resume().on('end', () => resolve(r))).on('error', reject).end();
    });
    expect([head.statusCode, head.headers['content-type'], head.headers.etag]).toEqual([200, 'application/x-ndjson; charset=utf-8', res.headers.etag]);
    const again = await getRaw(url, { 'if-none-match': String(res.headers.etag) });
    expect([again.status, again.body.length]).toEqual([304, 0]);

    // The ledger page links to it, in both languages.
    for (const lang of ['en', 'ar']) {
      const page = (await getRaw(`${base}/c/ndjson-bounded/ledger?lang=${lang}`, { accept: 'text/html' })).body.toString('utf8');
      expect(page).toMatch(/<a href="\/c\/ndjson-bounded\/ledger\.ndjson" download data-testid="json-lines-link">[^<]*JSON[^<]*<\/a>/);
    }

    await insertCampaign(env.database.url, { slug: 'ndjson-draft', status: 'draft' });
    const draft = await getRaw(`${base}/api/v1/public/campaigns/ndjson-draft/ledger.ndjson`);
    expect(draft.status).toBe(404);
    expect(JSON.parse(draft.body.toString('utf8'))).toMatchObject({ code: 'not_found' });
    // An empty log is an empty file, not an error.
    await insertCampaign(env.database.url, { slug: 'ndjson-empty' });
    const empty = await getRaw(`${base}/api/v1/public/campaigns/ndjson-empty/ledger.ndjson`);
    expect([empty.status, empty.body.length]).toEqual([200, 0]);
  });

  it('streams at most PUBLIC_EXPORTS_IN_FLIGHT exports at once (each holds a database connection): the next is refused with 503 and Retry-After until one closes', async () => {
    const size = 30_000;
    const id = await insertCampaign(env.database.url, { slug: 'ndjson-busy' });
    await insertPlainLog(db, id, size);
    const limited = await startTestApi(env.configWith({ PUBLIC_EXPORTS_IN_FLIGHT: '1' }), { listen: true });
    try {
      const limitedBase = await baseUrlOf(limited);
      // An export whose client reads one chunk and then nothing: backpressure keeps it streaming.
      const stalled = await new Promise<http.ClientRequest>((resolve, reject) => {
        const req = http.get(`${limitedBase}/c/ndjson-busy/ledger.ndjson`, { headers: { 'accept-encoding': 'identity' } }, (res) => {
          res.once('data', () => {
            res.pause();
            resolve(req);
          });
        });
        req.on('error', (error) => (req.destroyed ? undefined : reject(error)));
      });
      for (const path of ['/c/ndjson-busy/ledger.ndjson', '/api/v1/public/campaigns/ndjson-busy/ledger.csv']) {
        const busy = await getRaw(`${limitedBase}${path}`);
        expect([path, busy.status, busy.headers['retry-after']]).toEqual([path, 503, '5']);
        expect(JSON.parse(busy.body.toString('utf8'))).toMatchObject({ status: 503, code: 'exports_busy' });
      }
      // HEAD and a client that holds the version stream nothing: not refused.
      const head = await new Promise<number>((resolve, reject) => {
        http.request(`${limitedBase}/c/ndjson-busy/ledger.csv`, { method: 'HEAD' }, (r) => r.resume().on('end', () => resolve(r.statusCode ?? 0))).on('error', reject).end();
      });
      expect(head).toBe(200);
      // The client goes away: its slot is freed, and the next export streams whole.
      stalled.destroy();
      let next = await getRaw(`${limitedBase}/c/ndjson-busy/ledger.ndjson`);
      for (const deadline = Date.now() + 10_000; next.status === 503 && Date.now() < deadline;) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        next = await getRaw(`${limitedBase}/c/ndjson-busy/ledger.ndjson`);
      }
      expect(next.status).toBe(200);
      expect(next.body.toString('utf8').trim().split('\n')).toHaveLength(size);
      // A finished export frees its slot too.
      expect((await getRaw(`${limitedBase}/c/ndjson-busy/ledger.csv`)).status).toBe(200);
    } finally {
      await limited.close();
    }
  });
});
