import { Injectable } from '@nestjs/common';
import { hash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DomainError, formatMajorUnits } from '@ataa/common';
import { CampaignLog, CampaignReport, type DeclaredDesignation, GENERAL_DESIGNATION, decodeCursor, encodeCursor, FeeExchange, type FieldRedaction, isOfflineKind, LedgerPage, type LedgerJsonPage, type LedgerJsonRuns, type LedgerPageRequest, PublicLedgerService, type ServedEntry, type WitnessStatus, evidenceFilePath, parseEvidencePurpose } from '@ataa/transparency';
import { formatMoney, localeFor } from '@ataa/notifications';
import type { PublicDifference, PublicReconciliation } from '@ataa/reconciliation';
import type { PublicImpact } from '@ataa/payouts';
import { isolateText } from '../http/isolate.js';
import { textLanguage } from '../http/public-language.js';
import { termChangeText } from '../campaign-pages/terms-history.js';
import { logVersion } from './public-ledger.cache.js';
import { LedgerQueryDto } from './public-ledger.dto.js';
import { PAGE_MESSAGES, PageLanguage, VERIFY_MESSAGES } from './page-messages.js';

export const LONG_CACHE = 'public, max-age=31536000, immutable';
/**
 * A ledger page whose entries newer appends cannot touch: its leaves never change, but a redaction
 * (erasure, moderation: issue 17) may remove a name or message from it, so it is not `immutable`
 * for a year; shared caches keep it ten minutes at most. Proofs and sized checkpoints stay LONG_CACHE.
 */
export const SETTLED_PAGE_CACHE = 'public, max-age=600';
/** The head of a log moves as entries are appended: short caching, revalidated by ETag. */
export const SHORT_CACHE = 'public, max-age=5, must-revalidate';

/** Strict non-negative integer from validated query text. */
export const toIndex = (text: string): number => Number(text);

/** Prefers JSON only when the client asks for it over HTML (browsers send text/html first). */
export function wantsJson(request: FastifyRequest): boolean {
  const accept = String(request.headers.accept ?? '');
  return accept.includes('application/json') && !accept.includes('text/html');
}

/**
 * The ETag of an answer: the log version (size, root, campaign fields) and the request, so it is
 * known before any entry is read and changes with every append.
 */
export function etagFor(log: CampaignLog, variant: string, url: string): string {
  // one-shot hash: built for every page never asked for before
  const tag = hash('sha256', `${log.campaign.id}|${logVersion(log)}|${variant}|${url}`, 'base64url').slice(0, 27);
  return `"${log.size}-${tag}"`;
}

