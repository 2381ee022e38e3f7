import { jest } from '@jest/globals';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import pg from 'pg';
import request from 'supertest';
import {
  addMember, addMemberWithDetails, baseUrlOf, createCampaign, createOrganizationWithOwner, createTestEnvironment, csrfOf, makePng, postDashboardForm, signInToDashboard,
  startTestApi, TestEnvironment, TestOrganization, type DashboardAgent,
} from '@ataa/testing';

jest.setTimeout(120_000);

const MAX_BYTES = 64 * 1024;

/**
 * Update images (issue 21): uploaded from the dashboard's update form (multipart, no JavaScript) or
 * through `POST …/updates/images`, checked by their bytes and stored as campaign covers are (by
 * content hash under UPLOAD_DIR/covers, served at /media/covers/); a good image shows on the public
 * update page; a file that is not an image, too large or too small stores nothing (the form says why
 * in the page's language); an `imageKey` naming no stored file is 422 and writes nothing; roles and
 * the organization check hold for the upload too.
 */
describe('campaign update images (API, dashboard, PostgreSQL, disk)', () => {
  let env: TestEnvironment;
  let api: NestFastifyApplication;
  let db: pg.Client;
  let uploads: string;
  let baseUrl: string;
  let org: TestOrganization;
  let other: TestOrganization;
  let campaign: { id: string; slug: string };
  let otherCampaign: { id: string; slug: string };
  let owner: DashboardAgent;
  const http = () => request(api.getHttpServer());
  const as = (token: string) => ({ authorization: `Bearer ${token}` });
  const restBase = () => `/api/v1/orgs/${org.orgId}/campaigns/${campaign.id}/updates`;
  const formPath = () => `/dashboard/o/${org.orgId}/campaigns/${campaign.id}/updates`;
  const storedFiles = async () => (await readdir(path.join(uploads, 'covers')).catch(() => [] as string[])).sort();
  const countUpdates = async () => (await db.query(`SELECT count(*)::int AS n FROM campaign_updates`)).rows[0].n as number;
  const sha = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
  const textFile = Buffer.from('I am not a picture, only named like one.\n');
  const oversize = () => Buffer.concat([makePng(100, 100), Buffer.alloc(MAX_BYTES, 7)]);

  /** Posts the page's form as a browser does: multipart/form-data, the fields, then the file. */
  async function postForm(agent: DashboardAgent, values: Record<string, string>, file?: { bytes: Buffer; name: string; type: string }) {
    const form = await agent.get(formPath()).expect(200);
    let req = agent.post(formPath()).field('_csrf', csrfOf(form.text));
    for (const [key, value] of Object.entries(values)) req = req.field(key, value);
    if (file) req = req.attach('image', file.bytes, { filename: file.name, contentType: file.type });
    return req;
  }

  beforeAll(async () => {
    uploads = await mkdtemp(path.join(tmpdir(), 'ataa-uploads-'));
    env = await createTestEnvironment();
    api = await startTestApi(env.configWith({ UPLOAD_DIR: uploads, COVER_IMAGE_MAX_BYTES: String(MAX_BYTES) }), { listen: true });
    baseUrl = await baseUrlOf(api);
    db = new pg.Client({ connectionString: env.database.url });
    await db.connect();
    org = await createOrganizationWithOwner(api, { name: 'Update Images Org' });
    other = await createOrganizationWithOwner(api);
    campaign = await createCampaign(api, org);
    otherCampaign = await createCampaign(api, other);
    owner = await signInToDashboard(baseUrl, org.ownerEmail, org.ownerPassword);
  }, 60_000);
  afterAll(async () => {
    await db?.end();
    await api?.close();
    await env?.cleanup();
    if (uploads) await rm(uploads, { recursive: true, force: true });
  }, 60_000);

  it('REST: an uploaded PNG answers its key, an update takes it, and the public page shows it', async () => {
    const png = makePng(48, 32);
    const uploaded = await http().post(`${restBase()}/images`).set(as(org.ownerToken)).attach('file', png, { filename: 'well.png', contentType: 'image/png' });
    expect(uploaded.status).toBe(201);
    expect(uploaded.body).toEqual({ imageKey: `${sha(png)}.png`, url: expect.stringMatching(new RegExp(`/media/covers/${sha(png)}\\.png$`)) });
    expect(await readFile(path.join(uploads, 'covers', `${sha(png)}.png`))).toEqual(png);

    const created = await http().post(restBase()).set(as(org.ownerToken)).send({ title: 'The well', body: 'Dug.', imageKey: uploaded.body.imageKey, publish: true });
    expect(created.status).toBe(201);
    expect(created.body.imageKey).toBe(uploaded.body.imageKey);
    const page = await http().get(`/c/${campaign.slug}/updates/${created.body.id}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain(`<img src="/media/covers/${uploaded.body.imageKey}"`);
    const served = await http().get(`/media/covers/${uploaded.body.imageKey}`).buffer(true);
    expect(served.status).toBe(200);
    expect(served.headers['content-type']).toBe('image/png');
    expect(Buffer.from(served.body as Buffer)).toEqual(png);

    // An edit may take the image away again (null), and back.
    expect((await http().patch(`${restBase()}/${created.body.id}`).set(as(org.ownerToken)).send({ title: 'The well', body: 'Dug.', imageKey: null })).body.imageKey).toBeNull();
    expect((await http().patch(`${restBase()}/${created.body.id}`).set(as(org.ownerToken)).send({ title: 'The well', body: 'Dug.', imageKey: uploaded.body.imageKey })).body.imageKey).toBe(uploaded.body.imageKey);
  });

  it.each([
    ['a text file named .png', () => textFile, 415, 'image_type'],
    ['an oversize image', oversize, 413, 'image_too_large'],
    ['an image 4 pixels wide', () => makePng(4, 40), 400, 'image_dimensions'],
    ['an empty file', () => Buffer.alloc(0), 400, 'image_empty'],
  ] as const)('REST: %s is refused with its status and code, nothing stored', async (_, bytes, status, code) => {
    const before = await storedFiles();
    const res = await http().post(`${restBase()}/images`).set(as(org.ownerToken)).attach('file', bytes(), { filename: 'x.png', contentType: 'image/png' });
    expect(res.status).toBe(status);
    expect(res.body.code).toBe(code);
    expect(await storedFiles()).toEqual(before);
  });

  it('REST: a body that is not multipart is 415; an imageKey naming no stored file is 422 and writes nothing', async () => {
    expect((await http().post(`${restBase()}/images`).set(as(org.ownerToken)).send({ file: 'x' })).status).toBe(415);

    const unknown = `${sha(Buffer.from('never uploaded'))}.jpg`;
    const before = await countUpdates();
    const refused = await http().post(restBase()).set(as(org.ownerToken)).send({ title: 't', body: 'x', imageKey: unknown });
    expect(refused.status).toBe(422);
    expect(refused.body.code).toBe('update_image_not_found');
    expect(await countUpdates()).toBe(before);

    const draft = await http().post(restBase()).set(as(org.ownerToken)).send({ title: 'Kept', body: 'x' });
    const edit = await http().patch(`${restBase()}/${draft.body.id}`).set(as(org.ownerToken)).send({ title: 'Changed', body: 'y', imageKey: unknown });
    expect(edit.status).toBe(422);
    expect(edit.body.code).toBe('update_image_not_found');
    expect((await db.query(`SELECT title, image_key FROM campaign_updates WHERE id = $1`, [draft.body.id])).rows[0]).toEqual({ title: 'Kept', image_key: null });
  });

  it('REST: a viewer or finance member is refused (403), another organization gets 404, nothing is stored', async () => {
    const before = await storedFiles();
    const png = makePng(20, 20);
    for (const role of ['viewer', 'finance'] as const) {
      const token = await addMember(api, org, role);
      const res = await http().post(`${restBase()}/images`).set(as(token)).attach('file', png, { filename: 'x.png', contentType: 'image/png' });
      expect(res.status).toBe(403);
      expect(res.body.code).toBe('forbidden_role');
    }
    // Their campaign through my organization; my campaign through theirs.
    expect((await http().post(`/api/v1/orgs/${org.orgId}/campaigns/${otherCampaign.id}/updates/images`).set(as(org.ownerToken)).attach('file', png, { filename: 'x.png', contentType: 'image/png' })).status).toBe(404);
    expect((await http().post(`/api/v1/orgs/${other.orgId}/campaigns/${campaign.id}/updates/images`).set(as(other.ownerToken)).attach('file', png, { filename: 'x.png', contentType: 'image/png' })).status).toBe(404);
    expect(await storedFiles()).toEqual(before);
  });

  it('dashboard: the form uploads an image with the update, shown on the public page', async () => {
    const page = await owner.get(formPath()).expect(200);
    expect(page.text).toContain('enctype="multipart/form-data"');
    expect(page.text).toMatch(/<input id="update-image" name="image" type="file" accept="image\/jpeg,image\/png,image\/webp" aria-describedby="update-image-hint"/);

    const png = makePng(64, 40);
    const created = await postForm(owner, { title: 'With a picture', body: 'Look.', language: 'en', publish: 'on' }, { bytes: png, name: 'photo.png', type: 'image/png' });
    expect(created.status).toBe(303);
    const [row] = (await db.query(`SELECT id, image_key, status FROM campaign_updates WHERE title = 'With a picture'`)).rows;
    expect(row).toMatchObject({ image_key: `${sha(png)}.png`, status: 'published' });
    expect(await readFile(path.join(uploads, 'covers', `${sha(png)}.png`))).toEqual(png);
    expect((await http().get(`/c/${campaign.slug}/updates/${row.id}`)).text).toContain(`<img src="/media/covers/${sha(png)}.png"`);

    // Without choosing a file, the form still saves (no image).
    expect((await postForm(owner, { title: 'Words only', body: 'Just text.', language: 'en' })).status).toBe(303);
    expect((await db.query(`SELECT image_key FROM campaign_updates WHERE title = 'Words only'`)).rows[0].image_key).toBeNull();
  });

  it('dashboard: a non-image, an oversize image, or a good image with a blank title: the form says why (en, ar), nothing stored', async () => {
    const filesBefore = await storedFiles();
    const updatesBefore = await countUpdates();

    const text = await postForm(owner, { title: 'Text picture', body: 'kept body', language: 'en' }, { bytes: textFile, name: 'x.png', type: 'image/png' });
    expect(text.status).toBe(400);
    expect(text.text).toMatch(/data-testid="image-error">The file must be a JPEG, PNG or WebP image/);
    expect(text.text).toContain('aria-describedby="update-image-hint update-image-error" aria-invalid="true"');
    expect(text.text).toContain('value="Text picture"');
    expect(text.text).toContain('kept body');

    const big = await postForm(owner, { title: 'Big picture', body: 'x', language: 'en' }, { bytes: oversize(), name: 'big.png', type: 'image/png' });
    expect(big.status).toBe(400);
    expect(big.text).toMatch(/data-testid="image-error">The image file is too large\./);

    // A good image, the update refused: the image stored for it is taken back.
    const good = makePng(33, 33);
    const blank = await postForm(owner, { title: '', body: 'x', language: 'en' }, { bytes: good, name: 'ok.png', type: 'image/png' });
    expect(blank.status).toBe(400);
    expect(blank.text).toContain('role="alert"');

    await postDashboardForm(owner, formPath(), '/dashboard/language', { language: 'ar', next: formPath() });
    try {
      const arabic = await postForm(owner, { title: 'ar', body: 'x', language: 'ar' }, { bytes: Buffer.from('نص وليس صورة'), name: 'x.png', type: 'image/png' });
      expect(arabic.status).toBe(400);
      expect(arabic.text).toMatch(/<html lang="ar" dir="rtl">/);
      expect(arabic.text).toContain('يجب أن يكون الملف صورة JPEG أو PNG أو WebP');
    } finally {
      await postDashboardForm(owner, formPath(), '/dashboard/language', { language: 'en', next: formPath() });
    }

    expect(await storedFiles()).toEqual(filesBefore);
    expect(await countUpdates()).toBe(updatesBefore);
  });

  it("dashboard: a viewer's multipart post is refused (403), another organization's campaign is a 404; nothing stored", async () => {
    const before = await storedFiles();
    const updatesBefore = await countUpdates();
    const viewer = await addMemberWithDetails(api, org, 'viewer');
    const viewerAgent = await signInToDashboard(baseUrl, viewer.email, viewer.password);
    const token = csrfOf((await viewerAgent.get(formPath()).expect(200)).text);
    const refused = await viewerAgent.post(formPath()).field('_csrf', token).field('title', 'Viewer').field('body', 'x').attach('image', makePng(50, 50), { filename: 'v.png', contentType: 'image/png' });
    expect(refused.status).toBe(403);

    const stranger = await signInToDashboard(baseUrl, other.ownerEmail, other.ownerPassword);
    const strangerToken = csrfOf((await stranger.get(`/dashboard/o/${other.orgId}/campaigns/${otherCampaign.id}/updates`).expect(200)).text);
    for (const target of [formPath(), `/dashboard/o/${other.orgId}/campaigns/${campaign.id}/updates`]) {
      const res = await stranger.post(target).field('_csrf', strangerToken).field('title', 'Theirs').field('body', 'x').attach('image', makePng(51, 51), { filename: 's.png', contentType: 'image/png' });
      expect(res.status).toBe(404);
    }
    expect(await storedFiles()).toEqual(before);
    expect(await countUpdates()).toBe(updatesBefore);
  });
});
