import { Injectable } from '@nestjs/common';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Readable } from 'node:stream';
import { createHash } from 'node:crypto';
import { DomainError, FreshReads, TtlCache } from '@ataa/common';
import { CampaignLog, decodeCursor, parseTilePath, PublicLedgerService, TILE_WIDTH, type DeclaredDesignation } from '@ataa/transparency';
import { CheckpointQueryDto, ConsistencyQueryDto, InclusionBatchQueryDto, InclusionQueryDto, LedgerQueryDto } from './public-ledger.dto.js';
import { CachedAnswer, logVersion, PublicLedgerCache } from './public-ledger.cache.js';
import { conditional, etagFor, LONG_CACHE, notModified, PublicLedgerPresenter, SETTLED_PAGE_CACHE, SHORT_CACHE, toIndex } from './public-ledger.presenter.js';
import type { PageLanguage } from './page-messages.js';
import { AppConfig } from '@ataa/config';
import { PublicReconciliationService, type PublicReconciliation } from '@ataa/reconciliation';
import { EvidenceService } from '@ataa/payouts';
import { MatchingOfferView, MatchingService } from '@ataa/donations';
import { matchingReport, matchingReportView, matchingVariant } from './matching-report.js';
import { ReconciliationStatements } from './reconciliation-statements.js';
import { acceptedCoding, compressBodyOnce, type ContentCoding, worthCompressing } from '../http/compression.js';
import { publicChrome, publicLanguage } from '../http/public-language.js';
import { sendProblem } from '../http/send-problem.js';

const JSON_TYPE = 'application/json; charset=utf-8';
const HTML_TYPE = 'text/html; charset=utf-8';
/** JSON lines (one JSON value per line): the ledger's JSON export. */
const NDJSON_TYPE = 'application/x-ndjson; charset=utf-8';
/** When a refused export (exports_busy) may be asked again. */
const EXPORT_RETRY_SECONDS = 5;

/** A JSON ledger page for the server's fast path: the bytes kept for it or the parts to write in turn, compressed (`encoding`) when the client asked for it. */
export interface FastLedgerAnswer {
  etag: string;
  cacheControl: string;
  body: Buffer | (Buffer | string)[];
  encoding: ContentCoding | null;
}
const COMMA = Buffer.from(',');
/** A public answer's slot in the answer cache: the campaign, what the route answers, the request (the route's and the fast path's). */
const answerKey = (log: CampaignLog, variant: string, url: string) => `${log.campaign.id}|${variant}|${url}`;

/** The JSON ledger's text right after its entries array for a page with no cursors. */
const BLANK_CURSORS = ',"page":{"next":null,"prev":null}';
/** The JSON ledger's text right after a page's entries array: its cursors. */
const pageCursors = (page: { next: string | null; prev: string | null }) => `,"page":{"next":${JSON.stringify(page.next)},"prev":${JSON.stringify(page.prev)}}`;

/** The JSON ledger's text around a page's entries for one log version: `before` + entries + cursors + `rest`. */
interface LedgerJsonFrame {
  key: string;
  before: string;
  rest: string;
  /** `before` and the array's `[`, as bytes (the fast path's). */
  open: Buffer;
  restBytes: Buffer;
}

/** What a route builds when its answer is not cached. */
type BuiltAnswer = Omit<CachedAnswer, 'etag' | 'body'> & { body: string };

const TILE_TYPE = 'application/octet-stream';
/** The cache version of a tile whose bytes never change. */
const IMMUTABLE_TILE = 'immutable';
/** How long a campaign's being public is trusted for its immutable tiles without reading it again. */
const PUBLIC_RECHECK_MS = 1000;

/**
 * Tiles and entry bundles, apart from the pages' cache (a mirror fetching a whole log must not push
 * the pages out): 32 MB, one answer up to 1 MB (a bundle of 256 format-1 entries with long messages).
 */
export const TILE_CACHE_BYTES = 32 * 1024 * 1024;

/** A size as a query names it (validated later, where a bad one is a 400): 0 when it is not a plain index. */
const namedSize = (text: string | undefined): number => (text !== undefined && /^(0|[1-9][0-9]{0,15})$/.test(text) ? Number(text) : 0);

