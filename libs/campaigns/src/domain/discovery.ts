import { DomainError } from '@ataa/common';
import { foldText } from './arabic-folding.js';

/** The fixed list an organization picks a campaign's category from (the pages translate each). */
export const CAMPAIGN_CATEGORIES = ['water', 'food', 'health', 'education', 'shelter', 'emergency', 'orphans', 'community', 'environment', 'other'] as const;
export type CampaignCategory = (typeof CAMPAIGN_CATEGORIES)[number];
export const DISCOVERY_SORTS = ['newest', 'ending_soon', 'most_raised', 'closest_to_goal'] as const;
export type DiscoverySort = (typeof DISCOVERY_SORTS)[number];
/** Listed campaigns are either still taking gifts or ended (drafts, cancelled, paused and suspended ones are never listed). */
export const DISCOVERY_STATUSES = ['published', 'ended'] as const;
export type DiscoveryStatus = (typeof DISCOVERY_STATUSES)[number];

export const DISCOVERY_LIMITS = Object.freeze({ defaultPageSize: 20, maxPageSize: 50, maxQueryCodePoints: 200, maxWords: 8, minWordCodePoints: 3, maxCursorLength: 300 });

export interface DiscoveryQuery {
  /** The folded words to find (each must appear in title, summary or story); empty: no search. */
  words: string[];
  /** The query as typed, cleaned (for the search box). */
  text: string;
  category?: CampaignCategory;
  currency?: string;
  fundingModel?: 'flexible' | 'all_or_nothing';
  status: DiscoveryStatus;
  sort: DiscoverySort;
  limit: number;
  after?: DiscoveryCursor;
}

/** A position in one sort order: the last row's sort value (as PostgreSQL printed it) and id. */
export interface DiscoveryCursor {
  sort: DiscoverySort;
  value: string;
  id: string;
}

export class DiscoveryQueryError extends DomainError {
  constructor(code: string, field: string, message: string) {
    super(code, message, 400, { field });
    this.name = 'DiscoveryQueryError';
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const TIMESTAMP = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,6})?[+-]\d{2}(:\d{2})?$/;
const INTEGER = /^-?\d{1,19}$/;
const CURRENCY = /^[a-z]{3}$/;
/** Controls (C0, C1), bidi embeddings/overrides/isolates and marks, BOM, replacement char: never searched for. */
// eslint-disable-next-line no-control-regex
const UNSEARCHABLE = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069\u061c\ufeff\ufffd]/g;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** What the sort value of a cursor must look like. */
const SORT_VALUE: Record<DiscoverySort, (v: string) => boolean> = {
  newest: (v) => TIMESTAMP.test(v),
  ending_soon: (v) => v === 'infinity' || TIMESTAMP.test(v),
  most_raised: (v) => INTEGER.test(v) && BigInt(v) <= 9223372036854775807n && BigInt(v) >= -9223372036854775808n,
  closest_to_goal: (v) => INTEGER.test(v) && Math.abs(Number(v)) <= 2147483647,
};

export function encodeDiscoveryCursor(cursor: DiscoveryCursor): string {
  return Buffer.from(JSON.stringify([cursor.sort, cursor.value, cursor.id]), 'utf8').toString('base64url');
}

/** A cursor from a client: its shape checked strictly (a forged one can only name another position in the same order). */
export function decodeDiscoveryCursor(text: string, sort: DiscoverySort): DiscoveryCursor {
  const bad = () => new DiscoveryQueryError('invalid_cursor', 'cursor', 'The cursor is not one this API returned for this sort order');
  if (text.length > DISCOVERY_LIMITS.maxCursorLength || !/^[A-Za-z0-9_-]+$/.test(text)) throw bad();
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    throw bad();
  }
  if (!Array.isArray(parsed) || parsed.length !== 3 || !parsed.every((p) => typeof p === 'string')) throw bad();
  const [s, value, id] = parsed as string[];
  if (s !== sort || !UUID.test(id) || !SORT_VALUE[sort](value)) throw bad();
  return { sort, value, id };
}

