import { jest } from '@jest/globals';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import pg from 'pg';
import request from 'supertest';
import { createCampaign, createOrganizationWithOwner, createTestEnvironment, startTestApi, TestEnvironment, TestOrganization } from '@ataa/testing';

jest.setTimeout(90_000);

/**
 * The home page, /campaigns and the public campaigns API over HTTP: only published campaigns,
 * Arabic folding, filters, cursor pages, ETag/304, CORS on /api/v1/public only, and bad input
 * answered with a 400 problem (API) or ignored (page), never a 500.
 */
describe('campaign discovery over HTTP', () => {
  let env: TestEnvironment;
  let app: NestFastifyApplication;
  let db: pg.Client;
  let org: TestOrganization;
  const http = () => request(app.getHttpServer());
  const auth = () => ({ authorization: `Bearer ${org.ownerToken}` });
  const slugs: Record<string, string> = {};
  /** Gifts as the ledger's totals upsert records them (the trigger under test maintains listings and hourly buckets). */
  const give = (campaignId: string, currency: string, amount: number, gifts: number) =>
    db.query(
      `INSERT INTO campaign_ledger_totals AS t (campaign_id, currency, raised, donations_count) VALUES ($1, $2, $3, $4)
       ON CONFLICT (campaign_id) DO UPDATE SET raised = t.raised + EXCLUDED.raised, donations_count = t.donations_count + EXCLUDED.donations_count`,
      [campaignId, currency, amount, gifts]);

  beforeAll(async () => {
    env = await createTestEnvironment();
    app = await startTestApi(env.config);
    db = new pg.Client({ connectionString: env.database.url });
    await db.connect();
    org = await createOrganizationWithOwner(app, { name: 'Water First' });
    const water = await createCampaign(app, org, { slug: 'school-water', title: 'مدرسة القرية: بئر ماء', summary: 'بِئْرُ مَاءٍ لِلْمَدْرَسَةِ', category: 'water', language: 'ar', goal: '100000' });
    const clinic = await createCampaign(app, org, { slug: 'clinic', title: 'A clinic for the valley', summary: 'Health care', category: 'health', currency: 'kwd', goal: '5000', fundingModel: 'all_or_nothing', endsAt: new Date(Date.now() + 30 * 86_400_000).toISOString() });
    const books = await createCampaign(app, org, { slug: 'books', title: 'Books for children', category: 'education', endsAt: new Date(Date.now() + 3 * 86_400_000).toISOString() });
    await createCampaign(app, org, { slug: 'secret-draft', title: 'Secret draft water well' }, { publish: false });
    const cancelled = await createCampaign(app, org, { slug: 'cancelled-well', title: 'Cancelled water well' });
    await http().post(`/api/v1/orgs/${org.orgId}/campaigns/${cancelled.id}/cancel`).set(auth()).send({}).expect(200);
    const suspended = await createCampaign(app, org, { slug: 'suspended-well', title: 'Suspended water well' });
    await db.query(`UPDATE campaigns SET suspended_at = now(), suspension_reason = 'review' WHERE id = $1`, [suspended.id]);
    Object.assign(slugs, { water: water.id, clinic: clinic.id, books: books.id });
    await give(water.id, 'usd', 120000, 3); // goal reached
    await give(clinic.id, 'kwd', 2500, 5);
  }, 90_000);
  afterAll(async () => {
    await db?.end();
    await app?.close();
    await env?.cleanup();
  }, 60_000);

  const list = (query: Record<string, string>) => http().get('/api/v1/public/campaigns').query(query);

  it('lists only published campaigns, newest first, with figures and links', async () => {
    const res = await list({}).expect(200);
    expect(res.body.items.map((c: { slug: string }) => c.slug)).toEqual(['books', 'clinic', 'school-water']);
    const water = res.body.items.find((c: { slug: string }) => c.slug === 'school-water');
    expect(water).toMatchObject({ raised: '120000', gifts: 3, goalReached: true, category: 'water', currency: 'usd', organization: { name: 'Water First' }, links: { page: '/c/school-water', ledger: '/c/school-water/ledger' } });
    expect(res.body.nextCursor).toBeNull();
  });

  it('finds an Arabic campaign with or without diacritics and letter variants', async () => {
    for (const q of ['مدرسة', 'مَدْرَسَةُ', 'مدرسه', 'مدرســة', 'بئر ماء', 'لِلْمَدْرَسَةِ']) {
      const res = await list({ q }).expect(200);
      expect([q, res.body.items.map((c: { slug: string }) => c.slug)]).toEqual([q, ['school-water']]);
    }
    expect((await list({ q: 'CLINIC valley' }).expect(200)).body.items.map((c: { slug: string }) => c.slug)).toEqual(['clinic']);
    expect((await list({ q: 'well' }).expect(200)).body.items).toEqual([]); // draft, cancelled, suspended
  });

  it('filters and sorts', async () => {
    const slugsOf = async (q: Record<string, string>) => (await list(q).expect(200)).body.items.map((c: { slug: string }) => c.slug);
    expect(await slugsOf({ category: 'health' })).toEqual(['clinic']);
    expect(await slugsOf({ currency: 'KWD' })).toEqual(['clinic']);
    expect(await slugsOf({ funding: 'all_or_nothing' })).toEqual(['clinic']);
    expect(await slugsOf({ status: 'ended' })).toEqual([]);
    expect(await slugsOf({ sort: 'ending_soon' })).toEqual(['books', 'clinic', 'school-water']); // no end date last
    expect(await slugsOf({ sort: 'closest_to_goal' })).toEqual(['clinic', 'books', 'school-water']);
    expect((await slugsOf({ sort: 'most_raised' }))[0]).toBe('school-water');
  });

  it('pages with a cursor, every campaign once', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res: request.Response = await list({ limit: '1', ...(cursor ? { cursor } : {}) }).expect(200);
      seen.push(...res.body.items.map((c: { slug: string }) => c.slug));
      cursor = res.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual(['books', 'clinic', 'school-water']);
  });

  it('answers 304 to If-None-Match, and a new ETag once the figures change', async () => {
    const first = await http().get('/api/v1/public/campaigns/clinic').expect(200);
    expect(first.body).toMatchObject({ slug: 'clinic', storyHtml: expect.stringContaining('<h1>'), raised: '2500', links: { report: '/c/clinic/report' } });
    await http().get('/api/v1/public/campaigns/clinic').set('if-none-match', first.headers.etag).expect(304);
    const listed = await list({}).expect(200);
    await list({}).set('if-none-match', `W/${listed.headers.etag}`).expect(304);
    await give(slugs.clinic, 'kwd', 100, 1);
    const after = await http().get('/api/v1/public/campaigns/clinic').set('if-none-match', first.headers.etag).expect(200);
    expect(after.body.raised).toBe('2600');
  });

  it('404s a draft, cancelled, suspended or unknown campaign', async () => {
    for (const slug of ['secret-draft', 'cancelled-well', 'suspended-well', 'nope', 'BAD%20slug']) {
      const res = await http().get(`/api/v1/public/campaigns/${slug}`).expect(404);
      expect(res.body.code).toBe('campaign_not_found');
    }
  });

  it('opens CORS on the public API only', async () => {
    const res = await list({}).set('origin', 'https://news.example').expect(200);
    expect(res.headers['access-control-allow-origin']).toBe('*');
    const ledger = await http().get('/api/v1/public/campaigns/clinic/report').set('origin', 'https://news.example');
    expect(ledger.headers['access-control-allow-origin']).toBe('*');
    const preflight = await http().options('/api/v1/public/campaigns').set('origin', 'https://news.example').set('access-control-request-method', 'GET').set('access-control-request-headers', 'if-none-match').expect(204);
    expect(preflight.headers['access-control-allow-methods']).toBe('GET, HEAD');
    const privateApi = await http().get(`/api/v1/orgs/${org.orgId}/campaigns`).set(auth()).set('origin', 'https://news.example').expect(200);
    expect(privateApi.headers['access-control-allow-origin']).toBeUndefined();
    expect((await http().get('/campaigns').set('origin', 'https://news.example')).headers['access-control-allow-origin']).toBeUndefined();
  });

  it('bad input: a 400 problem from the API, never a 500; the page ignores it', async () => {
    const bad: Record<string, string>[] = [
      { limit: '1000000' }, { limit: '0' }, { limit: '1e3' }, { sort: "newest'; DROP TABLE campaigns; --" }, { category: '%' }, { currency: 'US$' },
      { status: 'draft' }, { cursor: 'Zm9yZ2Vk' }, { cursor: Buffer.from(JSON.stringify(['newest', "2026-01-01 00:00:00+00') OR 1=1 --", '00000000-0000-0000-0000-000000000000'])).toString('base64url') },
      { q: 'x'.repeat(5000) }, { q: 'ab' },
    ];
    for (const query of bad) {
      const res = await list(query);
      expect([JSON.stringify(query).slice(0, 80), res.status, res.headers['content-type']]).toEqual([JSON.stringify(query).slice(0, 80), 400, expect.stringContaining('application/problem+json')]);
      expect(res.body.code).toMatch(/^(invalid_parameter|invalid_cursor|query_too_long|query_too_short)$/);
      const page = await http().get('/campaigns').query(query);
      expect(page.status).toBe(200);
    }
    for (const q of ['\u0000water', '\u202Ewater\u202C', '%_\\', '.*+?^${}()|[]', "' OR '1'='1", '\uD800water', 'مدرسة\u0000']) {
      const res = await list({ q });
      expect([q, res.status]).toEqual([q, expect.any(Number)]);
      expect(res.status).toBeLessThan(500);
      expect((await http().get('/campaigns').query({ q })).status).toBe(200);
    }
    expect((await list({ q: '\u202Eclinic' }).expect(200)).body.items.map((c: { slug: string }) => c.slug)).toEqual(['clinic']);
    const twice = await http().get('/api/v1/public/campaigns?q=a&q=b');
    expect(twice.status).toBe(400);
  });

  it('home page: sections, totals, verification link; in English or Arabic', async () => {
    const en = await http().get('/').expect(200);
    expect(en.headers['content-type']).toContain('text/html');
    expect(en.text).toContain('<html lang="en" dir="ltr">');
    expect(en.text).not.toContain('<script');
    expect(en.text).toContain('href="/c/school-water"');
    expect(en.text).toContain('Recently funded');
    expect(en.text).toContain('$1,200.00'); // platform total in USD
    expect(en.text).toContain('/.well-known/ataa-transparency.pub');
    expect(en.text).not.toContain('secret-draft');
    const ar = await http().get('/').set('accept-language', 'ar-EG,ar;q=0.9,en;q=0.5').expect(200);
    expect(ar.text).toContain('<html lang="ar" dir="rtl">');
    const chosen = await http().get('/?lang=en').set('accept-language', 'ar').expect(200);
    expect(chosen.headers['set-cookie']?.[0]).toMatch(/^ataa_lang=en; Path=\//);
    const remembered = await http().get('/').set('cookie', 'ataa_lang=ar').expect(200);
    expect(remembered.text).toContain('dir="rtl"');
  });

  it('/campaigns page: search form, filters kept, cards with progress and currency-correct amounts', async () => {
    const page = await http().get('/campaigns').query({ q: 'clinic', currency: 'kwd', lang: 'en' }).expect(200);
    expect(page.text).not.toContain('<script');
    expect(page.text).toContain('href="/c/clinic"');
    expect(page.text).toContain('KWD'); // KWD has 3 decimals: 2.600 of 5.000
    expect(page.text).toMatch(/2\.600/);
    expect(page.text).toContain('<progress');
    expect(page.text).toContain('value="clinic"');
    const ar = await http().get('/campaigns').query({ lang: 'ar', category: 'water' }).expect(200);
    expect(ar.text).toContain('dir="rtl"');
    expect(ar.text).toContain('href="/c/school-water"');
    expect(ar.text).not.toContain('href="/c/clinic"');
  });

  it('category: chosen on create, validated, returned by the API', async () => {
    const bad = await http().post(`/api/v1/orgs/${org.orgId}/campaigns`).set(auth()).send({ title: 'x', currency: 'usd', goal: '100', category: 'weapons' }).expect(400);
    expect(JSON.stringify(bad.body)).toContain('category');
    const created = await createCampaign(app, org, { title: 'Default category' }, { publish: false });
    expect(created.category).toBe('other');
  });
});
