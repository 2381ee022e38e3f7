import { jest } from '@jest/globals';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import http from 'node:http';
import zlib from 'node:zlib';
import { baseUrlOf, createTestEnvironment, startTestApi, TestEnvironment } from '@ataa/testing';
import { encodeCursor } from '@ataa/transparency';
import { PublicLedgerHttp } from '../../apps/api/src/transparency/public-ledger.http.js';
import { appendMixedBatch, insertCampaign } from './support.js';

jest.setTimeout(120_000);

const ROUTE_METRIC = /ataa_http_requests_total\{method="GET",route="\/api\/v1\/public\/campaigns\/:slug\/ledger",status="200"\} (\d+)/;

/**
 * The JSON ledger's server fast path (issue 18): an unfiltered page shown newest first is answered
 * before Fastify and Nest, its entries written as views of the entry cache's bytes, with the route's
 * bytes, headers, ETag and cache lifetime (compressed as the route compresses for a client that asks),
 * the log head read fresh; everything else takes the route.
 */
describe('JSON ledger pages from the server\'s fast path', () => {
  let env: TestEnvironment;
  let app: NestFastifyApplication;
  let base: string;
  let campaignId: string;
  let ledger: PublicLedgerHttp;
  let fast: jest.SpiedFunction<PublicLedgerHttp['fastLedgerJson']>;
  let appended = 0;
  const api = '/api/v1/public/campaigns/fast-relief/ledger';
  const get = (path: string, headers: Record<string, string> = {}, method = 'GET') => fetch(`${base}${path}`, { method, headers: { 'accept-encoding': 'identity', ...headers } });
  /** How many requests the fast path answered itself. */
  const fastCount = async () => {
    let n = 0;
    for (const result of fast.mock.results) {
      if (result.type !== 'return') continue;
      if ((await (result.value as Promise<unknown>).catch(() => undefined)) !== undefined) n++;
    }
    return n;
  };
  const headersOf = (res: Response) => Object.fromEntries([...res.headers].filter(([name]) => !['date', 'x-request-id'].includes(name)));
  /** A GET whose body is read as sent (fetch would decode a compressed one). */
  const raw = (path: string, headers: Record<string, string>) => new Promise<{ status: number; headers: Record<string, unknown>; body: Buffer }>((resolve, reject) => {
    http.get(`${base}${path}`, { headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const { date: _date, 'x-request-id': _id, connection: _c, 'keep-alive': _k, ...kept } = res.headers;
        resolve({ status: res.statusCode ?? 0, headers: kept, body: Buffer.concat(chunks) });
      });
    }).on('error', reject);
  });
  const cursor = (c: { before?: number; after?: number }) => encodeCursor(c);

  /** k entries in one transaction: gifts named (some outside ASCII, some with quotes), anonymous and with messages, and fees. */
  const append = (k: number) => {
    const first = appended;
    appended += k;
    return appendMixedBatch(app, campaignId, first, k, (n) => (n % 3 === 0 ? null : n % 2 ? `متبرع ${n}` : `Donor "${n}"`));
  };

  beforeAll(async () => {
    env = await createTestEnvironment();
    app = await startTestApi(env.config, { listen: true });
    base = await baseUrlOf(app);
    campaignId = await insertCampaign(env.database.url, { slug: 'fast-relief', title: 'Fast relief' });
    await insertCampaign(env.database.url, { slug: 'fast-draft', status: 'draft' });
    await append(100);
    await append(50);
    ledger = app.get(PublicLedgerHttp);
    fast = jest.spyOn(ledger, 'fastLedgerJson');
  });
  afterAll(async () => {
    fast?.mockRestore();
    await app?.close();
    await env?.cleanup();
  });

  it('answers as the route does, byte for byte and header for header, at any depth and across chunk edges, and sends an answer the route kept', async () => {
    const paths = [
      api,
      `${api}?limit=7`,
      `${api}?limit=200`,
      `${api}?cursor=${cursor({ before: 100 })}`,
      `${api}?cursor=${cursor({ before: 64 })}&limit=64`,
      `${api}?limit=3&cursor=${cursor({ before: 65 })}`,
      `${api}?cursor=${cursor({ before: 2 })}`,
      `${api}?cursor=${cursor({ after: 10 })}&order=desc`,
      `${api}?cursor=${cursor({ after: 148 })}`,
      `${api}?cursor=${cursor({ before: 0 })}`,
    ];
    for (const path of paths) {
      // the route first (the fast path mocked to decline), then the fast path, twice
      fast.mockResolvedValueOnce(undefined);
      const routed = await get(path);
      const routedBody = Buffer.from(await routed.arrayBuffer());
      expect([path, routed.status]).toEqual([path, 200]);
      // the text JSON.stringify writes for the answer (its frame is made once per log version, its entries kept as JSON)
      expect([path, routedBody.toString()]).toEqual([path, JSON.stringify(JSON.parse(routedBody.toString()))]);
      for (let round = 0; round < 2; round++) {
        const before = await fastCount();
        const answer = await get(path);
        expect([path, round, await fastCount()]).toEqual([path, round, before + 1]);
        expect([path, round, answer.status, headersOf(answer)]).toEqual([path, round, 200, headersOf(routed)]);
        expect([path, round, Buffer.from(await answer.arrayBuffer()).equals(routedBody)]).toEqual([path, round, true]);
      }
    }
    // compressed as the route compresses, for clients that accept br or gzip (browsers, fetch)
    for (const path of [api, `${api}?cursor=${cursor({ before: 100 })}`, `${api}?cursor=${cursor({ before: 64 })}&limit=64`, `${api}?cursor=${cursor({ before: 2 })}`]) {
      for (const [accept, coding] of [['br, gzip', 'br'], ['gzip, deflate', 'gzip'], ['gzip;q=0.5, br;q=0.2', 'gzip']]) {
        fast.mockResolvedValueOnce(undefined);
        const routed = await raw(path, { 'accept-encoding': accept });
        const before = await fastCount();
        const answer = await raw(path, { 'accept-encoding': accept });
        expect([path, accept, await fastCount()]).toEqual([path, accept, before + 1]);
        expect([path, accept, routed.status, routed.headers['content-encoding']]).toEqual([path, accept, 200, coding]);
        expect([path, accept, answer.status, answer.headers]).toEqual([path, accept, 200, routed.headers]);
        expect([path, accept, answer.body.equals(routed.body)]).toEqual([path, accept, true]);
        const decoded = coding === 'br' ? zlib.brotliDecompressSync(answer.body) : zlib.gunzipSync(answer.body);
        expect([path, accept, decoded.equals(Buffer.from(await (await get(path)).arrayBuffer()))]).toEqual([path, accept, true]);
      }
    }
    // a page under 1 kB goes as it is, as from the route; identity and q=0 take no compression
    for (const [path, accept] of [[`${api}?cursor=${cursor({ before: 0 })}`, 'br, gzip'], [api, 'identity'], [api, 'br;q=0, gzip;q=0']]) {
      fast.mockResolvedValueOnce(undefined);
      const routed = await raw(path, { 'accept-encoding': accept });
      const answer = await raw(path, { 'accept-encoding': accept });
      expect([path, accept, answer.headers['content-encoding'], answer.headers]).toEqual([path, accept, undefined, routed.headers]);
      expect(answer.body.equals(routed.body)).toBe(true);
    }
    // a page the route built twice is kept (buildOnce's onRepeat): the fast path sends those bytes
    const twice = `${api}?cursor=${cursor({ before: 120 })}&limit=11`;
    const built = [];
    for (let i = 0; i < 2; i++) {
      fast.mockResolvedValueOnce(undefined);
      built.push(Buffer.from(await (await get(twice)).arrayBuffer()));
    }
    const kept = await get(twice);
    expect(Buffer.from(await kept.arrayBuffer()).equals(built[0])).toBe(true);
    expect(built[1].equals(built[0])).toBe(true);
    // and its compressed bytes, made once and kept with it, as the route sends them
    fast.mockResolvedValueOnce(undefined);
    const keptRouted = await raw(twice, { 'accept-encoding': 'br' });
    const keptFast = await raw(twice, { 'accept-encoding': 'br' });
    expect(keptFast.headers).toEqual(keptRouted.headers);
    expect(keptFast.body.equals(keptRouted.body)).toBe(true);
    expect(zlib.brotliDecompressSync(keptFast.body).equals(built[0])).toBe(true);
    // the answers are the route's JSON: entries newest first, cursors that lead on
    const page = await (await get(`${api}?cursor=${cursor({ before: 100 })}&limit=40`)).json();
    expect(page.entries.map((e: { index: number }) => e.index)).toEqual(Array.from({ length: 40 }, (_, i) => 99 - i));
    const next = await (await get(`${api}?cursor=${page.page.next}&limit=40`)).json();
    expect(next.entries[0].index).toBe(59);
  });

  it('answers 304 to a copy it already gave, counts its answers under the route, and shows an append on the very next request', async () => {
    const first = await get(api);
    const etag = first.headers.get('etag') as string;
    const before = await fastCount();
    const again = await get(api, { 'if-none-match': etag });
    expect(again.status).toBe(304);
    expect(await fastCount()).toBe(before + 1);
    expect(again.headers.get('etag')).toBe(etag);
    expect(again.headers.get('cache-control')).toBe(first.headers.get('cache-control'));

    const metric = async () => Number(ROUTE_METRIC.exec(await (await fetch(`${base}/metrics`)).text())?.[1] ?? 0);
    const counted = await metric();
    expect((await get(`${api}?limit=5`)).status).toBe(200);
    expect(await metric()).toBe(counted + 1);

    const size = (await first.json()).size;
    await append(1);
    const after = await get(api, { 'if-none-match': etag });
    expect(after.status).toBe(200);
    const body = await after.json();
    expect(body.size).toBe(size + 1);
    expect(body.entries[0].index).toBe(size);
    expect(after.headers.get('etag')).not.toBe(etag);
  });

  it('leaves to the route: HEAD, a filter, oldest first, another or a repeated parameter, a bad cursor, a campaign not public, a fault', async () => {
    await get(api);
    const calls = fast.mock.calls.length;
    const routed = async (path: string, headers: Record<string, string> = {}, method = 'GET') => {
      const res = await get(path, headers, method);
      return { status: res.status, code: res.status >= 400 ? (await res.json()).code : undefined, encoding: res.headers.get('content-encoding') };
    };
    expect(await routed(api, {}, 'HEAD')).toMatchObject({ status: 200 });
    expect(await routed(`${api}?kind=fee`)).toMatchObject({ status: 200 });
    expect(await routed(`${api}?order=asc`)).toMatchObject({ status: 200 });
    expect(await routed(`${api}?lang=ar`)).toMatchObject({ status: 200 });
    expect(await routed(`${api}?limit=5&limit=6`)).toMatchObject({ status: 400 });
    expect(await routed(`${api}?limit=0`)).toMatchObject({ status: 400 });
    await routed(`${api}?cursor=`);
    expect(await routed(`${api}?kind=fee`, { 'accept-encoding': 'gzip' })).toMatchObject({ status: 200, encoding: 'gzip' });
    expect(fast.mock.calls.length).toBe(calls);
    // taken by the fast path, then left to the route, which answers as it always did
    expect(await routed(`${api}?cursor=bm9wZQ`)).toEqual({ status: 400, code: expect.any(String), encoding: null });
    expect((await routed('/api/v1/public/campaigns/fast-draft/ledger')).status).toBe(404);
    expect((await routed('/api/v1/public/campaigns/no-such-campaign/ledger')).status).toBe(404);
    fast.mockRejectedValueOnce(new Error('fast path fault'));
    const fallback = await get(api);
    expect(fallback.status).toBe(200);
    expect((await fallback.json()).entries).toHaveLength(50);
    // a gzip answer decodes to the plain answer's bytes
    const plain = Buffer.from(await (await get(`${api}?limit=9`)).arrayBuffer());
    const zipped = await fetch(`${base}${api}?limit=9`, { headers: { 'accept-encoding': 'gzip' } });
    expect(zipped.headers.get('content-encoding')).toBe('gzip');
    expect(Buffer.from(await zipped.arrayBuffer()).equals(plain)).toBe(true);
  });
});
