/** Entries per chunk: a page of 50 entries (51 read) spans at most two. */
export const ENTRY_CHUNK = 64;

/** The cache's default budget (bytes of JSON kept; about 180,000 format-1 or 120,000 format-3 entries). */
export const DEFAULT_ENTRY_CACHE_BYTES = 64 * 1024 * 1024;

/** Bytes a chunk costs besides its JSON (its offsets, key and bookkeeping), roughly. */
const CHUNK_OVERHEAD = 400;

/**
 * Consecutive entries of one campaign's log (`start` to `start + count - 1`), each entry's JSON exactly
 * as `JSON.stringify` writes the served entry, joined by commas, newest first: the order pages are
 * shown in unless a visitor asks for the oldest first, so that a page's entries are one or two runs of
 * bytes (sent as they are by the JSON ledger's fast path, `entriesJsonRuns`).
 */
export interface EntryJsonChunk {
  start: number;
  count: number;
  /** The log's redaction count the entries were read at (or after): a redaction changes entries in place. */
  redactions: number;
  /**
   * UTF-8 bytes, outside V8's heap: kept for minutes, they are not marked by every full collection
   * and do not grow the heap's limit (kept as strings, 64 MB of them let the API's RSS reach a
   * gigabyte under load). Entry `start + count - 1` first, entry `start` last.
   */
  json: Buffer;
  /** Where each entry's JSON ends in `json` (the comma after it, or the end), in bytes, in `json`'s order (newest first). */
  ends: Uint32Array;
}

/** Builds a chunk from served entries (consecutive indexes from `start`, in index order). */
export function entryJsonChunk(start: number, redactions: number, entries: readonly unknown[]): EntryJsonChunk {
  const texts = entries.map((entry) => JSON.stringify(entry)).reverse();
  const ends = new Uint32Array(texts.length);
  let at = 0;
  texts.forEach((text, i) => {
    at += (i === 0 ? 0 : 1) + Buffer.byteLength(text, 'utf8');
    ends[i] = at;
  });
  // Memory of its own, exactly the size of the text: Buffer.from would give a slice of Node's 64 kB pool
  // (chunks are under 32 kB), which a kept chunk holds whole, with whatever else was cut from it: the
  // cache's budget then counted two thirds of what it held (a 1,000,000-entry log: 360 MB of JSON, 541 MB held).
  const text = texts.join(',');
  const json = Buffer.allocUnsafeSlow(Buffer.byteLength(text, 'utf8'));
  json.write(text, 0, 'utf8');
  return { start, count: texts.length, redactions, json, ends };
}

/** The bytes of entries `high` down to `low` (indexes within the chunk), with the commas between them. */
function run(chunk: EntryJsonChunk, high: number, low: number): [number, number] {
  const top = chunk.start + chunk.count - 1;
  const first = top - high;
  const last = top - low;
  return [first === 0 ? 0 : chunk.ends[first - 1] + 1, chunk.ends[last]];
}

/**
 * The entries `from` down to `to` (indexes, `from >= to`) as runs of bytes taken from `chunks` (which
 * together hold every index between them), newest first: joined by commas, they are the text
 * `JSON.stringify` gives for the same entries in that order, without the brackets. Views of the
 * chunks' bytes, not copies.
 */
export function entriesJsonRuns(chunks: readonly EntryJsonChunk[], from: number, to: number): Buffer[] {
  const runs: Buffer[] = [];
  for (let c = chunks.length - 1; c >= 0; c--) {
    const chunk = chunks[c];
    const high = Math.min(from, chunk.start + chunk.count - 1);
    const low = Math.max(to, chunk.start);
    if (high < low) continue;
    const [begin, end] = run(chunk, high, low);
    runs.push(chunk.json.subarray(begin, end));
  }
  return runs;
}

/**
 * The JSON array of the entries `from` to `to` (indexes, inclusive; descending when `from > to`),
 * taken from `chunks` (which together hold every index between them, in index order): the text
 * `JSON.stringify` gives for the same entries in that order. Newest-first runs are decoded whole, with
 * their commas; an oldest-first page is put together entry by entry.
 */
export function entriesJson(chunks: readonly EntryJsonChunk[], from: number, to: number): string {
  if (from >= to) return `[${entriesJsonRuns(chunks, from, to).map((bytes) => bytes.toString('utf8')).join(',')}]`;
  const parts: string[] = [];
  for (const chunk of chunks) {
    for (let index = Math.max(from, chunk.start); index <= Math.min(to, chunk.start + chunk.count - 1); index++) {
      const [begin, end] = run(chunk, index, index);
      parts.push(chunk.json.toString('utf8', begin, end));
    }
  }
  return `[${parts.join(',')}]`;
}

/**
 * Public entries' JSON by chunk of ENTRY_CHUNK consecutive indexes, per campaign, least recently used
 * out first, bounded by bytes. Entries never change but for redaction (issue 17), which bumps the
 * log's redaction count: a chunk serves only a request made at the count it was read at. A chunk at
 * the end of a log may hold fewer than ENTRY_CHUNK entries; it serves only pages within what it holds
 * and is replaced when a longer read of it is kept.
 */
export class PublicEntryJsonCache {
  private readonly chunks = new Map<string, { chunk: EntryJsonChunk; cost: number }>();
  private bytes = 0;

  constructor(readonly maxBytes: number = DEFAULT_ENTRY_CACHE_BYTES) {}

  get usedBytes(): number {
    return this.bytes;
  }

  get size(): number {
    return this.chunks.size;
  }

  /** The chunk number `n` of a campaign's log holding at least `count` entries, read at `redactions`; else undefined. */
  get(campaignId: string, n: number, redactions: number, count: number): EntryJsonChunk | undefined {
    const key = `${campaignId}|${n}`;
    const found = this.chunks.get(key);
    if (found === undefined || found.chunk.redactions !== redactions || found.chunk.count < count) return undefined;
    this.chunks.delete(key);
    this.chunks.set(key, found);
    return found.chunk;
  }

  /**
   * Keeps a chunk read from the database, unless the one kept is newer (a later redaction count) or
   * longer at the same count: whatever is kept was read at or after the count it is kept under.
   */
  set(campaignId: string, chunk: EntryJsonChunk): void {
    if (chunk.start % ENTRY_CHUNK !== 0 || chunk.count === 0 || chunk.count > ENTRY_CHUNK) return;
    const key = `${campaignId}|${chunk.start / ENTRY_CHUNK}`;
    const kept = this.chunks.get(key);
    if (kept !== undefined) {
      if (kept.chunk.redactions > chunk.redactions || (kept.chunk.redactions === chunk.redactions && kept.chunk.count >= chunk.count)) return;
      this.chunks.delete(key);
      this.bytes -= kept.cost;
    }
    const cost = chunk.json.length + chunk.ends.byteLength + key.length + CHUNK_OVERHEAD;
    if (cost > this.maxBytes) return;
    this.chunks.set(key, { chunk, cost });
    this.bytes += cost;
    for (const [oldest, entry] of this.chunks) {
      if (this.bytes <= this.maxBytes) break;
      this.chunks.delete(oldest);
      this.bytes -= entry.cost;
    }
  }
}
