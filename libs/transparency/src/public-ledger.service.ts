import { Inject, Injectable } from '@nestjs/common';
import type { Readable } from 'node:stream';
import { DomainError, FreshReads, NotFoundError } from '@ataa/common';
import { AppConfig } from '@ataa/config';
import { type Queryable, ReadReplicas, type ReadSource } from '@ataa/database';
import {
  buildReceiptProof, buildReport, campaignOrigin, CampaignReport, consistencyProofRanges, emptyRoot, formatVerifierKey,
  hashRange, inclusionProofRanges, addSignatureLines, parseCosignerKey, type CosignerKey, LeafRange, nodeKey, nodesFor, PublicEntryKind, signCheckpoint, storedRefs, withUnstoredNodes,
  BundleRef, canonicalJsonBytes, isCommittedFormat, encodeEntryBundle, HASH_SIZE, isTileCovered, leafBytes, Tile, TILE_WIDTH, tilePath, toLeaf,
} from './domain/index.js';
import type { ReceiptProof } from './domain/index.js';
import type { CheckpointSigner, FeeExchange } from './domain/index.js';
import { CHECKPOINT_SIGNER } from './checkpoint-signer.provider.js';
import { WitnessRepository } from './persistence/witness.repository.js';
import { ENTRY_CHUNK, type EntryJsonChunk, entriesJson, entriesJsonRuns, entryJsonChunk, PublicEntryJsonCache } from './public-entry-json-cache.js';
import { type DeclaredDesignation, type PageBound, PublicCampaign, PublicLedgerRepository, PublicLog, StoredEntry } from './persistence/public-ledger.repository.js';

export interface CampaignLog {
  campaign: PublicCampaign;
  size: number;
  rootHash: Buffer;
  balance: bigint;
  donors: number;
  /** Redaction runs on the log: entries changed without the root changing (part of the answers' version). */
  redactions: number;
  /** Witness cosignatures stored for the log so far (a count that only grows): part of the answers' version. */
  cosignatures?: number;
  origin: string;
  /**
   * Where the rest of this request's reads go: the source its head was read from (a replica, or the
   * primary), so that what a page shows is never older than the head it shows. Absent: the primary.
   */
  reads?: ReadSource;
}

/**
 * Unfiltered page reads in flight at once per source (each for every page requested meanwhile): one
 * at a time would leave the pages to a single database backend, and a batch of pages takes longer
 * than a log head.
 */
const PAGE_READS_IN_FLIGHT = 4;

/** One witness's cosignature of a checkpoint: the cosigner name and when it signed (ISO 8601). */
export interface CheckpointCosignature {
  witness: string;
  time: string;
}

/** The witnesses' view of a campaign log at its current size (the ledger page's line). */
export interface WitnessStatus {
  /** The configured witnesses' names, in configuration order. */
  witnesses: string[];
  size: number;
  /** Configured witnesses whose cosignature of this size is stored. */
  cosignedBy: CheckpointCosignature[];
  /** The latest cosignature by a configured witness, of any size; null if none yet. */
  latest: (CheckpointCosignature & { size: number }) | null;
}

export interface LedgerPageRequest {
  order: 'asc' | 'desc';
  cursor: LedgerCursor | null;
  kind: PublicEntryKind | null;
  month: string | null;
  limit: number;
}

/** A position in the ledger: entries after (`a`) or before (`b`) an index, in leaf order. */
export interface LedgerCursor {
  after?: number;
  before?: number;
}

export interface LedgerPage {
  size: number;
  entries: StoredEntry[];
  /** Cursor for the following page in the requested order, null at the end. */
  next: string | null;
  /** Cursor for the preceding page in the requested order, null at the start. */
  prev: string | null;
  /** True when every entry of the page is older than newer appends can touch: safe to cache for long. */
  immutable: boolean;
}

/** A page as its JSON entries (PublicLedgerService.jsonPage): what the JSON ledger sends. */
export interface LedgerJsonPage extends Omit<LedgerPage, 'entries'> {
  /** The page's entries as a JSON array: the text `JSON.stringify` gives for LedgerPage.entries. */
  entriesJson: string;
}

/** A page shown newest first as runs of its entries' JSON bytes (PublicLedgerService.jsonPageRuns). */
export interface LedgerJsonRuns extends Omit<LedgerPage, 'entries'> {
  /** Views of the entry cache's bytes: `[` + the runs joined by commas + `]` is the page's `entriesJson`. */
  entryRuns: Buffer[];
}

export interface CheckpointView {
  origin: string;
  size: number;
  rootHash: string;
  /** The signed note with the witnesses' cosignature lines stored for this size appended. */
  note: string;
  createdAt: string;
  /** The cosignatures carried by `note` (each verified against its witness's key before it was stored). */
  cosignatures: CheckpointCosignature[];
  /**
   * True when no configured witness can add a cosignature to this size any more (each has cosigned it
   * or moved past it; always true without witnesses): the answer for this size is final.
   */
  settled: boolean;
}

