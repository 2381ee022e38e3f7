import { jest } from '@jest/globals';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import pg from 'pg';
import request from 'supertest';
import {
  addMemberWithDetails, baseUrlOf, csrfOf, postDashboardForm, signInToDashboard, type DashboardAgent, createCampaign, createOrganizationWithOwner, createTestEnvironment, startTestApi, TestEnvironment, TestOrganization,
} from '@ataa/testing';

jest.setTimeout(120_000);

type Agent = DashboardAgent;

/**
 * The dashboard's Campaigns section over HTTP: a bad form re-renders with field errors and stores
 * nothing; create -> edit -> publish (confirmation first) -> the public page answers; list filters;
 * a viewer sees no buttons and is refused (403) posting anyway; another organization's campaign is 404;
 * a form without its CSRF token is refused.
 */
describe('dashboard campaigns (API, PostgreSQL, Redis)', () => {
  let env: TestEnvironment;
  let api: NestFastifyApplication;
  let db: pg.Client;
  let base: string;
  let org: TestOrganization;
  let owner: Agent;

  const versionOf = (html: string) => /name="version" value="(\d+)"/.exec(html)![1];
  const post = postDashboardForm;
  const signIn = (email: string, password: string) => signInToDashboard(base, email, password);
  const countCampaigns = async (orgId: string) => Number((await db.query(`SELECT count(*) AS n FROM campaigns WHERE organization_id = $1`, [orgId])).rows[0].n);
  const inDays = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 16);

  beforeAll(async () => {
    env = await createTestEnvironment();
    api = await startTestApi(env.config, { listen: true });
    base = await baseUrlOf(api);
    db = new pg.Client({ connectionString: env.database.url });
    await db.connect();
    org = await createOrganizationWithOwner(api, { name: 'Water Relief' });
    owner = await signIn(org.ownerEmail, org.ownerPassword);
  }, 60_000);
  afterAll(async () => {
    await db?.end();
    await api?.close();
    await env?.cleanup();
  }, 60_000);

  it('a bad form re-renders with field errors in the page language, the input kept, nothing stored', async () => {
    const newPath = `/dashboard/o/${org.orgId}/campaigns/new`;
    const bad = await post(owner, newPath, newPath, {
      title: '', story: 'Our <b>story</b>', language: 'en', currency: 'usd', goal: '12.345', fundingModel: 'flexible',
      endsAt: 'next week', suggestedAmounts: '10\n10', coverImageUrl: 'http://insecure.example.org/x.jpg',
    });
    expect(bad.status).toBe(400);
    expect(bad.headers['content-type']).toMatch(/text\/html/);
    expect(bad.text).toContain('data-testid="form-error"');
    expect(bad.text).toMatch(/id="title-error">Enter a title\./);
    expect(bad.text).toMatch(/id="goal-error">Too many decimals for this currency\./);
    expect(bad.text).toMatch(/id="endsAt-error">Enter a date and time\./);
    expect(bad.text).toMatch(/id="coverImageUrl-error">Enter an https address/);
    expect(bad.text).toContain('value="12.345"'); // input kept
    expect(bad.text).toContain('Our &lt;b&gt;story&lt;/b&gt;');
    // the lib's rules (the same as the API's): a repeated suggested amount
    const repeated = await post(owner, newPath, newPath, { title: 'Repeated', language: 'en', currency: 'usd', goal: '5000', fundingModel: 'flexible', suggestedAmounts: '10\n10' });
    expect(repeated.status).toBe(400);
    const category = await post(owner, newPath, newPath, { title: 'Casino', language: 'en', currency: 'usd', goal: '5000', fundingModel: 'flexible', category: 'casino' });
    expect(category.status).toBe(400);
    expect(category.text).toMatch(/id="category-error">/);
    expect(repeated.text).toMatch(/id="suggestedAmounts-error">An amount is repeated\./);
    // an unsupported currency, in Arabic
    expect((await post(owner, newPath, '/dashboard/language', { language: 'ar', next: newPath })).status).toBe(303);
    const arabic = await post(owner, newPath, newPath, { title: 'حملة', language: 'ar', currency: 'zzz', goal: '100', fundingModel: 'flexible' });
    expect(arabic.status).toBe(400);
    expect(arabic.text).toMatch(/<html lang="ar" dir="rtl">/);
    expect(arabic.text).toContain('هذه العملة غير مدعومة.');
    expect(arabic.text).toContain('value="حملة"');
    expect((await post(owner, newPath, '/dashboard/language', { language: 'en', next: newPath })).status).toBe(303);
    expect(await countCampaigns(org.orgId)).toBe(0);
  });

  it('refuses a form without its CSRF token (403), storing nothing', async () => {
    await owner.get(`/dashboard/o/${org.orgId}/campaigns/new`).expect(200);
    const refused = await owner.post(`/dashboard/o/${org.orgId}/campaigns/new`).type('form')
      .send({ title: 'No token', language: 'en', currency: 'usd', goal: '5000', fundingModel: 'flexible' });
    expect(refused.status).toBe(403);
    expect(refused.text).toContain('The form expired.');
    expect(await countCampaigns(org.orgId)).toBe(0);
  });

  it('create -> edit -> publish (after its confirmation) -> the public page answers; the list filters', async () => {
    const newPath = `/dashboard/o/${org.orgId}/campaigns/new`;
    const created = await post(owner, newPath, newPath, {
      title: 'Clean water for Mafraq', summary: 'Wells for three villages', story: '# Why\nBecause **water** matters.', language: 'en',
      currency: 'usd', goal: '5,000', fundingModel: 'flexible', category: 'water', endsAt: inDays(30), suggestedAmounts: '25\n50\n100.50',
      allowAnonymous: 'on', offerCoverFees: 'on',
    });
    expect(created.status).toBe(303);
    const location = created.headers.location as string;
    const [, campaignId] = /\/campaigns\/([0-9a-f-]{36})\?done=created$/.exec(location)!;
    const [row] = (await db.query(`SELECT * FROM campaigns WHERE id = $1`, [campaignId])).rows;
    expect(row).toMatchObject({ organization_id: org.orgId, title: 'Clean water for Mafraq', goal_amount: '500000', currency: 'usd', status: 'draft', slug: 'clean-water-for-mafraq', category: 'water' });
    expect(row.suggested_amounts.map(String)).toEqual(['2500', '5000', '10050']);
    // the same audit trail as the API: the signed-in member is the actor
    expect((await db.query(`SELECT actor FROM audit_log WHERE action = 'campaign.created' AND target_id = $1`, [campaignId])).rows).toEqual([{ actor: `user:${org.ownerUserId}` }]);
    const shown = await owner.get(location).expect(200);
    expect(shown.text).toContain('The draft is created.');
    expect(shown.text).toContain('data-testid="action-publish"');
    expect(shown.text).not.toContain('data-testid="public-links"'); // a draft is not public

    const campaignPath = `/dashboard/o/${org.orgId}/campaigns/${campaignId}`;
    // the draft's preview: the public page's template and figures, no donation form, not for search engines; the public has no such page
    expect(shown.text).toContain(`href="${campaignPath}/preview"`);
    const preview = await owner.get(`${campaignPath}/preview`).expect(200);
    expect(preview.headers['cache-control']).toBe('no-store');
    expect(preview.headers['x-robots-tag']).toBe('noindex');
    expect(preview.text).toContain('data-testid="preview-banner"');
    expect(preview.text).toMatch(/<h1 id="campaign-title"><bdi>Clean water for Mafraq<\/bdi><\/h1>/);
    expect(preview.text).not.toContain('action="/c/clean-water-for-mafraq/donate"');
    await request(base).get('/c/clean-water-for-mafraq').expect(404);
    await request(base).get(`${campaignPath}/preview`).expect(303); // signed out: the sign-in page
    const editForm = await owner.get(`${campaignPath}/edit`).expect(200);
    expect(editForm.text).toContain('value="5000.00"');
    const edited = await owner.post(`${campaignPath}/edit`).type('form').send({
      _csrf: csrfOf(editForm.text), version: versionOf(editForm.text), title: 'Clean water for Mafraq villages', summary: 'Wells for three villages',
      story: 'Because water matters.', language: 'en', slug: 'clean-water-for-mafraq', currency: 'USD', goal: '6000', fundingModel: 'flexible',
      endsAt: /id="endsAt"[^>]*value="([^"]*)"/.exec(editForm.text)![1], suggestedAmounts: '25\n50', allowAnonymous: 'on',
    });
    expect(edited.status).toBe(303);
    expect(edited.headers.location).toBe(`${campaignPath}?done=saved`);
    const [after] = (await db.query(`SELECT title, goal_amount, suggested_amounts, offer_cover_fees, version FROM campaigns WHERE id = $1`, [campaignId])).rows;
    expect(after).toMatchObject({ title: 'Clean water for Mafraq villages', goal_amount: '600000', offer_cover_fees: false, version: 2 });
    // a stale version is refused, nothing changes
    const stale = await owner.post(`${campaignPath}/edit`).type('form').send({
      _csrf: csrfOf(editForm.text), version: versionOf(editForm.text), title: 'Stale', language: 'en', currency: 'USD', goal: '6000', fundingModel: 'flexible',
    });
    expect(stale.status).toBe(409);
    expect(stale.text).toContain('Someone changed the campaign');
    expect((await db.query(`SELECT title FROM campaigns WHERE id = $1`, [campaignId])).rows[0].title).toBe('Clean water for Mafraq villages');

    const confirm = await owner.get(`${campaignPath}/publish`).expect(200);
    expect(confirm.text).toContain('No money moves.');
    expect(await owner.get('/c/clean-water-for-mafraq').then((r) => r.status)).toBe(404); // not yet
    const published = await owner.post(`${campaignPath}/publish`).type('form').send({ _csrf: csrfOf(confirm.text), version: versionOf(confirm.text) });
    expect(published.status).toBe(303);
    expect(published.headers.location).toBe(`${campaignPath}?done=publish`);
    const page = await owner.get(published.headers.location).expect(200);
    expect(page.text).toContain('The campaign is published.');
    expect(page.text).toContain('href="/c/clean-water-for-mafraq/ledger"');
    expect(page.text).toContain('href="/c/clean-water-for-mafraq/report"');
    expect(page.text).toContain('data-testid="action-pause"');
    expect(page.text).not.toContain('data-testid="action-publish"');
    await request(base).get('/c/clean-water-for-mafraq').expect(200);
    await request(base).get('/c/clean-water-for-mafraq/ledger').expect(200);

    // once published the slug, currency and funding model are not on the form any more
    const liveForm = await owner.get(`${campaignPath}/edit`).expect(200);
    expect(liveForm.text).not.toContain('id="currency"');

    // the confirmations say what happens to the money, per funding model
    expect((await owner.get(`${campaignPath}/end`).expect(200)).text).toContain('Keep what you raise: every gift is kept.');
    expect((await owner.get(`${campaignPath}/cancel`).expect(200)).text).toContain('Every gift is refunded to its donor, whatever the funding model.');
    // an action the status does not allow: no button, and the post is the lib's 409
    const resume = await owner.get(`${campaignPath}/resume`).expect(200);
    expect(resume.text).not.toContain('data-testid="confirm"');
    const refused = await owner.post(`${campaignPath}/resume`).type('form').send({ _csrf: csrfOf(resume.text) });
    expect(refused.status).toBe(409);

    const list = await owner.get(`/dashboard/o/${org.orgId}/campaigns?q=mafraq&status=published`).expect(200);
    expect(list.text).toContain('<bdi>Clean water for Mafraq villages</bdi>');
    expect(list.text).toContain('$0.00</bdi> / <bdi>$6,000.00');
    const drafts = await owner.get(`/dashboard/o/${org.orgId}/campaigns?status=draft`).expect(200);
    expect(drafts.text).not.toContain('Clean water for Mafraq');
    expect(drafts.text).toContain('data-testid="no-campaigns"');
    const none = await owner.get(`/dashboard/o/${org.orgId}/campaigns?q=nothing-like-it`).expect(200);
    expect(none.text).not.toContain('Clean water for Mafraq');
  });

  it('a viewer sees no edit or lifecycle buttons and is refused (403) posting the forms anyway', async () => {
    const campaign = await createCampaign(api, org, { title: 'Viewer can see this' });
    const viewer = await addMemberWithDetails(api, org, 'viewer');
    const agent = await signIn(viewer.email, viewer.password);
    const campaignPath = `/dashboard/o/${org.orgId}/campaigns/${campaign.id}`;
    const list = await agent.get(`/dashboard/o/${org.orgId}/campaigns`).expect(200);
    expect(list.text).toContain('Viewer can see this');
    expect(list.text).not.toContain('data-testid="new-campaign"');
    const page = await agent.get(campaignPath).expect(200);
    expect(page.text).toContain('data-testid="viewer-note"');
    expect(page.text).not.toContain('data-testid="campaign-actions"');
    expect(page.text).not.toContain('data-testid="edit"');
    for (const path of [`/dashboard/o/${org.orgId}/campaigns/new`, `${campaignPath}/edit`, `${campaignPath}/pause`]) {
      const refused = await agent.get(path);
      expect([path, refused.status]).toEqual([path, 403]);
      expect(refused.text).toContain('data-testid="error-403"');
    }
    const csrf = csrfOf(page.text);
    const posts = [
      [`/dashboard/o/${org.orgId}/campaigns/new`, { title: 'Viewer campaign', language: 'en', currency: 'usd', goal: '5000', fundingModel: 'flexible' }],
      [`${campaignPath}/edit`, { version: String(campaign.version), title: 'Viewer was here', language: 'en', goal: '5000' }],
      [`${campaignPath}/pause`, { version: String(campaign.version) }],
      [`${campaignPath}/cancel`, {}],
    ] as const;
    for (const [path, fields] of posts) {
      const refused = await agent.post(path).type('form').send({ _csrf: csrf, ...fields });
      expect([path, refused.status]).toEqual([path, 403]);
      expect(refused.text).toContain('data-testid="error-403"');
    }
    const [row] = (await db.query(`SELECT title, status, version FROM campaigns WHERE id = $1`, [campaign.id])).rows;
    expect(row).toEqual({ title: 'Viewer can see this', status: 'published', version: campaign.version });
    expect((await db.query(`SELECT 1 FROM campaigns WHERE title = 'Viewer campaign'`)).rows).toEqual([]);
  });

  it("another organization's campaign is a 404, through this organization's path or its own", async () => {
    const other = await createOrganizationWithOwner(api, { name: 'Someone else' });
    const theirs = await createCampaign(api, other, { title: 'Their secret campaign' });
    const csrf = csrfOf((await owner.get(`/dashboard/o/${org.orgId}/campaigns`)).text);
    for (const path of [
      `/dashboard/o/${org.orgId}/campaigns/${theirs.id}`, `/dashboard/o/${org.orgId}/campaigns/${theirs.id}/edit`, `/dashboard/o/${org.orgId}/campaigns/${theirs.id}/cancel`,
      `/dashboard/o/${other.orgId}/campaigns`, `/dashboard/o/${other.orgId}/campaigns/${theirs.id}`, `/dashboard/o/${org.orgId}/campaigns/not-a-uuid`,
    ]) {
      const page = await owner.get(path);
      expect([path, page.status]).toEqual([path, 404]);
      expect(page.text).toContain('data-testid="error-404"');
      expect(page.text).not.toContain('Their secret campaign');
    }
    for (const path of [`/dashboard/o/${org.orgId}/campaigns/${theirs.id}/cancel`, `/dashboard/o/${org.orgId}/campaigns/${theirs.id}/edit`]) {
      const refused = await owner.post(path).type('form').send({ _csrf: csrf, title: 'Taken over', language: 'en', goal: '5000' });
      expect([path, refused.status]).toEqual([path, 404]);
    }
    expect((await db.query(`SELECT title, status FROM campaigns WHERE id = $1`, [theirs.id])).rows[0]).toEqual({ title: 'Their secret campaign', status: 'published' });
  });

  it('pause, resume and end through their confirmations; an ended campaign has no more buttons', async () => {
    const campaign = await createCampaign(api, org, { title: 'Short appeal', fundingModel: 'all_or_nothing', endsAt: new Date(Date.now() + 7 * 86_400_000).toISOString() });
    const campaignPath = `/dashboard/o/${org.orgId}/campaigns/${campaign.id}`;
    for (const action of ['pause', 'resume', 'end'] as const) {
      const confirm = await owner.get(`${campaignPath}/${action}`).expect(200);
      if (action === 'end') expect(confirm.text).toContain('otherwise every gift is refunded to its donor');
      const done = await owner.post(`${campaignPath}/${action}`).type('form').send({ _csrf: csrfOf(confirm.text), version: versionOf(confirm.text) });
      expect([action, done.status]).toEqual([action, 303]);
    }
    expect((await db.query(`SELECT status FROM campaigns WHERE id = $1`, [campaign.id])).rows[0].status).toBe('ended');
    const page = await owner.get(campaignPath).expect(200);
    expect(page.text).toContain('An ended or cancelled campaign can no longer be edited.');
    expect(page.text).not.toMatch(/data-testid="action-/);
  });
});