/** Whether the client already holds this version (If-None-Match, weak or strong). */
/** Takes a Fastify request or Node's own (the tile fast path): only the headers are read. */
export function notModified(request: { headers: FastifyRequest['headers'] }, etag: string): boolean {
  const given = request.headers['if-none-match'];
  return typeof given === 'string' && given.split(',').some((t) => t.trim().replace(/^W\//, '') === etag);
}

/** Sets ETag and Cache-Control; answers 304 when the client already has this version. */
export function conditional(request: FastifyRequest, reply: FastifyReply, log: CampaignLog, variant: string, cacheControl: string): boolean {
  const etag = etagFor(log, variant, request.url);
  void reply.header('etag', etag).header('cache-control', cacheControl).header('vary', 'Accept');
  if (notModified(request, etag)) {
    void reply.status(304).send();
    return true;
  }
  return false;
}

function pageRequest(query: LedgerQueryDto): LedgerPageRequest {
  return {
    order: query.order ?? 'desc',
    cursor: query.cursor !== undefined ? decodeCursor(query.cursor) : null,
    kind: query.kind ?? null,
    month: query.month ?? null,
    limit: query.limit !== undefined ? Number(query.limit) : 50,
  };
}

export function sendJson(reply: FastifyReply, body: unknown): void {
  void reply.header('content-type', 'application/json; charset=utf-8').send(JSON.stringify(body));
}

/** Shapes the public ledger for JSON and for the Handlebars pages. */
@Injectable()
export class PublicLedgerPresenter {
  constructor(readonly service: PublicLedgerService) {}

  async readPage(log: CampaignLog, query: LedgerQueryDto): Promise<LedgerPage> {
    return this.service.page(log, pageRequest(query));
  }

  /** The page as the JSON ledger sends it (its entries' JSON from the entry cache when unfiltered). */
  async readJsonPage(log: CampaignLog, query: LedgerQueryDto): Promise<LedgerJsonPage> {
    return this.service.jsonPage(log, pageRequest(query));
  }

  /** The page as runs of its entries' JSON bytes, when unfiltered and newest first (else null: readJsonPage). */
  async readJsonRuns(log: CampaignLog, query: LedgerQueryDto): Promise<LedgerJsonRuns | null> {
    return this.service.jsonPageRuns(log, pageRequest(query));
  }

  ledgerJson(log: CampaignLog, page: Omit<LedgerPage, 'entries'> & { entries: unknown }, apiBase: string) {
    return {
      campaign: { id: log.campaign.id, slug: log.campaign.slug, title: log.campaign.title, currency: log.campaign.currency },
      origin: log.origin,
      size: page.size,
      rootHash: log.rootHash.toString('base64'),
      entries: page.entries,
      page: { next: page.next, prev: page.prev },
      links: {
        checkpoint: `${apiBase}/checkpoint?size=${page.size}`,
        report: `${apiBase}/report`,
        publicKey: '/.well-known/ataa-transparency.json',
      },
    };
  }

  /**
   * The JSON ledger's text around its entries array: `before` + the array + `after`. `"entries":[]`
   * can only be the key itself in the text: inside a JSON string every quote is escaped.
   */
  ledgerJsonFrame(log: CampaignLog, page: Omit<LedgerPage, 'entries'>, apiBase: string, extra: Record<string, unknown>): { before: string; after: string } {
    const text = JSON.stringify({ ...this.ledgerJson(log, { ...page, entries: [] }, apiBase), ...extra });
    const at = text.indexOf('"entries":[]') + '"entries":'.length;
    return { before: text.slice(0, at), after: text.slice(at + 2) };
  }

  language(log: CampaignLog, requested?: PageLanguage): PageLanguage {
    return requested ?? (log.campaign.language === 'ar' ? 'ar' : 'en');
  }

  layout(lang: PageLanguage, title: string) {
    const t = PAGE_MESSAGES[lang];
    return { lang, dir: lang === 'ar' ? 'rtl' : 'ltr', title, skipLabel: t.skip, footer: t.footer, t };
  }

  /** Money as on every public page (formatMoney, in the page's language). */
  money(amount: bigint | string, currency: string, lang: PageLanguage): string {
    return formatMoney(BigInt(amount), currency, localeFor(lang));
  }

  /**
   * The page's witness line: "cosigned by N of M witnesses (names), latest at <time>", or that no
   * witness is configured, or that the witnesses have not cosigned this size (yet).
   */
  witnessView(status: WitnessStatus, lang: PageLanguage): { text: string; time: string | null; timeText: string | null } {
    const t = PAGE_MESSAGES[lang].witnesses;
    const m = status.witnesses.length;
    if (m === 0) return { text: t.none, time: null, timeText: null };
    const fill = (text: string, values: Record<string, string | number>) => text.replace(/\{(\w+)\}/g, (_, k: string) => String(values[k]));
    const values = { m, names: status.witnesses.join(lang === 'ar' ? '، ' : ', '), witnesses: m === 1 ? t.one : t.many };
    const at = (time: string) => ({ time, timeText: `${time.replace('T', ' ').slice(0, 16)} UTC` });
    if (status.cosignedBy.length > 0) {
      const latest = status.cosignedBy.reduce((a, b) => (b.time > a.time ? b : a));
      return { text: fill(t.cosigned, { ...values, n: status.cosignedBy.length }), ...at(latest.time) };
    }
    if (status.latest) return { text: fill(t.behind, { ...values, size: status.latest.size }), ...at(status.latest.time) };
    return { text: fill(t.never, values), time: null, timeText: null };
  }

  ledgerView(log: CampaignLog, page: LedgerPage, query: LedgerQueryDto, lang: PageLanguage) {
    const t = PAGE_MESSAGES[lang];
    const base = `/c/${log.campaign.slug}`;
    const keep = (extra: Record<string, string | undefined>) => {
      const params = new URLSearchParams();
      const all = { order: query.order, kind: query.kind, month: query.month, limit: query.limit, lang: query.lang, ...extra };
      for (const [k, v] of Object.entries(all)) if (v !== undefined) params.set(k, v);
      const text = params.toString();
      return text ? `?${text}` : '';
    };
    const currency = log.campaign.currency;
    const apiQuery = new URLSearchParams();
    for (const [k, v] of Object.entries({ order: query.order, kind: query.kind, month: query.month, limit: query.limit, cursor: query.cursor })) if (v !== undefined) apiQuery.set(k, v);
    return {
      ...this.layout(lang, `${t.ledgerTitle} — ${isolateText(log.campaign.title)}`),
      scripts: ['/assets/verify-ledger.js'],
      campaign: log.campaign,
      size: page.size,
      rows: page.entries.map((e) => ({
        index: e.index,
        time: e.time.replace('T', ' ').slice(0, 16),
        kind: t.kinds[e.kind],
        amount: this.money(e.amount, currency, lang),
        negative: e.amount.startsWith('-'),
        donor: e.donor,
        donorRedacted: redactionText(e.redacted?.donor, lang),
        commitment: e.donorCommitment ? `${e.donorCommitment.slice(0, 12)}…` : null,
        messageRedacted: redactionText(e.redacted?.message, lang),
        // Offline gifts and their voids: recorded by the organization, not verified by the payment processor.
        offline: isOfflineKind(e.kind) ? t.offlineNotice : null,
        evidenceHref: e.kind === 'evidence' ? evidenceLink(e) : null,
        details: e.kind === 'evidence' ? evidenceDetails(e, lang) : e.kind === 'offline_gift' ? offlineDetails(e, lang) : e.message ?? e.purpose ?? (e.terms ? e.terms.map((c) => termChangeText(c, currency, lang)).join('; ') : null),
        balance: this.money(e.balance, currency, lang),
        leafHash: e.leafHash,
      })),
      kinds: Object.entries(t.kinds).map(([value, label]) => ({ value, label, selected: value === query.kind })),
      month: query.month ?? '',
      orderAsc: query.order === 'asc',
      next: page.next ? `${base}/ledger${keep({ cursor: page.next })}` : null,
      prev: page.prev ? `${base}/ledger${keep({ cursor: page.prev })}` : null,
      csv: `${base}/ledger.csv`,
      jsonLines: `${base}/ledger.ndjson`,
      report: `${base}/report${lang !== log.campaign.language ? `?lang=${lang}` : ''}`,
      campaignPage: `${base}${lang !== log.campaign.language ? `?lang=${lang}` : ''}`,
      // The campaign's own words (its title) stay in the language they were written in.
      text: textLanguage(log.campaign.language),
      checkpoint: `${base}/checkpoint`,
      verify: {
        api: `/api/v1/public/campaigns/${log.campaign.slug}`,
        query: apiQuery.toString(),
        origin: log.origin,
        // The log's C2SP tlog-tiles prefix (checkpoint and tiles below it): the "verify from the tiles" button's.
        tiles: `${base}/`,
        messages: JSON.stringify(VERIFY_MESSAGES[lang]),
      },
    };
  }

  reportView(log: CampaignLog, report: CampaignReport, lang: PageLanguage, feeExchange: FeeExchange[] = []) {
    const t = PAGE_MESSAGES[lang];
    const currency = log.campaign.currency;
    const abs = (v: string) => (v.startsWith('-') ? v.slice(1) : v);
    const months = report.monthly;
    const max = months.reduce((m, r) => [BigInt(r.raised), BigInt(abs(r.out))].reduce((a, b) => (b > a ? b : a), m), 1n);
    const width = 640;
    const height = 220;
    const top = 16;
    const bottom = 40;
    const group = months.length > 0 ? Math.min(120, Math.floor((width - 20) / months.length)) : 120;
    const bar = Math.max(6, Math.floor((group - 12) / 2));
    // Bar heights in SVG user units: proportional to amounts, computed with bigints then scaled down.
    const scale = (v: string) => Number((BigInt(abs(v)) * 1000n) / max) / 1000 * (height - top - bottom);
    const bars = months.map((m, i) => {
      const x = 10 + i * group;
      const hin = scale(m.raised);
      const hout = scale(m.out);
      return {
        month: m.month,
        labelX: x + bar,
        labelY: height - bottom + 16,
        in: { x, y: height - bottom - hin, h: hin, w: bar, label: this.money(m.raised, currency, lang) },
        out: { x: x + bar + 2, y: height - bottom - hout, h: hout, w: bar, label: this.money(abs(m.out), currency, lang) },
      };
    });
    const base = `/c/${log.campaign.slug}`;
    return {
      ...this.layout(lang, `${t.reportTitle} — ${isolateText(log.campaign.title)}`),
      campaign: log.campaign,
      size: log.size,
      raised: this.money(report.raised, currency, lang),
      gifts: report.gifts,
      donors: report.donors,
      processingFees: this.money(report.fees.processing, currency, lang),
      // Fees Stripe took in the platform's settlement currency, as the campaign bore them, with the rate.
      feeExchange: feeExchange.map((x) => ({
        rate: `1 ${currency.toUpperCase()} = ${x.rate} ${x.settlementCurrency.toUpperCase()}`, fees: x.fees,
        amount: this.money(x.amount, currency, lang), settlementAmount: this.money(x.settlementAmount, x.settlementCurrency, lang),
      })),
      platformFees: this.money(report.fees.platform, currency, lang),
      fees: this.money(report.fees.total, currency, lang),
      refunds: this.money(abs(report.refunds.amount), currency, lang),
      refundCount: report.refunds.count,
      disputes: this.money(report.disputes.net, currency, lang),
      payouts: this.money(report.payouts.net, currency, lang),
      // Shown apart from card gifts, with the notice (recorded by the organization, not verified by the payment processor).
      offline: report.offline.recorded.count > 0 ? {
        net: this.money(report.offline.net, currency, lang), count: report.offline.recorded.count, voided: report.offline.voided.count, notice: t.offlineNotice,
      } : null,
      balance: this.money(report.balance, currency, lang),
      monthly: months.map((m) => ({ month: m.month, raised: this.money(m.raised, currency, lang), gifts: m.gifts, out: this.money(m.out, currency, lang), net: this.money(m.net, currency, lang) })),
      chart: { width, height, baseline: height - bottom, bars, legendInX: width - 300, summary: months.map((m) => `${m.month}: +${this.money(m.raised, currency, lang)} / -${this.money(abs(m.out), currency, lang)}`).join('; ') },
      ledger: `${base}/ledger${lang !== log.campaign.language ? `?lang=${lang}` : ''}`,
      campaignPage: `${base}${lang !== log.campaign.language ? `?lang=${lang}` : ''}`,
      text: textLanguage(log.campaign.language),
      csv: `${base}/ledger.csv`,
    };
  }

  /**
   * The report's money in and out per designation (docs/designations.md): one row per designation,
   * labelled as the campaign declared it (a code it no longer declares, or `general`, by its code or
   * "General"). None for a campaign that declared no designation and moved only general money: the
   * totals above already say it all.
   */
  designationsView(report: CampaignReport, declared: readonly DeclaredDesignation[], log: CampaignLog, lang: PageLanguage) {
    const lines = report.designations;
    if (declared.length === 0 && lines.every((d) => d.designation === GENERAL_DESIGNATION)) return null;
    if (lines.length === 0) return null;
    const t = PAGE_MESSAGES[lang].designations;
    const currency = log.campaign.currency;
    const byCode = new Map(declared.map((d) => [d.code, d]));
    const out = (v: bigint) => this.money((v < 0n ? -v : v).toString(), currency, lang);
    return {
      t,
      rows: lines.map((d) => {
        const own = byCode.get(d.designation);
        const label = own ? (lang === 'ar' ? own.labelAr : own.labelEn) : d.designation === GENERAL_DESIGNATION ? t.general : d.designation;
        return {
          code: d.designation, label, zakat: own?.zakat === true,
          in: this.money((BigInt(d.gifts) + BigInt(d.offline)).toString(), currency, lang),
          gifts: d.giftCount === 1 ? t.oneGift : t.gifts.replace('{n}', new Intl.NumberFormat(localeFor(lang)).format(d.giftCount)),
          offline: d.offline !== '0' ? this.money(d.offline, currency, lang) : null,
          costs: out(BigInt(d.fees) + BigInt(d.refunds) + BigInt(d.disputes)),
          paidOut: out(BigInt(d.paidOut)),
          left: this.money(d.left, currency, lang),
        };
      }),
    };
  }

  /**
   * The reconciliation section of the report and ledger pages: "reconciled … up to <time>: N open",
   * then the campaign's open differences and the latest resolved ones (what is public: see
   * libs/reconciliation/src/domain/public-reconciliation.ts).
   */
  reconciliationView(status: PublicReconciliation, log: CampaignLog, lang: PageLanguage) {
    const t = PAGE_MESSAGES[lang].reconciliation;
    const base = `/c/${log.campaign.slug}/ledger`;
    const utc = (iso: string) => `${iso.replace('T', ' ').slice(0, 16)} UTC`;
    const fill = (text: string, values: Record<string, string | number>) => text.replace(/\{(\w+)\}/g, (_, k: string) => String(values[k]));
    const amount = (v: string | null, currency: string) => (v === null ? t.none : this.money(v, currency, lang));
    const age = (seconds: number) => {
      const days = Math.floor(seconds / 86_400);
      return days === 0 ? t.lessThanDay : days === 1 ? t.oneDay : fill(t.days, { n: days });
    };
    // An entry of the log links to the ledger page that starts with it (newest first from it).
    const links = (indexes: number[]) => indexes.map((i) => ({ index: i, href: `${base}?cursor=${encodeCursor({ before: i + 1 })}${lang !== log.campaign.language ? `&lang=${lang}` : ''}` }));
    const row = (d: PublicDifference) => ({
      id: d.id,
      kind: t.kinds[d.kind] ?? d.kind,
      movement: t.movements[d.movement] ?? d.movement,
      processorAmount: amount(d.processorAmount, d.currency),
      ledgerAmount: amount(d.ledgerAmount, d.currency),
      occurredIso: d.occurredAt,
      occurred: utc(d.occurredAt),
      age: age(d.ageSeconds),
      entries: links(d.entries),
      resolvedIso: d.resolution?.at ?? null,
      resolved: d.resolution ? utc(d.resolution.at) : null,
      resolutionEntries: d.resolution ? links(d.resolution.entries) : [],
    });
    return {
      t,
      summary: status.reconciledUpTo === null
        ? t.never
        : fill(t.summary, { time: utc(status.reconciledUpTo), n: status.openCount, differences: status.openCount === 1 ? t.one : t.many }),
      upToIso: status.reconciledUpTo,
      openCount: status.openCount,
      open: status.open.map(row),
      more: status.openCount > status.open.length ? fill(t.more, { n: status.openCount - status.open.length }) : null,
      resolved: status.resolved.map(row),
    };
  }

  /**
   * The report's impact section (issue 21, item 4): money in and out, then the outcomes the
   * organization stated, each with what evidences it (the payout's ledger entry and its public
   * files, or the campaign update), and every public evidence file with the entry holding its hash.
   */
  impactView(impact: PublicImpact, report: CampaignReport, log: CampaignLog, lang: PageLanguage) {
    const t = PAGE_MESSAGES[lang].impact;
    const currency = log.campaign.currency;
    const abs = (v: string) => (v.startsWith('-') ? v.slice(1) : v);
    const langQuery = lang !== log.campaign.language ? `&lang=${lang}` : '';
    const entryHref = (i: number) => `/c/${log.campaign.slug}/ledger?cursor=${encodeCursor({ before: i + 1 })}${langQuery}`;
    const size = (bytes: number) => (bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MB` : `${Math.max(1, Math.round(bytes / 1024))} KB`);
    return {
      t,
      moneyIn: this.money((BigInt(report.raised) + BigInt(report.offline.net)).toString(), currency, lang),
      moneyOut: this.money(abs(report.payouts.net), currency, lang),
      outcomes: impact.outcomes.map((o) => ({
        label: lang === 'ar' ? o.labelAr : o.labelEn,
        labelLang: lang,
        payoutHref: o.payoutIndex !== null ? entryHref(o.payoutIndex) : null,
        payoutLabel: o.payoutIndex !== null ? t.payoutEntry.replace('{index}', String(o.payoutIndex)) : null,
        updateHref: o.updateId ? `/c/${log.campaign.slug}/updates/${o.updateId}${langQuery ? `?lang=${lang}` : ''}` : null,
        files: o.evidenceFiles.map((href, i) => ({ href, label: t.file.replace('{n}', String(i + 1)) })),
      })),
      evidence: impact.evidence.map((e) => ({
        title: e.title, href: e.url, type: e.mediaType, size: size(e.bytes), sha256: e.sha256,
        payoutHref: e.payoutIndex !== null ? entryHref(e.payoutIndex) : null, payoutIndex: e.payoutIndex,
        entryHref: e.entryIndex !== null ? entryHref(e.entryIndex) : null, entryIndex: e.entryIndex,
      })),
    };
  }

  /** One CSV line per entry; free text guarded against spreadsheet formula injection. */
  /**
   * Columns are only ever added at the end, so earlier ones keep their place. `terms`: a
   * terms_changed entry's changes as the JSON the leaf commits to. Then (leaf format 3, issue 17):
   * `v` the leaf format, `donor_hash`/`donor_salt` and `message_hash`/`message_salt` (hex; empty when
   * the field is empty, or the salt when redacted) and `redacted` (`field:reason` joined by `;`).
   */
  static csvHeader = 'index,time,kind,amount_minor,amount,currency,donor,donor_commitment,message,purpose,balance_minor,leaf_hash,terms,v,donor_hash,donor_salt,message_hash,message_salt,redacted,recorded_by\n';

  static csvLine(e: ServedEntry): string {
    const text = (v: string | null | undefined) => {
      if (v === null || v === undefined) return '';
      const guarded = /^[=+\-@\t\r]/.test(v) ? `'${v}` : v;
      return /[",\n\r]/.test(guarded) ? `"${guarded.replace(/"/g, '""')}"` : guarded;
    };
    const redacted = e.redacted ? Object.keys(e.redacted).sort().map((k) => `${k}:${e.redacted![k as keyof typeof e.redacted]!.reason}`).join(';') : '';
    return `${e.index},${e.time},${e.kind},${e.amount},${formatMajorUnits(BigInt(e.amount), e.currency)},${e.currency},${text(e.donor)},${e.donorCommitment ?? ''},${text(e.message)},${text(e.purpose)},${e.balance},${e.leafHash},${e.terms ? text(JSON.stringify(e.terms)) : ''},`
      + `${e.v},${e.donorHash ?? ''},${e.donorSalt ?? ''},${e.messageHash ?? ''},${e.messageSalt ?? ''},${redacted},${isOfflineKind(e.kind) ? 'organization' : ''}\n`;
  }
}

/** An evidence entry's details: the payout entry it evidences, the file's type, size and hash. */
function evidenceDetails(e: ServedEntry, lang: PageLanguage): string | null {
  const ref = parseEvidencePurpose(e.purpose);
  if (!ref) return e.purpose;
  const size = ref.bytes >= 1024 * 1024 ? `${(ref.bytes / 1024 / 1024).toFixed(1)} MB` : `${Math.max(1, Math.round(ref.bytes / 1024))} KB`;
  return PAGE_MESSAGES[lang].evidenceDetails.replace('{index}', String(ref.index)).replace('{type}', ref.mediaType).replace('{size}', size).replace('{hash}', `${ref.sha256.slice(0, 16)}…`);
}

function evidenceLink(e: ServedEntry): string | null {
  const ref = parseEvidencePurpose(e.purpose);
  return ref ? evidenceFilePath(ref) : null;
}

/** An offline gift's details: its method, and the donor's message when there is one. */
function offlineDetails(e: ServedEntry, lang: PageLanguage): string | null {
  const methods: Record<string, string> = PAGE_MESSAGES[lang].offlineMethods;
  const method = e.purpose !== null ? methods[e.purpose] ?? e.purpose : null;
  return [method, e.message].filter((v) => v !== null).join(' — ') || null;
}

/** What the ledger page shows in place of a redacted field: why, and the note (never personal data). */
function redactionText(redaction: FieldRedaction | undefined, lang: PageLanguage): string | null {
  if (!redaction) return null;
  const words = PAGE_MESSAGES[lang].redacted[redaction.reason];
  return redaction.note ? `${words}: ${redaction.note}` : words;
}

export function badRequest(code: string, message: string): DomainError {
  return new DomainError(code, message, 400);
}
