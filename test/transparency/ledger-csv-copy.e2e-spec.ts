import { NestFastifyApplication } from '@nestjs/platform-fastify';
import http from 'node:http';
import pg from 'pg';
import { DataSource } from 'typeorm';
import { TransactionRunner } from '@ataa/database';
import { baseUrlOf, createTestEnvironment, startTestApi, TestEnvironment } from '@ataa/testing';
import { PublicLedgerAppender, PublicLedgerService } from '@ataa/transparency';
import { PublicLedgerPresenter } from '../../apps/api/src/transparency/public-ledger.presenter.js';
import { canonicalJson } from '../../libs/transparency/src/domain/canonical-json.js';
import { appendEntries, getRaw, insertCampaign, insertPlainLog, SeedEntry } from './support.js';

/** Text a spreadsheet would run, and text that needs quoting, in every free-text column. */
const NASTY = [
  '=SUM(A1:A9)', '+1', '-2', '@cmd', '\tTab first', '\rCR first', 'a "quoted", value', 'line one\nline two', 'السلام عليكم، يا "صديق"',
  '😀 emoji, and "quotes"', '', ' leading space', "'already quoted", '=', '-', '"', 'comma,only', 'cr\rinside', 'tab\tinside',
  'back\\slash', '\\.', 'plain', '=HYPERLINK("http://x")', '\n', '\r\n', ',', 'ends with quote"', '٣٤٥ أرقام', '👨‍👩‍👧 family',
];

const at = (minute: number) => new Date(Date.UTC(2026, 2, 1, 10, 0, 0, 7) + minute * 60_000 + minute);

/** Gifts, fees, refunds, disputes, payouts and a change of terms, in the campaign's currency. */
function history(currency: string): SeedEntry[] {
  return [
    { kind: 'donation', amount: 12345n, occurredAt: at(0), currency, donorDisplayName: 'Amal', publicMessage: 'hello' },
    { kind: 'fee', amount: -7n, occurredAt: at(1), currency },
    { kind: 'platform_fee', amount: -123n, occurredAt: at(2), currency },
    { kind: 'donation', amount: 100000n, occurredAt: at(3), currency, donorDisplayName: 'Yusuf' },
    { kind: 'terms_changed', amount: 0n, occurredAt: at(4), currency, terms: [{ field: 'goal', from: '1000000', to: '2000000' }] },
    { kind: 'refund', amount: -500n, occurredAt: at(5), currency },
    { kind: 'dispute', amount: -100000n, occurredAt: at(6), currency },
    { kind: 'dispute_reversal', amount: 100000n, occurredAt: at(7), currency },
    { kind: 'payout', amount: -99999n, occurredAt: at(8), currency, payoutPurpose: 'Blankets' },
    { kind: 'payout_reversal', amount: 1n, occurredAt: at(9), currency },
    { kind: 'donation', amount: 99999999n, occurredAt: at(10), currency, donorDisplayName: 'Huda', publicMessage: 'again' },
    { kind: 'terms_changed', amount: 0n, occurredAt: at(11), currency, terms: [{ field: 'endsAt', from: null, to: '2026-12-31T00:00:00.000Z' }] },
    { kind: 'payout', amount: -10n, occurredAt: at(12), currency, payoutPurpose: 'Heaters' },
  ];
}

