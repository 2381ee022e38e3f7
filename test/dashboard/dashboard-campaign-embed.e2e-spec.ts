import { jest } from '@jest/globals';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import pg from 'pg';
import request from 'supertest';
import {
  addMemberWithDetails, baseUrlOf, csrfOf, signInToDashboard, type DashboardAgent, createCampaign, createOrganizationWithOwner, createTestEnvironment, startTestApi, TestEnvironment, TestOrganization,
} from '@ataa/testing';

jest.setTimeout(120_000);

/**
 * The donate widget in the dashboard (issue 22, part 5): the sites allowed to frame it are set on the
 * campaign form (one origin per line; a bad one re-renders the form with a field error, input kept,
 * nothing stored), and the campaign's page shows the copy-paste <iframe> snippet.
 */
describe('dashboard: embed origins and the widget snippet', () => {
  let env: TestEnvironment;
  let api: NestFastifyApplication;
  let db: pg.Client;
  let base: string;
  let org: TestOrganization;
  let owner: DashboardAgent;

  beforeAll(async () => {
    env = await createTestEnvironment();
    api = await startTestApi(env.config, { listen: true });
    base = await baseUrlOf(api);
    db = new pg.Client({ connectionString: env.database.url });
    await db.connect();
    org = await createOrganizationWithOwner(api, { name: 'Water Relief' });
    owner = await signInToDashboard(base, org.ownerEmail, org.ownerPassword);
  });
  afterAll(async () => {
    await db?.end();
    await api?.close();
    await env?.cleanup();
  });

  async function edit(agent: DashboardAgent, path: string, embedOrigins: string) {
    const form = await agent.get(`${path}/edit`).expect(200);
    return agent.post(`${path}/edit`).type('form').send({
      _csrf: csrfOf(form.text), version: /name="version" value="(\d+)"/.exec(form.text)![1], title: 'Clean water', summary: 'Wells', story: 'Because water matters.',
      language: 'en', goal: '5000', suggestedAmounts: '25\n50', allowAnonymous: 'on', embedOrigins,
    });
  }

  it('sets the allowed sites from the form, refuses a bad one with a field error, and shows the snippet', async () => {
    const campaign = await createCampaign(api, org, { title: 'Clean water', goal: '500000' });
    const path = `/dashboard/o/${org.orgId}/campaigns/${campaign.id}`;
    const before = await owner.get(path).expect(200);
    expect(before.text).toContain('data-testid="embed-snippet"');
    expect(before.text).not.toContain('data-testid="embed-code"');

    const bad = await edit(owner, path, 'https://charity.example.org\nhttp://insecure.example.org\nhttps://x.org/path');
    expect(bad.status).toBe(400);
    expect(bad.text).toMatch(/id="embedOrigins-error"[^>]*>Each line must be a site address/);
    expect(bad.text).toContain('http://insecure.example.org'); // input kept
    expect((await db.query('SELECT embed_origins FROM campaigns WHERE id = $1', [campaign.id])).rows[0].embed_origins).toEqual([]);

    const good = await edit(owner, path, ' https://Charity.Example.org/ \r\n\r\nhttps://shop.example.org\n');
    expect(good.status).toBe(303);
    expect((await db.query('SELECT embed_origins FROM campaigns WHERE id = $1', [campaign.id])).rows[0].embed_origins).toEqual(['https://charity.example.org', 'https://shop.example.org']);
    const page = await owner.get(path).expect(200);
    const code = /<textarea id="embed-code"[^>]*>([^<]*)<\/textarea>/.exec(page.text)![1].replace(/&#x3D;/g, '=').replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
    expect(code).toBe(`<iframe src="${env.config.PUBLIC_BASE_URL.replace(/\/$/, '')}/embed/c/${campaign.slug}" title="Clean water" width="380" height="420" style="border:0" loading="lazy"></iframe>`);
    expect(page.text).not.toMatch(/<script/i);
    // The edit form shows the list as saved, one per line.
    expect((await owner.get(`${path}/edit`).expect(200)).text).toContain('https://charity.example.org\nhttps://shop.example.org</textarea>');
    // And the widget answers with those origins as its frame-ancestors.
    const widget = await request(base).get(`/embed/c/${campaign.slug}`).expect(200);
    expect(widget.headers['content-security-policy']).toContain('frame-ancestors https://charity.example.org https://shop.example.org');
  });

  it('a viewer sees the snippet but cannot change the list (403)', async () => {
    const campaign = await createCampaign(api, org, { embedOrigins: ['https://charity.example.org'] });
    const viewer = await addMemberWithDetails(api, org, 'viewer');
    const agent = await signInToDashboard(base, viewer.email, viewer.password);
    const path = `/dashboard/o/${org.orgId}/campaigns/${campaign.id}`;
    expect((await agent.get(path).expect(200)).text).toContain('data-testid="embed-code"');
    const form = await owner.get(`${path}/edit`).expect(200);
    const refused = await agent.post(`${path}/edit`).type('form').send({ _csrf: csrfOf((await agent.get(path)).text), version: /name="version" value="(\d+)"/.exec(form.text)![1], title: 'x', embedOrigins: 'https://evil.example.org' });
    expect(refused.status).toBe(403);
    expect((await db.query('SELECT embed_origins FROM campaigns WHERE id = $1', [campaign.id])).rows[0].embed_origins).toEqual(['https://charity.example.org']);
  });
});
