import type { CampaignLog } from '@ataa/transparency';
import zlib from 'node:zlib';
import { compressBody, compressBodyOnce } from '../http/compression.js';
import { CachedAnswer, logVersion, PublicLedgerCache } from './public-ledger.cache.js';

const answer = (text: string): CachedAnswer => ({ etag: `"${text}"`, cacheControl: 'public, max-age=5', contentType: 'application/json', body: Buffer.from(text) });
const logOf = (size: number, changes: Partial<CampaignLog['campaign']> = {}, root = size, redactions = 0): CampaignLog => ({
  campaign: { id: 'c1', slug: 'winter', title: 'Winter', currency: 'usd', language: 'en', status: 'published', ...changes },
  size, rootHash: Buffer.alloc(32, root), balance: 0n, donors: 0, redactions, origin: 'ataa.test/campaigns/c1',
});

describe('public ledger answer cache', () => {
  it('answers only for the log version the answer was built from', () => {
    const cache = new PublicLedgerCache(1024 * 1024);
    cache.set('c1|ledger.json|/x', logVersion(logOf(10)), answer('ten'));
    expect(cache.get('c1|ledger.json|/x', logVersion(logOf(10)))?.body.toString()).toBe('ten');
    // One more entry: the cached page is stale and is not served.
    expect(cache.get('c1|ledger.json|/x', logVersion(logOf(11)))).toBeUndefined();
    expect(cache.get('c1|ledger.json|/other', logVersion(logOf(10)))).toBeUndefined();
  });

  it('changes version with the size, the root, a redaction and every campaign field a page shows', () => {
    const base = logVersion(logOf(10));
    expect(logVersion(logOf(10))).toBe(base);
    for (const other of [logOf(11), logOf(10, {}, 99), logOf(10, {}, 10, 1), logOf(10, { title: 'Spring' }), logOf(10, { status: 'ended' }), logOf(10, { language: 'ar' }), logOf(10, { slug: 'w2' }), logOf(10, { currency: 'eur' })]) {
      expect(logVersion(other)).not.toBe(base);
    }
  });

  it('keeps one slot per request: a newer version replaces the older in place', () => {
    const cache = new PublicLedgerCache(1024 * 1024);
    cache.set('k', logVersion(logOf(10)), answer('ten'));
    cache.set('k', logVersion(logOf(11)), answer('eleven'));
    expect(cache.size).toBe(1);
    expect(cache.get('k', logVersion(logOf(10)))).toBeUndefined();
    expect(cache.get('k', logVersion(logOf(11)))?.body.toString()).toBe('eleven');
  });

  it('stays within its byte budget, evicting the least recently used first', () => {
    const version = logVersion(logOf(1));
    const cost = (key: string) => 100 + key.length + version.length;
    const cache = new PublicLedgerCache(3 * cost('k1'), cost('k1'));
    for (const key of ['k1', 'k2', 'k3']) cache.set(key, version, answer('x'.repeat(100)));
    expect(cache.get('k1', version)).toBeDefined(); // k1 is now the most recently used
    cache.set('k4', version, answer('y'.repeat(100)));
    expect(cache.usedBytes).toBeLessThanOrEqual(3 * cost('k1'));
    expect(cache.get('k2', version)).toBeUndefined();
    for (const key of ['k1', 'k3', 'k4']) expect(cache.get(key, version)).toBeDefined();
  });

  it('does not keep answers larger than a slot', () => {
    const cache = new PublicLedgerCache(64 * 1024, 1024);
    cache.set('big', 'v', answer('z'.repeat(2000)));
    expect(cache.get('big', 'v')).toBeUndefined();
    expect(cache.usedBytes).toBe(0);
  });
});

