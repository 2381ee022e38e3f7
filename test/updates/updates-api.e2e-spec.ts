import { jest } from '@jest/globals';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import pg from 'pg';
import request from 'supertest';
import { addMember, createCampaign, createOrganizationWithOwner, createTestEnvironment, startTestApi, TestEnvironment, TestOrganization } from '@ataa/testing';

jest.setTimeout(120_000);

/**
 * The updates REST API end to end: drafts, publication (one e-mail outbox row, once), edits that
 * keep the published time, unpublishing and deletion, with the public pages following; bad input
 * refused with a code and nothing changed; roles (owner/admin write, viewer reads, finance refused);
 * another organization's campaign or update is a 404; every change in the audit log.
 */
describe('campaign updates API', () => {
  let env: TestEnvironment;
  let api: NestFastifyApplication;
  let db: pg.Client;
  let org: TestOrganization;
  let other: TestOrganization;
  let campaign: { id: string; slug: string };
  let otherCampaign: { id: string; slug: string };
  const http = () => request(api.getHttpServer());
  const as = (token: string) => ({ authorization: `Bearer ${token}` });
  const base = () => `/api/v1/orgs/${org.orgId}/campaigns/${campaign.id}/updates`;

  beforeAll(async () => {
    env = await createTestEnvironment();
    api = await startTestApi(env.config);
    db = new pg.Client({ connectionString: env.database.url });
    await db.connect();
    org = await createOrganizationWithOwner(api);
    other = await createOrganizationWithOwner(api);
    campaign = await createCampaign(api, org);
    otherCampaign = await createCampaign(api, other);
  });
  afterAll(async () => {
    await db?.end();
    await api?.close();
    await env?.cleanup();
  });

  it('a draft is private; publishing shows it and queues its e-mail once; an edit keeps the published time', async () => {
    const draft = await http().post(base()).set(as(org.ownerToken)).send({ title: 'Week one', body: 'We **started**.' });
    expect(draft.status).toBe(201);
    expect(draft.body).toMatchObject({ status: 'draft', publishedAt: null, language: 'en', bodyHtml: '<p>We <strong>started</strong>.</p>\n' });
    expect((await http().get(`/c/${campaign.slug}/updates/${draft.body.id}`)).status).toBe(404);

    const published = await http().post(`${base()}/${draft.body.id}/publish`).set(as(org.ownerToken));
    expect(published.status).toBe(200);
    expect(published.body.status).toBe('published');
    const publishedAt = published.body.publishedAt;
    expect(publishedAt).not.toBeNull();
    const page = await http().get(`/c/${campaign.slug}/updates/${draft.body.id}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('<strong>started</strong>');
    expect((await http().get(`/c/${campaign.slug}`)).text).toContain(`/c/${campaign.slug}/updates/${draft.body.id}`);

    const edited = await http().patch(`${base()}/${draft.body.id}`).set(as(org.ownerToken)).send({ title: 'Week one (corrected)', body: 'We started on Monday.', language: 'ar' });
    expect(edited.status).toBe(200);
    expect(edited.body).toMatchObject({ status: 'published', publishedAt, language: 'ar', title: 'Week one (corrected)' });
    expect((await http().post(`${base()}/${draft.body.id}/publish`).set(as(org.ownerToken))).body.code).toBe('update_already_published');

    // Unpublished: gone from the public pages and the feed; published again: same time, no second e-mail.
    expect((await http().post(`${base()}/${draft.body.id}/unpublish`).set(as(org.ownerToken))).status).toBe(200);
    expect((await http().get(`/c/${campaign.slug}/updates/${draft.body.id}`)).status).toBe(404);
    expect((await http().get(`/c/${campaign.slug}/updates.atom`)).text).not.toContain(draft.body.id);
    const again = await http().post(`${base()}/${draft.body.id}/publish`).set(as(org.ownerToken));
    expect(again.body.publishedAt).toBe(publishedAt);
    const outbox = await db.query(`SELECT count(*)::int AS n FROM outbox WHERE kind = 'campaign_update' AND aggregate_id = $1`, [draft.body.id]);
    expect(outbox.rows[0].n).toBe(1);
    expect((await http().get(`/c/${campaign.slug}/updates.atom`)).text).toContain(`urn:uuid:${draft.body.id}`);

    const audit = await http().get(`/api/v1/orgs/${org.orgId}/audit-log`).set(as(org.ownerToken));
    const actions = audit.body.items.filter((e: { targetId: string }) => e.targetId === draft.body.id).map((e: { action: string }) => e.action).sort();
    expect(actions).toEqual(['campaign_update.created', 'campaign_update.edited', 'campaign_update.published', 'campaign_update.republished', 'campaign_update.unpublished']);

    expect((await http().delete(`${base()}/${draft.body.id}`).set(as(org.ownerToken))).status).toBe(204);
    expect((await http().get(`${base()}/${draft.body.id}`).set(as(org.ownerToken))).status).toBe(404);
    expect((await db.query(`SELECT count(*)::int AS n FROM audit_log WHERE target_id = $1 AND action = 'campaign_update.deleted'`, [draft.body.id])).rows[0].n).toBe(1);
  });

  it.each([
    ['no title', { body: 'x' }],
    ['blank title', { title: '   ', body: 'x' }],
    ['a title too long', { title: 'x'.repeat(161), body: 'x' }],
    ['a body too long', { title: 't', body: 'x'.repeat(20_001) }],
    ['a NUL in the body', { title: 't', body: 'a\u0000b' }],
    ['an unknown language', { title: 't', body: 'x', language: 'fr' }],
    ['an image that is not a stored one', { title: 't', body: 'x', imageKey: '../../etc/passwd' }],
    ['an unknown field', { title: 't', body: 'x', status: 'published' }],
    ['publish not a boolean', { title: 't', body: 'x', publish: 'yes' }],
  ])('refuses %s (400 validation_failed, nothing stored)', async (_, body) => {
    const before = (await db.query(`SELECT count(*)::int AS n FROM campaign_updates`)).rows[0].n;
    const res = await http().post(base()).set(as(org.ownerToken)).send(body);
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('validation_failed');
    expect((await db.query(`SELECT count(*)::int AS n FROM campaign_updates`)).rows[0].n).toBe(before);
  });

  it('owner and admin write, a viewer reads, a finance member cannot write', async () => {
    const admin = await addMember(api, org, 'admin');
    const viewer = await addMember(api, org, 'viewer');
    const finance = await addMember(api, org, 'finance');
    const created = await http().post(base()).set(as(admin)).send({ title: 'By an admin', body: 'Hello' });
    expect(created.status).toBe(201);
    expect((await http().get(base()).set(as(viewer))).body.items.map((u: { id: string }) => u.id)).toContain(created.body.id);
    expect((await http().post(base()).set(as(viewer)).send({ title: 't', body: 'x' })).status).toBe(403);
    expect((await http().post(base()).set(as(finance)).send({ title: 't', body: 'x' })).status).toBe(403);
    expect((await http().delete(`${base()}/${created.body.id}`).set(as(viewer))).status).toBe(403);
  });

  it("another organization's campaign or update is a 404", async () => {
    const mine = await http().post(base()).set(as(org.ownerToken)).send({ title: 'Mine', body: 'x' });
    const theirs = `/api/v1/orgs/${other.orgId}/campaigns/${otherCampaign.id}/updates`;
    // Their campaign through my organization, my update through their organization, my update under their campaign.
    expect((await http().post(`/api/v1/orgs/${org.orgId}/campaigns/${otherCampaign.id}/updates`).set(as(org.ownerToken)).send({ title: 't', body: 'x' })).status).toBe(404);
    expect((await http().get(`/api/v1/orgs/${org.orgId}/campaigns/${otherCampaign.id}/updates`).set(as(org.ownerToken))).status).toBe(404);
    expect((await http().get(`${theirs}/${mine.body.id}`).set(as(other.ownerToken))).status).toBe(404);
    expect((await http().patch(`${theirs}/${mine.body.id}`).set(as(other.ownerToken)).send({ title: 'x', body: 'y' })).status).toBe(404);
    expect((await http().post(`${theirs}/${mine.body.id}/publish`).set(as(other.ownerToken))).status).toBe(404);
    expect((await http().delete(`${theirs}/${mine.body.id}`).set(as(other.ownerToken))).status).toBe(404);
    // Their token on my organization's path: not a member.
    expect([403, 404]).toContain((await http().get(`${base()}/${mine.body.id}`).set(as(other.ownerToken))).status);
    expect((await http().get(`${base()}/${mine.body.id}`).set(as(org.ownerToken))).body.status).toBe('draft');
  });

  it('the public list pages and refuses a page past the last', async () => {
    expect((await http().get(`/c/${campaign.slug}/updates?page=99`)).status).toBe(404);
    expect((await http().get(`/c/${campaign.slug}/updates?page=abc`)).status).toBe(404);
    expect((await http().get(`/c/no-such-campaign/updates`)).status).toBe(404);
    expect((await http().get(`/c/${campaign.slug}/updates/not-a-uuid`)).status).toBe(404);
  });
});