export interface ReceiptVerificationData {
  leafIndex: number;
  leafHash: string;
  checkpoint: string;
  checkpointSize: number;
  /** The offline proof (leaf, inclusion proof, checkpoint, key) the receipt attaches as JSON. */
  proof: ReceiptProof;
}

/** A tile or entry bundle of a log (C2SP tlog-tiles), as served. */
export interface ServedTile {
  body: Buffer;
  /**
   * Whether the bytes can never change: every hash tile, and an entry bundle whose entries are all
   * leaf format 3 (commitments, no personal value). A bundle with format-1/2 entries holds names and
   * messages in clear, which a redaction may still remove (it is then rebuilt).
   */
  immutable: boolean;
}

/**
 * An entry's bytes in a bundle: exactly the bytes its leaf hash is the RFC 6962 hash of (the RFC 8785
 * canonical JSON of the leaf's fields). A redacted format-1/2 entry no longer has them (its leaf
 * hashed the removed value): it is written as the canonical JSON of its remaining leaf fields and its
 * `redacted` records, which cannot hash to its leaf; a verifier reports it "redacted, unverifiable"
 * and takes the hash from the level-0 tile, as the JSON verifiers take the served leaf hash.
 */
export function bundleEntryBytes(entry: StoredEntry): Buffer {
  if (!isCommittedFormat(entry.v) && entry.redacted) return canonicalJsonBytes({ ...toLeaf(entry), redacted: entry.redacted });
  return leafBytes(entry);
}

/** Which way a page's rows are read (a cursor names a side of an index: away from it) and from where. */
function readDirection(request: LedgerPageRequest): { readOrder: 'asc' | 'desc'; from: number | null } {
  const { cursor, order } = request;
  return {
    readOrder: cursor === null ? order : cursor.after !== undefined ? 'asc' : 'desc',
    from: cursor === null ? null : ((cursor.after ?? cursor.before) as number),
  };
}

/**
 * What the pages statement (PublicLedgerRepository.pages) reads for an unfiltered page of a log whose
 * entries hold indexes 0 to size - 1: up to `count` indexes away from `from` in `readOrder` (from the
 * newest or the oldest without a cursor), and whether any entry lies on the cursor's side of it.
 */
function unfilteredIndexes(size: number, readOrder: 'asc' | 'desc', from: number | null, count: number): { indexes: number[]; behind: boolean } {
  const indexes: number[] = [];
  if (readOrder === 'desc') {
    const top = from === null ? size : Math.min(from, size);
    for (let i = top - 1; i >= 0 && indexes.length < count; i--) indexes.push(i);
    return { indexes, behind: from !== null && from < size };
  }
  for (let i = from === null ? 0 : from + 1; i < size && indexes.length < count; i++) indexes.push(i);
  return { indexes, behind: from !== null && size > 0 };
}

/**
 * A page from the rows read for it (`limit + 1` of them in the read order, the extra one saying that
 * more lie ahead) and whether anything lies behind its cursor: its entries in the requested order and
 * the cursors around it.
 */
function shapePage<T>(request: LedgerPageRequest, rows: T[], behind: boolean, indexOf: (row: T) => number): { entries: T[]; next: string | null; prev: string | null; immutable: boolean } {
  const { cursor, order, limit } = request;
  const forward = readDirection(request).readOrder === order;
  const moreAhead = rows.length > limit;
  const entries = rows.slice(0, limit);
  if (!forward) entries.reverse();
  const first = entries[0];
  const last = entries[entries.length - 1];
  const towardsEnd = (index: number): LedgerCursor => (order === 'asc' ? { after: index } : { before: index });
  const towardsStart = (index: number): LedgerCursor => (order === 'asc' ? { before: index } : { after: index });
  // Without a cursor the page starts at the start: nothing precedes it.
  const hasNext = last !== undefined && (forward ? moreAhead : behind);
  const hasPrev = first !== undefined && (forward ? behind : moreAhead);
  const next = hasNext ? encodeCursor(towardsEnd(indexOf(last))) : null;
  const prev = hasPrev ? encodeCursor(towardsStart(indexOf(first))) : null;
  // Entries never change; a full page read from a fixed cursor towards older entries stays the same forever.
  const immutable = cursor !== null && entries.length === limit && (cursor.before !== undefined || (order === 'asc' && next !== null));
  return { entries, next, prev, immutable };
}

export function encodeCursor(cursor: LedgerCursor): string {
  return Buffer.from(cursor.after !== undefined ? `a${cursor.after}` : `b${cursor.before}`, 'utf8').toString('base64url');
}

