import type { FastifyBaseLogger } from 'fastify';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { MetricsService, RequestLogController } from '@ataa/observability';
import { acceptedCoding } from '../http/compression.js';
import { requestIdOf } from '../http/request-id.js';
import type { PublicLedgerHttp } from './public-ledger.http.js';
import { notModified } from './public-ledger.presenter.js';

/** The tile route as Fastify registers it: the fast path counts its requests under the same label. */
export const TILE_ROUTE = '/c/:slug/tile/*';
/** `/c/<slug>/tile/<path>`, nothing percent-encoded and no query (anything else takes the route). */
const TILE_URL = /^\/c\/([^/?%]+)\/tile\/([^?%]+)$/;
const TILE_TYPE = 'application/octet-stream';

export interface TileFastPathOptions {
  ledger: PublicLedgerHttp;
  /** Every header the API's own hook sets on a public tile (security headers, CORS), without the request id. */
  headers: Readonly<Record<string, string>>;
  metrics: MetricsService;
  logs: RequestLogController;
  log: FastifyBaseLogger;
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
  const metrics = options.metrics.httpRoute('GET', TILE_ROUTE);
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
    const responseTime = performance.now() - started;
    metrics.record(status, responseTime / 1000);
    if (options.logs.shouldLog(options.log, status, responseTime)) {
      // the shape Fastify's serializers give a request line
      options.log.child({ reqId: id }).info({
        req: { method: req.method, url: req.url, headers: req.headers, host: req.headers.host, ip: req.socket.remoteAddress, socket: req.socket },
        res: { statusCode: status }, responseTime,
      }, 'request completed');
    }
    return true;
  };
}