/**
 * The largest log size a request shows its client has already seen, so that it is never shown an
 * older one (a read replica behind the primary is then skipped: PublicLedgerService.log). Public
 * answers' ETags begin with the log size they were built at (`"<size>-<hash>"`, etagFor), so a
 * revalidation (If-None-Match) carries the size the visitor's copy shows; a size, `to` or cursor in
 * the query names a size or an entry the client learnt of from an answer.
 */
export function sizeSeen(request: FastifyRequest, named: readonly number[] = []): number {
  let seen = Math.max(0, ...named);
  const given = request.headers['if-none-match'];
  if (typeof given === 'string') {
    for (const tag of given.split(',')) {
      const match = /^\s*(?:W\/)?"(\d{1,15})-/.exec(tag);
      if (match) seen = Math.max(seen, Number(match[1]));
    }
  }
  return seen;
}

/** The size a ledger cursor implies: the entry it is next to exists. */
function cursorSize(cursor: string | undefined): number {
  if (cursor === undefined) return 0;
  try {
    const at = decodeCursor(cursor);
    return (at.after ?? at.before ?? -1) + 1;
  } catch {
    return 0;
  }
}

/** The size a tile path implies (it exists only once the log has that many leaves): 0 when the path is not one. */
function tileSize(path: string): number {
  const tile = parseTilePath(path);
  if (tile === null) return 0;
  const leaves = tile.index * TILE_WIDTH + tile.width;
  return tile.level === 'entries' ? leaves : Math.min(Number.MAX_SAFE_INTEGER, leaves * TILE_WIDTH ** tile.level);
}

const json = (cacheControl: string, body: unknown): BuiltAnswer => ({ cacheControl, contentType: JSON_TYPE, body: JSON.stringify(body) });

/** The public ledger's HTTP answers, shared by the pages (/c/:slug/...) and the JSON API (/api/v1/public). */
@Injectable()
export class PublicLedgerHttp {
  /** Built tiles and bundles: their bytes never change (a bundle of format-1 entries but by a redaction: its version). */
  private readonly tiles = new PublicLedgerCache(TILE_CACHE_BYTES, 1024 * 1024);
  /** Campaigns whose log head said "public" within the last PUBLIC_RECHECK_MS: slug to campaign id. */
  private readonly recentlyPublic = new Map<string, { campaignId: string; until: number }>();

  constructor(
    readonly service: PublicLedgerService,
    readonly presenter: PublicLedgerPresenter,
    private readonly cache: PublicLedgerCache,
    private readonly config: AppConfig,
    private readonly reconciliation: PublicReconciliationService,
    private readonly evidence: EvidenceService,
    private readonly matching: MatchingService,
  ) {
    this.matchingReads = new FreshReads((ids) => this.matching.publicOffersOf(ids));
  }

  /**
   * A campaign's matching offers for the report, read fresh for each request (they change without the
   * log) but shared by the requests waiting together, as the log heads are: one query per burst, not one
   * per request.
   */
  private readonly matchingReads: FreshReads<string, MatchingOfferView[]>;

  private async matchingOffers(log: CampaignLog): Promise<MatchingOfferView[]> {
    return (await this.matchingReads.get(log.campaign.id)) ?? [];
  }

  /** The declared designations' labels, as a key part: read at most once a second per campaign (a label is not money; a relabel shows within a second). */
  private readonly designationLabels = new TtlCache<string, { declared: DeclaredDesignation[]; version: string }>(1000);

  private declaredLabels(log: CampaignLog): Promise<{ declared: DeclaredDesignation[]; version: string }> {
    // read from the source the log head came from (a replica or the primary)
    return this.designationLabels.get(log.campaign.id, async () => {
      const declared = await this.service.declaredDesignations(log);
      return { declared, version: `des:${createHash('sha256').update(JSON.stringify(declared)).digest('base64url').slice(0, 16)}` };
    });
  }

  /** The report's impact section (stated outcomes, public evidence) changes without the log: its own version. */
  private async impactVariant(log: CampaignLog): Promise<string> {
    return `imp:${await this.evidence.impactVersion(log.campaign.id)}`;
  }