describe('public ledger answer cache, building', () => {
  it('builds a missing answer once for the requests that miss together, then serves it', async () => {
    const cache = new PublicLedgerCache(1024 * 1024);
    let builds = 0;
    let release: () => void = () => undefined;
    const build = () => {
      builds++;
      return new Promise<CachedAnswer>((resolve) => {
        release = () => resolve(answer('page'));
      });
    };
    const together = [cache.buildOnce('k', 'v1', build), cache.buildOnce('k', 'v1', build), cache.buildOnce('k', 'v1', build)];
    expect(builds).toBe(1);
    release();
    expect((await Promise.all(together)).map((a) => a.body.toString())).toEqual(['page', 'page', 'page']);
    expect(cache.get('k', 'v1')?.body.toString()).toBe('page');
    // Another version is another build.
    const next = cache.buildOnce('k', 'v2', build);
    expect(builds).toBe(2);
    release();
    await next;
  });

  it('shares a failed build with the requests that waited for it, keeps nothing, and builds again next time', async () => {
    const cache = new PublicLedgerCache(1024 * 1024);
    let builds = 0;
    const failing = () => {
      builds++;
      return Promise.reject(new Error('database down'));
    };
    const together = [cache.buildOnce('k', 'v', failing), cache.buildOnce('k', 'v', failing)];
    await expect(together[0]).rejects.toThrow('database down');
    await expect(together[1]).rejects.toThrow('database down');
    expect(builds).toBe(1);
    expect(cache.get('k', 'v')).toBeUndefined();
    await expect(cache.buildOnce('k', 'v', async () => answer('back'))).resolves.toMatchObject({ contentType: 'application/json' });
    expect(cache.get('k', 'v')?.body.toString()).toBe('back');
  });

  it('compresses a kept answer once per coding, counts those bytes and gives them back when the answer goes', () => {
    const cache = new PublicLedgerCache(1024 * 1024);
    const page = answer('{"entries":[' + '{"kind":"donation","amount":"1000"},'.repeat(100) + '{}]}');
    cache.set('k', 'v1', page);
    const plain = cache.usedBytes;
    const br = cache.encoded('k', 'v1', page, 'br');
    expect(zlib.brotliDecompressSync(br).equals(Buffer.from(page.body))).toBe(true);
    expect(cache.encoded('k', 'v1', page, 'br')).toBe(br);
    const gzip = cache.encoded('k', 'v1', page, 'gzip');
    expect(zlib.gunzipSync(gzip).equals(Buffer.from(page.body))).toBe(true);
    expect(cache.usedBytes).toBe(plain + br.length + gzip.length);
    // A new version replaces the answer and its compressed bodies.
    cache.set('k', 'v2', answer('next'));
    expect(cache.usedBytes).toBe('next'.length + 'k'.length + 'v2'.length);
    // An answer no longer kept is still compressed for its request, and not counted.
    expect(zlib.gunzipSync(cache.encoded('k', 'v1', page, 'gzip')).equals(Buffer.from(page.body))).toBe(true);
    expect(cache.usedBytes).toBe('next'.length + 'k'.length + 'v2'.length);
  });

  it('compresses a kept answer at the better setting once, and an answer not kept for its request only, at the quicker one', () => {
    const cache = new PublicLedgerCache(1024 * 1024);
    const kept = answer('{"entries":[' + '{"kind":"donation","amount":"1000","donor":"Donor"},'.repeat(200) + '{}]}');
    cache.set('kept', 'v1', kept);
    expect(cache.encoded('kept', 'v1', kept, 'br').equals(compressBody(kept.body, 'br'))).toBe(true);
    expect(kept.encoded?.br).toBeDefined();
    const once = answer(kept.body.toString());
    const before = cache.usedBytes;
    for (const coding of ['br', 'gzip'] as const) {
      const body = cache.encoded('never-kept', 'v1', once, coding);
      expect(body.equals(compressBodyOnce(once.body, coding))).toBe(true);
      expect((coding === 'br' ? zlib.brotliDecompressSync(body) : zlib.gunzipSync(body)).equals(Buffer.from(once.body))).toBe(true);
    }
    expect(once.encoded).toBeUndefined();
    expect(cache.usedBytes).toBe(before);
  });

  it('keeps an answer built with onRepeat only when the same request and version is built again', async () => {
    const cache = new PublicLedgerCache(1024 * 1024);
    let builds = 0;
    // The ETag names the request and the version, as etagFor's do.
    const build = (etag: string) => async () => { builds++; return { ...answer('{"entries":[]}'), etag }; };
    await cache.buildOnce('page', 'v1', build('"page-v1"'), true);
    expect(cache.get('page', 'v1')).toBeUndefined();
    await cache.buildOnce('page', 'v1', build('"page-v1"'), true);
    expect(cache.get('page', 'v1')).toBeDefined();
    // Another version is a first build again.
    await cache.buildOnce('page', 'v2', build('"page-v2"'), true);
    expect(cache.get('page', 'v2')).toBeUndefined();
    expect(builds).toBe(3);
    // Without onRepeat the first build is kept, as before.
    await cache.buildOnce('other', 'v1', build('"other-v1"'));
    expect(cache.get('other', 'v1')).toBeDefined();
  });

  it('keeps a body built as a string as its bytes, counting them', () => {
    const cache = new PublicLedgerCache(1024 * 1024);
    const text = '{"donor":"متبرع"}';
    cache.set('k', 'v', { etag: '"1"', cacheControl: 'no-cache', contentType: 'application/json', body: text });
    const served = cache.get('k', 'v');
    expect(Buffer.isBuffer(served?.body)).toBe(true);
    expect(served?.body.toString()).toBe(text);
    expect(cache.usedBytes).toBe(Buffer.byteLength(text) + 'k'.length + 'v'.length);
  });
});