/** Parses an opaque cursor; anything but one we issued is a 400. */
export function decodeCursor(text: string): LedgerCursor {
  // Built only when thrown: an error captures a stack trace, and valid cursors come with every page.
  const invalid = () => new DomainError('invalid_cursor', 'cursor is not a cursor this ledger issued', 400);
  if (!/^[A-Za-z0-9_-]{2,24}$/.test(text)) throw invalid();
  const match = /^([ab])(0|[1-9][0-9]{0,15})$/.exec(Buffer.from(text, 'base64url').toString('utf8'));
  if (!match || !Number.isSafeInteger(Number(match[2]))) throw invalid();
  return match[1] === 'a' ? { after: Number(match[2]) } : { before: Number(match[2]) };
}

/** The public read side: pages, exports, report, checkpoints and proofs, all O(log n) or O(page). */
@Injectable()
export class PublicLedgerService {
  /** Log heads by slug on the primary: concurrent requests share one read, never one that began before they asked. */
  private readonly heads: FreshReads<string, PublicLog>;
  /** The same on each read replica (by its name). */
  private readonly replicaHeads = new Map<string, FreshReads<string, PublicLog>>();
  /** Entries' JSON by chunk, for `jsonPage` (PUBLIC_ENTRY_CACHE_MB; see PublicEntryJsonCache). */
  private readonly entryCache: PublicEntryJsonCache;
  /** Chunk reads for the entry cache by source name (`entryChunks`). */
  private readonly chunkReads = new Map<string, FreshReads<string, EntryJsonChunk>>();
  /** Unfiltered page reads by source name (`unfilteredPage`). */
  private readonly pageReads = new Map<string, FreshReads<string, { entries: StoredEntry[]; behind: boolean }>>();
  /** The configured witnesses (TRANSPARENCY_WITNESSES) by vkey, with their cosigner keys. */
  readonly witnesses: { vkey: string; url: string; key: CosignerKey }[];

  constructor(
    private readonly repository: PublicLedgerRepository,
    private readonly config: AppConfig,
    @Inject(CHECKPOINT_SIGNER) private readonly signer: CheckpointSigner,
    private readonly witnessRepository: WitnessRepository,
    private readonly replicas: ReadReplicas,
  ) {
    // gathered (FreshReads): the requests Node parsed together share one read of the log heads
    this.heads = new FreshReads((slugs) => this.repository.findPublicLogs(slugs, this.replicas.primary), 1, true);
    this.witnesses = config.TRANSPARENCY_WITNESSES.map((w) => ({ vkey: w.vkey, url: w.url, key: parseCosignerKey(w.vkey) }));
    this.entryCache = new PublicEntryJsonCache(config.PUBLIC_ENTRY_CACHE_MB * 1024 * 1024);
  }

  /**
   * The campaign and its log state, or 404 (drafts and unknown slugs alike). Read from a read replica
   * when one is usable (DATABASE_REPLICA_URLS), else from the primary; from the primary also when the
   * replica does not have the campaign yet or has its log at a smaller size than `atLeast`: a size
   * the visitor has already been shown (the ETag of a page they hold, a size or cursor they ask
   * about), so nobody is ever shown an older ledger than one they saw.
   */
  async log(slug: string, atLeast = 0): Promise<CampaignLog> {
    if (!/^[a-z0-9]+(-[a-z0-9]+)*$/.test(slug) || slug.length > 80) throw new NotFoundError('Campaign');
    let reads = this.replicas.reader();
    let found: PublicLog | null = null;
    if (reads.replica) {
      found = await this.headsOn(reads).get(slug);
      // A replica that failed this read was skipped, the read made on the primary: so are the rest.
      if (!this.replicas.isUsable(reads) || (found?.state?.size ?? 0) < atLeast) found = null;
    }
    if (found === null) {
      reads = this.replicas.primary;
      found = await this.heads.get(slug);
    }
    if (!found) throw new NotFoundError('Campaign');
    const { campaign, state } = found;
    return {
      reads,
      campaign,
      size: state?.size ?? 0,
      rootHash: state?.rootHash ?? emptyRoot(),
      balance: state?.balance ?? 0n,
      donors: state?.donors ?? 0,
      redactions: state?.redactions ?? 0,
      cosignatures: state?.cosignatures ?? 0,
      origin: campaignOrigin(this.config.TRANSPARENCY_ORIGIN, campaign.id),
    };
  }

  private headsOn(source: ReadSource): FreshReads<string, PublicLog> {
    let heads = this.replicaHeads.get(source.name);
    if (!heads) {
      heads = new FreshReads((slugs) => this.repository.findPublicLogs(slugs, source), 1, true);
      this.replicaHeads.set(source.name, heads);
    }
    return heads;
  }