  /**
   * Part of the cache key and ETag of the answers that show reconciliation: it changes with each
   * succeeded run (which alone opens, refreshes or resolves differences), not with the log.
   */
  private async reconciliationVariant(): Promise<string> {
    return `rec:${await this.reconciliation.version()}`;
  }

  /** The statement shown beside the answers, read once per reconciliation version and log size. */
  private readonly statements = new ReconciliationStatements((campaignId) => this.reconciliation.statusOf(campaignId));

  private reconciliationOf(log: CampaignLog, variant: string): Promise<PublicReconciliation> {
    return this.statements.of(log.campaign.id, `${variant}|${log.size}`);
  }

  /**
   * The language of an HTML page (?lang=, cookie, Accept-Language, else the campaign's): part of the
   * cached answer's key and ETag, and the answer varies on the headers that chose it.
   */
  private pageLanguage(log: CampaignLog, request: FastifyRequest, reply: FastifyReply): PageLanguage {
    return publicLanguage(request, reply, log.campaign.language === 'ar' ? 'ar' : 'en').language;
  }

  apiBase(log: CampaignLog): string {
    return `/api/v1/public/campaigns/${log.campaign.slug}`;
  }

  async ledgerJson(slug: string, query: LedgerQueryDto, request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const log = await this.service.log(slug, sizeSeen(request, [cursorSize(query.cursor)]));
    const rec = await this.reconciliationVariant();
    // Unfiltered pages are put together from the entry cache: kept when asked for again (buildOnce's onRepeat).
    const unfiltered = query.kind === undefined && query.month === undefined;
    return this.answer(request, reply, log, `ledger.json|${rec}`, async () => {
      const page = await this.presenter.readJsonPage(log, query);
      const frame = await this.ledgerJsonFrame(log, rec);
      return { cacheControl: page.immutable ? SETTLED_PAGE_CACHE : SHORT_CACHE, contentType: JSON_TYPE, body: frame.before + page.entriesJson + pageCursors(page) + frame.rest };
    }, unfiltered);
  }

  /** The JSON ledger's text around the entries of a page, by campaign, for the last log version and reconciliation seen. */
  private readonly frames = new Map<string, LedgerJsonFrame>();

  /**
   * The JSON ledger's text around a page's entries (PublicLedgerPresenter.ledgerJsonFrame, with the
   * reconciliation statement): only the page's cursors differ from page to page of a log version, so
   * the rest is made once per version and reconciliation, as text and as bytes.
   */
  private async ledgerJsonFrame(log: CampaignLog, rec: string): Promise<LedgerJsonFrame> {
    const key = `${logVersion(log)}|${rec}`;
    let frame = this.frames.get(log.campaign.id);
    if (frame === undefined || frame.key !== key) {
      const made = this.presenter.ledgerJsonFrame(log, { size: log.size, next: null, prev: null, immutable: false }, this.apiBase(log), { reconciliation: await this.reconciliationOf(log, rec) });
      // `page` follows `entries` in ledgerJson: its cursors are spliced in per page
      if (!made.after.startsWith(BLANK_CURSORS)) throw new Error('ledgerJson: "page" must follow "entries"');
      const rest = made.after.slice(BLANK_CURSORS.length);
      frame = { key, before: made.before, rest, open: Buffer.from(`${made.before}[`, 'utf8'), restBytes: Buffer.from(rest, 'utf8') };
      if (this.frames.size >= 10_000) this.frames.clear();
      this.frames.set(log.campaign.id, frame);
    }
    return frame;
  }

