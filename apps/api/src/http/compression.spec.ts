import { randomBytes } from 'node:crypto';
import zlib from 'node:zlib';
import { acceptedCoding, COMPRESSIBLE, compressBody, compressBodyOnce, worthCompressing } from './compression.js';

describe('response compression rules', () => {
  it.each([
    [undefined, null],
    ['', null],
    ['identity', null],
    ['gzip', 'gzip'],
    ['br', 'br'],
    ['gzip, deflate, br', 'br'],
    ['br;q=0, gzip', 'gzip'],
    ['gzip;q=0.9, br;q=0.5', 'gzip'],
    ['br;q=0.5, gzip;q=0.5', 'br'],
    ['*', 'br'],
    ['*;q=0.2, br;q=0', 'gzip'],
    ['gzip;q=0, br;q=0, *', null],
    ['deflate', null],
    [' GZIP ; q=1 ', 'gzip'],
    [['gzip', 'br;q=0'], 'gzip'],
  ] as const)('Accept-Encoding %j answers %s', (header, coding) => {
    expect(acceptedCoding(header as string | string[] | undefined)).toBe(coding);
  });

  it('compresses pages, JSON, problems and CSV of 1 KB or more, and nothing else', () => {
    expect(worthCompressing('text/html; charset=utf-8', 1024)).toBe(true);
    expect(worthCompressing('application/json', 1023)).toBe(false);
    for (const type of ['application/problem+json; charset=utf-8', 'application/json', 'text/html; charset=utf-8', 'text/csv; charset=utf-8', 'application/x-ndjson; charset=utf-8']) expect(COMPRESSIBLE.test(type)).toBe(true);
    for (const type of ['image/png', 'font/woff2', 'application/gzip', 'text/javascript', 'application/pdf', 'text/plain; charset=utf-8', 'application/jsonx', 'application/x-ndjsonx']) expect(COMPRESSIBLE.test(type)).toBe(false);
    const body = Buffer.from('مرحبا 😀 '.repeat(500));
    expect(zlib.brotliDecompressSync(compressBody(body, 'br')).equals(body)).toBe(true);
    expect(zlib.gunzipSync(compressBody(body, 'gzip')).equals(body)).toBe(true);
    expect(zlib.brotliDecompressSync(compressBodyOnce(body, 'br')).equals(body)).toBe(true);
    expect(zlib.gunzipSync(compressBodyOnce(body, 'gzip')).equals(body)).toBe(true);
  });

  describe('an answer compressed for one request (compressBodyOnce)', () => {
    const decode = (coding: 'br' | 'gzip', bytes: Buffer) => (coding === 'br' ? zlib.brotliDecompressSync(bytes) : zlib.gunzipSync(bytes));

    it.each(['br', 'gzip'] as const)('%s: a body given as parts (text and bytes, multi-byte characters) decodes to the parts put together', (coding) => {
      const parts = ['{"entries":[', Buffer.from('{"kind":"donation","note":"مرحبا 😀"}'.repeat(40)), ',', '{"é":"ü"}'.repeat(30), Buffer.alloc(0), ']}'];
      const whole = Buffer.concat(parts.map((part) => (typeof part === 'string' ? Buffer.from(part, 'utf8') : part)));
      expect(decode(coding, compressBodyOnce(parts, coding)).equals(whole)).toBe(true);
    });

    it.each(['br', 'gzip'] as const)('%s: an earlier answer is not changed by the next (the scratch space the parts are gathered in is reused)', (coding) => {
      const first = ['a'.repeat(3000), Buffer.from('b'.repeat(3000))];
      const second = ['c'.repeat(5000), Buffer.from('d'.repeat(5000))];
      const one = compressBodyOnce(first, coding);
      const copy = Buffer.from(one);
      compressBodyOnce(second, coding);
      expect(one.equals(copy)).toBe(true);
      expect(decode(coding, one).toString()).toBe('a'.repeat(3000) + 'b'.repeat(3000));
    });

    it.each(['br', 'gzip'] as const)('%s: an output longer than one chunk (bytes that do not compress) and parts past the scratch limit decode whole', (coding) => {
      const noise = randomBytes(40_000);
      expect(decode(coding, compressBodyOnce([noise.subarray(0, 10), noise.subarray(10)], coding)).equals(noise)).toBe(true);
      const big = [Buffer.alloc(700_000, 'x'), randomBytes(600_000)];
      expect(decode(coding, compressBodyOnce(big, coding)).equals(Buffer.concat(big))).toBe(true);
    });

    it('makes its output without an ArrayBuffer of 16 kB or more per call (they drove V8 into back-to-back full collections)', () => {
      const page = Buffer.from(JSON.stringify(Array.from({ length: 120 }, (_, i) => ({ seq: i, kind: 'donation', amount: String(i * 137), leaf: randomBytes(16).toString('hex') }))));
      for (let i = 0; i < 20; i++) compressBodyOnce([page], 'br');
      const before = process.memoryUsage().arrayBuffers;
      const outputs: Buffer[] = [];
      // kept alive, so that a collection during the loop cannot hide what each call made
      for (let i = 0; i < 200; i++) outputs.push(compressBodyOnce([page], i % 2 === 0 ? 'br' : 'gzip'));
      const perCall = (process.memoryUsage().arrayBuffers - before) / outputs.length;
      expect(perCall).toBeLessThan(8 * 1024);
    });
  });
});
