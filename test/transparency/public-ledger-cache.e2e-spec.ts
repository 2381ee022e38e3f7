import { INestApplicationContext } from '@nestjs/common';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import pg from 'pg';
import request from 'supertest';
import { TransactionRunner } from '@ataa/database';
import { baseUrlOf, createTestEnvironment, startTestApi, startTestWorker, TestEnvironment } from '@ataa/testing';
import { PublicLedgerAppender } from '@ataa/transparency';
import { appendEntries, insertCampaign, sampleHistory, SeedEntry } from './support.js';

type Json = Record<string, any>;

/**
 * The API keeps rendered public answers (PublicLedgerCache) and shares log-head reads between
 * concurrent requests (FreshReads). Entries are appended by another application (the worker, as
 * gifts are), which tells the API nothing: an append must still show on the very next request.
 */
describe('public ledger answers are never stale', () => {
  let env: TestEnvironment;
  let app: NestFastifyApplication;
  let worker: INestApplicationContext;
  let base: string;
  let campaignId: string;
  let db: pg.Client;
  let day = 100;
  const http = () => request(app.getHttpServer());
  const api = '/api/v1/public/campaigns/spring-aid';
  const gift = (name: string): SeedEntry => ({ kind: 'donation', amount: 1234n, occurredAt: new Date(Date.UTC(2026, 0, 1) + day++ * 86_400_000), donorDisplayName: name });
  const append = (entries: SeedEntry[]) => appendEntries(worker.get(TransactionRunner), worker.get(PublicLedgerAppender), campaignId, entries);

  beforeAll(async () => {
    env = await createTestEnvironment();
    app = await startTestApi(env.config, { listen: true });
    base = await baseUrlOf(app);
    worker = await startTestWorker(env.config);
    campaignId = await insertCampaign(env.database.url, { slug: 'spring-aid', title: 'Spring aid' });
    await append(sampleHistory());
    db = new pg.Client({ connectionString: env.database.url });
    await db.connect();
  });
  afterAll(async () => {
    await db?.end();
    await worker?.close();
    await app?.close();
    await env?.cleanup();
  });

  it('serves the same bytes again, then every page, report, checkpoint and proof of the new size after a gift', async () => {
    const html = { accept: 'text/html' };
    const urls: [string, Record<string, string>][] = [
      [`${api}/ledger`, {}], [`${api}/ledger?order=asc&limit=3`, {}], ['/c/spring-aid/ledger', html], ['/c/spring-aid/ledger?lang=ar', html],
      [`${api}/report`, {}], ['/c/spring-aid/report', html], [`${api}/checkpoint`, {}], ['/c/spring-aid/checkpoint', {}], [`${api}/proof/consistency?from=3`, {}],
    ];
    const before = new Map<string, request.Response>();
    for (const [url, headers] of urls) {
      const first = await http().get(url).set(headers).expect(200);
      const again = await http().get(url).set(headers).expect(200);
      expect(again.text).toBe(first.text);
      expect(again.headers.etag).toBe(first.headers.etag);
      expect(again.headers['content-type']).toBe(first.headers['content-type']);
      before.set(url, first);
    }
    expect(before.get(`${api}/ledger`)?.body.size).toBe(11);

    await append([gift('Nour')]);

    for (const [url, headers] of urls) {
      const old = before.get(url) as request.Response;
      // The old ETag no longer matches: a full answer, of the new size.
      const after = await http().get(url).set(headers).set('if-none-match', old.headers.etag).expect(200);
      expect(after.headers.etag).not.toBe(old.headers.etag);
      expect(after.text).not.toBe(old.text);
    }
    const newest = await http().get(`${api}/ledger`).expect(200);
    expect(newest.body.size).toBe(12);
    expect(newest.body.entries[0]).toMatchObject({ index: 11, donor: 'Nour' });
    expect((await http().get(`${api}/ledger?order=asc&limit=3`).expect(200)).body.size).toBe(12);
    expect((await http().get('/c/spring-aid/ledger').set(html).expect(200)).text).toContain('data-index="11"');
    expect((await http().get(`${api}/report`).expect(200)).body.size).toBe(12);
    expect((await http().get(`${api}/checkpoint`).expect(200)).body.size).toBe(12);
    expect((await http().get('/c/spring-aid/checkpoint').expect(200)).text.split('\n')[1]).toBe('12');
    expect((await http().get(`${api}/proof/consistency?from=3`).expect(200)).body.to).toBe(12);
  });

  it('shows a campaign change (its title) at once', async () => {
    expect((await http().get(`${api}/ledger`).expect(200)).body.campaign.title).toBe('Spring aid');
    await db.query(`UPDATE campaigns SET title = 'Spring aid 2026' WHERE id = $1`, [campaignId]);
    expect((await http().get(`${api}/ledger`).expect(200)).body.campaign.title).toBe('Spring aid 2026');
    expect((await http().get('/c/spring-aid/ledger').set('accept', 'text/html').expect(200)).text).toContain('Spring aid 2026');
  });

  it('under concurrent requests, a request sent after a gift committed sees it, and every answer is one consistent version', async () => {
    let stop = false;
    const seen: Json[] = [];
    // Readers keep requests in flight the whole time, so head reads are shared and answers cached.
    const reader = async () => {
      while (!stop) {
        const res = await fetch(`${base}${api}/ledger?limit=5`);
        expect(res.status).toBe(200);
        seen.push(await res.json());
      }
    };
    const readers = Array.from({ length: 8 }, reader);
    try {
      for (let n = 0; n < 15; n++) {
        await append([gift(`Donor ${n}`)]);
        const committed = Number((await db.query(`SELECT size FROM transparency_logs WHERE campaign_id = $1`, [campaignId])).rows[0].size);
        const page = await fetch(`${base}${api}/ledger?limit=5`).then((r) => r.json());
        expect(page.size).toBe(committed);
        expect(page.entries[0]).toMatchObject({ index: committed - 1, donor: `Donor ${n}` });
      }
    } finally {
      stop = true;
      await Promise.all(readers);
    }
    expect(seen.length).toBeGreaterThan(15);
    for (const page of seen) {
      // Newest first: the page's first entry is the last of the log it names, and its root is that size's.
      expect(page.entries[0].index).toBe(page.size - 1);
      expect(page.links.checkpoint).toBe(`${api}/checkpoint?size=${page.size}`);
    }
  });
});