  /**
   * An unfiltered JSON ledger page shown newest first, for the server's fast path
   * (ledger-page-fast-path.ts): the route's answer to the same request (`ledgerJson`: the same reads,
   * cache, ETag and bytes), its body either the bytes kept for it or the parts to write in turn (the
   * page's entries as views of the entry cache's bytes, the text around them made once per log
   * version: nothing copied but the page's cursors). Undefined when the route must answer (an
   * oldest-first page, a chunk that could not be read whole); a campaign that is not public, a bad
   * cursor or a fault reject, and the route answers too. With `coding` (the one the client accepts,
   * acceptedCoding), the body is compressed as the route compresses it (`answer`): a kept answer's
   * compressed bytes kept with it, others compressed for the request at the quicker setting
   * (compressBodyOnce); `encoding` then says so (a page under 1 kB goes as it is, as from the route).
   */
  async fastLedgerJson(slug: string, url: string, query: LedgerQueryDto, headers: FastifyRequest['headers'], coding: ContentCoding | null = null): Promise<FastLedgerAnswer | undefined> {
    const log = await this.service.log(slug, sizeSeen({ headers } as FastifyRequest, [cursorSize(query.cursor)]));
    const rec = await this.reconciliationVariant();
    const variant = `ledger.json|${rec}`;
    const key = answerKey(log, variant, url);
    const version = logVersion(log);
    const kept = this.cache.get(key, version);
    if (kept !== undefined) {
      const bytes = typeof kept.body === 'string' ? Buffer.from(kept.body, 'utf8') : kept.body;
      if (coding !== null && worthCompressing(kept.contentType, bytes.length)) {
        return { etag: kept.etag, cacheControl: kept.cacheControl, body: this.cache.encoded(key, version, kept, coding), encoding: coding };
      }
      return { etag: kept.etag, cacheControl: kept.cacheControl, body: bytes, encoding: null };
    }
    const page = await this.presenter.readJsonRuns(log, query);
    if (page === null) return undefined;
    const frame = await this.ledgerJsonFrame(log, rec);
    const body: (Buffer | string)[] = [frame.open];
    page.entryRuns.forEach((run, i) => {
      if (i > 0) body.push(COMMA);
      body.push(run);
    });
    body.push(`]${pageCursors(page)}`, frame.restBytes);
    // Not kept: put together from the entry cache it costs about what a kept answer does, and a copy
    // kept per page asked for twice churned tens of megabytes a second through the answer cache.
    const answer = { etag: etagFor(log, variant, url), cacheControl: page.immutable ? SETTLED_PAGE_CACHE : SHORT_CACHE };
    if (coding !== null) {
      let length = 0;
      for (const part of body) length += typeof part === 'string' ? Buffer.byteLength(part, 'utf8') : part.length;
      if (worthCompressing(JSON_TYPE, length)) return { ...answer, body: compressBodyOnce(body, coding), encoding: coding };
    }
    return { ...answer, body, encoding: null };
  }

  async ledgerHtml(slug: string, query: LedgerQueryDto, request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const log = await this.service.log(slug, sizeSeen(request, [cursorSize(query.cursor)]));
    const lang = this.pageLanguage(log, request, reply);
    const rec = await this.reconciliationVariant();
    return this.answer(request, reply, log, `ledger.html.${lang}|${rec}`, async () => {
      const page = await this.presenter.readPage(log, query);
      const view = {
        ...this.presenter.ledgerView(log, page, query, lang),
        reconciliation: this.presenter.reconciliationView(await this.reconciliationOf(log, rec), log, lang),
        witnesses: this.presenter.witnessView(await this.service.witnessStatus(log), lang),
        ...publicChrome(this.config.PUBLIC_BASE_URL, lang, `/c/${log.campaign.slug}/ledger`, { order: query.order, kind: query.kind, month: query.month, limit: query.limit, cursor: query.cursor }),
      };
      return { cacheControl: page.immutable ? SETTLED_PAGE_CACHE : SHORT_CACHE, contentType: HTML_TYPE, body: await reply.viewAsync('transparency/ledger.hbs', view) };
    });
  }

  async ledgerCsv(slug: string, request: FastifyRequest, reply: FastifyReply): Promise<void> {
    return this.exportFile(slug, request, reply, { extension: 'csv', type: 'text/csv; charset=utf-8' }, (log) => this.service.csvExport(log, PublicLedgerPresenter.csvHeader));
  }

