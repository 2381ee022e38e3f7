import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { acceptedCoding } from '../http/compression.js';
import { fastAnswerRecorder, type FastAnswerRecording, type FastPath } from '../http/fast-path.js';
import { requestIdOf } from '../http/request-id.js';
import { LEDGER_LIMIT, type LedgerQueryDto } from './public-ledger.dto.js';
import type { PublicLedgerHttp } from './public-ledger.http.js';
import { notModified } from './public-ledger.presenter.js';

/** The JSON ledger's route as Fastify registers it: the fast path counts its requests under the same label. */
export const LEDGER_JSON_ROUTE = '/api/v1/public/campaigns/:slug/ledger';
/** `/api/v1/public/campaigns/<slug>/ledger`, with or without a query (read below; anything unusual takes the route). */
const LEDGER_URL = /^\/api\/v1\/public\/campaigns\/([a-z0-9-]{1,80})\/ledger(?:\?([^#]*))?$/;
/** What the fast path takes of a query, each at most once and as the route's validation accepts it (LedgerQueryDto). */
const QUERY_VALUE: Readonly<Record<string, RegExp>> = {
  cursor: /^[A-Za-z0-9_-]{1,64}$/,
  limit: LEDGER_LIMIT,
  order: /^desc$/,
};
const JSON_TYPE = 'application/json; charset=utf-8';

/** The query's cursor, limit and order when that is all it holds, each valid; else null (the route answers). */
function plainQuery(text: string | undefined): LedgerQueryDto | null {
  const query: Record<string, string> = {};
  if (text === undefined || text === '') return query;
  for (const pair of text.split('&')) {
    const at = pair.indexOf('=');
    const name = at < 0 ? pair : pair.slice(0, at);
    const value = at < 0 ? '' : pair.slice(at + 1);
    const valid = QUERY_VALUE[name];
    if (valid === undefined || name in query || !valid.test(value)) return null;
    query[name] = value;
  }
  return query;
}

export interface LedgerPageFastPathOptions extends FastAnswerRecording {
  ledger: Pick<PublicLedgerHttp, 'fastLedgerJson'>;
  /** Every header the API's own hook sets on a public API answer (security headers, CORS), without the request id. */
  headers: Readonly<Record<string, string>>;
}

/**
 * The JSON ledger's pages, unfiltered and newest first (what visitors, crawlers and mirrors read, at
 * any depth), answered from Node's request event, before Fastify and Nest (issue 18: a page never
 * asked for before costs about what a cached one does). The log head is read fresh for the request as
 * the route reads it; the answer is the route's (the same cache, ETag, cache lifetime and bytes,
 * header for header: test/transparency/ledger-page-fast-path.e2e-spec.ts), its entries written as
 * views of the entry cache's bytes, without a copy; counted and logged under the route's label.
 * A client that accepts br or gzip (browsers, `fetch`) gets the page compressed as the route compresses
 * it. Whatever the route would decide otherwise takes the route: HEAD, a filter, oldest first, any
 * other query, a campaign not public, a bad cursor, a fault.
 */
export function createLedgerPageFastPath(options: LedgerPageFastPathOptions): FastPath {
  const record = fastAnswerRecorder('GET', LEDGER_JSON_ROUTE, options);
  return (req: IncomingMessage, res: ServerResponse) => {
    if (req.method !== 'GET') return false;
    const url = req.url ?? '';
    const match = LEDGER_URL.exec(url);
    if (match === null) return false;
    const query = plainQuery(match[2]);
    if (query === null) return false;
    const started = performance.now();
    const coding = acceptedCoding(req.headers['accept-encoding']);
    return options.ledger.fastLedgerJson(match[1], url, query, req.headers, coding).then((answer) => {
      if (answer === undefined) return false;
      const id = requestIdOf(req);
      const headers: Record<string, string | number> = { ...options.headers, 'x-request-id': id, etag: answer.etag, 'cache-control': answer.cacheControl, vary: 'Accept' };
      if (notModified(req, answer.etag)) {
        res.writeHead(304, headers);
        res.end();
        record(req, id, 304, started);
        return true;
      }
      const parts = Array.isArray(answer.body) ? answer.body : [answer.body];
      let length = 0;
      for (const part of parts) length += typeof part === 'string' ? Buffer.byteLength(part, 'utf8') : part.length;
      // as the route sends it: the compressed answer varies with Accept-Encoding, the same ETag for every coding
      if (answer.encoding !== null) {
        headers.vary = 'Accept, Accept-Encoding';
        headers['content-encoding'] = answer.encoding;
      }
      headers['content-type'] = JSON_TYPE;
      headers['content-length'] = length;
      res.writeHead(200, headers);
      // the parts as they are (the cursors' text encoded on the way), in one write (corked)
      res.cork();
      for (let i = 0; i < parts.length - 1; i++) res.write(parts[i]);
      res.end(parts[parts.length - 1]);
      res.uncork();
      record(req, id, 200, started);
      return true;
    });
  };
}
