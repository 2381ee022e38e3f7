import { Injectable } from '@nestjs/common';
import { PassThrough, pipeline, Readable } from 'node:stream';
import type pg from 'pg';
import copyStreams from 'pg-copy-streams';
import { DataSource, EntityManager } from 'typeorm';
import { THREE_DECIMAL_CURRENCIES, WHOLE_UNITS_IN_TWO_DECIMALS, ZERO_DECIMAL_CURRENCIES } from '@ataa/common';
import { acquirePgClient } from '@ataa/database';
import { COMMITTED_LEAF_VERSION, DESIGNATED_LEAF_VERSION, SPLIT_LEAF_VERSION, type PayoutDraw, type PayoutPart, designationRowsOf, SHARED_KINDS, type DesignationKindRow, EntryRedactions, isOfflineKind, OFFLINE_NOTICE, PersonalField, FeeExchange, LEAF_VERSION, MonthKindRow, NodeRef, PublicEntryKind, ServedEntry, TermChange, TERMS_LEAF_VERSION } from '../domain/index.js';

/**
 * Where a read goes: the primary's data source (the default) or a read replica's source
 * (`ReadReplicas` in @ataa/database, chosen per request by PublicLedgerService.log).
 */
export interface Queryable {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  query(sql: string, params?: unknown[]): Promise<any>;
}

/** What the public pages need to know about a campaign (never a draft). */
export interface PublicCampaign {
  id: string;
  slug: string;
  title: string;
  currency: string;
  language: 'en' | 'ar';
  status: string;
}

/** A designation as the campaign declared it (libs/campaigns owns the rules; read here for the report's labels). */
export interface DeclaredDesignation {
  code: string;
  labelEn: string;
  labelAr: string;
  zakat: boolean;
}

export interface LogState {
  campaignId: string;
  currency: string;
  size: number;
  rootHash: Buffer;
  frontier: Buffer;
  balance: bigint;
  donors: number;
  /** Redaction runs that touched the log (entries changed without the root changing). */
  redactions: number;
}

/** A public campaign and its log head (null until the first entry is appended). */
export interface PublicLog {
  campaign: PublicCampaign;
  state: (Pick<LogState, 'size' | 'rootHash' | 'balance' | 'donors' | 'redactions'> & { cosignatures: number }) | null;
}

/** A public entry as served: the leaf's fields, personal values and salts beside them, redactions, leaf hash. */
export type StoredEntry = ServedEntry;

export interface EntryPageQuery {
  order: 'asc' | 'desc';
  /** Exclusive bound: entries after (asc) or before (desc) this index. */
  from: number | null;
  /** Only entries below this index (the tree size the page is read against). */
  size: number;
  kind: PublicEntryKind | null;
  month: string | null;
  limit: number;
}

/** Where an unfiltered page starts (`PublicLedgerRepository.pages`): as `page` (no `from`) or `pageFrom` reads it. */
export interface PageBound {
  order: 'asc' | 'desc';
  from: number | null;
}

export interface NewEntryRow {
  campaignId: string;
  index: number;
  occurredAt: Date;
  month: string;
  kind: PublicEntryKind;
  amount: bigint;
  currency: string;
  donorName: string | null;
  donorCommitment: string | null;
  publicMessage: string | null;
  payoutPurpose: string | null;
  balance: bigint;
  leafHash: Buffer;
  sourceRef: string;
  /** Canonical JSON of the term changes (`terms_changed` only). */
  terms: string | null;
  /** 3 for every new entry (null only for the benchmark's format-1 leaves: `PublicLedgerAppender.leafOf`). */
  leafFormat: number | null;
  /** Format 3 (every new entry): the commitments hashed into the leaf and their salts; null for an empty field. */
  donorHash: Buffer | null;
  donorSalt: Buffer | null;
  messageHash: Buffer | null;
  messageSalt: Buffer | null;
  /** Format 4: the designation the entry moves (null: format 3). */
  designation?: string | null;
  /** Format 4 payouts: canonical JSON of the gifts drawn from. */
  draws?: string | null;
  /** Format 5: the parts of a split payout (canonical JSON). */
  parts?: string | null;
}

/** One entry's redaction: the fields whose value and salt go, and the entry's redaction records after it. */
export interface AppliedRedaction {
  index: number;
  fields: PersonalField[];
  redactions: EntryRedactions;
}

/** One campaign's part of a batch append: its new entries and nodes, and its log's head before and after. */
export interface AppendedLog {
  campaignId: string;
  previousSize: number;
  entries: NewEntryRow[];
  nodes: { level: number; index: number; hash: Buffer }[];
  /** Names of this batch's named gifts (each once); those new to the campaign count as new donors. */
  donorNames: string[];
  /** Anonymous gifts in this batch (each counts as a donor). */
  anonymousGifts: number;
  state: { size: number; rootHash: Buffer; frontier: Buffer; balance: bigint };
  /** The signed checkpoint of the new size (the appender signs every size a log grows to), stored with the head. */
  checkpoint: { keyName: string; note: string };
}

/**
 * Time and leaf hash come as the text the public entry shows (ISO 8601 in UTC with milliseconds, as
 * Date#toISOString writes it; lower-case hex): no Date or Buffer per row on the hot read paths.
 */