  /**
   * Every entry as JSON lines (`application/x-ndjson`): one entry per line, each as the JSON ledger's
   * pages serve it, in leaf order. For mirrors, auditors and verifiers, who otherwise walk the pages.
   */
  async ledgerJsonLines(slug: string, request: FastifyRequest, reply: FastifyReply): Promise<void> {
    return this.exportFile(slug, request, reply, { extension: 'ndjson', type: NDJSON_TYPE }, (log) => this.service.jsonLinesExport(log));
  }

  /**
   * A whole-log export (`ledger.<extension>`): COPY … TO STDOUT at the size the ETag names, bytes passed
   * straight through (see the repository's copyOut). HEAD (answered by the GET route) gets the headers
   * only: an empty stream, no COPY read to nowhere.
   */
  private async exportFile(slug: string, request: FastifyRequest, reply: FastifyReply, file: { extension: string; type: string }, open: (log: CampaignLog) => Promise<Readable>): Promise<void> {
    const log = await this.service.log(slug, sizeSeen(request));
    if (conditional(request, reply, log, `ledger.${file.extension}`, SHORT_CACHE)) return;
    const body = request.method === 'HEAD' ? Readable.from([]) : await this.exportSlot(() => open(log));
    void reply
      .header('content-type', file.type)
      .header('content-disposition', `attachment; filename="${log.campaign.slug}-ledger-${log.size}.${file.extension}"`)
      .send(body);
  }

  /** Whole-log exports streaming now, each holding a database connection (PUBLIC_EXPORTS_IN_FLIGHT). */
  private exportsInFlight = 0;

  /**
   * Opens an export if fewer than PUBLIC_EXPORTS_IN_FLIGHT are streaming, else refuses it (503
   * `exports_busy`, Retry-After); its slot is freed when the stream closes: after its last row, or
   * when the client goes away and the stream is destroyed.
   */
  private async exportSlot(open: () => Promise<Readable>): Promise<Readable> {
    if (this.exportsInFlight >= this.config.PUBLIC_EXPORTS_IN_FLIGHT) {
      throw new DomainError('exports_busy', 'Too many ledger exports are being streamed right now; try again in a few seconds.', 503, { retryAfterSeconds: EXPORT_RETRY_SECONDS });
    }
    this.exportsInFlight++;
    let freed = false;
    const free = () => {
      if (freed) return;
      freed = true;
      this.exportsInFlight--;
    };
    try {
      const stream = await open();
      stream.once('close', free);
      return stream;
    } catch (error) {
      free();
      throw error;
    }
  }

  async reportJson(slug: string, request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const log = await this.service.log(slug, sizeSeen(request));
    // Sponsors' matching (issue 21, item 6) changes without the log: its figures are part of the key.
    const offers = await this.matchingOffers(log);
    const rec = await this.reconciliationVariant();
    return this.answer(request, reply, log, `report.json|${rec}|${await this.impactVariant(log)}|${matchingVariant(offers)}`, async () => {
      const report = await this.service.report(log);
      // Beside the report (which the verifier recomputes from the entries alone): the rates used for fees taken in another currency,
      // and the platform's word on reconciliation with the payment processor (not provable from the log: the verifier prints it as such).
      const feeExchange = await this.service.feeExchange(log);
      const reconciliation = await this.reconciliationOf(log, rec);
      // The organization's stated outcomes and public spending evidence (each file's hash is in the log too).
      const impact = await this.evidence.publicImpact(log.campaign.id);
      return json(SHORT_CACHE, { campaign: { id: log.campaign.id, slug: log.campaign.slug, title: log.campaign.title }, size: log.size, report, feeExchange, reconciliation, impact, matching: matchingReport(offers) });
    });
  }

