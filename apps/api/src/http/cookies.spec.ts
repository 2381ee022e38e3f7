import Fastify from 'fastify';
import { cookieOf, parseCookies, registerCookies } from './cookies.js';

describe('cookies read when asked for', () => {
  it('reads a cookie of the request, decoded as browsers encode them, and none without a Cookie header', async () => {
    const app = Fastify();
    registerCookies(app);
    app.get('/', async (request) => ({ lang: cookieOf(request, 'ataa_lang') ?? null, csrf: cookieOf(request, 'ataa_csrf') ?? null, other: cookieOf(request, 'missing') ?? null }));
    const withCookies = await app.inject({ url: '/', headers: { cookie: 'ataa_lang=ar; ataa_csrf=a%2Fb%3Dc; theme="dark"' } });
    expect(withCookies.json()).toEqual({ lang: 'ar', csrf: 'a/b=c', other: null });
    const without = await app.inject({ url: '/' });
    expect(without.json()).toEqual({ lang: null, csrf: null, other: null });
    await app.close();
  });

  it('parses the header once, the first time a cookie is asked for, and never for a request that asks for none', async () => {
    const app = Fastify();
    registerCookies(app);
    const reads: Array<string | undefined> = [];
    app.get('/reads', async (request) => {
      reads.push(cookieOf(request, 'a'));
      // a later change to the header is not seen: the request's cookies were read once
      request.headers.cookie = 'a=changed';
      reads.push(cookieOf(request, 'a'));
      return 'ok';
    });
    let parsedOnUntouched: unknown = 'unset';
    app.get('/untouched', async (request) => {
      parsedOnUntouched = Object.getOwnPropertySymbols(request).map((symbol) => (request as unknown as Record<symbol, unknown>)[symbol]).find((value) => value !== null && typeof value === 'object' && !Array.isArray(value) && 'a' in (value as object));
      return 'ok';
    });
    await app.inject({ url: '/reads', headers: { cookie: 'a=1' } });
    await app.inject({ url: '/untouched', headers: { cookie: 'a=1' } });
    expect(reads).toEqual(['1', '1']);
    expect(parsedOnUntouched).toBeUndefined();
    await app.close();
  });

  it('parses a header for the server fast path exactly as a route reads it', () => {
    expect(parseCookies('ataa_csrf=a%2Fb; ataa_seen=12')).toEqual({ ataa_csrf: 'a/b', ataa_seen: '12' });
    expect(parseCookies(undefined)).toEqual({});
    expect(parseCookies('')).toEqual({});
  });
});
