import { jest } from '@jest/globals';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import pg from 'pg';
import {
  addMemberWithDetails, baseUrlOf, createCampaign, createOrganizationWithOwner, createTestEnvironment, csrfOf, makePng, postDashboardForm, signInToDashboard,
  startTestApi, TestEnvironment, TestOrganization, type DashboardAgent,
} from '@ataa/testing';

jest.setTimeout(120_000);

const MAX_BYTES = 64 * 1024;

/**
 * Campaign cover upload from the dashboard's form (multipart, no JavaScript needed): a PNG is stored
 * under UPLOAD_DIR by its content hash, becomes the cover and is served at /media/covers/ with its
 * type and a year-long cache; a file that is not really an image, or is too large, re-renders the
 * form with the message in the page language and stores nothing (no file, no campaign change);
 * CSRF and roles hold for multipart posts too; the https address option keeps working.
 */
describe('dashboard campaign cover upload (API, PostgreSQL, disk)', () => {
  let env: TestEnvironment;
  let api: NestFastifyApplication;
  let db: pg.Client;
  let base: string;
  let uploads: string;
  let org: TestOrganization;
  let owner: DashboardAgent;

  const storedFiles = async () => (await readdir(path.join(uploads, 'covers')).catch(() => [] as string[])).sort();
  const countCampaigns = async () => Number((await db.query(`SELECT count(*) AS n FROM campaigns WHERE organization_id = $1`, [org.orgId])).rows[0].n);
  const newPath = () => `/dashboard/o/${org.orgId}/campaigns/new`;
  const fields = (overrides: Record<string, string> = {}) => ({
    title: 'Clean water for Gaza', language: 'en', summary: 'Wells', story: 'A story', slug: '', currency: 'USD', goal: '5000', fundingModel: 'flexible',
    startsAt: '', endsAt: '', suggestedAmounts: '10\n25', minimumAmount: '', maximumAmount: '', coverImageUrl: '', allowAnonymous: 'on', ...overrides,
  });
  /** Posts the page's form as a browser does: multipart/form-data, the fields in order, then the file. */
  async function postMultipart(agent: DashboardAgent, formPath: string, action: string, values: Record<string, string>, file?: { bytes: Buffer; name: string; type: string }, csrf = true) {
    const form = await agent.get(formPath).expect(200);
    let req = agent.post(action);
    if (csrf) req = req.field('_csrf', csrfOf(form.text));
    for (const [key, value] of Object.entries(values)) req = req.field(key, value);
    if (file) req = req.attach('coverImage', file.bytes, { filename: file.name, contentType: file.type });
    return req;
  }

  beforeAll(async () => {
    uploads = await mkdtemp(path.join(tmpdir(), 'ataa-uploads-'));
    env = await createTestEnvironment();
    api = await startTestApi(env.configWith({ UPLOAD_DIR: uploads, COVER_IMAGE_MAX_BYTES: String(MAX_BYTES) }), { listen: true });
    base = await baseUrlOf(api);
    db = new pg.Client({ connectionString: env.database.url });
    await db.connect();
    org = await createOrganizationWithOwner(api, { name: 'Cover Org' });
    owner = await signInToDashboard(base, org.ownerEmail, org.ownerPassword);
  }, 60_000);
  afterAll(async () => {
    await db?.end();
    await api?.close();
    await env?.cleanup();
    if (uploads) await rm(uploads, { recursive: true, force: true });
  }, 60_000);

  it('a PNG uploaded with a new campaign is stored by its hash, becomes the cover and is served with its type and a long cache', async () => {
    const page = await owner.get(newPath()).expect(200);
    expect(page.text).toContain('enctype="multipart/form-data"');
    expect(page.text).toMatch(/<input id="coverImage" name="coverImage" type="file" accept="image\/jpeg,image\/png,image\/webp"/);
    expect(page.text).toContain('At most 64 kB'); // the configured limit, in the page's words

    const png = makePng(120, 63);
    const created = await postMultipart(owner, newPath(), newPath(), fields({ title: 'With a cover' }), { bytes: png, name: 'my cover.png', type: 'image/png' });
    expect(created.status).toBe(303);
    const hash = createHash('sha256').update(png).digest('hex');
    const [row] = (await db.query(`SELECT id, cover_image_url FROM campaigns WHERE organization_id = $1 AND title = 'With a cover'`, [org.orgId])).rows;
    expect(row.cover_image_url).toMatch(new RegExp(`/media/covers/${hash}\\.png$`));
    expect(await storedFiles()).toEqual([`${hash}.png`]);
    expect((await readFile(path.join(uploads, 'covers', `${hash}.png`))).equals(png)).toBe(true);

    const served = await owner.get(`/media/covers/${hash}.png`).buffer(true).parse((res, done) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => done(null, Buffer.concat(chunks)));
    });
    expect(served.status).toBe(200);
    expect(served.headers['content-type']).toBe('image/png');
    expect(served.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(served.headers['x-content-type-options']).toBe('nosniff');
    expect((served.body as Buffer).equals(png)).toBe(true);
    for (const bad of [`${hash}.svg`, `${'0'.repeat(64)}.png`, '..%2F..%2Fetc%2Fpasswd', `${hash.toUpperCase()}.png`]) {
      expect([bad, (await owner.get(`/media/covers/${bad}`)).status]).toEqual([bad, 404]);
    }

    // The edit form shows the uploaded cover as a picture (not as an address to retype) with "remove".
    const editPath = `/dashboard/o/${org.orgId}/campaigns/${row.id}/edit`;
    const edit = await owner.get(editPath).expect(200);
    expect(edit.text).toContain('data-testid="current-cover"');
    expect(edit.text).toMatch(/id="coverImageUrl" name="coverImageUrl" type="url" dir="ltr" maxlength="2048" value=""/);
    // Saved without touching the cover (a plain urlencoded post, as before): it stays.
    const version = /name="version" value="(\d+)"/.exec(edit.text)![1];
    expect((await postDashboardForm(owner, editPath, editPath, fields({ title: 'With a cover', version }))).status).toBe(303);
    expect((await db.query(`SELECT cover_image_url FROM campaigns WHERE id = $1`, [row.id])).rows[0].cover_image_url).toBe(row.cover_image_url);
    // The same bytes again (another campaign) are stored once.
    expect((await postMultipart(owner, newPath(), newPath(), fields({ title: 'Same cover' }), { bytes: png, name: 'again.png', type: 'image/png' })).status).toBe(303);
    expect(await storedFiles()).toEqual([`${hash}.png`]);
    // Remove.
    const edit2 = await owner.get(editPath).expect(200);
    const removed = await postDashboardForm(owner, editPath, editPath, fields({ title: 'With a cover', version: /name="version" value="(\d+)"/.exec(edit2.text)![1], removeCover: 'on' }));
    expect(removed.status).toBe(303);
    expect((await db.query(`SELECT cover_image_url FROM campaigns WHERE id = $1`, [row.id])).rows[0].cover_image_url).toBeNull();
  });

  it('a .png that is really text, an oversize image, a GIF: the form re-renders with the message in the page language, input kept, nothing stored', async () => {
    const filesBefore = await storedFiles();
    const campaignsBefore = await countCampaigns();

    const text = await postMultipart(owner, newPath(), newPath(), fields({ title: 'Text cover' }), { bytes: Buffer.from('I am not a picture, only named like one.\n'), name: 'cover.png', type: 'image/png' });
    expect(text.status).toBe(400);
    expect(text.headers['content-type']).toMatch(/text\/html/);
    expect(text.text).toMatch(/data-testid="coverImage-error">The file must be a JPEG, PNG or WebP image/);
    expect(text.text).toContain('<a href="#coverImage">'); // in the error summary
    expect(text.text).toContain('value="Text cover"'); // input kept

    const big = Buffer.concat([makePng(100, 100), Buffer.alloc(MAX_BYTES, 7)]);
    const oversize = await postMultipart(owner, newPath(), newPath(), fields({ title: 'Big cover' }), { bytes: big, name: 'big.png', type: 'image/png' });
    expect(oversize.status).toBe(400);
    expect(oversize.text).toMatch(/data-testid="coverImage-error">The image file is too large\./);
    expect(oversize.text).toContain('value="Big cover"');

    const gif = Buffer.concat([Buffer.from('GIF89a', 'latin1'), Buffer.from([40, 0, 40, 0, 0, 0, 0]), Buffer.alloc(64)]);
    expect((await postMultipart(owner, newPath(), newPath(), fields(), { bytes: gif, name: 'cover.gif', type: 'image/gif' })).text).toContain('The file must be a JPEG, PNG or WebP image');
    const tiny = await postMultipart(owner, newPath(), newPath(), fields(), { bytes: makePng(4, 4), name: 'tiny.png', type: 'image/png' });
    expect(tiny.text).toContain('between 16 and 8000 pixels');

    // A good image with another field wrong: refused, and the image is not stored either.
    const good = makePng(64, 64);
    const badGoal = await postMultipart(owner, newPath(), newPath(), fields({ goal: '' }), { bytes: good, name: 'ok.png', type: 'image/png' });
    expect(badGoal.status).toBe(400);
    expect(badGoal.text).toContain('id="goal-error"');
    // Both an address and a file: which one is meant?
    const both = await postMultipart(owner, newPath(), newPath(), fields({ coverImageUrl: 'https://images.example.org/c.jpg' }), { bytes: good, name: 'ok.png', type: 'image/png' });
    expect(both.status).toBe(400);
    expect(both.text).toContain('Upload an image or give an address, not both.');
    // Without the CSRF token: refused before anything.
    expect((await postMultipart(owner, newPath(), newPath(), fields(), { bytes: good, name: 'ok.png', type: 'image/png' }, false)).status).toBe(403);

    // In Arabic.
    await postDashboardForm(owner, newPath(), '/dashboard/language', { language: 'ar', next: newPath() });
    try {
      const arabic = await postMultipart(owner, newPath(), newPath(), fields(), { bytes: Buffer.from('نص وليس صورة'), name: 'cover.png', type: 'image/png' });
      expect(arabic.status).toBe(400);
      expect(arabic.text).toMatch(/<html lang="ar" dir="rtl">/);
      expect(arabic.text).toContain('يجب أن يكون الملف صورة JPEG أو PNG أو WebP');
    } finally {
      await postDashboardForm(owner, newPath(), '/dashboard/language', { language: 'en', next: newPath() });
    }

    // Editing: a refused file leaves the campaign as it was (the title typed with it is not saved).
    const campaign = await createCampaign(api, org, { title: 'Untouched' });
    const editPath = `/dashboard/o/${org.orgId}/campaigns/${campaign.id}/edit`;
    const edit = await owner.get(editPath).expect(200);
    const refused = await postMultipart(owner, editPath, editPath, fields({ title: 'Changed', version: /name="version" value="(\d+)"/.exec(edit.text)![1] }), { bytes: Buffer.from('text'), name: 'x.png', type: 'image/png' });
    expect(refused.status).toBe(400);
    expect(refused.text).toContain('value="Changed"');
    const after = (await db.query(`SELECT title, cover_image_url, version FROM campaigns WHERE id = $1`, [campaign.id])).rows[0];
    expect(after).toMatchObject({ title: 'Untouched', cover_image_url: null });

    expect(await storedFiles()).toEqual(filesBefore);
    expect(await countCampaigns()).toBe(campaignsBefore + 1); // only the one made through the API above
  });

  it('a viewer posting a multipart form anyway is refused (403) and nothing is stored; the https address option still works', async () => {
    const viewer = await addMemberWithDetails(api, org, 'viewer');
    const viewerAgent = await signInToDashboard(base, viewer.email, viewer.password);
    const before = await storedFiles();
    const ownerForm = await owner.get(newPath()).expect(200);
    const refused = await viewerAgent.post(newPath()).field('_csrf', csrfOf(ownerForm.text)).field('title', 'Viewer').attach('coverImage', makePng(50, 50), { filename: 'v.png', contentType: 'image/png' });
    expect(refused.status).toBe(403);
    expect(await storedFiles()).toEqual(before);

    const typed = await postMultipart(owner, newPath(), newPath(), fields({ title: 'Typed cover', coverImageUrl: 'https://images.example.org/cover.jpg' }));
    expect(typed.status).toBe(303);
    expect((await db.query(`SELECT cover_image_url FROM campaigns WHERE organization_id = $1 AND title = 'Typed cover'`, [org.orgId])).rows[0].cover_image_url).toBe('https://images.example.org/cover.jpg');
    const insecure = await postMultipart(owner, newPath(), newPath(), fields({ coverImageUrl: 'http://images.example.org/cover.jpg' }));
    expect(insecure.status).toBe(400);
    expect(insecure.text).toContain('id="coverImageUrl-error"');
    expect(await storedFiles()).toEqual(before);
  });
});