/** The query text cleaned: well-formed, no controls or direction overrides, spaces collapsed. */
export function cleanSearchText(text: string): string {
  return text.replace(LONE_SURROGATE, ' ').replace(UNSEARCHABLE, ' ').replace(/\s+/gu, ' ').trim();
}

/** The folded words searched for: letters and digits only (so no LIKE or regex metacharacter survives), 3+ code points each. */
export function searchWords(text: string): string[] {
  const words = foldText(text).split(/[^\p{L}\p{N}\p{M}]+/u).filter((w) => [...w].length >= DISCOVERY_LIMITS.minWordCodePoints);
  return [...new Set(words)].slice(0, DISCOVERY_LIMITS.maxWords);
}

const first = (v: unknown): unknown => (Array.isArray(v) ? v[0] : v);

/**
 * A discovery query from query-string values. `strict` (the API): a wrong value is a 400 naming its
 * field. Not strict (the page): a wrong filter is ignored and a bad cursor starts from the first page.
 */
export function parseDiscoveryQuery(raw: Record<string, unknown>, strict: boolean): DiscoveryQuery {
  const fail = (code: string, field: string, message: string) => {
    if (strict) throw new DiscoveryQueryError(code, field, message);
    return undefined;
  };
  const str = (name: string): string | undefined => {
    const v = raw[name];
    if (v === undefined || v === '') return undefined;
    if (typeof v !== 'string') return fail('invalid_parameter', name, `${name} must be given once, as text`) ?? (typeof first(v) === 'string' ? (first(v) as string) : undefined);
    return v;
  };
  const oneOf = <T extends string>(name: string, allowed: readonly T[]): T | undefined => {
    const v = str(name);
    if (v === undefined) return undefined;
    if ((allowed as readonly string[]).includes(v)) return v as T;
    return fail('invalid_parameter', name, `${name} must be one of: ${allowed.join(', ')}`);
  };

  let text = cleanSearchText(str('q') ?? '');
  if ([...text].length > DISCOVERY_LIMITS.maxQueryCodePoints) {
    fail('query_too_long', 'q', `The search text is longer than ${DISCOVERY_LIMITS.maxQueryCodePoints} characters`);
    text = [...text].slice(0, DISCOVERY_LIMITS.maxQueryCodePoints).join('');
  }
  const words = searchWords(text);
  if (text !== '' && words.length === 0) fail('query_too_short', 'q', `Search for a word of at least ${DISCOVERY_LIMITS.minWordCodePoints} letters`);

  const currencyText = str('currency')?.toLowerCase();
  const currency = currencyText === undefined ? undefined : CURRENCY.test(currencyText) ? currencyText : fail('invalid_parameter', 'currency', 'currency must be a three-letter ISO 4217 code');

  let limit: number = DISCOVERY_LIMITS.defaultPageSize;
  const limitText = str('limit');
  if (limitText !== undefined) {
    if (/^\d{1,3}$/.test(limitText) && Number(limitText) >= 1 && Number(limitText) <= DISCOVERY_LIMITS.maxPageSize) limit = Number(limitText);
    else fail('invalid_parameter', 'limit', `limit must be a whole number from 1 to ${DISCOVERY_LIMITS.maxPageSize}`);
  }

  const sort = oneOf('sort', DISCOVERY_SORTS) ?? 'newest';
  let after: DiscoveryCursor | undefined;
  const cursorText = str('cursor');
  if (cursorText !== undefined) {
    try {
      after = decodeDiscoveryCursor(cursorText, sort);
    } catch (error) {
      if (strict) throw error;
    }
  }
  return {
    words, text,
    category: oneOf('category', CAMPAIGN_CATEGORIES),
    currency,
    fundingModel: oneOf('funding', ['flexible', 'all_or_nothing'] as const),
    status: oneOf('status', DISCOVERY_STATUSES) ?? 'published',
    sort, limit, after,
  };
}