/** An entry's time as served: UTC, milliseconds, `Z` (what `Date.prototype.toISOString` writes). */
const ENTRY_TIME = `to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
/** An entry's leaf format (`v`): stored from format 3 on; before it, 2 with a change of terms, else 1. */
const ENTRY_VERSION = `COALESCE(leaf_format, CASE WHEN terms IS NULL THEN ${LEAF_VERSION} ELSE ${TERMS_LEAF_VERSION} END)`;
/** Leaf formats 3 to 5 (personal fields committed), served with their commitments and salts (`toEntry`). */
const COMMITTED_LEAF = `leaf_format IN (${COMMITTED_LEAF_VERSION}, ${DESIGNATED_LEAF_VERSION}, ${SPLIT_LEAF_VERSION})`;

const ENTRY_COLUMNS = `idx, ${ENTRY_TIME} AS time, kind, amount::text AS amount, currency,
  donor_name, donor_commitment, public_message, payout_purpose, balance::text AS balance, encode(leaf_hash, 'hex') AS leaf_hash, terms,
  leaf_format, encode(donor_hash, 'hex') AS donor_hash, encode(donor_salt, 'hex') AS donor_salt, encode(message_hash, 'hex') AS message_hash,
  encode(message_salt, 'hex') AS message_salt, redactions, designation, draws, parts`;

interface EntryRow {
  idx: string;
  time: string;
  kind: PublicEntryKind;
  amount: string;
  currency: string;
  donor_name: string | null;
  donor_commitment: string | null;
  public_message: string | null;
  payout_purpose: string | null;
  balance: string;
  leaf_hash: string;
  terms: string | null;
  leaf_format: number | null;
  donor_hash: string | null;
  donor_salt: string | null;
  message_hash: string | null;
  message_salt: string | null;
  redactions: EntryRedactions | null;
  designation?: string | null;
  draws?: PayoutDraw[] | null;
  parts?: PayoutPart[] | null;
}

/**
 * An entry as served. Format 3: the leaf's fields (commitments `donorHash`, `messageHash`), then the
 * values and salts that open them, the redactions and the leaf hash. Formats 1/2 (entries appended
 * before format 3) serve exactly as before plus `redacted`: a format-1 entry has no `terms` key at
 * all (so it hashes exactly as before); a term change is format 2.
 */
function toEntry(campaignId: string, row: EntryRow): StoredEntry {
  const terms = row.terms === null ? null : (JSON.parse(row.terms) as TermChange[]);
  if (row.leaf_format === COMMITTED_LEAF_VERSION || row.leaf_format === DESIGNATED_LEAF_VERSION || row.leaf_format === SPLIT_LEAF_VERSION) {
    const designated = row.leaf_format === DESIGNATED_LEAF_VERSION;
    return {
      v: row.leaf_format,
      campaign: campaignId,
      index: Number(row.idx),
      time: row.time,
      kind: row.kind,
      amount: row.amount,
      currency: row.currency,
      donorHash: row.donor_hash,
      donorCommitment: row.donor_commitment,
      messageHash: row.message_hash,
      purpose: row.payout_purpose,
      balance: row.balance,
      ...(terms ? { terms } : {}),
      ...(designated ? { designation: row.designation! } : {}),
      ...(designated && row.kind === 'payout' ? { draws: row.draws ?? [] } : {}),
      ...(row.leaf_format === SPLIT_LEAF_VERSION ? { parts: row.parts ?? [] } : {}),
      donor: row.donor_name,
      donorSalt: row.donor_salt,
      message: row.public_message,
      messageSalt: row.message_salt,
      redacted: row.redactions,
      // Offline gifts and their voids say who vouches for them (not a leaf field: the kind is).
      ...(isOfflineKind(row.kind) ? { recordedBy: 'organization' as const, notice: OFFLINE_NOTICE } : {}),
      leafHash: row.leaf_hash,
    };
  }
  return {
    v: terms ? TERMS_LEAF_VERSION : LEAF_VERSION,
    campaign: campaignId,
    index: Number(row.idx),
    time: row.time,
    kind: row.kind,
    amount: row.amount,
    currency: row.currency,
    donor: row.donor_name,
    donorCommitment: row.donor_commitment,
    message: row.public_message,
    purpose: row.payout_purpose,
    balance: row.balance,
    ...(terms ? { terms } : {}),
    redacted: row.redactions,
    leafHash: row.leaf_hash,
  };
}

/**
 * The WHERE clause of a keyset read: the campaign, below the size, beyond `from` in `order`
 * (exclusive unless `inclusive`), and the filters; parameters are appended to `params`
 * ($1 campaign and $2 size are already there).
 */
function matching(query: Omit<EntryPageQuery, 'limit'> & { inclusive?: boolean }, params: unknown[]): string {
  const where = ['campaign_id = $1', 'idx < $2'];
  if (query.from !== null) {
    params.push(query.from);
    where.push(`idx ${query.order === 'asc' ? '>' : '<'}${query.inclusive ? '=' : ''} $${params.length}`);
  }
  if (query.kind) {
    params.push(query.kind);
    where.push(`kind = $${params.length}`);
  }
  if (query.month) {
    params.push(query.month);
    where.push(`month = $${params.length}`);
  }
  return where.join(' AND ');
}

/** A constant as an SQL string literal (COPY takes no parameters). */
const sqlText = (text: string): string => `'${text.replace(/'/g, "''")}'`;

/** A SQL list of currency codes (constants of `@ataa/common`, checked: COPY takes no parameters). */
const currencyList = (codes: ReadonlySet<string>): string =>
  [...codes].map((c) => {
    if (!/^[a-z]{3}$/.test(c)) throw new Error(`not a currency code: ${c}`);
    return `'${c}'`;
  }).join(', ');

/**
 * Free text as the CSV shows it: a value a spreadsheet would run as a formula (first character
 * `=`, `+`, `-`, `@`, tab or CR) gets a leading `'`; the empty string becomes NULL, because COPY
 * writes NULL as nothing but quotes an empty string (`""`), and the presenter writes nothing for both.
 */
const csvText = (column: string): string =>
  `NULLIF(CASE WHEN left(${column}, 1) IN ('=', '+', '-', '@', E'\\t', E'\\r') THEN '''' || ${column} ELSE ${column} END, '')`;

/** formatMajorUnits (`@ataa/common`) in SQL: "-12.50", "500" (zero-decimal, or ISK/UGX in whole units), "1.250". */
const MAJOR_UNITS = `CASE
    WHEN currency IN (${currencyList(WHOLE_UNITS_IN_TWO_DECIMALS)}) AND amount % 100 = 0 THEN (amount / 100)::text
    WHEN currency IN (${currencyList(ZERO_DECIMAL_CURRENCIES)}) THEN amount::text
    WHEN currency IN (${currencyList(THREE_DECIMAL_CURRENCIES)}) THEN CASE WHEN amount < 0 THEN '-' ELSE '' END || (abs(amount) / 1000)::text || '.' || lpad((abs(amount) % 1000)::text, 3, '0')
    ELSE CASE WHEN amount < 0 THEN '-' ELSE '' END || (abs(amount) / 100)::text || '.' || lpad((abs(amount) % 100)::text, 2, '0')
  END`;

/**
 * The CSV's `redacted` column: `field:reason` per redacted field, by field name, joined by `;`
 * (e.g. `donor:erased;message:hidden`); nothing when none. Reasons and field names are fixed words.
 */
const REDACTED_CSV = `(SELECT string_agg(k || ':' || (redactions -> k ->> 'reason'), ';' ORDER BY k) FROM jsonb_object_keys(redactions) AS k)`;

/**
 * The CSV export's rows, formatted by PostgreSQL exactly as `PublicLedgerPresenter.csvLine` (apps/api)
 * writes them, so that COPY's CSV output is the file, byte for byte:
 * - COPY CSV quotes a field exactly when the presenter does (it holds `,`, `"`, LF or CR; with
 *   more than one column, nothing else), doubles `"` the same way, ends lines with LF, writes NULL
 *   as nothing; the text columns go through `csvText` (formula guard, empty string as NULL).
 * - Index, amounts and balance are bigint text; time and leaf hash the same expressions as
 *   ENTRY_COLUMNS; the amount in major units is `formatMajorUnits` (MAJOR_UNITS).
 * - The columns after `terms` (leaf format 3, issue 17): `v`, the commitments and salts of the
 *   personal fields (hex, nothing when empty or redacted) and `redacted` (REDACTED_CSV); then
 *   `recorded_by` (issue 21): `organization` on offline gifts and their voids, else nothing.
 * - `terms` is the stored canonical JSON (RFC 8785, written by the appender), which is what the
 *   presenter's JSON.stringify(JSON.parse(terms)) gives back: same key order (no integer-like keys
 *   in a term change), same string escapes and ECMAScript number text.
 * Why in SQL rather than COPY in text form parsed and re-encoded in Node: the bytes then go from
 * PostgreSQL's socket to the HTTP response untouched (no per-row JavaScript, no row objects), which
 * is what brings the export near the speed of COPY itself.
 * `test/transparency/ledger-csv-copy.e2e-spec.ts` holds it to the presenter byte for byte.
 */
