import { NestFastifyApplication } from '@nestjs/platform-fastify';
import http from 'node:http';
import zlib from 'node:zlib';
import { TransactionRunner } from '@ataa/database';
import { baseUrlOf, createTestEnvironment, startTestApi, TestEnvironment } from '@ataa/testing';
import { PublicLedgerAppender } from '@ataa/transparency';
import { COMPRESSIBLE } from '../../apps/api/src/http/compression.js';
import { appendEntries, insertCampaign, sampleHistory } from '../transparency/support.js';

type Raw = { status: number; headers: http.IncomingHttpHeaders; body: Buffer };

/** A GET over plain HTTP, the body's bytes exactly as sent (no decoding). */
function getRaw(url: string, headers: Record<string, string>): Promise<Raw> {
  return new Promise((resolve, reject) => {
    http.get(url, { headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    }).on('error', reject);
  });
}

const decode = (encoding: string, body: Buffer): Buffer => (encoding === 'br' ? zlib.brotliDecompressSync(body) : zlib.gunzipSync(body));

describe('compressed responses', () => {
  let env: TestEnvironment;
  let app: NestFastifyApplication;
  let base: string;

  beforeAll(async () => {
    env = await createTestEnvironment();
    app = await startTestApi(env.config, { listen: true });
    base = await baseUrlOf(app);
    const id = await insertCampaign(env.database.url, { slug: 'squeezed', title: 'Squeezed — مضغوط 😀' });
    await appendEntries(app.get(TransactionRunner), app.get(PublicLedgerAppender), id, sampleHistory());
  });
  afterAll(async () => {
    await app?.close();
    await env?.cleanup();
  });

  const kinds: [string, string, Record<string, string>, string][] = [
    ['HTML page', '/c/squeezed/ledger', {}, 'text/html'],
    ['JSON ledger', '/api/v1/public/campaigns/squeezed/ledger', {}, 'application/json'],
    ['JSON report', '/c/squeezed/report', { accept: 'application/json' }, 'application/json'],
    ['CSV export', '/c/squeezed/ledger.csv', {}, 'text/csv'],
    ['JSON lines export', '/c/squeezed/ledger.ndjson', {}, 'application/x-ndjson'],
  ];

  describe.each(kinds)('%s', (_name, url, headers, type) => {
    it.each(['gzip', 'br'])('decodes (%s) to the identity bytes, with the same ETag, and If-None-Match still answers 304', async (encoding) => {
      const plain = await getRaw(`${base}${url}`, { ...headers, 'accept-encoding': 'identity' });
      expect(plain.status).toBe(200);
      expect(plain.headers['content-type']).toContain(type);
      expect(plain.headers['content-encoding']).toBeUndefined();
      expect(plain.body.length).toBeGreaterThan(1024);

      const packed = await getRaw(`${base}${url}`, { ...headers, 'accept-encoding': `${encoding}, deflate;q=0.5` });
      expect(packed.status).toBe(200);
      expect(packed.headers['content-encoding']).toBe(encoding);
      expect(packed.headers['content-type']).toBe(plain.headers['content-type']);
      expect(String(packed.headers.vary).toLowerCase()).toContain('accept-encoding');
      expect(packed.body.length).toBeLessThan(plain.body.length);
      expect(decode(encoding, packed.body).equals(plain.body)).toBe(true);
      expect(packed.headers.etag).toBe(plain.headers.etag);
      if (type === 'text/csv') expect([packed.headers['transfer-encoding'], packed.headers['content-length']]).toEqual(['chunked', undefined]);

      const again = await getRaw(`${base}${url}`, { ...headers, 'accept-encoding': encoding, 'if-none-match': String(packed.headers.etag) });
      expect(again.status).toBe(304);
      expect(again.body.length).toBe(0);
      expect(again.headers['content-encoding']).toBeUndefined();
      expect(again.headers.etag).toBe(plain.headers.etag);
      const weak = await getRaw(`${base}${url}`, { ...headers, 'accept-encoding': encoding, 'if-none-match': `W/${packed.headers.etag}` });
      expect(weak.status).toBe(304);
    });
  });

  it('leaves small answers and problem documents below 1 KB as they are; compresses problem documents by type', async () => {
    const problem = await getRaw(`${base}/api/v1/public/campaigns/no-such-campaign/ledger`, { 'accept-encoding': 'gzip, br' });
    expect(problem.status).toBe(404);
    expect(problem.headers['content-type']).toContain('application/problem+json');
    expect(problem.headers['content-encoding']).toBeUndefined();
    expect(JSON.parse(problem.body.toString('utf8'))).toMatchObject({ status: 404 });
    const live = await getRaw(`${base}/health/live`, { 'accept-encoding': 'gzip, br' });
    expect(live.status).toBe(200);
    expect(live.headers['content-encoding']).toBeUndefined();
    for (const type of ['application/problem+json; charset=utf-8', 'application/json', 'text/html; charset=utf-8', 'text/csv; charset=utf-8']) expect(COMPRESSIBLE.test(type)).toBe(true);
    for (const type of ['image/png', 'font/woff2', 'application/gzip', 'text/javascript', 'application/pdf']) expect(COMPRESSIBLE.test(type)).toBe(false);
  });
});
