import { parseCookie } from 'cookie';
import type { FastifyInstance, FastifyRequest } from 'fastify';

/** Where a request keeps its parsed Cookie header, once something asked for a cookie. */
const PARSED = Symbol('ataa.cookies');

type WithCookies = FastifyRequest & { [PARSED]?: Record<string, string | undefined> | null };

/**
 * Cookies are read where a page or form needs them, not parsed for every request: the header is
 * parsed the first time one is asked for and kept on the request. (A plugin's global hooks parsing
 * it up front, and a Map per reply for cookies set through it, were paid by every request, the JSON
 * API's included; we write our Set-Cookie headers ourselves.)
 */
export function cookieOf(request: FastifyRequest, name: string): string | undefined {
  const held = request as WithCookies;
  let cookies = held[PARSED];
  if (cookies == null) {
    cookies = parseCookies(request.headers.cookie);
    held[PARSED] = cookies;
  }
  return cookies[name];
}

/** A Cookie header's cookies (none without one), as `cookieOf` reads them: for the server's fast path, which has no Fastify request. */
export function parseCookies(header: string | undefined): Record<string, string | undefined> {
  return header ? parseCookie(header) : {};
}

/** Declares the request's cookie slot once, so that requests keep one shape whether or not a cookie was read. */
export function registerCookies(fastify: FastifyInstance): void {
  fastify.decorateRequest(PARSED as unknown as string, null);
}
