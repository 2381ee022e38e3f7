import { jest } from '@jest/globals';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import pg from 'pg';
import {
  addMemberWithDetails, createCampaign, createOrganizationWithOwner, createTestEnvironment, csrfOf, postDashboardForm, signInToDashboard,
  startTestApi, TestEnvironment, TestOrganization,
} from '@ataa/testing';

jest.setTimeout(120_000);

/**
 * The dashboard's updates page (no JavaScript): an owner writes a draft and publishes it, then
 * unpublishes and deletes it, each form with its CSRF token; a form without the token changes
 * nothing; a viewer reads but gets no form and is refused a change; another organization's
 * campaign is a 404.
 */
describe('dashboard: campaign updates', () => {
  let env: TestEnvironment;
  let api: NestFastifyApplication;
  let db: pg.Client;
  let org: TestOrganization;
  let campaign: { id: string; slug: string };
  const path = () => `/dashboard/o/${org.orgId}/campaigns/${campaign.id}/updates`;

  beforeAll(async () => {
    env = await createTestEnvironment();
    api = await startTestApi(env.config);
    db = new pg.Client({ connectionString: env.database.url });
    await db.connect();
    org = await createOrganizationWithOwner(api);
    campaign = await createCampaign(api, org);
  });
  afterAll(async () => {
    await db?.end();
    await api?.close();
    await env?.cleanup();
  });

  it('writes, publishes, unpublishes and deletes an update with CSRF-protected forms', async () => {
    const owner = await signInToDashboard(api.getHttpServer(), org.ownerEmail, org.ownerPassword);
    const campaignPage = await owner.get(`/dashboard/o/${org.orgId}/campaigns/${campaign.id}`);
    expect(campaignPage.text).toContain(`href="${path()}"`);

    const created = await postDashboardForm(owner, path(), path(), { title: 'Week one', body: 'We **started**.', language: 'en' });
    expect(created.status).toBe(303);
    const listed = await owner.get(`${path()}?done=1`);
    expect(listed.status).toBe(200);
    expect(listed.text).toContain('data-status="draft"');
    const [row] = (await db.query(`SELECT id, status FROM campaign_updates WHERE campaign_id = $1`, [campaign.id])).rows;
    expect(row.status).toBe('draft');

    // Without the token: refused, nothing changes.
    const forged = await owner.post(`${path()}/${row.id}/publish`).type('form').send({});
    expect(forged.status).toBe(403);
    expect((await db.query(`SELECT status FROM campaign_updates WHERE id = $1`, [row.id])).rows[0].status).toBe('draft');

    for (const [action, status] of [['publish', 'published'], ['unpublish', 'unpublished']] as const) {
      const res = await postDashboardForm(owner, path(), `${path()}/${row.id}/${action}`, {});
      expect(res.status).toBe(303);
      expect((await db.query(`SELECT status FROM campaign_updates WHERE id = $1`, [row.id])).rows[0].status).toBe(status);
    }
    expect((await postDashboardForm(owner, path(), `${path()}/${row.id}/delete`, {})).status).toBe(303);
    expect((await db.query(`SELECT count(*)::int AS n FROM campaign_updates WHERE id = $1`, [row.id])).rows[0].n).toBe(0);

    // A refused form is shown again with what was typed and the reason.
    const blank = await postDashboardForm(owner, path(), path(), { title: '', body: 'text kept', language: 'ar' });
    expect(blank.status).toBe(400);
    expect(blank.text).toContain('role="alert"');
    expect(blank.text).toContain('text kept');
  });

  it('a viewer reads without forms and is refused a change; another organization is a 404', async () => {
    const viewer = await addMemberWithDetails(api, org, 'viewer');
    const agent = await signInToDashboard(api.getHttpServer(), viewer.email, viewer.password);
    const page = await agent.get(path());
    expect(page.status).toBe(200);
    expect(page.text).not.toContain('name="title"');
    const token = csrfOf(page.text);
    const refused = await agent.post(path()).type('form').send({ _csrf: token, title: 't', body: 'b' });
    expect(refused.status).toBe(403);
    expect((await db.query(`SELECT count(*)::int AS n FROM campaign_updates WHERE campaign_id = $1`, [campaign.id])).rows[0].n).toBe(0);

    const stranger = await createOrganizationWithOwner(api);
    const theirs = await signInToDashboard(api.getHttpServer(), stranger.ownerEmail, stranger.ownerPassword);
    expect((await theirs.get(path())).status).toBe(404);
    expect((await theirs.get(`/dashboard/o/${stranger.orgId}/campaigns/${campaign.id}/updates`)).status).toBe(404);
  });
});