/** The export's columns, formatted in SQL (exported for the benchmark's floor: psql COPY of the same SELECT). */
export const CSV_COLUMNS = `idx, ${ENTRY_TIME}, kind, amount, ${MAJOR_UNITS}, currency,
  ${csvText('donor_name')}, NULLIF(donor_commitment, ''), ${csvText('public_message')}, ${csvText('payout_purpose')}, balance, encode(leaf_hash, 'hex'), ${csvText('terms')},
  ${ENTRY_VERSION}, encode(donor_hash, 'hex'), encode(donor_salt, 'hex'),
  encode(message_hash, 'hex'), encode(message_salt, 'hex'), ${REDACTED_CSV},
  CASE WHEN kind IN ('offline_gift', 'offline_gift_void') THEN 'organization' END`;

/** A JSON value of a nullable SQL expression: its JSON text, or `null`. */
const jsonOrNull = (expression: string): string => `COALESCE(to_json(${expression})::text, 'null')`;

/**
 * The JSON lines export's line: each entry's JSON as the JSON ledger serves it (`toEntry`, then
 * JSON.stringify), written by PostgreSQL: the same keys in the same order for each leaf format,
 * strings escaped by `to_json` as JSON.stringify escapes them (`"`, `\`, the short escapes, other
 * control characters as lowercase `\u00xx`; PostgreSQL text holds no lone surrogate), numbers and
 * bigint text as the page writes them. Byte for byte the page's JSON, but for the JSON held in jsonb
 * columns (`redacted`, `draws`, `parts`), which PostgreSQL writes with a space after `:` and `,`:
 * the same values. `test/transparency/ledger-ndjson.e2e-spec.ts` holds it to the pages.
 */
export const ENTRY_JSON_LINE = `'{"v":' || ${ENTRY_VERSION}
    || ',"campaign":' || to_json(campaign_id::text) || ',"index":' || idx || ',"time":' || to_json(${ENTRY_TIME}) || ',"kind":' || to_json(kind)
    || ',"amount":' || to_json(amount::text) || ',"currency":' || to_json(currency)
    || CASE WHEN ${COMMITTED_LEAF} THEN
      ',"donorHash":' || ${jsonOrNull(`encode(donor_hash, 'hex')`)} || ',"donorCommitment":' || ${jsonOrNull('donor_commitment')}
      || ',"messageHash":' || ${jsonOrNull(`encode(message_hash, 'hex')`)} || ',"purpose":' || ${jsonOrNull('payout_purpose')}
      || ',"balance":' || to_json(balance::text) || COALESCE(',"terms":' || terms, '')
      || CASE WHEN leaf_format = ${DESIGNATED_LEAF_VERSION} THEN ',"designation":' || to_json(designation) ELSE '' END
      || CASE WHEN leaf_format = ${DESIGNATED_LEAF_VERSION} AND kind = 'payout' THEN ',"draws":' || COALESCE(draws::text, '[]') ELSE '' END
      || CASE WHEN leaf_format = ${SPLIT_LEAF_VERSION} THEN ',"parts":' || COALESCE(parts::text, '[]') ELSE '' END
      || ',"donor":' || ${jsonOrNull('donor_name')} || ',"donorSalt":' || ${jsonOrNull(`encode(donor_salt, 'hex')`)}
      || ',"message":' || ${jsonOrNull('public_message')} || ',"messageSalt":' || ${jsonOrNull(`encode(message_salt, 'hex')`)}
    ELSE
      ',"donor":' || ${jsonOrNull('donor_name')} || ',"donorCommitment":' || ${jsonOrNull('donor_commitment')}
      || ',"message":' || ${jsonOrNull('public_message')} || ',"purpose":' || ${jsonOrNull('payout_purpose')}
      || ',"balance":' || to_json(balance::text) || COALESCE(',"terms":' || terms, '')
    END
    || ',"redacted":' || COALESCE(redactions::text, 'null')
    || CASE WHEN ${COMMITTED_LEAF} AND kind IN ('offline_gift', 'offline_gift_void') THEN ',"recordedBy":"organization","notice":' || to_json(${sqlText(OFFLINE_NOTICE)}::text) ELSE '' END
    || ',"leafHash":' || to_json(encode(leaf_hash, 'hex')) || '}'`;

/**
 * COPY's CSV form with a quote and a delimiter no JSON text holds (JSON escapes every control
 * character), so that each one-column line goes out exactly as built: never quoted, nothing doubled
 * (the text form would double every backslash).
 */
export const JSON_LINES_COPY = `FORMAT csv, DELIMITER E'\\x02', QUOTE E'\\x01'`;

/**
 * Unfiltered pages of one campaign at one size and limit, from any cursors, in one statement
 * (`PublicLedgerRepository.pages`): each request (bound, order, whether it has a cursor) reads its
 * rows away from its bound, as `page` and `pageFrom` do, and whether an entry lies behind the
 * cursor (at it, or further the other way; once per request: OFFSET 0 keeps it out of the row
 * loop). Without a cursor the bound is the size (newest first) or -1 (oldest first). Campaign, size
 * and limit are scalars so the plan prunes to the campaign's partition and knows the limit (with
 * them as arrays, planning every partition cost more than the reads, and the estimates set off JIT).
 * `table` is the campaign's partition (`PublicLedgerRepository.pages`) or, failing that, the partitioned table.
 */
const pagesSql = (table: string): string => `SELECT q.n, q.behind, e.* FROM (
    SELECT q.*, q.cursor AND CASE WHEN q.ascending
      THEN EXISTS (SELECT 1 FROM ${table} b WHERE b.campaign_id = $1 AND b.idx < $2 AND b.idx <= q.bound)
      ELSE EXISTS (SELECT 1 FROM ${table} b WHERE b.campaign_id = $1 AND b.idx < $2 AND b.idx >= q.bound) END AS behind
    FROM unnest($3::bigint[], $5::bool[], $6::bool[]) WITH ORDINALITY AS q(bound, ascending, cursor, n)
    OFFSET 0
  ) q CROSS JOIN LATERAL (
    (SELECT ${ENTRY_COLUMNS} FROM ${table} WHERE NOT q.ascending AND campaign_id = $1 AND idx < $2 AND idx < q.bound ORDER BY idx DESC LIMIT $4)
    UNION ALL
    (SELECT ${ENTRY_COLUMNS} FROM ${table} WHERE q.ascending AND campaign_id = $1 AND idx < $2 AND idx > q.bound ORDER BY idx LIMIT $4)
  ) e
  ORDER BY q.n, CASE WHEN q.ascending THEN e.idx ELSE -e.idx END`;