  async reportHtml(slug: string, request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const log = await this.service.log(slug, sizeSeen(request));
    const lang = this.pageLanguage(log, request, reply);
    const offers = await this.matchingOffers(log);
    // Labels of the per-designation lines: relabelling one changes no log entry, so they are part of the key.
    const { declared, version: labels } = await this.declaredLabels(log);
    const rec = await this.reconciliationVariant();
    return this.answer(request, reply, log, `report.html.${lang}|${rec}|${await this.impactVariant(log)}|${matchingVariant(offers)}|${labels}`, async () => {
      const report = await this.service.report(log);
      const view = {
        ...this.presenter.reportView(log, report, lang, await this.service.feeExchange(log)),
        designations: this.presenter.designationsView(report, declared, log, lang),
        impact: this.presenter.impactView(await this.evidence.publicImpact(log.campaign.id), report, log, lang),
        matching: matchingReportView(offers, report, log.campaign.currency, lang),
        reconciliation: this.presenter.reconciliationView(await this.reconciliationOf(log, rec), log, lang),
        ...publicChrome(this.config.PUBLIC_BASE_URL, lang, `/c/${log.campaign.slug}/report`),
      };
      return { cacheControl: SHORT_CACHE, contentType: HTML_TYPE, body: await reply.viewAsync('transparency/report.hbs', view) };
    });
  }

  async checkpoint(slug: string, query: CheckpointQueryDto, request: FastifyRequest, reply: FastifyReply, asJson: boolean): Promise<void> {
    const log = await this.service.log(slug, sizeSeen(request, [namedSize(query.size)]));
    return this.answer(request, reply, log, `checkpoint.${asJson}`, async () => {
      const size = query.size !== undefined ? toIndex(query.size) : log.size;
      const { settled, ...checkpoint } = await this.service.checkpoint(log, size);
      // A sized checkpoint is final once no configured witness can still cosign it; until then a new
      // cosignature changes it, so it is not cached for long.
      const cacheControl = query.size !== undefined && settled ? LONG_CACHE : SHORT_CACHE;
      if (asJson) {
        const witnesses = { configured: this.service.witnesses.length, cosigned: checkpoint.cosignatures.filter((c) => this.service.witnesses.some((w) => w.key.name === c.witness)).length };
        return json(cacheControl, { ...checkpoint, witnesses, publicKey: '/.well-known/ataa-transparency.json' });
      }
      return { cacheControl, contentType: 'text/plain; charset=utf-8', body: checkpoint.note };
    });
  }

  async inclusion(slug: string, query: InclusionQueryDto, request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const log = await this.service.log(slug, sizeSeen(request, [namedSize(query.size), namedSize(query.index) + 1]));
    return this.answer(request, reply, log, 'inclusion', async () => {
      const size = query.size !== undefined ? toIndex(query.size) : log.size;
      const proof = await this.service.inclusionProof(log, toIndex(query.index), size);
      return json(query.size !== undefined ? LONG_CACHE : SHORT_CACHE, proof);
    });
  }

  async inclusions(slug: string, query: InclusionBatchQueryDto, request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const log = await this.service.log(slug, sizeSeen(request, [namedSize(query.size)]));
    return this.answer(request, reply, log, 'inclusions', async () => {
      const proofs = await this.service.inclusionProofs(log, query.indexes.split(',').map(toIndex), toIndex(query.size));
      // A fixed size: the answer never changes.
      return json(LONG_CACHE, proofs);
    });
  }

  async consistency(slug: string, query: ConsistencyQueryDto, request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const log = await this.service.log(slug, sizeSeen(request, [namedSize(query.from), namedSize(query.to)]));
    return this.answer(request, reply, log, 'consistency', async () => {
      const to = query.to !== undefined ? toIndex(query.to) : log.size;
      const proof = await this.service.consistencyProof(log, toIndex(query.from), to);
      return json(query.to !== undefined ? LONG_CACHE : SHORT_CACHE, proof);
    });
  }

