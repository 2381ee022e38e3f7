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
 * the organization check hold for the upload too. An image carries its description (`imageAlt`), the
 * `alt` of the image on the public pages and in the feed: required with an image, refused without one
 * or with markup, nothing written when refused.
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

    const alt = 'Villagers at the new well, "finally" & smiling';
    const created = await http().post(restBase()).set(as(org.ownerToken)).send({ title: 'The well', body: 'Dug.', imageKey: uploaded.body.imageKey, imageAlt: `  ${alt} `, publish: true });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ imageKey: uploaded.body.imageKey, imageAlt: alt });
    expect((await db.query(`SELECT image_alt FROM campaign_updates WHERE id = $1`, [created.body.id])).rows[0].image_alt).toBe(alt);
    // The description is the image's alt (escaped) on the update's page, the list and the feed.
    const escapedAlt = 'Villagers at the new well, &quot;finally&quot; &amp; smiling';
    const page = await http().get(`/c/${campaign.slug}/updates/${created.body.id}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain(`<img src="/media/covers/${uploaded.body.imageKey}" alt="${escapedAlt}" class="update-image">`);
    expect((await http().get(`/c/${campaign.slug}/updates`)).text).toContain(`<img src="/media/covers/${uploaded.body.imageKey}" alt="${escapedAlt}" class="update-image">`);
    // The feed carries the entry's HTML escaped once more for XML.
    expect((await http().get(`/c/${campaign.slug}/updates.atom`)).text).toContain(`/media/covers/${uploaded.body.imageKey}&quot; alt=&quot;Villagers at the new well, &amp;quot;finally&amp;quot; &amp;amp; smiling&quot;`);
    const served = await http().get(`/media/covers/${uploaded.body.imageKey}`).buffer(true);
    expect(served.status).toBe(200);
    expect(served.headers['content-type']).toBe('image/png');
    expect(Buffer.from(served.body as Buffer)).toEqual(png);

    // An edit may take the image away again (null, its description with it), and back with a new description.
    expect((await http().patch(`${restBase()}/${created.body.id}`).set(as(org.ownerToken)).send({ title: 'The well', body: 'Dug.', imageKey: null })).body).toMatchObject({ imageKey: null, imageAlt: null });
    expect((await http().patch(`${restBase()}/${created.body.id}`).set(as(org.ownerToken)).send({ title: 'The well', body: 'Dug.', imageKey: uploaded.body.imageKey, imageAlt: 'The pump' })).body)
      .toMatchObject({ imageKey: uploaded.body.imageKey, imageAlt: 'The pump' });
    expect((await http().get(`/c/${campaign.slug}/updates/${created.body.id}`)).text).toContain(`<img src="/media/covers/${uploaded.body.imageKey}" alt="The pump"`);
  });

  it('REST: an image without a description, a description without an image, or markup in it is refused, nothing written', async () => {
    const png = makePng(30, 30);
    const imageKey = (await http().post(`${restBase()}/images`).set(as(org.ownerToken)).attach('file', png, { filename: 'a.png', contentType: 'image/png' })).body.imageKey;
    const before = await countUpdates();

    for (const body of [{ imageKey }, { imageKey, imageAlt: null }]) {
      const missing = await http().post(restBase()).set(as(org.ownerToken)).send({ title: 'No alt', body: 'x', ...body });
      expect(missing.status).toBe(422);
      expect(missing.body).toMatchObject({ code: 'update_image_alt_required', field: 'imageAlt' });
    }
    const alone = await http().post(restBase()).set(as(org.ownerToken)).send({ title: 'Alt alone', body: 'x', imageAlt: 'A well' });
    expect(alone.status).toBe(422);
    expect(alone.body).toMatchObject({ code: 'update_image_alt_without_image', field: 'imageAlt' });
    for (const imageAlt of ['<b>A well</b>', 'A well <img src=x onerror=alert(1)>', 'x'.repeat(301), '   ', 'line\nbreak', 7]) {
      const refused = await http().post(restBase()).set(as(org.ownerToken)).send({ title: 'Bad alt', body: 'x', imageKey, imageAlt });
      expect(refused.status).toBe(400);
      expect(refused.body.code).toBe('validation_failed');
      expect(JSON.stringify(refused.body)).toContain('imageAlt');
    }
    expect(await countUpdates()).toBe(before);
    // 300 characters is the limit (in code points).
    expect((await http().post(restBase()).set(as(org.ownerToken)).send({ title: 'Long alt', body: 'x', imageKey, imageAlt: '💧'.repeat(300) })).status).toBe(201);

    // An edit is held to the same rules and changes nothing when refused.
    const draft = await http().post(restBase()).set(as(org.ownerToken)).send({ title: 'Kept', body: 'x', imageKey, imageAlt: 'Kept alt' });
    const edits = [
      [{ imageKey }, 422, 'update_image_alt_required'],
      [{ imageKey: null, imageAlt: 'Orphan' }, 422, 'update_image_alt_without_image'],
      [{ imageKey, imageAlt: 'a <i>b</i>' }, 400, 'validation_failed'],
    ] as const;
    for (const [fields, status, code] of edits) {
      const res = await http().patch(`${restBase()}/${draft.body.id}`).set(as(org.ownerToken)).send({ title: 'Changed', body: 'y', ...fields });
      expect(res.status).toBe(status);
      expect(res.body.code).toBe(code);
    }
    expect((await db.query(`SELECT title, image_key, image_alt FROM campaign_updates WHERE id = $1`, [draft.body.id])).rows[0]).toEqual({ title: 'Kept', image_key: imageKey, image_alt: 'Kept alt' });

    // The column holds the length and "no description without an image" for any writer.
    await expect(db.query(`UPDATE campaign_updates SET image_alt = repeat('a', 301) WHERE id = $1`, [draft.body.id])).rejects.toThrow(/check constraint/);
    await expect(db.query(`UPDATE campaign_updates SET image_key = NULL WHERE id = $1`, [draft.body.id])).rejects.toThrow(/campaign_updates_image_alt_needs_image/);
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
    expect(page.text).toContain('<label for="update-image-alt">Image description (for screen readers)</label>');
    expect(page.text).toMatch(/<input id="update-image-alt" name="imageAlt" dir="auto" maxlength="300" value="" aria-describedby="update-image-alt-hint">/);

    const png = makePng(64, 40);
    const created = await postForm(owner, { title: 'With a picture', body: 'Look.', language: 'en', imageAlt: ' Children carrying water jars ', publish: 'on' }, { bytes: png, name: 'photo.png', type: 'image/png' });
    expect(created.status).toBe(303);
    const [row] = (await db.query(`SELECT id, image_key, image_alt, status FROM campaign_updates WHERE title = 'With a picture'`)).rows;
    expect(row).toMatchObject({ image_key: `${sha(png)}.png`, image_alt: 'Children carrying water jars', status: 'published' });
    expect(await readFile(path.join(uploads, 'covers', `${sha(png)}.png`))).toEqual(png);
    expect((await http().get(`/c/${campaign.slug}/updates/${row.id}`)).text).toContain(`<img src="/media/covers/${sha(png)}.png" alt="Children carrying water jars" class="update-image">`);

    // Without choosing a file, the form still saves (no image; the empty description field is no description).
    expect((await postForm(owner, { title: 'Words only', body: 'Just text.', language: 'en', imageAlt: '  ' })).status).toBe(303);
    expect((await db.query(`SELECT image_key, image_alt FROM campaign_updates WHERE title = 'Words only'`)).rows[0]).toEqual({ image_key: null, image_alt: null });
  });

  it('dashboard: an image without a description, a description without an image, or markup in it: said at the field (en, ar), nothing stored', async () => {
    const filesBefore = await storedFiles();
    const updatesBefore = await countUpdates();
    const png = makePng(41, 41);
    const cases = [
      [{ title: 'Undescribed', imageAlt: '' }, true, 'Describe the image: say what it shows, for people who cannot see it.'],
      [{ title: 'Orphan description', imageAlt: 'A well' }, false, 'A description goes with an image: choose an image, or leave the description empty.'],
      [{ title: 'Marked up', imageAlt: '<b>A well</b>' }, true, 'Plain text of at most 300 characters, without &lt; or &gt;.'],
    ] as const;
    for (const [values, withImage, message] of cases) {
      const res = await postForm(owner, { body: 'kept body', language: 'en', ...values }, withImage ? { bytes: png, name: 'p.png', type: 'image/png' } : undefined);
      expect([400, 422]).toContain(res.status);
      expect(res.text).toContain(`data-testid="image-alt-error">${message}</p>`);
      expect(res.text).toContain('aria-describedby="update-image-alt-hint update-image-alt-error" aria-invalid="true"');
      // What was typed is kept (escaped).
      expect(res.text).toContain(`value="${values.imageAlt.replace(/</g, '&lt;').replace(/>/g, '&gt;')}"`);
      expect(res.text).toContain(`value="${values.title}"`);
    }

    await postDashboardForm(owner, formPath(), '/dashboard/language', { language: 'ar', next: formPath() });
    try {
      const arabic = await postForm(owner, { title: 'بلا وصف', body: 'x', language: 'ar' }, { bytes: png, name: 'p.png', type: 'image/png' });
      expect(arabic.status).toBe(422);
      expect(arabic.text).toContain('<label for="update-image-alt">وصف الصورة (لقارئات الشاشة)</label>');
      expect(arabic.text).toContain('data-testid="image-alt-error">صِف الصورة: اذكر ما تُظهره لمن لا يستطيع رؤيتها.</p>');
    } finally {
      await postDashboardForm(owner, formPath(), '/dashboard/language', { language: 'en', next: formPath() });
    }

    expect(await storedFiles()).toEqual(filesBefore);
    expect(await countUpdates()).toBe(updatesBefore);
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