/** A partition's name as regclass prints it (a plain or quoted identifier, maybe schema-qualified): safe to put in SQL text. */
const RELATION_NAME = /^("[^"]+"|[a-z_][a-z0-9_$]*)(\.("[^"]+"|[a-z_][a-z0-9_$]*))?$/;
/** Campaigns whose partition is remembered at most (a map cleared when full: resolving again is one indexed read). */
const PARTITIONS_KEPT = 100_000;

/**
 * The only code touching the transparency tables. Plain SQL throughout: the read paths are hot
 * (public pages under load) and page by keyset on (campaign_id, idx), never OFFSET.
 */
@Injectable()
export class PublicLedgerRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Campaigns by slug (published, paused, ended or cancelled; drafts have no public ledger) with
   * their log heads, in one read: every public request starts here, and concurrent requests share
   * the read (PublicLedgerService). `state` is null until the first entry is appended.
   */
  async findPublicLogs(slugs: readonly string[], db: Queryable = this.dataSource): Promise<Map<string, PublicLog>> {
    const rows = await db.query(
      `SELECT c.id, c.slug, c.title, c.currency, c.language, c.status, l.size, l.root_hash, l.balance::text AS balance, l.donors, l.redactions,
         (SELECT COALESCE(sum(w.revision), 0) FROM transparency_witness_state w WHERE w.campaign_id = c.id) AS cosignatures
       FROM campaigns c LEFT JOIN transparency_logs l ON l.campaign_id = c.id WHERE c.slug = ANY($1::text[]) AND c.status <> 'draft'`,
      [slugs],
    );
    const found = new Map<string, PublicLog>();
    for (const row of rows) {
      const campaign: PublicCampaign = { id: row.id, slug: row.slug, title: row.title, currency: row.currency, language: row.language, status: row.status };
      const state = row.size === null ? null : { size: Number(row.size), rootHash: row.root_hash as Buffer, balance: BigInt(row.balance), donors: Number(row.donors), redactions: Number(row.redactions), cosignatures: Number(row.cosignatures) };
      found.set(campaign.slug, { campaign, state });
    }
    return found;
  }

  async findLog(campaignId: string, manager?: EntityManager): Promise<LogState | null> {
    const rows = await (manager ?? this.dataSource).query(
      `SELECT campaign_id, currency, size, root_hash, frontier, balance::text AS balance, donors, redactions FROM transparency_logs WHERE campaign_id = $1`,
      [campaignId],
    );
    return rows[0] ? this.toLog(rows[0]) : null;
  }

  /** Creates the logs if needed and locks them in campaign id order (concurrent batches cannot deadlock). */
  async lockLogs(manager: EntityManager, logs: readonly { campaignId: string; currency: string }[], emptyRoot: Buffer): Promise<Map<string, LogState>> {
    const sorted = [...logs].sort((a, b) => (a.campaignId < b.campaignId ? -1 : a.campaignId > b.campaignId ? 1 : 0));
    await manager.query(
      `INSERT INTO transparency_logs (campaign_id, currency, root_hash) SELECT c, k, $3 FROM unnest($1::uuid[], $2::text[]) AS t(c, k) ORDER BY c
       ON CONFLICT (campaign_id) DO NOTHING`,
      [sorted.map((l) => l.campaignId), sorted.map((l) => l.currency), emptyRoot],
    );
    const rows: Record<string, unknown>[] = await manager.query(
      `SELECT campaign_id, currency, size, root_hash, frontier, balance::text AS balance, donors, redactions FROM transparency_logs
       WHERE campaign_id = ANY($1::uuid[]) ORDER BY campaign_id FOR UPDATE`,
      [sorted.map((l) => l.campaignId)],
    );
    return new Map(rows.map((row) => [row.campaign_id as string, this.toLog(row)]));
  }

  /** Entries already appended for these (campaign, source, kind) triples, keyed `campaign\0source\0kind`. */
  async findManyBySource(manager: EntityManager, refs: readonly { campaignId: string; sourceRef: string; kind: PublicEntryKind }[]): Promise<Map<string, { index: number; leafHash: Buffer }>> {
    const rows: { campaign_id: string; source_ref: string; kind: string; idx: string; leaf_hash: Buffer }[] = await manager.query(
      `SELECT e.campaign_id, e.source_ref, e.kind, e.idx, e.leaf_hash FROM public_ledger_entries e
       JOIN unnest($1::uuid[], $2::text[], $3::text[]) AS t(c, s, k) ON e.campaign_id = t.c AND e.source_ref = t.s AND e.kind = t.k`,
      [refs.map((r) => r.campaignId), refs.map((r) => r.sourceRef), refs.map((r) => r.kind)],
    );
    return new Map(rows.map((r) => [`${r.campaign_id}\u0000${r.source_ref}\u0000${r.kind}`, { index: Number(r.idx), leafHash: r.leaf_hash }]));
  }

  /**
   * Writes the entries appended to several campaigns' logs in one round trip: the entries, the
   * interior nodes they completed, the month/kind totals, the new donor names and each log's new
   * head. Each log is updated only from the size it was locked at; anything else (it cannot move
   * while locked) fails the statement so the whole transaction rolls back.
   */
  /**
   * `witnessed`: witnesses are configured, so each grown log's size is queued for them
   * (transparency_witness_pending, one row per campaign, coalesced) in this same statement.
   */
  async insertAppendedMany(manager: EntityManager, logs: readonly AppendedLog[], witnessed = false): Promise<void> {
    const entries = logs.flatMap((l) => l.entries);
    const nodes = logs.flatMap((l) => l.nodes.map((n) => ({ campaignId: l.campaignId, ...n })));
    const totals = new Map<string, { campaignId: string; month: string; kind: string; entries: number; amount: bigint }>();
    for (const e of entries) {
      const key = `${e.campaignId}|${e.month}|${e.kind}`;
      const t = totals.get(key) ?? { campaignId: e.campaignId, month: e.month, kind: e.kind, entries: 0, amount: 0n };
      t.entries++;
      t.amount += e.amount;
      totals.set(key, t);
    }
    const sortedTotals = [...totals.values()].sort((a, b) => (a.campaignId < b.campaignId ? -1 : a.campaignId > b.campaignId ? 1 : a.month < b.month ? -1 : a.month > b.month ? 1 : a.kind < b.kind ? -1 : 1));
    const donors = logs.flatMap((l) => l.donorNames.map((name) => ({ campaignId: l.campaignId, name })));
    const result: unknown = await manager.query(
      `WITH entry AS (
         INSERT INTO public_ledger_entries (campaign_id, idx, occurred_at, month, kind, amount, currency, donor_name, donor_commitment,
           public_message, payout_purpose, balance, leaf_hash, source_ref, terms, donor_hash, donor_salt, message_hash, message_salt, leaf_format, designation, draws, parts)
         SELECT * FROM unnest($1::uuid[], $2::bigint[], $3::timestamptz[], $4::text[], $5::text[], $6::bigint[], $7::text[], $8::text[], $9::text[],
           $10::text[], $11::text[], $12::bigint[], $13::bytea[], $14::text[], $15::text[], $37::bytea[], $38::bytea[], $39::bytea[], $40::bytea[], $41::smallint[],
           $45::text[], $46::jsonb[], $47::jsonb[])
         RETURNING 1
       ), nodes AS (
         INSERT INTO transparency_nodes (campaign_id, level, idx, hash)
         SELECT * FROM unnest($16::uuid[], $17::smallint[], $18::bigint[], $19::bytea[]) RETURNING 1
       ), totals AS (
         INSERT INTO transparency_totals AS t (campaign_id, month, kind, entries, amount)
         SELECT * FROM unnest($20::uuid[], $21::text[], $22::text[], $23::int[], $24::bigint[])
         ON CONFLICT (campaign_id, month, kind) DO UPDATE SET entries = t.entries + EXCLUDED.entries, amount = t.amount + EXCLUDED.amount
         RETURNING 1
       ), donor AS (
         INSERT INTO transparency_donors (campaign_id, donor_name) SELECT * FROM unnest($25::uuid[], $26::text[])
         ON CONFLICT DO NOTHING RETURNING campaign_id
       ), head AS (
         SELECT * FROM unnest($27::uuid[], $28::bigint[], $29::bigint[], $30::bytea[], $31::bytea[], $32::bigint[], $33::int[])
           AS h(campaign_id, previous_size, size, root_hash, frontier, balance, anonymous)
       ), witness AS (
         INSERT INTO transparency_witness_pending AS p (campaign_id, size)
         SELECT campaign_id, size FROM unnest($27::uuid[], $29::bigint[]) AS w(campaign_id, size) WHERE $42::boolean AND size > 0 ORDER BY campaign_id
         ON CONFLICT (campaign_id) DO UPDATE SET size = GREATEST(p.size, EXCLUDED.size), generation = p.generation + 1, queued_at = now(), relayed_at = NULL
       ), signed AS (
         INSERT INTO transparency_checkpoints (campaign_id, size, root_hash, key_name, note)
         SELECT * FROM unnest($27::uuid[], $29::bigint[], $30::bytea[], $43::text[], $44::text[]) ON CONFLICT DO NOTHING
       )
       UPDATE transparency_logs l SET size = h.size, root_hash = h.root_hash, frontier = h.frontier, balance = h.balance,
         donors = l.donors + (SELECT count(*) FROM donor d WHERE d.campaign_id = l.campaign_id) + h.anonymous, updated_at = now()
       FROM head h
       WHERE l.campaign_id = h.campaign_id AND l.size = h.previous_size
         AND (SELECT count(*) FROM entry) = $34 AND (SELECT count(*) FROM nodes) = $35 AND (SELECT count(*) FROM totals) = $36
       RETURNING l.size`,
      [
        entries.map((e) => e.campaignId), entries.map((e) => e.index), entries.map((e) => e.occurredAt.toISOString()), entries.map((e) => e.month),
        entries.map((e) => e.kind), entries.map((e) => e.amount.toString()), entries.map((e) => e.currency), entries.map((e) => e.donorName),
        entries.map((e) => e.donorCommitment), entries.map((e) => e.publicMessage), entries.map((e) => e.payoutPurpose), entries.map((e) => e.balance.toString()),
        entries.map((e) => e.leafHash), entries.map((e) => e.sourceRef), entries.map((e) => e.terms),
        nodes.map((n) => n.campaignId), nodes.map((n) => n.level), nodes.map((n) => n.index), nodes.map((n) => n.hash),
        sortedTotals.map((t) => t.campaignId), sortedTotals.map((t) => t.month), sortedTotals.map((t) => t.kind), sortedTotals.map((t) => t.entries), sortedTotals.map((t) => t.amount.toString()),
        donors.map((d) => d.campaignId), donors.map((d) => d.name),
        logs.map((l) => l.campaignId), logs.map((l) => l.previousSize), logs.map((l) => l.state.size), logs.map((l) => l.state.rootHash),
        logs.map((l) => l.state.frontier), logs.map((l) => l.state.balance.toString()), logs.map((l) => l.anonymousGifts),
        entries.length, nodes.length, sortedTotals.length,
        entries.map((e) => e.donorHash), entries.map((e) => e.donorSalt), entries.map((e) => e.messageHash), entries.map((e) => e.messageSalt), entries.map((e) => e.leafFormat),
        witnessed,
        logs.map((l) => l.checkpoint.keyName), logs.map((l) => l.checkpoint.note),
        entries.map((e) => e.designation ?? null), entries.map((e) => e.draws ?? null), entries.map((e) => e.parts ?? null),
      ],
    );
    // TypeORM answers an UPDATE with [rows, rowCount]; anything but one updated row per log means a
    // log moved under us (it cannot while locked): fail so the whole transaction rolls back.
    const updated = Array.isArray(result) && Array.isArray(result[0]) ? result[0] : result;
    if (!Array.isArray(updated) || updated.length !== logs.length) throw new Error('public ledger append lost its log state');
  }

  /**
   * Redaction: locks the campaigns' logs (id order, as appends do, so a redaction and an append of
   * the same log serialize) and returns the ids of those that have a log.
   */
  async lockLogsForRedaction(manager: EntityManager, campaignIds: readonly string[]): Promise<Set<string>> {
    const rows: { campaign_id: string }[] = await manager.query(
      `SELECT campaign_id FROM transparency_logs WHERE campaign_id = ANY($1::uuid[]) ORDER BY campaign_id FOR UPDATE`,
      [[...campaignIds].sort()],
    );
    return new Set(rows.map((r) => r.campaign_id));
  }

  /** The entries a redaction targets (by index or by source ref), locked, as served, with their source refs. */
  async entriesForRedaction(manager: EntityManager, campaignId: string, indexes: readonly number[], sourceRefs: readonly string[]): Promise<{ entry: StoredEntry; sourceRef: string }[]> {
    const rows: (EntryRow & { source_ref: string })[] = await manager.query(
      `SELECT ${ENTRY_COLUMNS}, source_ref FROM public_ledger_entries
       WHERE campaign_id = $1 AND (idx = ANY($2::bigint[]) OR source_ref = ANY($3::text[])) ORDER BY idx FOR UPDATE`,
      [campaignId, indexes, sourceRefs],
    );
    return rows.map((row) => ({ entry: toEntry(campaignId, row), sourceRef: row.source_ref }));
  }

  /**
   * Applies a campaign's redactions: removes the values and salts of the listed fields, stores the
   * merged redaction records, drops from the donor-name list the names no unredacted gift of the
   * campaign shows any more (the donor count, kept in the log row, does not change) and counts the
   * run in the log's `redactions` (the public answers' version). Hashed columns are never touched
   * (the table's trigger refuses it anyway).
   */
  async applyRedactions(manager: EntityManager, campaignId: string, updates: readonly AppliedRedaction[], removedNames: readonly string[]): Promise<void> {
    await manager.query(
      `UPDATE public_ledger_entries e SET
         donor_name = CASE WHEN u.donor THEN NULL ELSE e.donor_name END,
         donor_salt = CASE WHEN u.donor THEN NULL ELSE e.donor_salt END,
         public_message = CASE WHEN u.message THEN NULL ELSE e.public_message END,
         message_salt = CASE WHEN u.message THEN NULL ELSE e.message_salt END,
         redactions = u.redactions
       FROM unnest($2::bigint[], $3::bool[], $4::bool[], $5::jsonb[]) AS u(idx, donor, message, redactions)
       WHERE e.campaign_id = $1 AND e.idx = u.idx`,
      [campaignId, updates.map((u) => u.index), updates.map((u) => u.fields.includes('donor')), updates.map((u) => u.fields.includes('message')), updates.map((u) => JSON.stringify(u.redactions))],
    );
    if (removedNames.length > 0) {
      await manager.query(
        `DELETE FROM transparency_donors d WHERE d.campaign_id = $1 AND d.donor_name = ANY($2::text[])
           AND NOT EXISTS (SELECT 1 FROM public_ledger_entries e WHERE e.campaign_id = $1 AND e.kind = 'donation' AND e.donor_name = d.donor_name AND e.donor_commitment IS NULL)`,
        [campaignId, [...new Set(removedNames)]],
      );
    }
    await manager.query(`UPDATE transparency_logs SET redactions = redactions + 1, updated_at = now() WHERE campaign_id = $1`, [campaignId]);
  }

  /** One page of entries, by keyset on the leaf index. */
  async page(campaignId: string, query: EntryPageQuery, db: Queryable = this.dataSource): Promise<StoredEntry[]> {
    const params: unknown[] = [campaignId, query.size, query.limit];
    const rows: EntryRow[] = await db.query(
      `SELECT ${ENTRY_COLUMNS} FROM public_ledger_entries WHERE ${matching(query, params)} ORDER BY idx ${query.order === 'asc' ? 'ASC' : 'DESC'} LIMIT $3`,
      params,
    );
    return rows.map((row) => toEntry(campaignId, row));
  }

  /**
   * A page read away from a cursor and, in the same round trip, whether a matching entry lies
   * behind the cursor (at it, or further the other way): the page's neighbour on that side, since
   * nothing matches between the cursor and the page's first entry.
   */
  async pageFrom(campaignId: string, query: EntryPageQuery & { from: number }, db: Queryable = this.dataSource): Promise<{ entries: StoredEntry[]; behind: boolean }> {
    const params: unknown[] = [campaignId, query.size, query.limit];
    const ahead = matching(query, params);
    const behind = matching({ ...query, order: query.order === 'asc' ? 'desc' : 'asc', from: query.from, inclusive: true }, params);
    const rows: (EntryRow & { behind: boolean })[] = await db.query(
      `SELECT ${ENTRY_COLUMNS}, EXISTS (SELECT 1 FROM public_ledger_entries WHERE ${behind}) AS behind
       FROM public_ledger_entries WHERE ${ahead} ORDER BY idx ${query.order === 'asc' ? 'ASC' : 'DESC'} LIMIT $3`,
      params,
    );
    return { entries: rows.map((row) => toEntry(campaignId, row)), behind: rows.length > 0 && rows[0].behind };
  }

  /**
   * Unfiltered pages (no kind, no month) of one campaign at one size and limit, any number of them,
   * in one round trip: what `page` (no `from`) and `pageFrom` answer for each, in the same order
   * (PublicLedgerService reads the pages requested together so).
   *
   * Read from the campaign's own partition of public_ledger_entries: planning the statement against
   * the partitioned table (pruning eight partitions, for each of its four scans) took several times
   * as long as running it. The partition is found once per campaign (`partitionOf`) and kept; every
   * scan still says `campaign_id = $1`, so a partition that no longer holds the campaign (the table
   * repartitioned since) returns nothing, never another campaign's rows. Nothing for a log that has
   * entries is impossible from its own partition (each request reads one side of its bound and checks
   * the other: one of them holds an entry), so that answer, or a partition that is gone, is read
   * again from the partitioned table and the partition found again.
   */
  async pages(campaignId: string, size: number, limit: number, reads: readonly PageBound[], db: Queryable = this.dataSource): Promise<{ entries: StoredEntry[]; behind: boolean }[]> {
    if (reads.length === 0) return [];
    const params = [campaignId, size, reads.map((r) => r.from ?? (r.order === 'asc' ? -1 : size)), limit, reads.map((r) => r.order === 'asc'), reads.map((r) => r.from !== null)];
    const found = await this.onOwnPartition<EntryRow & { n: string; behind: boolean }>(campaignId, size > 0, (table) => this.pagesStatement(table), params, db);
    const pages = reads.map(() => ({ entries: [] as StoredEntry[], behind: false }));
    for (const row of found) {
      const page = pages[Number(row.n) - 1];
      page.entries.push(toEntry(campaignId, row));
      page.behind = row.behind;
    }
    return pages;
  }

  /**
   * Ranges of entries by index (`start` inclusive, `end` exclusive), in one round trip, each range's
   * entries in index order: the entry cache's chunks (PublicLedgerService.jsonPage). Read from the
   * campaign's own partition as `pages` reads, with the same fallback: non-empty ranges below the
   * log's size that come back with no row at all are read again from the partitioned table.
   */
  async entryRanges(campaignId: string, ranges: readonly { start: number; end: number }[], db: Queryable = this.dataSource): Promise<StoredEntry[][]> {
    if (ranges.length === 0) return [];
    const params = [campaignId, ranges.map((r) => r.start), ranges.map((r) => r.end)];
    const rows = await this.onOwnPartition<EntryRow & { n: string }>(campaignId, ranges.some((r) => r.end > r.start), (table) => this.rangesStatement(table), params, db);
    const found = ranges.map(() => [] as StoredEntry[]);
    for (const row of rows) found[Number(row.n) - 1].push(toEntry(campaignId, row));
    return found;
  }

  /**
   * Runs a statement over the campaign's own partition of public_ledger_entries (`statement(table)`),
   * when one is known and rows are expected (`expectRows`); no row, or a partition that is gone, is
   * read again from the partitioned table and the partition found again (see `pages`).
   */
  private async onOwnPartition<R>(campaignId: string, expectRows: boolean, statement: (table: string) => string, params: unknown[], db: Queryable): Promise<R[]> {
    const partition = expectRows ? await this.partitionOf(campaignId, db) : null;
    let rows: R[] | null = null;
    if (partition !== null) {
      try {
        rows = await db.query(statement(partition), params);
      } catch (error) {
        if ((error as { code?: string }).code !== '42P01') throw error;
      }
      if (rows === null || rows.length === 0) {
        this.partitions.delete(campaignId);
        rows = null;
      }
    }
    return rows ?? await db.query(statement('public_ledger_entries'), params);
  }

  /** The ranges statement's text by table (`entryRanges`). */
  private readonly rangeStatements = new Map<string, string>();

  private rangesStatement(table: string): string {
    let sql = this.rangeStatements.get(table);
    if (sql === undefined) {
      sql = `SELECT r.n, e.* FROM unnest($2::bigint[], $3::bigint[]) WITH ORDINALITY AS r(first, stop, n)
        CROSS JOIN LATERAL (SELECT ${ENTRY_COLUMNS} FROM ${table} WHERE campaign_id = $1 AND idx >= r.first AND idx < r.stop ORDER BY idx) e
        ORDER BY r.n, e.idx`;
      this.rangeStatements.set(table, sql);
    }
    return sql;
  }

  /** Campaign id to the partition of public_ledger_entries holding its entries (`pages`). */
  private readonly partitions = new Map<string, string>();
  /** The pages statement's text by table. */
  private readonly pageStatements = new Map<string, string>();

  private pagesStatement(table: string): string {
    let sql = this.pageStatements.get(table);
    if (sql === undefined) {
      sql = pagesSql(table);
      this.pageStatements.set(table, sql);
    }
    return sql;
  }

  /**
   * The partition holding a campaign's entries, from one of them (null: none yet, or a name this
   * code would not put in SQL). A campaign's partition never changes unless the table is
   * repartitioned (see `pages` for that case).
   */
  private async partitionOf(campaignId: string, db: Queryable): Promise<string | null> {
    const known = this.partitions.get(campaignId);
    if (known !== undefined) return known;
    const rows: { partition: string }[] = await db.query(`SELECT tableoid::regclass::text AS partition FROM public_ledger_entries WHERE campaign_id = $1 LIMIT 1`, [campaignId]);
    const partition = rows[0]?.partition;
    if (partition === undefined || !RELATION_NAME.test(partition)) return null;
    if (this.partitions.size >= PARTITIONS_KEPT) this.partitions.clear();
    this.partitions.set(campaignId, partition);
    return partition;
  }

  /**
   * The first `size` entries as CSV (after `header`), streamed from `COPY (SELECT …) TO STDOUT` (copyOut).
   */
  csvExport(campaignId: string, size: number, header: string, source?: { connect(): Promise<pg.PoolClient> }): Promise<Readable> {
    return this.copyOut(campaignId, size, header, CSV_COLUMNS, 'FORMAT csv', source);
  }

  /**
   * The first `size` entries as JSON lines, one entry's JSON per line (ENTRY_JSON_LINE), streamed
   * from `COPY (SELECT …) TO STDOUT` as the CSV export is (copyOut).
   */
  jsonLinesExport(campaignId: string, size: number, source?: { connect(): Promise<pg.PoolClient> }): Promise<Readable> {
    return this.copyOut(campaignId, size, '', ENTRY_JSON_LINE, JSON_LINES_COPY, source);
  }

  /**
   * The first `size` entries, `columns` of each, after `header`, streamed from `COPY (SELECT …) TO
   * STDOUT WITH (options)` on a connection of its own, inside a read-only REPEATABLE READ transaction:
   * one snapshot, bounded by the size the caller read for its ETag, so the file is the version the
   * ETag names. Backpressure: pg-copy-streams stops reading the socket while the consumer is full, so
   * PostgreSQL waits too. If the consumer goes away (destroys the stream: the client aborted) the
   * connection is dropped, not returned mid-COPY: pg destroys the socket and the server ends the
   * backend; after the last row the transaction is committed and the connection goes back to the pool.
   */
  private async copyOut(campaignId: string, size: number, header: string, columns: string, options: string, source?: { connect(): Promise<pg.PoolClient> }): Promise<Readable> {
    if (!Number.isSafeInteger(size) || size < 0) throw new Error(`bad ledger size ${size}`);
    const client = source ? await source.connect() : await acquirePgClient(this.dataSource);
    let released = false;
    const release = (drop: boolean) => {
      if (released) return;
      released = true;
      client.release(drop);
    };
    try {
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    } catch (error) {
      release(true);
      throw error;
    }
    const copy = client.query(
      copyStreams.to(
        `COPY (SELECT ${columns} FROM public_ledger_entries WHERE campaign_id = ${client.escapeLiteral(campaignId)} AND idx < ${size} ORDER BY idx)
         TO STDOUT WITH (${options})`,
      ),
    );
    // pg may report the dropped connection to the query after the pipeline is gone: never unhandled.
    copy.on('error', () => {});
    const out = new PassThrough();
    if (header !== '') out.write(header);
    pipeline(copy, out, (error) => {
      if (error) return release(true);
      client.query('COMMIT').then(() => release(false), () => release(true));
    });
    return out;
  }

  /** A campaign's slug (for the links in a receipt's proof), or null. */
  /** The public entries shown for these journal entries (source refs) of one campaign. */
  async entriesForSources(campaignId: string, sourceRefs: readonly string[]): Promise<{ sourceRef: string; index: number; kind: string }[]> {
    if (sourceRefs.length === 0) return [];
    const rows: { source_ref: string; idx: string; kind: string }[] = await this.dataSource.query(
      `SELECT source_ref, idx::text AS idx, kind FROM public_ledger_entries WHERE campaign_id = $1 AND source_ref = ANY($2::text[]) ORDER BY idx`,
      [campaignId, sourceRefs],
    );
    return rows.map((r) => ({ sourceRef: r.source_ref, index: Number(r.idx), kind: r.kind }));
  }

  async campaignSlug(campaignId: string): Promise<string | null> {
    const rows: { slug: string }[] = await this.dataSource.query(`SELECT slug FROM campaigns WHERE id = $1`, [campaignId]);
    return rows[0]?.slug ?? null;
  }

  /** The latest changes of a campaign's terms (newest first), from the `(campaign_id, kind, idx)` index. */
  async termChanges(campaignId: string, limit: number, db: Queryable = this.dataSource): Promise<StoredEntry[]> {
    const rows: EntryRow[] = await db.query(
      `SELECT ${ENTRY_COLUMNS} FROM public_ledger_entries WHERE campaign_id = $1 AND kind = 'terms_changed' ORDER BY idx DESC LIMIT $2`, [campaignId, limit],
    );
    return rows.map((row) => toEntry(campaignId, row));
  }

  async entry(campaignId: string, index: number, db: Queryable = this.dataSource): Promise<StoredEntry | null> {
    const rows: EntryRow[] = await db.query(`SELECT ${ENTRY_COLUMNS} FROM public_ledger_entries WHERE campaign_id = $1 AND idx = $2`, [campaignId, index]);
    return rows[0] ? toEntry(campaignId, rows[0]) : null;
  }

  /** Perfect-subtree hashes in one read: level 0 from the entries, higher levels from the node cache. */
  async nodes(campaignId: string, refs: readonly NodeRef[], db: Queryable = this.dataSource): Promise<Map<string, Buffer>> {
    const leaves = refs.filter((r) => r.level === 0).map((r) => r.index);
    const inner = refs.filter((r) => r.level > 0);
    const rows: { level: number; idx: string; hash: Buffer }[] = await db.query(
      `SELECT 0 AS level, idx, leaf_hash AS hash FROM public_ledger_entries WHERE campaign_id = $1 AND idx = ANY($2::bigint[])
       UNION ALL
       SELECT n.level, n.idx, n.hash FROM transparency_nodes n JOIN unnest($3::smallint[], $4::bigint[]) AS t(l, i) ON n.level = t.l AND n.idx = t.i
       WHERE n.campaign_id = $1`,
      [campaignId, leaves, inner.map((r) => r.level), inner.map((r) => r.index)],
    );
    return new Map(rows.map((row) => [`${row.level}:${row.idx}`, row.hash]));
  }

  /**
   * The hashes of one tile (C2SP tlog-tiles) in one indexed range read, concatenated: at tile level 0
   * the leaf hashes of leaves [start, start + width), above it the stored nodes at tree level
   * 8 × tileLevel with those indexes (every node from level 3 up is stored). Rows below a size the
   * caller read are committed with the log head that counts them, so the answer is never half-written;
   * fewer hashes than asked (a node missing) is the caller's error to raise.
   */
  async tileHashes(campaignId: string, tileLevel: number, start: number, width: number, db: Queryable = this.dataSource): Promise<Buffer> {
    const rows: { tile: Buffer | null }[] = tileLevel === 0
      ? await db.query(
        `SELECT string_agg(leaf_hash, ''::bytea ORDER BY idx) AS tile FROM public_ledger_entries WHERE campaign_id = $1 AND idx >= $2 AND idx < $3`,
        [campaignId, start, start + width],
      )
      : await db.query(
        `SELECT string_agg(hash, ''::bytea ORDER BY idx) AS tile FROM transparency_nodes WHERE campaign_id = $1 AND level = $2 AND idx >= $3 AND idx < $4`,
        [campaignId, tileLevel * 8, start, start + width],
      );
    return rows[0]?.tile ?? Buffer.alloc(0);
  }

  /** The entries [start, start + width) as served, in leaf order: an entry bundle's source. */
  async entryRange(campaignId: string, start: number, width: number, db: Queryable = this.dataSource): Promise<StoredEntry[]> {
    const rows: EntryRow[] = await db.query(
      `SELECT ${ENTRY_COLUMNS} FROM public_ledger_entries WHERE campaign_id = $1 AND idx >= $2 AND idx < $3 ORDER BY idx`,
      [campaignId, start, start + width],
    );
    return rows.map((row) => toEntry(campaignId, row));
  }

  async checkpoint(campaignId: string, size: number, db: Queryable = this.dataSource): Promise<{ note: string; createdAt: Date } | null> {
    const rows = await db.query(`SELECT note, created_at FROM transparency_checkpoints WHERE campaign_id = $1 AND size = $2`, [campaignId, size]);
    return rows[0] ? { note: rows[0].note, createdAt: rows[0].created_at } : null;
  }

  async feeExchange(campaignId: string, db: Queryable = this.dataSource): Promise<FeeExchange[]> {
    const rows: { settlement_currency: string; rate: string; fees_count: string; settlement_fees: string; fees: string }[] = await db.query(
      `SELECT settlement_currency, rate, fees_count::text, settlement_fees::text, fees::text FROM campaign_fx_fee_totals WHERE campaign_id = $1 ORDER BY settlement_currency, rate`,
      [campaignId],
    );
    return rows.map((r) => ({ settlementCurrency: r.settlement_currency, rate: r.rate, fees: Number(r.fees_count), settlementAmount: r.settlement_fees, amount: r.fees }));
  }

  async totals(campaignId: string, db: Queryable = this.dataSource): Promise<MonthKindRow[]> {
    const rows: { month: string; kind: PublicEntryKind; entries: string; amount: string }[] = await db.query(
      `SELECT month, kind, entries, amount::text AS amount FROM transparency_totals WHERE campaign_id = $1`,
      [campaignId],
    );
    return rows.map((r) => ({ month: r.month, kind: r.kind, count: Number(r.entries), amount: BigInt(r.amount) }));
  }

  /** What the campaign declared (codes, labels, zakat marks), for the report page's per-designation lines. */
  async declaredDesignations(campaignId: string, db: Queryable = this.dataSource): Promise<DeclaredDesignation[]> {
    const rows: { designations: DeclaredDesignation[] | null }[] = await db.query(`SELECT designations FROM campaigns WHERE id = $1`, [campaignId]);
    return (rows[0]?.designations ?? []).map((d) => ({ code: d.code, labelEn: d.labelEn, labelAr: d.labelAr, zakat: d.zakat === true }));
  }

  /**
   * The report's per-designation rows: the kept totals (`transparency_designation_totals`) for every
   * kind but payouts and their reversals, whose split is read from each entry (`designationShares`:
   * one payout may spend several designations). Payout entries are few; the `kind` index finds them.
   */
  async designationRows(campaignId: string, db: Queryable = this.dataSource): Promise<DesignationKindRow[]> {
    const kept: { designation: string; kind: string; entries: string; amount: string }[] = await db.query(
      `SELECT designation, kind, entries, amount::text AS amount FROM transparency_designation_totals WHERE campaign_id = $1 AND kind <> ALL($2::text[])`,
      [campaignId, SHARED_KINDS],
    );
    // A split payout (format 5) has no designation of its own: its parts say what went where.
    const payouts: { leaf_format: number; kind: string; amount: string; designation: string | null; draws: PayoutDraw[] | null; parts: PayoutPart[] | null }[] = await db.query(
      `SELECT leaf_format, kind, amount::text AS amount, designation, draws, parts FROM public_ledger_entries WHERE campaign_id = $1 AND kind = ANY($2::text[]) ORDER BY idx`,
      [campaignId, SHARED_KINDS],
    );
    return [
      ...kept.map((r) => ({ designation: r.designation, kind: r.kind, count: Number(r.entries), amount: BigInt(r.amount) })),
      ...payouts.flatMap((r) => designationRowsOf({ v: Number(r.leaf_format), kind: r.kind as PublicEntryKind, amount: r.amount, designation: r.designation, draws: r.draws, parts: r.parts })),
    ];
  }

  private toLog(row: Record<string, unknown>): LogState {
    return {
      campaignId: row.campaign_id as string,
      currency: row.currency as string,
      size: Number(row.size),
      rootHash: row.root_hash as Buffer,
      frontier: row.frontier as Buffer,
      balance: BigInt(row.balance as string),
      donors: Number(row.donors),
      redactions: Number(row.redactions),
    };
  }
}