describe('CSV export through COPY', () => {
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

  /** What the export wrote before COPY: the presenter over the service's keyset batches. */
  async function presenterCsv(slug: string): Promise<Buffer> {
    const service = app.get(PublicLedgerService);
    let text = PublicLedgerPresenter.csvHeader;
    for await (const batch of service.allEntries(await service.log(slug))) text += batch.map((e) => PublicLedgerPresenter.csvLine(e)).join('');
    return Buffer.from(text, 'utf8');
  }

  it.each(['usd', 'jpy', 'kwd', 'isk'])('is byte-identical to the presenter for nasty text, terms and negative amounts (%s)', async (currency) => {
    const slug = `nasty-${currency}`;
    const id = await insertCampaign(env.database.url, { slug, currency });
    await appendEntries(app.get(TransactionRunner), app.get(PublicLedgerAppender), id, history(currency));
    // Text the appender's policy would refuse or trim (leading tab or CR, empty strings) may still sit
    // in older rows: write it straight into every free-text column of every entry (the table is
    // append-only by trigger; this test database's owner may switch triggers off for the session).
    await db.query(`SET session_replication_role = replica`);
    const { rows } = await db.query(`SELECT idx, kind FROM public_ledger_entries WHERE campaign_id = $1 ORDER BY idx`, [id]);
    for (const row of rows) {
      const i = Number(row.idx);
      const pick = (k: number) => NASTY[(i * 3 + k) % NASTY.length];
      if (row.kind === 'terms_changed') {
        await db.query(`UPDATE public_ledger_entries SET terms = $3 WHERE campaign_id = $1 AND idx = $2`, [
          id, i, canonicalJson([{ field: 'goal', from: pick(0), to: pick(1) }, { field: 'fundingModel', from: '=1,"2"\n😀', to: null }]),
        ]);
      } else {
        await db.query(`UPDATE public_ledger_entries SET donor_name = $3, public_message = $4, payout_purpose = $5 WHERE campaign_id = $1 AND idx = $2`, [id, i, pick(0), pick(1), pick(2)]);
      }
    }
    // And every nasty value at least once in each column, past the 13 entries above.
    for (const [k, text] of NASTY.entries()) {
      await db.query(
        `INSERT INTO public_ledger_entries (campaign_id, idx, occurred_at, month, kind, amount, currency, donor_name, public_message, payout_purpose, balance, leaf_hash, source_ref)
         VALUES ($1, $2, $3, '2026-03', 'donation', $4, $5, $6, $7, $8, $9, sha256($10::text::bytea), $10)`,
        [id, rows.length + k, at(20 + k), String(k % 2 === 0 ? 1 + k * 997 : -(k * 10001)), currency, text, NASTY[(k + 5) % NASTY.length], NASTY[(k + 11) % NASTY.length], String(-k * 100), `extra-${k}`],
      );
    }
    await db.query(`UPDATE transparency_logs SET size = $2 WHERE campaign_id = $1`, [id, rows.length + NASTY.length]);
    await db.query(`SET session_replication_role = DEFAULT`);

    const expected = await presenterCsv(slug);
    const res = await getRaw(`${base}/c/${slug}/ledger.csv`);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.body.toString('utf8').split('\n')).toEqual(expected.toString('utf8').split('\n'));
    expect(res.body.equals(expected)).toBe(true);
    // The formula guard is there (not only "the same as before").
    expect(res.body.toString('utf8')).toContain(`'=SUM(A1:A9)`);
    expect(res.body.toString('utf8')).toContain(`"'\rCR first"`);
  });

  it('serves only the entries below the size its ETag names, the same headers to HEAD, and 304 to a client holding it', async () => {
    const id = await insertCampaign(env.database.url, { slug: 'bounded' });
    await appendEntries(app.get(TransactionRunner), app.get(PublicLedgerAppender), id, history('usd').slice(0, 4));
    // A row beyond the log's size (as if being appended) is not part of this version.
    await db.query(
      `INSERT INTO public_ledger_entries (campaign_id, idx, occurred_at, month, kind, amount, currency, balance, leaf_hash, source_ref)
       VALUES ($1, 4, now(), '2026-03', 'donation', 5, 'usd', 5, sha256('x'::bytea), 'ahead')`,
      [id],
    );
    const res = await getRaw(`${base}/c/bounded/ledger.csv`);
    expect(res.body.equals(await presenterCsv('bounded'))).toBe(true);
    expect(res.body.toString('utf8').trim().split('\n')).toHaveLength(5);
    const head = await new Promise<http.IncomingMessage>((resolve, reject) => {
      http.request(`${base}/c/bounded/ledger.csv`, { method: 'HEAD' }, (r) => r.resume().on('end', () => resolve(r))).on('error', reject).end();
    });
    expect([head.statusCode, head.headers['content-type'], head.headers.etag]).toEqual([200, 'text/csv; charset=utf-8', res.headers.etag]);
    const again = await getRaw(`${base}/c/bounded/ledger.csv`, { 'if-none-match': String(res.headers.etag) });
    expect(again.status).toBe(304);
    expect(again.body.length).toBe(0);
  });

  it('drops the export connection when the client aborts mid-stream, and the pool serves the next export', async () => {
    const size = 60_000;
    const id = await insertCampaign(env.database.url, { slug: 'big-export' });
    await insertPlainLog(db, id, size);
    const pool = (app.get(DataSource).driver as unknown as { master: pg.Pool }).master;
    const copying = async () =>
      Number((await db.query(`SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND state <> 'idle' AND query LIKE 'COPY (SELECT idx%'`)).rows[0].n);
    // Identity, and compressed (the abort then reaches the COPY through the compression stream).
    for (const encoding of ['identity', 'gzip']) {
      const received = await new Promise<number>((resolve, reject) => {
        const req = http.get(`${base}/c/big-export/ledger.csv`, { headers: { 'accept-encoding': encoding } }, (res) => {
          res.once('data', (chunk: Buffer) => {
            req.destroy();
            resolve(chunk.length);
          });
        });
        req.on('error', (error) => (req.destroyed ? undefined : reject(error)));
      });
      expect(received).toBeLessThan(size * 100);
      const deadline = Date.now() + 10_000;
      while ((pool.totalCount - pool.idleCount > 0 || (await copying()) > 0) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      // No connection checked out of the pool, no backend still running the COPY.
      expect(pool.totalCount - pool.idleCount).toBe(0);
      expect(await copying()).toBe(0);
    }

    const full = await getRaw(`${base}/c/big-export/ledger.csv`);
    expect(full.status).toBe(200);
    const lines = full.body.toString('utf8').split('\n');
    expect(lines).toHaveLength(size + 2);
    expect(lines[size]).toMatch(new RegExp(`^${size - 1},2026-01-01T16:39:59\\.000Z,donation,1000,10\\.00,usd,Donor ${size - 1},,[0-9a-f]{320},,${size * 1000},[0-9a-f]{64},,1,,,,,,$`));
  });
});
