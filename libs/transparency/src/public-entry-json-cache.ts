/** Entries per chunk: a page of 50 entries (51 read) spans at most two. */
export const ENTRY_CHUNK = 64;

/** The cache's default budget (bytes of JSON kept; about 180,000 format-1 or 120,000 format-3 entries). */
export const DEFAULT_ENTRY_CACHE_BYTES = 64 * 1024 * 1024;

/** Bytes a chunk costs besides its JSON (its offsets, key and bookkeeping), roughly. */
const CHUNK_OVERHEAD = 400;

/**
 * Consecutive entries of one campaign's log (`start` to `start + count - 1`), each entry's JSON exactly
 * as `JSON.stringify` writes the served entry, joined by commas in index order.
 */
export interface EntryJsonChunk {
  start: number;
  count: number;
  /** The log's redaction count the entries were read at (or after): a redaction changes entries in place. */
  redactions: number;
  /**
   * UTF-8 bytes, outside V8's heap: kept for minutes, they are not marked by every full collection
   * and do not grow the heap's limit (kept as strings, 64 MB of them let the API's RSS reach a
   * gigabyte under load). A page is decoded from them as a string, which dies young.
   */
  json: Buffer;
  /** Where each entry's JSON ends in `json` (the comma after it, or the end), in bytes. */
  ends: Uint32Array;
}

/** Builds a chunk from served entries (consecutive indexes from `start`, in index order). */
export function entryJsonChunk(start: number, redactions: number, entries: readonly unknown[]): EntryJsonChunk {
  const texts = entries.map((entry) => JSON.stringify(entry));
  const ends = new Uint32Array(texts.length);
  let at = 0;
  texts.forEach((text, i) => {
    at += (i === 0 ? 0 : 1) + Buffer.byteLength(text, 'utf8');
    ends[i] = at;
  });
  return { start, count: texts.length, redactions, json: Buffer.from(texts.join(','), 'utf8'), ends };
}

/**
 * The JSON array of the entries `from` to `to` (indexes, inclusive; descending when `from > to`),
 * taken from `chunks` (which together hold every index between them, in index order): the text
 * `JSON.stringify` gives for the same entries in that order. Ascending runs are decoded whole, with
 * their commas; a descending page is put together entry by entry.
 */
export function entriesJson(chunks: readonly EntryJsonChunk[], from: number, to: number): string {
  const ascending = from <= to;
  const low = Math.min(from, to);
  const high = Math.max(from, to);
  const parts: string[] = [];
  for (const chunk of chunks) {
    const first = Math.max(low, chunk.start) - chunk.start;
    const last = Math.min(high, chunk.start + chunk.count - 1) - chunk.start;
    if (first > last) continue;
    if (ascending) parts.push(chunk.json.toString('utf8', first === 0 ? 0 : chunk.ends[first - 1] + 1, chunk.ends[last]));
    else for (let i = first; i <= last; i++) parts.push(chunk.json.toString('utf8', i === 0 ? 0 : chunk.ends[i - 1] + 1, chunk.ends[i]));
  }
  if (!ascending) parts.reverse();
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