  /** Where these journal entries (their ids) stand in a campaign's public log: the dashboard's gift page links each to its proof. */
  async leavesForEntries(campaignId: string, entryIds: readonly string[]): Promise<{ sourceRef: string; index: number; kind: string }[]> {
    return this.repository.entriesForSources(campaignId, entryIds);
  }

  /**
   * One page by keyset, in one read. Reads one row more than the page to know whether there is more
   * in the direction read; with a cursor, the same read says whether anything lies behind it.
   */
  async page(log: CampaignLog, request: LedgerPageRequest): Promise<LedgerPage> {
    const { readOrder, from } = readDirection(request);
    const query = { size: log.size, kind: request.kind, month: request.month, order: readOrder, limit: request.limit + 1 } as const;
    const { entries: rows, behind } =
      request.kind === null && request.month === null
        ? await this.unfilteredPage(log, readOrder, from, request.limit + 1)
        : from === null
          ? { entries: await this.repository.page(log.campaign.id, { ...query, from }, log.reads), behind: false }
          : await this.repository.pageFrom(log.campaign.id, { ...query, from }, log.reads);
    return { size: log.size, ...shapePage(request, rows, behind, (entry) => entry.index) };
  }

  /**
   * The same page as `page`, as the JSON of its entries. An unfiltered page (what nearly every visitor
   * and crawler reads, at any depth) is put together from the entry cache: a log's entries hold
   * indexes 0 to size - 1, so which entries a page shows follows from its cursor and the log's size
   * alone, and only the chunks of entries not kept yet are read (each read at most once while it is
   * kept; a redaction makes the campaign's chunks read again). Filtered pages are read as `page` reads.
   */
  async jsonPage(log: CampaignLog, request: LedgerPageRequest): Promise<LedgerJsonPage> {
    const fromChunks = await this.pageFromChunks(log, request);
    if (fromChunks !== null) {
      const { chunks, first, last, ...cursors } = fromChunks;
      return { size: log.size, entriesJson: chunks.length === 0 ? '[]' : entriesJson(chunks, first, last), ...cursors };
    }
    const { entries, ...rest } = await this.page(log, request);
    return { ...rest, entriesJson: JSON.stringify(entries) };
  }

  /**
   * An unfiltered page shown newest first (the default) as runs of its entries' JSON bytes, views of
   * the entry cache's chunks (`entriesJsonRuns`: joined by commas and put in brackets, they are
   * `jsonPage`'s `entriesJson`), for an answer sent without copying them. Null for any other page
   * (filtered, oldest first, or a chunk that could not be read whole): `jsonPage` answers those.
   */
  async jsonPageRuns(log: CampaignLog, request: LedgerPageRequest): Promise<LedgerJsonRuns | null> {
    if (request.order !== 'desc') return null;
    const fromChunks = await this.pageFromChunks(log, request);
    if (fromChunks === null) return null;
    const { chunks, first, last, ...cursors } = fromChunks;
    return { size: log.size, entryRuns: chunks.length === 0 ? [] : entriesJsonRuns(chunks, first, last), ...cursors };
  }

  /**
   * An unfiltered page from the entry cache: a log's entries hold indexes 0 to size - 1, so which
   * entries a page shows (`first` to `last`, in the order shown) follows from its cursor and the log's
   * size alone. Null for a filtered page, or when a chunk could not be read whole.
   */
  private async pageFromChunks(log: CampaignLog, request: LedgerPageRequest): Promise<(Omit<LedgerPage, 'entries' | 'size'> & { chunks: EntryJsonChunk[]; first: number; last: number }) | null> {
    if (request.kind !== null || request.month !== null) return null;
    const { readOrder, from } = readDirection(request);
    const { indexes, behind } = unfilteredIndexes(log.size, readOrder, from, request.limit + 1);
    const { entries, ...cursors } = shapePage(request, indexes, behind, (index) => index);
    if (entries.length === 0) return { chunks: [], first: 0, last: 0, ...cursors };
    const first = entries[0];
    const last = entries[entries.length - 1];
    const chunks = await this.entryChunks(log, Math.min(first, last), Math.max(first, last));
    return chunks === null ? null : { chunks, first, last, ...cursors };
  }

