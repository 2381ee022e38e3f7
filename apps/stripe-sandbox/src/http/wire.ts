import { createHash } from 'node:crypto';
import { Params } from '../core/params.js';
import { StateStore, StripeObject } from '../core/state-store.js';
import { invalidRequest, StripeApiError } from '../core/stripe-error.js';

/** qs settings for Stripe's bracket notation: deep enough for line_items[0][price_data][product_data][metadata][k]. */
export const QS_OPTIONS = { depth: 8, arrayLimit: 100, parameterLimit: 2_000, allowDots: false } as const;

const TEST_KEY = /^(sk|rk)_test_[A-Za-z0-9_]{1,247}$/;

/** Checks `Authorization: Bearer sk_test_...` (or HTTP Basic with the key as user name) and returns the key. */
export function authenticate(header: string | undefined, accepted: readonly string[] | undefined): string {
  let key: string | undefined;
  if (header?.startsWith('Bearer ')) key = header.slice(7).trim();
  else if (header?.startsWith('Basic ')) key = Buffer.from(header.slice(6), 'base64').toString('utf8').split(':')[0];
  if (!key) {
    throw new StripeApiError(401, {
      type: 'invalid_request_error',
      message: "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY').",
    });
  }
  const masked = `${key.slice(0, 8)}${'*'.repeat(Math.max(0, Math.min(key.length - 12, 20)))}${key.slice(-4)}`;
  if (/^(sk|rk)_live_/.test(key)) {
    throw new StripeApiError(401, { type: 'invalid_request_error', message: `The Stripe sandbox only accepts test mode keys (got ${masked}).` });
  }
  if (!TEST_KEY.test(key) || (accepted && accepted.length > 0 && !accepted.includes(key))) {
    throw new StripeApiError(401, { type: 'invalid_request_error', message: `Invalid API Key provided: ${masked}` });
  }
  return key;
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.keys(value).sort().map((k) => [k, canonical((value as Record<string, unknown>)[k])]));
  }
  return value;
}

export function fingerprint(method: string, path: string, body: unknown): string {
  return createHash('sha256').update(`${method} ${path} ${JSON.stringify(canonical(body ?? {}))}`).digest('hex');
}

/** Stripe keeps idempotency keys for 24 hours. */
const IDEMPOTENCY_TTL_MS = 24 * 3_600_000;

export type Replay = { status: number; body: string } | null;

/**
 * `Idempotency-Key`: the same key with the same parameters replays the saved response; with other
 * parameters it is Stripe's idempotency error. Successful results and card errors (402: the payment
 * was attempted) are saved; a request refused before it changed anything may be retried with the same key.
 */
export class Idempotency {
  constructor(private readonly store: StateStore) {}

  check(scope: string, key: string, print: string): Replay {
    if (key.length > 255) throw invalidRequest('Idempotency keys can be at most 255 characters long.', undefined, 'Idempotency-Key');
    const record = this.store.idempotency.get(`${scope}:${key}`);
    if (!record || Date.now() - record.createdAt > IDEMPOTENCY_TTL_MS) return null;
    if (record.fingerprint !== print) {
      throw new StripeApiError(400, {
        type: 'idempotency_error',
        message: `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${key}' if you meant to execute a different request.`,
      });
    }
    return { status: record.status, body: record.body };
  }

  save(scope: string, key: string, print: string, status: number, body: string): void {
    // Now and then, forget keys older than Stripe keeps them.
    if (this.store.idempotency.size % 500 === 499) {
      const cutoff = Date.now() - IDEMPOTENCY_TTL_MS;
      for (const [id, record] of this.store.idempotency) if (record.createdAt < cutoff) this.store.idempotency.delete(id);
    }
    this.store.idempotency.set(`${scope}:${key}`, { scope, key, fingerprint: print, status, body, createdAt: Date.now() });
    this.store.markDirty();
  }
}

/** Stripe's list parameters and cursor pagination over objects already ordered newest first. */
export function paginate(items: StripeObject[], p: Params, url: string): StripeObject {
  const limit = p.integer('limit', { min: 1, max: 100 }) ?? 10;
  const after = p.string('starting_after');
  const before = p.string('ending_before');
  const created = createdFilter(p);
  const filtered = created ? items.filter(created) : items;
  let data: StripeObject[];
  let hasMore: boolean;
  if (after) {
    const index = filtered.findIndex((item) => item.id === after);
    if (index < 0) throw invalidRequest(`No such object: '${after}'`, 'resource_missing', 'starting_after', 404);
    data = filtered.slice(index + 1, index + 1 + limit);
    hasMore = filtered.length > index + 1 + limit;
  } else if (before) {
    const index = filtered.findIndex((item) => item.id === before);
    if (index < 0) throw invalidRequest(`No such object: '${before}'`, 'resource_missing', 'ending_before', 404);
    const begin = Math.max(0, index - limit);
    data = filtered.slice(begin, index);
    hasMore = begin > 0;
  } else {
    data = filtered.slice(0, limit);
    hasMore = filtered.length > limit;
  }
  return { object: 'list', data: data.map((item) => structuredClone(item)), has_more: hasMore, url };
}

export const LIST_PARAMS = ['limit', 'starting_after', 'ending_before', 'created', 'expand'] as const;

function createdFilter(p: Params): ((item: StripeObject) => boolean) | null {
  if (!p.has('created')) return null;
  if (typeof p.raw.created === 'string') {
    const exact = p.integer('created', { min: 0 })!;
    return (item) => item.created === exact;
  }
  const range = p.object('created')!.allow(['gt', 'gte', 'lt', 'lte']);
  const gt = range.integer('gt');
  const gte = range.integer('gte');
  const lt = range.integer('lt');
  const lte = range.integer('lte');
  return (item) =>
    (gt === undefined || item.created > gt) && (gte === undefined || item.created >= gte) && (lt === undefined || item.created < lt) && (lte === undefined || item.created <= lte);
}
