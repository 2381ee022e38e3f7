import { jest } from '@jest/globals';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import pg from 'pg';
import sharp from 'sharp';
import request from 'supertest';
import { createCampaign, createOrganizationWithOwner, createTestEnvironment, ENHANCEMENT_SCRIPTS, startTestApi, TestEnvironment, TestOrganization } from '@ataa/testing';

jest.setTimeout(60_000);

/**
 * Sharing a campaign (issue 22, parts 3–5) over HTTP: the page's deadline, share links and QR code,
 * the Open Graph card, and the donate widget's framing policy per campaign.
 */
describe('campaign sharing over HTTP', () => {
  let env: TestEnvironment;
  let app: NestFastifyApplication;
  let db: pg.Client;
  let org: TestOrganization;
  const http = () => request(app.getHttpServer());
  const auth = () => ({ authorization: `Bearer ${org.ownerToken}` });
  const base = 'https://give.example.org';
  /** The page's attribute values as a browser reads them (Handlebars escapes = and &). */
  const decoded = (html: string) => html.replace(/&#x3D;/g, '=').replace(/&amp;/g, '&');

  beforeAll(async () => {
    env = await createTestEnvironment({ PUBLIC_BASE_URL: base });
    app = await startTestApi(env.config);
    db = new pg.Client({ connectionString: env.database.url });
    await db.connect();
    org = await createOrganizationWithOwner(app);
  });
  afterAll(async () => {
    await db?.end();
    await app?.close();
    await env?.cleanup();
  });

  it('the page shows the deadline, share links with the encoded URL and title, the QR code and the card as og:image', async () => {
    const endsAt = new Date(Date.now() + 10 * 24 * 3_600_000 + 3_600_000).toISOString();
    const campaign = await createCampaign(app, org, { title: 'Wells & water #2', endsAt });
    const page = await http().get(`/c/${campaign.slug}`).expect(200);
    const html = decoded(page.text);
    expect(html).toContain('data-testid="deadline"');
    expect(html).toMatch(/<time datetime="[^"]+">Ends [^<]+ UTC<\/time> · <strong data-testid="time-left">10 days left<\/strong>/);
    const url = `${base}/c/${campaign.slug}`;
    expect(html).toContain(`https://www.facebook.com/sharer/sharer.php?u=${encodeURIComponent(url)}`);
    expect(html).toContain(`https://x.com/intent/tweet?text=${encodeURIComponent('Support this campaign: Wells & water #2')}&url=${encodeURIComponent(url)}`);
    for (const network of ['whatsapp', 'telegram', 'email']) expect(html).toContain(`data-share="${network}"`);
    expect(html).toContain(`value="${url}" readonly`);
    expect(html).toContain(`src="/c/${campaign.slug}/qr.svg"`);
    expect(html).toContain(`<meta property="og:image" content="${url}/card.png">`);
    expect(html).toContain(`<meta name="twitter:image" content="${url}/card.png">`);
    expect(html).toContain('data-testid="updates"');
    expect(html).not.toContain('data-testid="goal-reached"');
    // No third-party or inline script: at most the page's own optional time-zone picker (the form works without it).
    expect([...html.matchAll(/<script\b[^>]*>/gi)].map((m) => m[0])).toEqual([`<script type="module" src="${ENHANCEMENT_SCRIPTS.timeZone}">`]);
  });

  it('?amount= preselects a suggested amount and ignores anything else', async () => {
    const campaign = await createCampaign(app, org, { suggestedAmounts: ['2500', '5000'] });
    const chosen = (await http().get(`/c/${campaign.slug}?amount=50.00`).expect(200)).text;
    expect(chosen).toMatch(/id="amount-1" value="50\.00" checked/);
    expect(chosen).not.toMatch(/id="amount-0" value="25\.00" checked/);
    for (const odd of ['49', '<b>', 'other', '50.00&amount=25.00']) {
      const page = (await http().get(`/c/${campaign.slug}?amount=${encodeURIComponent(odd)}`).expect(200)).text;
      expect(page).toMatch(/id="amount-0" value="25\.00" checked/);
    }
  });

  it('a campaign at its goal says it is reached (and still takes gifts)', async () => {
    const campaign = await createCampaign(app, org, { goal: '1000' });
    await db.query(`INSERT INTO campaign_ledger_totals (campaign_id, currency, raised, donations_count) VALUES ($1, 'usd', 1500, 1)
      ON CONFLICT (campaign_id) DO UPDATE SET raised = 1500, donations_count = 1`, [campaign.id]);
    const reached = (await http().get(`/c/${campaign.slug}`).expect(200)).text;
    expect(reached).toContain('data-testid="goal-reached"><strong>Goal reached! Thank you to everyone who gave.</strong> Gifts are still welcome.');
  });

  it('the QR code is an SVG of the campaign URL, cached long; a draft has none', async () => {
    const campaign = await createCampaign(app, org);
    const qr = await http().get(`/c/${campaign.slug}/qr.svg`).buffer(true).parse((res, done) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => done(null, Buffer.concat(chunks)));
    }).expect(200);
    expect(qr.headers['content-type']).toBe('image/svg+xml; charset=utf-8');
    expect(qr.headers['cache-control']).toBe('public, max-age=2592000, immutable');
    const svg = (qr.body as Buffer).toString();
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(svg).not.toMatch(/<script/i);
    // It decodes as an image (rasterized by libvips).
    const meta = await sharp(qr.body as Buffer).metadata();
    expect(meta.width).toBeGreaterThan(20);
    const draft = await createCampaign(app, org, {}, { publish: false });
    await http().get(`/c/${draft.slug}/qr.svg`).expect(404);
    await http().get('/c/no-such-campaign/qr.svg').expect(404);
  });

  it('the card is a 1200×630 PNG, cached a minute with an ETag; 304 on a match; a draft has none', async () => {
    const campaign = await createCampaign(app, org, { language: 'ar', title: 'مياه نظيفة للمفرق' });
    const binary = (res: NodeJS.ReadableStream, done: (err: Error | null, body: Buffer) => void) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => done(null, Buffer.concat(chunks)));
    };
    const card = await http().get(`/c/${campaign.slug}/card.png`).buffer(true).parse(binary as never).expect(200);
    expect(card.headers['content-type']).toBe('image/png');
    expect(card.headers['cache-control']).toBe('public, max-age=60');
    expect(card.headers['content-encoding']).toBeUndefined();
    const meta = await sharp(card.body as Buffer).metadata();
    expect({ format: meta.format, width: meta.width, height: meta.height }).toEqual({ format: 'png', width: 1200, height: 630 });
    const etag = card.headers.etag;
    expect(etag).toMatch(/^"[A-Za-z0-9_-]{27}"$/);
    await http().get(`/c/${campaign.slug}/card.png`).set('if-none-match', etag).expect(304);
    const draft = await createCampaign(app, org, {}, { publish: false });
    await http().get(`/c/${draft.slug}/card.png`).expect(404);
  });

  it('the widget may be framed only by the origins its campaign lists; every other page keeps frame-ancestors none', async () => {
    const listed = await createCampaign(app, org, { embedOrigins: ['https://Charity.Example.org/', 'http://127.0.0.1:4555'] });
    expect(listed.embedOrigins).toEqual(['https://charity.example.org', 'http://127.0.0.1:4555']);
    const widget = await http().get(`/embed/c/${listed.slug}`).expect(200);
    expect(widget.headers['content-security-policy']).toContain('frame-ancestors https://charity.example.org http://127.0.0.1:4555');
    expect(widget.headers['content-security-policy']).toContain("default-src 'self'");
    expect(widget.headers['x-frame-options']).toBeUndefined();
    // Links that open the campaign page in a new window with the amount chosen; no form, no script.
    expect(decoded(widget.text)).toContain(`href="${base}/c/${listed.slug}?amount=25.00#give-title" target="_blank"`);
    expect(widget.text).not.toMatch(/<form|<script/i);

    const unlisted = await createCampaign(app, org);
    const closed = await http().get(`/embed/c/${unlisted.slug}`).expect(200);
    expect(closed.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    for (const path of [`/c/${listed.slug}`, `/c/${listed.slug}/qr.svg`, '/dashboard/sign-in']) {
      const res = await http().get(path);
      expect(res.headers['content-security-policy']).toContain("frame-ancestors 'none'");
      expect(res.headers['content-security-policy']).not.toContain('charity.example.org');
    }
    await http().get('/embed/c/no-such-campaign').expect(404);
  });

  it('refuses bad embed origins with 400 and changes nothing; an update replaces the list', async () => {
    const campaign = await createCampaign(app, org, {}, { publish: false });
    for (const bad of [['http://charity.example.org'], ['https://a.org/path'], ["https://a.org 'unsafe-inline'"], ['https://a.org; script-src *'], ['*'], ['https://*.a.org'], [42],
      Array.from({ length: 11 }, (_, i) => `https://a${i}.org`), 'https://a.org']) {
      const res = await http().patch(`/api/v1/orgs/${org.orgId}/campaigns/${campaign.id}`).set(auth()).send({ version: campaign.version, embedOrigins: bad }).expect(400);
      expect(res.body.code).toBe('validation_failed');
      expect(JSON.stringify(res.body)).toContain('embedOrigins');
    }
    const created = await http().post(`/api/v1/orgs/${org.orgId}/campaigns`).set(auth()).send({ title: 'x', currency: 'usd', goal: '100', embedOrigins: ['ftp://a.org'] }).expect(400);
    expect(created.body.code).toBe('validation_failed');
    const { rows } = await db.query('SELECT embed_origins, version FROM campaigns WHERE id = $1', [campaign.id]);
    expect(rows[0]).toEqual({ embed_origins: [], version: campaign.version });
    const updated = await http().patch(`/api/v1/orgs/${org.orgId}/campaigns/${campaign.id}`).set(auth()).send({ version: campaign.version, embedOrigins: ['https://b.org'] }).expect(200);
    expect(updated.body.embedOrigins).toEqual(['https://b.org']);
    // The database refuses what the API would: no CSP syntax through a hand-made row.
    await expect(db.query(`UPDATE campaigns SET embed_origins = ARRAY['https://a.org; script-src *'] WHERE id = $1`, [campaign.id])).rejects.toThrow(/campaigns_embed_origins_check/);
  });
});