  /**
   * The chunks holding entries `low` to `high` of the log, from the entry cache, those missing read
   * together with the others requested meanwhile from the same source (FreshReads, as the pages).
   * Null when a chunk read does not hold every index it should (never for a log whose entries are
   * 0 to size - 1): the caller then reads its page as `page` does.
   */
  private async entryChunks(log: CampaignLog, low: number, high: number): Promise<EntryJsonChunk[] | null> {
    const campaignId = log.campaign.id;
    const chunks: EntryJsonChunk[] = [];
    const missing: Promise<EntryJsonChunk | null>[] = [];
    for (let n = Math.floor(low / ENTRY_CHUNK); n <= Math.floor(high / ENTRY_CHUNK); n++) {
      const start = n * ENTRY_CHUNK;
      const kept = this.entryCache.get(campaignId, n, log.redactions, Math.min(high, start + ENTRY_CHUNK - 1) - start + 1);
      if (kept !== undefined) chunks.push(kept);
      else missing.push(this.chunkReadsOn(log.reads ?? this.replicas.primary).get(`${campaignId}|${start}|${Math.min(start + ENTRY_CHUNK, log.size)}|${log.redactions}`));
    }
    if (missing.length === 0) return chunks;
    for (const read of await Promise.all(missing)) {
      if (read === null) return null;
      chunks.push(read);
    }
    return chunks.sort((a, b) => a.start - b.start);
  }

  private chunkReadsOn(source: ReadSource): FreshReads<string, EntryJsonChunk> {
    let reads = this.chunkReads.get(source.name);
    if (!reads) {
      reads = new FreshReads((keys: string[]) => this.readChunks(source, keys), PAGE_READS_IN_FLIGHT, true);
      this.chunkReads.set(source.name, reads);
    }
    return reads;
  }

  /** The chunks named by `entryChunks`'s keys (campaign|start|end|redactions), one statement per campaign; each kept. */
  private async readChunks(source: ReadSource, keys: string[]): Promise<Map<string, EntryJsonChunk>> {
    const byCampaign = new Map<string, { key: string; start: number; end: number; redactions: number }[]>();
    for (const key of keys) {
      const [campaignId, start, end, redactions] = key.split('|');
      const list = byCampaign.get(campaignId) ?? [];
      list.push({ key, start: Number(start), end: Number(end), redactions: Number(redactions) });
      byCampaign.set(campaignId, list);
    }
    const found = new Map<string, EntryJsonChunk>();
    await Promise.all([...byCampaign].map(async ([campaignId, ranges]) => {
      const read = await this.repository.entryRanges(campaignId, ranges, source);
      ranges.forEach((range, i) => {
        const entries = read[i];
        // Only a run holding every index of its range is kept or served (the caller reads its page otherwise).
        if (entries.length !== range.end - range.start || entries.some((entry, k) => entry.index !== range.start + k)) return;
        const chunk = entryJsonChunk(range.start, range.redactions, entries);
        this.entryCache.set(campaignId, chunk);
        found.set(range.key, chunk);
      });
    }));
    return found;
  }

  /**
   * An unfiltered page (what nearly every visitor reads), read together with the others requested
   * meanwhile from the same source: one statement for all those of a campaign, size and limit
   * (PublicLedgerRepository.pages), as the log heads are read (FreshReads: a read never begins
   * before the request it answers, so a redaction committed before it shows). Under load a page never
   * built before costs a share of one round trip and one plan instead of a query of its own.
   */
  private async unfilteredPage(log: CampaignLog, order: 'asc' | 'desc', from: number | null, limit: number): Promise<{ entries: StoredEntry[]; behind: boolean }> {
    const source = log.reads ?? this.replicas.primary;
    let reads = this.pageReads.get(source.name);
    if (!reads) {
      reads = new FreshReads((keys: string[]) => this.readPages(source, keys), PAGE_READS_IN_FLIGHT, true);
      this.pageReads.set(source.name, reads);
    }
    const page = await reads.get(`${log.campaign.id}|${log.size}|${limit}|${order}|${from ?? ''}`);
    return page ?? { entries: [], behind: false };
  }

  /** The pages named by `unfilteredPage`'s keys, one statement per campaign, size and limit. */
  private async readPages(source: ReadSource, keys: string[]): Promise<Map<string, { entries: StoredEntry[]; behind: boolean }>> {
    const groups = new Map<string, { keys: string[]; bounds: PageBound[] }>();
    for (const key of keys) {
      const at = key.lastIndexOf('|', key.lastIndexOf('|') - 1);
      const [order, from] = key.slice(at + 1).split('|');
      const group = groups.get(key.slice(0, at)) ?? { keys: [], bounds: [] };
      group.keys.push(key);
      group.bounds.push({ order: order as 'asc' | 'desc', from: from === '' ? null : Number(from) });
      groups.set(key.slice(0, at), group);
    }
    const found = new Map<string, { entries: StoredEntry[]; behind: boolean }>();
    await Promise.all([...groups].map(async ([head, group]) => {
      const [campaignId, size, limit] = head.split('|');
      const pages = await this.repository.pages(campaignId, Number(size), Number(limit), group.bounds, source);
      group.keys.forEach((key, i) => found.set(key, pages[i]));
    }));
    return found;
  }

