import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { acceptedCoding } from '../http/compression.js';
import { fastAnswerRecorder, type FastAnswerRecording } from '../http/fast-path.js';
import { requestIdOf } from '../http/request-id.js';
import type { PublicLedgerHttp } from './public-ledger.http.js';
import { notModified } from './public-ledger.presenter.js';

/** The tile route as Fastify registers it: the fast path counts its requests under the same label. */
export const TILE_ROUTE = '/c/:slug/tile/*';
/** `/c/<slug>/tile/<path>`, nothing percent-encoded and no query (anything else takes the route). */
const TILE_URL = /^\/c\/([^/?%]+)\/tile\/([^?%]+)$/;
const TILE_TYPE = 'application/octet-stream';

export interface TileFastPathOptions extends FastAnswerRecording {
  ledger: PublicLedgerHttp;
  /** Every header the API's own hook sets on a public tile (security headers, CORS), without the request id. */
  headers: Readonly<Record<string, string>>;
}

/**
 * Immutable tiles (hash tiles and format-3 bundles at a given width: full ones, and partial ones,
 * which keep their short cache lifetime) served from memory straight from
 * Node's request event, before Fastify and Nest: their bytes never change, so once a tile is cached and
 * its campaign was seen public within the last second there is nothing to decide but the bytes, and a
 * mirror fetching a whole log pays the per-request cost of bare Node (issue 24's goal), not the
 * framework's hooks. The answer is the route's, header for header (test/transparency/tile-fast-path
 * e2e checks that); the request is counted in the route's metrics and logged like any other.
 * Everything else (a first fetch, HEAD, a query, a campaign not recently seen) returns
 * false and takes the normal route.
 */
export function createTileFastPath(options: TileFastPathOptions): (req: IncomingMessage, res: ServerResponse) => boolean {
  const record = fastAnswerRecorder('GET', TILE_ROUTE, options);
  return (req, res) => {
    if (req.method !== 'GET') return false;
    const match = TILE_URL.exec(req.url ?? '');
    if (match === null) return false;
    const tile = options.ledger.immutableTile(match[1], match[2]);
    if (tile === undefined) return false;
    const started = performance.now();
    const id = requestIdOf(req);
    const { answer } = tile;
    const headers: Record<string, string | number> = { ...options.headers, 'x-request-id': id, etag: answer.etag, 'cache-control': answer.cacheControl };
    if (tile.bundle) headers.vary = 'Accept-Encoding';
    let status = 200;
    if (notModified(req, answer.etag)) {
      status = 304;
      res.writeHead(304, headers);
      res.end();
    } else {
      const coding = tile.bundle && answer.body.length >= 1024 ? acceptedCoding(req.headers['accept-encoding']) : null;
      const body = coding === null ? answer.body : options.ledger.encodedTile(tile.key, tile.version, answer, coding);
      if (coding !== null) headers['content-encoding'] = coding;
      headers['content-type'] = TILE_TYPE;
      headers['content-length'] = body.length;
      res.writeHead(200, headers);
      res.end(body);
    }
    record(req, id, status, started);
    return true;
  };
}