  /**
   * A hash tile or an entry bundle of the campaign's log (C2SP tlog-tiles), `path` being what follows
   * `/c/<slug>/tile/`. Malformed paths are a 400 (`tile_path_invalid`), tiles no signed checkpoint
   * covers yet a 404 (`tile_not_found`), unknown campaigns and drafts a 404. Full tiles are cached
   * for a year, immutable (but a bundle holding format-1/2 entries: ten minutes, as settled pages,
   * since a redaction may remove a name from it); partial ones a few seconds. Built once per
   * application instance and kept (PublicLedgerCache, by bytes); bundles are compressed once per
   * coding as the client accepts (the spec asks for it), hash tiles (random bytes) never.
   */
  async tile(slug: string, path: string, request: FastifyRequest, reply: FastifyReply): Promise<void> {
    // An immutable tile (any hash tile, a bundle of format-3 entries: its bytes at that width never
    // change) is served again as it was; what can change is whether its campaign is public. That is read at most once a second
    // per campaign (PUBLIC_RECHECK_MS), so a mirror fetching tiles does not wait for the log head read
    // on every request, and a suspended campaign's tiles stop within a second.
    const kept = this.keptTile(slug, path);
    if (kept !== undefined) return this.sendTile(kept.answer, kept.key, kept.version, path, request, reply);
    // No error answer is kept by a cache: a tile missing now exists after the next checkpoint.
    void reply.header('cache-control', 'no-store');
    const log = await this.service.log(slug, tileSize(path));
    this.notePublic(slug, log.campaign.id);
    const tile = parseTilePath(path);
    if (tile === null) throw new DomainError('tile_path_invalid', 'not a tile path: tile/<level>/<index>[.p/<width>] or tile/entries/<index>[.p/<width>], index in 3-digit groups (x001/x234/067), width 1 to 255, no leading zeros', 400);
    const bundle = tile.level === 'entries';
    const key = `${log.campaign.id}|tile/${path}`;
    // Immutable answers are kept under one version; a bundle holding format-1/2 entries under the
    // log's redaction count.
    const immutable = this.tiles.get(key, IMMUTABLE_TILE);
    if (immutable !== undefined) return this.sendTile(immutable, key, IMMUTABLE_TILE, path, request, reply);
    const redactable = bundle ? this.tiles.get(key, `r${log.redactions}`) : undefined;
    if (redactable !== undefined) return this.sendTile(redactable, key, `r${log.redactions}`, path, request, reply);
    const built = await this.service.tile(log, tile);
    if (built === null) throw new DomainError('tile_not_found', 'no signed checkpoint of this log covers this tile yet', 404);
    const full = tile.width === TILE_WIDTH;
    const cacheControl = !full ? SHORT_CACHE : built.immutable ? LONG_CACHE : SETTLED_PAGE_CACHE;
    // A tile's bytes at a given width never change (a partial tile is only superseded by a wider one),
    // but a bundle holding format-1/2 entries may lose a name to a redaction.
    const version = built.immutable ? IMMUTABLE_TILE : `r${log.redactions}`;
    const answer = await this.tiles.buildOnce(key, version, async () => ({
      etag: `"${createHash('sha256').update(built.body).digest('base64url').slice(0, 32)}"`, cacheControl, contentType: TILE_TYPE, body: built.body,
    }));
    return this.sendTile(answer, key, version, path, request, reply);
  }

  /**
   * An immutable tile already in memory whose campaign was seen public within PUBLIC_RECHECK_MS, for
   * the server's fast path (tile-fast-path.ts); undefined sends the request down the normal route.
   */
  immutableTile(slug: string, path: string): { answer: CachedAnswer; key: string; version: string; bundle: boolean } | undefined {
    return this.keptTile(slug, path);
  }

  /** (The route's own reads go here, so the fast path's door is only the fast path's.) */
  private keptTile(slug: string, path: string): { answer: CachedAnswer; key: string; version: string; bundle: boolean } | undefined {
    const recent = this.recentlyPublic.get(slug);
    if (recent === undefined || recent.until <= Date.now()) return undefined;
    const key = `${recent.campaignId}|tile/${path}`;
    const answer = this.tiles.get(key, IMMUTABLE_TILE);
    return answer === undefined ? undefined : { answer, key, version: IMMUTABLE_TILE, bundle: path.startsWith('entries/') };
  }

  /** A cached answer's bytes in `coding` (kept once per version). */
  encodedTile(key: string, version: string, answer: CachedAnswer, coding: ContentCoding): Buffer {
    return this.tiles.encoded(key, version, answer, coding);
  }

  private notePublic(slug: string, campaignId: string): void {
    if (this.recentlyPublic.size >= 10_000) this.recentlyPublic.clear();
    this.recentlyPublic.set(slug, { campaignId, until: Date.now() + PUBLIC_RECHECK_MS });
  }