  /**
   * The CSV export of the log at this size: `header`, then one line per entry in leaf order, written
   * by PostgreSQL's COPY as `PublicLedgerPresenter.csvLine` writes them, streamed with backpressure
   * (PublicLedgerRepository.csvExport). The stream holds a database connection until it ends or is
   * destroyed.
   */
  csvExport(log: CampaignLog, header: string): Promise<Readable> {
    return this.repository.csvExport(log.campaign.id, log.size, header, log.reads);
  }

  /**
   * Every entry of the log at this size as JSON lines (one entry's JSON per line, as the JSON ledger
   * serves it), in leaf order, written by PostgreSQL's COPY and streamed as the CSV export is
   * (PublicLedgerRepository.jsonLinesExport).
   */
  jsonLinesExport(log: CampaignLog): Promise<Readable> {
    return this.repository.jsonLinesExport(log.campaign.id, log.size, log.reads);
  }

  /**
   * Every entry up to the current size, in leaf order, in keyset batches pulled as the consumer
   * reads: memory stays flat for any size. Was the CSV export's source (now `csvExport`); kept as
   * its reference in tests. Batches of 1,000: with 2,000 the heap grew further under the allocation
   * rate; 500 costs round trips.
   */
  async *allEntries(log: CampaignLog, batch = 1000): AsyncGenerator<StoredEntry[]> {
    let from: number | null = null;
    for (;;) {
      const rows = await this.repository.page(log.campaign.id, { order: 'asc', from, size: log.size, kind: null, month: null, limit: batch }, log.reads);
      if (rows.length === 0) return;
      yield rows;
      if (rows.length < batch) return;
      from = rows[rows.length - 1].index;
    }
  }

  /** The designations the campaign declared (labels for the report's per-designation lines; empty: none). */
  declaredDesignations(log: CampaignLog): Promise<DeclaredDesignation[]> {
    return this.repository.declaredDesignations(log.campaign.id, log.reads);
  }

  async report(log: CampaignLog): Promise<CampaignReport> {
    const totals = await this.repository.totals(log.campaign.id, log.reads);
    const designations = await this.repository.designationRows(log.campaign.id, log.reads);
    return buildReport(log.campaign.currency, totals, log.donors, log.balance, log.size, designations);
  }

  /** The exchange rates at which the campaign bore Stripe's fees taken in another currency (none if all were in its own). */
  async feeExchange(log: CampaignLog): Promise<FeeExchange[]> {
    return this.repository.feeExchange(log.campaign.id, log.reads);
  }

  /** The MTH of the first `size` leaves, from O(log n) stored nodes. */
  async rootAt(log: CampaignLog, size: number): Promise<Buffer> {
    if (size === log.size) return log.rootHash;
    const [root] = await this.resolve(log, [{ start: 0, end: size }]);
    return root;
  }

  /**
   * The signed checkpoint of a size (default: the current one), signed once and stored, carrying the
   * witnesses' cosignatures stored for that size.
   */
  async checkpoint(log: CampaignLog, size = log.size): Promise<CheckpointView> {
    const { rootHash, note, createdAt } = await this.platformCheckpoint(log, size);
    const view = { origin: log.origin, size, rootHash: rootHash.toString('base64'), note, createdAt: createdAt.toISOString(), cosignatures: [] as CheckpointCosignature[], settled: true };
    if (this.witnesses.length === 0 && !log.cosignatures) return view;
    const [stored, states] = await Promise.all([this.witnessRepository.cosignaturesAt(log.campaign.id, size, log.reads), this.witnessRepository.states(log.campaign.id, log.reads)]);
    if (stored.length > 0) view.note = addSignatureLines(note, stored.map((c) => c.line));
    view.cosignatures = stored.map((c) => ({ witness: cosignerName(c.witness), time: c.signedAt.toISOString() }));
    view.settled = this.witnesses.every((w) => {
      const state = states.get(w.vkey);
      return Math.max(state?.knownSize ?? -1, state?.cosignedSize ?? -1) >= size;
    });
    return view;
  }

  /**
   * The platform's own signed note of a size (no cosignatures); what witnesses are sent. Every size a
   * log grows to is signed by the appender and stored with the head, so the current size's is read.
   * A size passed inside one append (a batch of k entries stores the last size only), or the head of
   * a log last appended to before checkpoints were signed on append, is signed now and not stored: a
   * read path never writes (it may run on a replica), and Ed25519 signatures are deterministic, so
   * every reader gets the same note; its `createdAt` is then the time of the request.
   */
  async platformCheckpoint(log: CampaignLog, size = log.size): Promise<{ rootHash: Buffer; note: string; createdAt: Date }> {
    this.assertSize(log, size, 'size');
    const [stored, rootHash] = await Promise.all([this.repository.checkpoint(log.campaign.id, size, log.reads), this.rootAt(log, size)]);
    if (stored) return { rootHash, note: stored.note, createdAt: stored.createdAt };
    return { rootHash, note: signCheckpoint({ origin: log.origin, size, rootHash }, this.signer), createdAt: new Date() };
  }

