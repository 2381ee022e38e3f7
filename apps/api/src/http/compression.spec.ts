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
    for (const type of ['application/problem+json; charset=utf-8', 'application/json', 'text/html; charset=utf-8', 'text/csv; charset=utf-8']) expect(COMPRESSIBLE.test(type)).toBe(true);
    for (const type of ['image/png', 'font/woff2', 'application/gzip', 'text/javascript', 'application/pdf', 'text/plain; charset=utf-8', 'application/jsonx']) expect(COMPRESSIBLE.test(type)).toBe(false);
    const body = Buffer.from('مرحبا 😀 '.repeat(500));
    expect(zlib.brotliDecompressSync(compressBody(body, 'br')).equals(body)).toBe(true);
    expect(zlib.gunzipSync(compressBody(body, 'gzip')).equals(body)).toBe(true);
    expect(zlib.brotliDecompressSync(compressBodyOnce(body, 'br')).equals(body)).toBe(true);
    expect(zlib.gunzipSync(compressBodyOnce(body, 'gzip')).equals(body)).toBe(true);
  });
});
