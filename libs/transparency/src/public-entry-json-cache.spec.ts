import { ENTRY_CHUNK, entriesJson, entriesJsonRuns, entryJsonChunk, PublicEntryJsonCache } from './public-entry-json-cache.js';

/** Entries as served (any JSON objects do): indexes, names outside ASCII, quotes and backslashes. */
const entry = (index: number) => ({ index, kind: index % 3 ? 'donation' : 'fee', donor: index % 2 ? `متبرع ${index}` : `"Q" \\ ${index}`, redacted: null });
const chunkOf = (n: number, count = ENTRY_CHUNK, redactions = 0) =>
  entryJsonChunk(n * ENTRY_CHUNK, redactions, Array.from({ length: count }, (_, i) => entry(n * ENTRY_CHUNK + i)));
const range = (from: number, to: number) => Array.from({ length: Math.abs(to - from) + 1 }, (_, i) => (from <= to ? from + i : from - i));

describe('entry JSON chunks', () => {
  it('put any run of entries together exactly as JSON.stringify writes them, in either order, across chunk edges', () => {
    const chunks = [chunkOf(0), chunkOf(1), chunkOf(2, 10)];
    for (const [from, to] of [[0, 0], [0, 49], [14, 63], [63, 64], [60, 130], [130, 60], [64, 0], [137, 137], [137, 88], [0, 137], [137, 0]]) {
      const expected = JSON.stringify(range(from, to).map(entry));
      expect([from, to, entriesJson(chunks.filter((c) => c.start <= Math.max(from, to) && c.start + c.count > Math.min(from, to)), from, to)]).toEqual([from, to, expected]);
    }
  });

  it('give a newest-first run as one or two views of the chunks\' bytes that join with commas into the same text', () => {
    const chunks = [chunkOf(0), chunkOf(1), chunkOf(2, 10)];
    for (const [from, to] of [[0, 0], [49, 0], [63, 14], [64, 63], [130, 60], [64, 0], [137, 137], [137, 88], [137, 0]]) {
      const runs = entriesJsonRuns(chunks.filter((c) => c.start <= from && c.start + c.count > to), from, to);
      const spans = new Set(range(from, to).map((i) => Math.floor(i / ENTRY_CHUNK))).size;
      expect([from, to, runs.length]).toEqual([from, to, spans]);
      expect([from, to, `[${runs.map(String).join(',')}]`]).toEqual([from, to, JSON.stringify(range(from, to).map(entry))]);
      // views, not copies
      for (const bytes of runs) expect(chunks.some((c) => c.json.buffer === bytes.buffer)).toBe(true);
    }
  });

  it('keep entries newest first and record where each ends, in UTF-8 bytes, commas between them', () => {
    const chunk = chunkOf(0, 3);
    expect(chunk.json.toString()).toBe([2, 1, 0].map((i) => JSON.stringify(entry(i))).join(','));
    expect(chunk.json.toString('utf8', chunk.ends[0] + 1, chunk.ends[1])).toBe(JSON.stringify(entry(1)));
    expect(chunk.ends[2]).toBe(chunk.json.length);
  });

  it('hold memory of their own, exactly their JSON\'s size (what the cache\'s budget counts), not a slice of a shared pool', () => {
    for (const chunk of [chunkOf(0), chunkOf(1, 10), chunkOf(2, 1)]) {
      expect(chunk.json.byteOffset).toBe(0);
      expect(chunk.json.buffer.byteLength).toBe(chunk.json.length);
    }
  });
});

describe('PublicEntryJsonCache', () => {
  it('serves a chunk only at the redaction count it was read at, and only as far as it holds entries', () => {
    const cache = new PublicEntryJsonCache();
    cache.set('c1', chunkOf(3, 20, 2));
    expect(cache.get('c1', 3, 2, 20)).toBeDefined();
    expect(cache.get('c1', 3, 2, 21)).toBeUndefined();
    expect(cache.get('c1', 3, 1, 10)).toBeUndefined();
    expect(cache.get('c1', 3, 3, 10)).toBeUndefined();
    expect(cache.get('c2', 3, 2, 10)).toBeUndefined();
    expect(cache.get('c1', 4, 2, 10)).toBeUndefined();
  });

  it('replaces a chunk by a longer or later one, never by a shorter or earlier one', () => {
    const cache = new PublicEntryJsonCache();
    cache.set('c', chunkOf(0, 10, 1));
    cache.set('c', chunkOf(0, 5, 1));
    expect(cache.get('c', 0, 1, 10)?.count).toBe(10);
    cache.set('c', chunkOf(0, 64, 0));
    expect(cache.get('c', 0, 1, 10)?.count).toBe(10);
    cache.set('c', chunkOf(0, 64, 1));
    expect(cache.get('c', 0, 1, 64)?.count).toBe(64);
    cache.set('c', chunkOf(0, 3, 2));
    expect(cache.get('c', 0, 2, 3)?.count).toBe(3);
    expect(cache.get('c', 0, 1, 3)).toBeUndefined();
    expect(cache.size).toBe(1);
  });

  it('keeps within its bytes, least recently used out first, and refuses chunks that are not whole chunk slots', () => {
    const one = chunkOf(0).json.length + 1_000;
    const cache = new PublicEntryJsonCache(3 * one);
    for (const n of [0, 1, 2]) cache.set('c', chunkOf(n));
    expect(cache.get('c', 0, 0, 1)).toBeDefined();
    cache.set('c', chunkOf(3));
    // Chunk 1 was the least recently used (0 was just read).
    expect([0, 1, 2, 3].map((n) => cache.get('c', n, 0, 1) !== undefined)).toEqual([true, false, true, true]);
    expect(cache.usedBytes).toBeLessThanOrEqual(3 * one);
    cache.set('c', entryJsonChunk(5, 0, [entry(5)]));
    cache.set('c', entryJsonChunk(0, 0, []));
    expect(cache.size).toBe(3);
  });
});