  /** Which configured witnesses have cosigned the log at its current size, and the latest cosignature: the ledger page's line. */
  async witnessStatus(log: CampaignLog): Promise<WitnessStatus> {
    const status: WitnessStatus = { witnesses: this.witnesses.map((w) => w.key.name), size: log.size, cosignedBy: [], latest: null };
    if (this.witnesses.length === 0) return status;
    const states = await this.witnessRepository.states(log.campaign.id, log.reads);
    for (const w of this.witnesses) {
      const state = states.get(w.vkey);
      if (!state || state.cosignedSize === null || state.cosignedAt === null) continue;
      const time = state.cosignedAt.toISOString();
      if (state.cosignedSize === log.size) status.cosignedBy.push({ witness: w.key.name, time });
      if (status.latest === null || time > status.latest.time) status.latest = { witness: w.key.name, time, size: state.cosignedSize };
    }
    return status;
  }

  /** The log of a campaign by id (the worker's view: no slug check, no cache), or null before its first entry. */
  async logById(campaignId: string): Promise<CampaignLog | null> {
    const state = await this.repository.findLog(campaignId);
    if (!state) return null;
    return {
      campaign: { id: campaignId, slug: '' } as PublicCampaign, size: state.size, rootHash: state.rootHash, balance: state.balance, donors: state.donors,
      redactions: state.redactions, origin: campaignOrigin(this.config.TRANSPARENCY_ORIGIN, campaignId),
    };
  }

  async inclusionProof(log: CampaignLog, index: number, size: number): Promise<{ index: number; size: number; leafHash: string; rootHash: string; proof: string[] }> {
    this.assertSize(log, size, 'size');
    if (size === 0 || index >= size) throw new DomainError('index_out_of_range', `index must be below size (${size})`, 400);
    const ranges = inclusionProofRanges(index, size);
    const hashes = await this.resolve(log, [...ranges, { start: index, end: index + 1 }, { start: 0, end: size }]);
    const root = hashes.pop() as Buffer;
    const leaf = hashes.pop() as Buffer;
    return { index, size, leafHash: leaf.toString('hex'), rootHash: root.toString('base64'), proof: hashes.map((h) => h.toString('base64')) };
  }

  /**
   * Inclusion proofs of several leaves (a ledger page's) in the tree of one size, from one read of
   * the nodes they need: what the in-browser verifier asks for instead of one request per entry.
   */
  async inclusionProofs(log: CampaignLog, indexes: readonly number[], size: number): Promise<{ size: number; rootHash: string; proofs: { index: number; leafHash: string; proof: string[] }[] }> {
    this.assertSize(log, size, 'size');
    for (const index of indexes) if (index >= size) throw new DomainError('index_out_of_range', `every index must be below size (${size})`, 400);
    const paths = indexes.map((index) => inclusionProofRanges(index, size));
    const hashes = await this.resolve(log, [...paths.flat(), ...indexes.map((index) => ({ start: index, end: index + 1 })), { start: 0, end: size }]);
    const root = hashes.pop() as Buffer;
    const leaves = hashes.splice(hashes.length - indexes.length, indexes.length);
    let at = 0;
    const proofs = indexes.map((index, i) => {
      const proof = hashes.slice(at, at + paths[i].length).map((h) => h.toString('base64'));
      at += paths[i].length;
      return { index, leafHash: leaves[i].toString('hex'), proof };
    });
    return { size, rootHash: (size === 0 ? emptyRoot() : root).toString('base64'), proofs };
  }

  async consistencyProof(log: CampaignLog, from: number, to: number): Promise<{ from: number; to: number; fromRoot: string; toRoot: string; proof: string[] }> {
    this.assertSize(log, to, 'to');
    if (from > to) throw new DomainError('size_out_of_range', 'from must not exceed to', 400);
    const ranges = consistencyProofRanges(from, to);
    const hashes = await this.resolve(log, [...ranges, { start: 0, end: from }, { start: 0, end: to }]);
    const toRoot = hashes.pop() as Buffer;
    const fromRoot = hashes.pop() as Buffer;
    return { from, to, fromRoot: fromRoot.toString('base64'), toRoot: toRoot.toString('base64'), proof: hashes.map((h) => h.toString('base64')) };
  }

