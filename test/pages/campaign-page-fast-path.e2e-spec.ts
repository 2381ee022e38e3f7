import { jest } from '@jest/globals';
import { createCampaign, createOrganizationWithOwner } from '@ataa/testing';
import zlib from 'node:zlib';
import { CampaignPagesController } from '../../apps/api/src/campaign-pages/campaign-pages.controller.js';
import { csrfTokenFresh, deriveCsrfKey } from '../../apps/api/src/campaign-pages/csrf-token.js';
import { DonationWorld, startDonationWorld } from '../donations/donation-test-kit.js';

jest.setTimeout(90_000);

const TOKEN = /name="_csrf" value="([^"]+)"/;
const tokenOf = (html: string) => TOKEN.exec(html)?.[1] ?? '';

/**
 * The campaign page's server fast path (issue 18): a plain GET /c/<slug> whose rendering is cached is
 * answered before Fastify and Nest, with the same bytes (but the visitor's token), the same headers,
 * the same fresh figures and the same CSRF rules as the route; everything else takes the route.
 */
describe('the campaign page from the server\'s fast path', () => {
  let world: DonationWorld;
  let campaign: { id: string; slug: string };
  let pages: CampaignPagesController;
  let served: jest.SpiedFunction<CampaignPagesController['cachedPage']>;
  /** How many requests the fast path answered (cachedPage found the rendering). */
  const fastCount = async () => {
    let n = 0;
    for (const result of served.mock.results) if (result.type === 'return' && (await result.value) !== undefined) n++;
    return n;
  };
  const get = (path: string, headers: Record<string, string> = {}, method = 'GET') => fetch(`${world.apiUrl}${path}`, { method, headers: { 'accept-encoding': 'identity', ...headers } });
  /** A body as its client reads it, its token replaced (each visitor has their own). */
  const pageText = async (res: Response) => {
    const raw = Buffer.from(await res.arrayBuffer());
    // fetch decodes gzip itself; check the wire bytes decode too when they are still encoded
    const text = res.headers.get('content-encoding') === 'gzip' && raw[0] === 0x1f ? zlib.gunzipSync(raw).toString() : raw.toString();
    return text.replace(TOKEN, 'name="_csrf" value="TOKEN"');
  };
  // (the route's compression streams its answer, chunked; the fast path knows its length)
  const headersOf = (res: Response) => Object.fromEntries([...res.headers]
    .filter(([name]) => !['date', 'x-request-id', 'content-length', 'transfer-encoding'].includes(name))
    .map(([name, value]) => [name, name === 'set-cookie' ? value.replace(/^ataa_csrf=[^;]+/, 'ataa_csrf=TOKEN') : value]));

  beforeAll(async () => {
    world = await startDonationWorld({ worker: false });
    const org = await createOrganizationWithOwner(world.api);
    campaign = await createCampaign(world.api, org, { title: 'Clean water', language: 'en', currency: 'usd' });
    pages = world.api.get(CampaignPagesController);
    served = jest.spyOn(pages, 'cachedPage');
  });
  afterAll(async () => {
    served?.mockRestore();
    await world?.close();
  });

  it('answers as the route does, header for header, plain and gzip, for new and returning visitors in either language', async () => {
    const visitors: Record<string, string>[] = [
      {}, { 'accept-encoding': 'gzip' }, { 'accept-encoding': 'gzip;q=0.5, br;q=0' }, { 'accept-language': 'ar, en;q=0.5' }, { cookie: 'ataa_lang=ar; other=1' },
    ];
    for (const visitor of visitors) {
      // the route first (the rendering may be new), then the fast path
      served.mockResolvedValueOnce(undefined);
      const routed = await get(`/c/${campaign.slug}`, visitor);
      const before = await fastCount();
      const fast = await get(`/c/${campaign.slug}`, visitor);
      expect([visitor, await fastCount()]).toEqual([visitor, before + 1]);
      expect([visitor, fast.status, headersOf(fast)]).toEqual([visitor, 200, headersOf(routed)]);
      expect(await pageText(fast)).toBe(await pageText(routed));
    }
    // a returning visitor keeps their token: no Set-Cookie, their token in the form
    const first = await get(`/c/${campaign.slug}`);
    const token = tokenOf(await first.text());
    expect(first.headers.get('set-cookie')).toBe(`ataa_csrf=${token}; Path=/c; HttpOnly; SameSite=Lax`);
    const before = await fastCount();
    for (const encoding of ['identity', 'gzip']) {
      const again = await get(`/c/${campaign.slug}`, { cookie: `ataa_csrf=${token}`, 'accept-encoding': encoding });
      expect(again.headers.get('set-cookie')).toBeNull();
      expect(tokenOf(await again.text())).toBe(token);
    }
    expect(await fastCount()).toBe(before + 2);
    // and every new visitor gets a new token, signed by us
    const [a, b] = await Promise.all([get(`/c/${campaign.slug}`), get(`/c/${campaign.slug}`)]);
    const [ta, tb] = [tokenOf(await a.text()), tokenOf(await b.text())];
    expect(ta).not.toBe(tb);
    for (const t of [ta, tb]) expect(csrfTokenFresh(deriveCsrfKey(world.config.AUTH_SECRET!), t)).toBe(true);
    // the gzip answer on the wire is one gzip member that decodes to the page
    const wire = await get(`/c/${campaign.slug}`, { 'accept-encoding': 'gzip' });
    expect(wire.headers.get('content-encoding')).toBe('gzip');
    expect(await pageText(wire)).toContain('Clean water');
  });

  it('shows a change on the very next request (the head is read fresh), and counts its answers under the route', async () => {
    await get(`/c/${campaign.slug}`);
    await get(`/c/${campaign.slug}`);
    await world.db.query(`UPDATE campaigns SET summary = 'Now for two villages' WHERE id = $1`, [campaign.id]);
    const before = await fastCount();
    const changed = await get(`/c/${campaign.slug}`);
    expect(await changed.text()).toContain('Now for two villages');
    // the old rendering was not sent: this key was not cached, so the route rendered it
    expect(await fastCount()).toBe(before);
    const metric = async () => Number(/ataa_http_requests_total\{method="GET",route="\/c\/:slug",status="200"\} (\d+)/.exec(await (await fetch(`${world.apiUrl}/metrics`)).text())?.[1] ?? 0);
    const counted = await metric();
    const fast = await get(`/c/${campaign.slug}`);
    expect(await fast.text()).toContain('Now for two villages');
    expect(await fastCount()).toBe(before + 1);
    expect(await metric()).toBe(counted + 1);
  });

  it('leaves to the route: a query, HEAD, brotli only, an unknown campaign, and a fault', async () => {
    await get(`/c/${campaign.slug}`);
    const calls = served.mock.calls.length;
    expect((await get(`/c/${campaign.slug}?lang=ar`)).status).toBe(200);
    expect((await get(`/c/${campaign.slug}`, {}, 'HEAD')).status).toBe(200);
    const brotli = await get(`/c/${campaign.slug}`, { 'accept-encoding': 'br' });
    expect(brotli.headers.get('content-encoding')).toBe('br');
    expect(served.mock.calls.length).toBe(calls);
    // not public: the fast path declines, the route answers 404
    const before = await fastCount();
    expect((await get('/c/no-such-campaign')).status).toBe(404);
    expect(await fastCount()).toBe(before);
    // a fault in the fast path costs nothing but speed
    served.mockRejectedValueOnce(new Error('fast path fault'));
    const fallback = await get(`/c/${campaign.slug}`);
    expect(fallback.status).toBe(200);
    expect(await fallback.text()).toContain('Clean water');
  });
});