  private sendTile(answer: CachedAnswer, key: string, version: string, path: string, request: FastifyRequest, reply: FastifyReply): void {
    const bundle = path.startsWith('entries/');
    void reply.header('etag', answer.etag).header('cache-control', answer.cacheControl);
    if (bundle) void reply.header('vary', 'Accept-Encoding');
    if (notModified(request, answer.etag)) {
      void reply.status(304).send();
      return;
    }
    const coding = bundle && answer.body.length >= 1024 ? acceptedCoding(request.headers['accept-encoding']) : null;
    if (coding !== null) {
      void reply.header('content-encoding', coding).header('content-type', TILE_TYPE).send(this.tiles.encoded(key, version, answer, coding));
      return;
    }
    void reply.header('content-type', TILE_TYPE).send(answer.body);
  }

  /**
   * Serves an answer built from the log head just read: from the cache when it was built from the
   * same head, otherwise built now (the route's reads and rendering, once for concurrent requests)
   * and kept. ETag and Cache-Control as before; 304 when the client already holds this version.
   */
  private async answer(request: FastifyRequest, reply: FastifyReply, log: CampaignLog, variant: string, build: () => Promise<BuiltAnswer>, keepOnRepeat = false): Promise<void> {
    const key = answerKey(log, variant, request.url);
    const version = logVersion(log);
    const answer =
      this.cache.get(key, version) ??
      (await this.cache.buildOnce(key, version, async () => {
        const built = await build();
        return { etag: etagFor(log, variant, request.url), cacheControl: built.cacheControl, contentType: built.contentType, body: built.body };
      }, keepOnRepeat));
    // A page's language comes from the request's cookie and Accept-Language too; one that sets the
    // language cookie is the visitor's own answer, never a shared cache's.
    const html = variant.includes('.html.');
    const vary = html ? 'Accept, Accept-Language, Cookie' : 'Accept';
    const cacheControl = html && reply.hasHeader('set-cookie') ? 'private, no-cache' : answer.cacheControl;
    void reply.header('etag', answer.etag).header('cache-control', cacheControl).header('vary', vary);
    if (notModified(request, answer.etag)) {
      void reply.status(304).send();
      return;
    }
    // Compressed once per cached version, not per request (the compression plugin passes an answer
    // that already has its Content-Encoding). Same ETag for every coding, as for the plugin's answers.
    const coding = worthCompressing(answer.contentType, answer.body.length) ? acceptedCoding(request.headers['accept-encoding']) : null;
    if (coding !== null) {
      void reply.header('vary', `${vary}, Accept-Encoding`).header('content-encoding', coding).header('content-type', answer.contentType).send(this.cache.encoded(key, version, answer, coding));
      return;
    }
    void reply.header('content-type', answer.contentType).send(answer.body);
  }
}

/**
 * The log as C2SP tlog-tiles below the prefix `/c/<slug>/`: hash tiles `tile/<L>/<N>[.p/<W>]` and
 * entry bundles `tile/entries/<N>[.p/<W>]` (the checkpoint is the pages' `/c/<slug>/checkpoint`).
 * A plain Fastify route, not a Nest controller: a mirror fetches tiles by the thousand and each is
 * bytes from memory, so Nest's per-request pipeline (router adapter, guards, pipes, interceptors,
 * filter) would be most of its cost. The global hooks (security headers, request id, CORS, metrics,
 * compression) still run; errors leave as the same problem documents.
 */
export function registerTileRoute(fastify: FastifyInstance, http: PublicLedgerHttp): void {
  fastify.get('/c/:slug/tile/*', async (request: FastifyRequest, reply: FastifyReply) => {
    const { slug } = request.params as { slug: string };
    const url = request.url;
    const query = url.indexOf('?');
    const pathname = query < 0 ? url : url.slice(0, query);
    const prefix = `/c/${slug}/tile/`;
    try {
      await http.tile(slug, pathname.startsWith(prefix) ? pathname.slice(prefix.length) : '', request, reply);
    } catch (error) {
      sendProblem(error, request, reply);
    }
    return reply;
  });
}
