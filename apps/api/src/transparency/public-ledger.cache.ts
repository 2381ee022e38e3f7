import type { CampaignLog } from '@ataa/transparency';
import { compressBody, compressBodyOnce, ContentCoding } from '../http/compression.js';

/** A finished public answer: its bytes and the headers that go with them. */
export interface CachedAnswer {
  etag: string;
  cacheControl: string;
  contentType: string;
  /**
   * As built: pages and documents are built as strings and sent so when not kept; PublicLedgerCache.set
   * keeps their bytes. A Buffer made for every answer (outside V8's heap) set off, under a stream of
   * answers never built before (ledger pages at random depths), a full collection every second or so
   * ("external memory pressure"), pausing every request for 10 to 20 ms.
   */
  body: Buffer | string;
  /** The body compressed, made on first demand for each coding (PublicLedgerCache.encoded). */
  encoded?: Partial<Record<ContentCoding, Buffer>>;
}

/** What every public answer of a campaign depends on besides the request itself. */
export function logVersion(log: CampaignLog): string {
  const { campaign } = log;
  // The root hash names every entry's leaf: leaves are append-only, so size and root fix the whole
  // ledger but for redacted personal fields (issue 17), which the redaction count covers, and the
  // witnesses' cosignatures carried by checkpoints and shown on the page (issue 24), which their count covers.
  return `${log.size}|${log.rootHash.toString('base64')}|${log.redactions}|${log.cosignatures ?? 0}|${campaign.slug}|${campaign.status}|${campaign.language}|${campaign.currency}|${campaign.title}`;
}

/** ETags remembered as built once (a megabyte or two at most). */
const BUILT_KEYS_KEPT = 20_000;

export const DEFAULT_CACHE_BYTES = 32 * 1024 * 1024;

/**
 * Rendered public ledger answers (pages, report, checkpoints, proofs), least recently used first out.
 * Each request still reads the campaign's log head (one indexed row); an answer is served only when
 * it was built from that same head (`logVersion`), so an append shows at once and nothing stale is
 * ever served. One slot per request: a newer version replaces the old one in place. Bounded by bytes.
 */
export class PublicLedgerCache {
  private readonly answers = new Map<string, { version: string; answer: CachedAnswer; cost: number }>();
  /** Answers being built, by request and version: after an append, the requests that miss together build once. */
  private readonly building = new Map<string, Promise<CachedAnswer>>();
  private bytes = 0;
  /** The ETags of answers built once (`buildOnce`'s `onRepeat`). */
  private readonly built = new Set<string>();

  constructor(
    readonly maxBytes: number = DEFAULT_CACHE_BYTES,
    /** Answers above this are not kept (the default, 512 kB, is well above a 200-entry page's 70 to 90 kB). */
    readonly maxAnswerBytes: number = Math.max(1, Math.floor(maxBytes / 64)),
  ) {}

  get size(): number {
    return this.answers.size;
  }

  get usedBytes(): number {
    return this.bytes;
  }

  get(key: string, version: string): CachedAnswer | undefined {
    const found = this.answers.get(key);
    if (found === undefined || found.version !== version) return undefined;
    // Most recently used goes last: Map keeps insertion order.
    this.answers.delete(key);
    this.answers.set(key, found);
    return found.answer;
  }

  /**
   * Builds a missing answer and keeps it; callers missing the same request and version meanwhile
   * share that one build (and its failure, which is not kept). `onRepeat`: kept only when the same
   * request and version was built before, for answers that are cheap to build again: one asked for
   * once (a page at a random depth) is then garbage at once instead of living in the cache until it
   * is pushed out, which under a stream of them moved tens of megabytes a second into V8's old
   * generation (RSS growing to hundreds of megabytes between full collections).
   */
  buildOnce(key: string, version: string, build: () => Promise<CachedAnswer>, onRepeat = false): Promise<CachedAnswer> {
    const id = `${version}\n${key}`;
    const pending = this.building.get(id);
    if (pending !== undefined) return pending;
    const built = build()
      .then((answer) => {
        if (!onRepeat || this.builtBefore(answer.etag)) this.set(key, version, answer);
        return answer;
      })
      .finally(() => this.building.delete(id));
    this.building.set(id, built);
    return built;
  }

  /**
   * Whether an answer with this ETag (which names the request and the version) was built before,
   * remembering it now if not: a bounded set, cleared when full.
   */
  private builtBefore(etag: string): boolean {
    if (this.built.has(etag)) return true;
    if (this.built.size >= BUILT_KEYS_KEPT) this.built.clear();
    this.built.add(etag);
    return false;
  }

  /** Keeps an answer; a body built as a string is kept as its bytes (sent as they are, outside V8's heap). */
  set(key: string, version: string, answer: CachedAnswer): void {
    this.delete(key);
    if (typeof answer.body === 'string') answer.body = Buffer.from(answer.body, 'utf8');
    const cost = answer.body.length + key.length + version.length;
    if (cost > this.maxAnswerBytes) return;
    this.answers.set(key, { version, answer, cost });
    this.bytes += cost;
    this.evict();
  }

  /**
   * The answer's body compressed with `coding`: made once, kept with the answer (and counted in its
   * bytes) while the answer is kept, so a cached answer is not compressed again on every request. An
   * answer that is not kept is compressed for the request at the quicker setting (compressBodyOnce).
   */
  encoded(key: string, version: string, answer: CachedAnswer, coding: ContentCoding): Buffer {
    const done = answer.encoded?.[coding];
    if (done !== undefined) return done;
    const entry = this.answers.get(key);
    const kept = entry !== undefined && entry.version === version && entry.answer === answer;
    // an answer not kept is compressed for this request only: the quicker setting
    if (!kept) return compressBodyOnce(answer.body, coding);
    const body = compressBody(answer.body, coding);
    answer.encoded = { ...answer.encoded, [coding]: body };
    entry.cost += body.length;
    this.bytes += body.length;
    this.evict();
    return body;
  }

  private evict(): void {
    for (const [oldest, entry] of this.answers) {
      if (this.bytes <= this.maxBytes) break;
      this.answers.delete(oldest);
      this.bytes -= entry.cost;
    }
  }

  private delete(key: string): void {
    const found = this.answers.get(key);
    if (found === undefined) return;
    this.answers.delete(key);
    this.bytes -= found.cost;
  }
}
