import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { acceptedCoding, gzipAcceptable } from '../http/compression.js';
import { fastAnswerRecorder, type FastAnswerRecording, type FastPath } from '../http/fast-path.js';
import { gzipParts, gzipWithSlot, type GzipParts } from '../http/gzip-splice.js';
import { PUBLIC_LANGUAGE_COOKIE } from '../http/public-language.js';
import { requestIdOf } from '../http/request-id.js';
import type { CampaignPagesController } from './campaign-pages.controller.js';
import { CSRF_COOKIE, csrfTokenFor, type CsrfState } from './csrf.setup.js';
import type { RenderedPage } from './page-render-cache.js';

/** The campaign page's route as Fastify registers it: the fast path counts its requests under the same label. */
export const CAMPAIGN_PAGE_ROUTE = '/c/:slug';
/** `/c/<slug>` with no query (a query, `?lang=` or `?amount=`, takes the route). */
const PAGE_URL = /^\/c\/([a-z0-9-]{1,80})$/;

export interface CampaignPageFastPathOptions extends FastAnswerRecording {
  pages: Pick<CampaignPagesController, 'cachedPage'>;
  csrf: CsrfState;
  /** The routes' own cookie parser (http/cookies.ts), so a cookie is read exactly as the route reads it. */
  parseCookie: (header: string) => Record<string, string | undefined>;
  /** Every header the API's own hook sets on a page (security headers), without the request id. */
  headers: Readonly<Record<string, string>>;
}

/**
 * The campaign page `GET /c/<slug>` answered from Node's request event, before Fastify and Nest
 * (issue 18: the hottest public page, at the per-request cost of bare Node plus its fresh read): the
 * page head is read fresh for the request exactly as the route reads it (shared by the requests
 * waiting together, never begun before this one: a gift posted before the visitor asked is on the
 * page), the rendering chosen by the same key, the visitor's CSRF token spliced in (theirs while
 * valid, else a new one and its cookie). gzip comes compressed ahead (`gzip-splice.ts`: only the
 * token is added per request); a client taking brotli but not gzip takes the route. Whatever the
 * route would decide differently (a query, HEAD, read replicas, a campaign not public or taking
 * pledges, a rendering not cached yet) takes the route. The answer is the route's, header for
 * header (test/pages/campaign-page-fast-path.e2e-spec.ts), counted and logged under its label.
 */
export function createCampaignPageFastPath(options: CampaignPageFastPathOptions): FastPath {
  const record = fastAnswerRecorder('GET', CAMPAIGN_PAGE_ROUTE, options);
  // each rendering compressed once, the first time a client takes gzip (dropped with the rendering)
  const gzipped = new WeakMap<RenderedPage, GzipParts>();
  const gzipOf = (page: RenderedPage) => {
    let parts = gzipped.get(page);
    if (parts === undefined) gzipped.set(page, (parts = gzipParts(page.head, page.tail ?? Buffer.alloc(0))));
    return parts;
  };
  return (req: IncomingMessage, res: ServerResponse) => {
    if (req.method !== 'GET') return false;
    const match = PAGE_URL.exec(req.url ?? '');
    if (match === null) return false;
    const acceptEncoding = req.headers['accept-encoding'];
    const gzip = gzipAcceptable(acceptEncoding);
    if (!gzip && acceptedCoding(acceptEncoding) !== null) return false;
    const started = performance.now();
    const cookies = req.headers.cookie ? options.parseCookie(req.headers.cookie) : {};
    return options.pages.cachedPage(match[1], { languageCookie: cookies[PUBLIC_LANGUAGE_COOKIE], acceptLanguage: req.headers['accept-language'] }).then((page) => {
      if (page === undefined) return false;
      // a page without a form (the campaign closed) carries no token, and sets none
      const { token, setCookie } = page.tail === null ? { token: '', setCookie: null } : csrfTokenFor(options.csrf, cookies[CSRF_COOKIE], '/c');
      const id = requestIdOf(req);
      const headers: Record<string, string | number> = {
        ...options.headers, 'x-request-id': id, 'cache-control': 'no-store', vary: 'Accept-Language, Cookie', 'content-type': 'text/html; charset=utf-8',
      };
      if (setCookie !== null) headers['set-cookie'] = setCookie;
      if (gzip) {
        const body = gzipWithSlot(gzipOf(page), token);
        headers['content-encoding'] = 'gzip';
        headers.vary = 'Accept-Language, Cookie, accept-encoding';
        headers['content-length'] = body.length;
        res.writeHead(200, headers);
        res.end(body);
      } else if (page.tail === null) {
        headers['content-length'] = page.head.length;
        res.writeHead(200, headers);
        res.end(page.head);
      } else {
        // the cached parts as they are, the token between them: one write of the three (corked), no copy of the page
        headers['content-length'] = page.head.length + token.length + page.tail.length;
        res.writeHead(200, headers);
        res.cork();
        res.write(page.head);
        res.write(token, 'latin1');
        res.end(page.tail);
        res.uncork();
      }
      record(req, id, 200, started);
      return true;
    });
  };
}