  /**
   * A hash tile or an entry bundle, or null when the log has not reached it yet (the tile does not
   * exist at that width, or at all). Every size a log reaches is signed (by the appender, with the
   * head: platformCheckpoint), so every tile up to the head's size belongs to a tree whose root is
   * signed; the rows below it were committed with the log head that counted them and never change.
   */
  async tile(log: CampaignLog, tile: Tile | BundleRef): Promise<ServedTile | null> {
    if (!isTileCovered(tile, log.size)) return null;
    if (tile.level === 'entries') {
      const entries = await this.repository.entryRange(log.campaign.id, tile.index * TILE_WIDTH, tile.width, log.reads);
      if (entries.length !== tile.width || entries.some((e, i) => e.index !== tile.index * TILE_WIDTH + i)) throw new Error(`${tilePath(tile)} of campaign ${log.campaign.id}: entries missing`);
      return { body: encodeEntryBundle(entries.map(bundleEntryBytes)), immutable: entries.every((e) => isCommittedFormat(e.v)) };
    }
    const body = await this.repository.tileHashes(log.campaign.id, tile.level, tile.index * TILE_WIDTH, tile.width, log.reads);
    if (body.length !== tile.width * HASH_SIZE) throw new Error(`${tilePath(tile)} of campaign ${log.campaign.id}: merkle nodes missing`);
    return { body, immutable: true };
  }

  /** A campaign's latest term changes (public `terms_changed` entries), newest first: the campaign page's history. */
  termHistory(campaignId: string, limit = 20, db?: Queryable): Promise<StoredEntry[]> {
    return this.repository.termChanges(campaignId, limit, db);
  }

  /**
   * What a donor's receipt carries to verify the gift offline: the leaf, its inclusion proof in the
   * tree of the current signed checkpoint (signed now if that size has none yet) and the key. Called
   * at send time, so a copy sent later carries a newer checkpoint. `donorCommitment` opens an
   * anonymous gift's commitment (the caller knows the salt and name; this lib does not).
   */
  async receiptVerification(campaignId: string, leafIndex: number, donorCommitment: ReceiptProof['donorCommitment'] = null): Promise<ReceiptVerificationData | null> {
    const state = await this.repository.findLog(campaignId);
    if (!state || leafIndex >= state.size) return null;
    const [entry, slug] = await Promise.all([this.repository.entry(campaignId, leafIndex), this.repository.campaignSlug(campaignId)]);
    if (!entry || slug === null) return null;
    const campaign = { id: campaignId, slug } as PublicCampaign;
    const log: CampaignLog = {
      campaign, size: state.size, rootHash: state.rootHash, balance: state.balance, donors: state.donors, redactions: state.redactions,
      origin: campaignOrigin(this.config.TRANSPARENCY_ORIGIN, campaignId),
    };
    const checkpoint = await this.checkpoint(log);
    const inclusion = await this.inclusionProof(log, leafIndex, checkpoint.size);
    const proof = buildReceiptProof({
      site: this.config.PUBLIC_BASE_URL,
      campaign: { id: campaignId, slug },
      leaf: entry,
      treeSize: checkpoint.size,
      inclusionProof: inclusion.proof.map((h) => Buffer.from(h, 'base64')),
      checkpoint: checkpoint.note,
      verifierKey: { keyName: this.signer.keyName, publicKey: this.signer.publicKey },
      donorCommitment,
    });
    return { leafIndex, leafHash: entry.leafHash, checkpoint: checkpoint.note, checkpointSize: checkpoint.size, proof };
  }

  publicKey(): { keyName: string; algorithm: 'ed25519'; publicKey: string; keyHash: string; verifierKey: string } {
    const key = { keyName: this.signer.keyName, publicKey: this.signer.publicKey };
    return {
      keyName: key.keyName,
      algorithm: 'ed25519',
      publicKey: key.publicKey.toString('base64'),
      keyHash: this.signer.keyHash.toString(16).padStart(8, '0'),
      verifierKey: formatVerifierKey(key),
    };
  }

  private assertSize(log: CampaignLog, size: number, name: string): void {
    if (!Number.isSafeInteger(size) || size < 0 || size > log.size) {
      throw new DomainError('size_out_of_range', `${name} must be between 0 and the tree size (${log.size})`, 400);
    }
  }

  /** Hashes of several ranges from one read of the perfect nodes they need. */
  private async resolve(log: CampaignLog, ranges: LeafRange[]): Promise<Buffer[]> {
    const campaignId = log.campaign.id;
    const refs = storedRefs(nodesFor(ranges.filter((r) => r.end > r.start)));
    const found = refs.length > 0 ? await this.repository.nodes(campaignId, refs, log.reads) : new Map<string, Buffer>();
    const lookup = withUnstoredNodes((ref) => {
      const hash = found.get(nodeKey(ref));
      if (!hash) throw new Error(`merkle node ${nodeKey(ref)} missing for campaign ${campaignId}`);
      return hash;
    });
    return ranges.map((range) => hashRange(range, lookup));
  }
}

/** The cosigner name of a vkey (`<name>+<id>+<key>`). */
function cosignerName(vkey: string): string {
  return vkey.slice(0, vkey.indexOf('+'));
}
