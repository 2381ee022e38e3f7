import { jest } from '@jest/globals';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Browser, Page } from 'playwright-core';
import request from 'supertest';
import { deriveLinkKey, donorEmailHash, deriveErasureKey } from '@ataa/privacy';
import { mkdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { repoRoot } from '@ataa/common';
import {
  axeViolations, baseUrlOf, checkDashboardPage, createCampaign, createOrganizationWithOwner, createTestEnvironment, launchBrowser, makePng, signInBrowserPage, startTestApi,
  TestEnvironment, TestOrganization, UNEXPECTED_SCRIPTS,
} from '@ataa/testing';
import { signUnsubscribeToken } from '@ataa/updates';

jest.setTimeout(180_000);

const SCREENSHOTS = path.join(repoRoot(import.meta.dirname), 'test-artifacts', 'screenshots', 'dashboard-updates');

/**
 * The public update pages in headless Chromium, English and Arabic chrome, an English and an Arabic
 * campaign: the list, one update, the campaign page's latest updates, the unsubscribe page (form,
 * done, bad link). axe-core finds no WCAG 2.2 AA violation on any of them, and a script typed into
 * an update never runs.
 */
describe('campaign update pages (headless Chromium, axe)', () => {
  let env: TestEnvironment;
  let api: NestFastifyApplication;
  let base: string;
  let browser: Browser;
  let org: TestOrganization;
  let uploads: string;
  const campaigns: Record<'en' | 'ar', { id: string; slug: string; updateId: string }> = {} as never;

  beforeAll(async () => {
    uploads = await mkdtemp(path.join(tmpdir(), 'ataa-uploads-'));
    env = await createTestEnvironment();
    api = await startTestApi(env.configWith({ UPLOAD_DIR: uploads }), { listen: true });
    base = await baseUrlOf(api);
    org = await createOrganizationWithOwner(api);
    mkdirSync(SCREENSHOTS, { recursive: true });
    for (const language of ['en', 'ar'] as const) {
      const campaign = await createCampaign(api, org, language === 'ar' ? { language: 'ar', title: 'مياه نظيفة للقرية' } : {});
      const body = language === 'ar'
        ? '## البئر الأولى\n\nوصلنا إلى **الماء** على عمق ٤٠ مترًا.\n\n<img src=x onerror="window.__xss=1">\n\n[التقرير](https://example.org/r)'
        : '## The first well\n\nWe reached **water** at 40 m.\n\n<img src=x onerror="window.__xss=1">\n\n[report](javascript:window.__xss=1)';
      const auth = { authorization: `Bearer ${org.ownerToken}` };
      const created = await request(api.getHttpServer()).post(`/api/v1/orgs/${org.orgId}/campaigns/${campaign.id}/updates`).set(auth)
        .send({ title: language === 'ar' ? 'حفرنا البئر' : 'The well is dug', body, publish: true });
      expect(created.status).toBe(201);
      // An older one, so the list has two.
      await request(api.getHttpServer()).post(`/api/v1/orgs/${org.orgId}/campaigns/${campaign.id}/updates`).set(auth)
        .send({ title: language === 'ar' ? 'بدأ العمل' : 'Work began', body: language === 'ar' ? 'بدأنا.' : 'We began.', publish: true });
      campaigns[language] = { id: campaign.id, slug: campaign.slug, updateId: created.body.id };
    }
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await api?.close();
    await env?.cleanup();
    if (uploads) await rm(uploads, { recursive: true, force: true });
  });

  async function open(path: string, lang: 'en' | 'ar'): Promise<Page> {
    const page = await browser.newPage();
    const separator = path.includes('?') ? '&' : '?';
    const response = await page.goto(`${base}${path}${separator}lang=${lang}`);
    expect(response?.status()).toBeLessThan(500);
    return page;
  }

  const cases = (['en', 'ar'] as const).flatMap((campaign) => (['en', 'ar'] as const).map((chrome) => [campaign, chrome] as const));

  it.each(cases)('%s campaign, %s chrome: the list, one update and the campaign page pass axe; no script runs', async (campaign, chrome) => {
    const c = campaigns[campaign];
    for (const path of [`/c/${c.slug}/updates`, `/c/${c.slug}/updates/${c.updateId}`, `/c/${c.slug}`]) {
      const page = await open(path, chrome);
      expect(await page.getAttribute('html', 'lang')).toBe(chrome);
      expect(await page.getAttribute('html', 'dir')).toBe(chrome === 'ar' ? 'rtl' : 'ltr');
      expect(await axeViolations(page)).toEqual([]);
      expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();
      // No script but the optional enhancement scripts (the campaign form's time-zone picker), never one from an update.
      expect(await page.locator(UNEXPECTED_SCRIPTS).count()).toBe(0);
      await page.close();
    }
    const list = await open(`/c/${c.slug}/updates`, chrome);
    expect(await list.locator('[data-testid=update-list] > li').count()).toBe(2);
    const publicBase = env.config.PUBLIC_BASE_URL.replace(/\/$/, '');
    expect(await list.locator(`link[rel=alternate][type="application/atom+xml"]`).getAttribute('href')).toBe(`${publicBase}/c/${c.slug}/updates.atom`);
    // The feed: Atom, well-formed XML (the browser's parser), two entries with absolute links, the typed script inert text.
    const feed = await request(api.getHttpServer()).get(`/c/${c.slug}/updates.atom`);
    expect(feed.status).toBe(200);
    expect(feed.headers['content-type']).toBe('application/atom+xml; charset=utf-8');
    const parsed = await list.evaluate((xml) => {
      const doc = new DOMParser().parseFromString(xml, 'application/xml');
      const ns = 'http://www.w3.org/2005/Atom';
      return {
        error: doc.getElementsByTagName('parsererror').length,
        root: doc.documentElement.namespaceURI,
        entries: doc.getElementsByTagNameNS(ns, 'entry').length,
        links: [...doc.getElementsByTagNameNS(ns, 'link')].map((l) => l.getAttribute('href')),
        content: doc.getElementsByTagNameNS(ns, 'content')[1]?.textContent ?? '',
      };
    }, feed.text);
    expect(parsed).toMatchObject({ error: 0, root: 'http://www.w3.org/2005/Atom', entries: 2 });
    for (const href of parsed.links) expect(href).toMatch(new RegExp(`^${publicBase.replace(/[.]/g, '\\.')}/c/`));
    // The typed tag is text inside the entry's HTML, not an element.
    expect(parsed.content).toContain('&lt;img src=x onerror=');
    expect(parsed.content).not.toMatch(/<img[^>]*onerror/i);
    await list.close();
  });

  it.each(['en', 'ar'] as const)('%s: the unsubscribe page (form, done, bad link) passes axe', async (chrome) => {
    const c = campaigns.en;
    const hash = donorEmailHash(deriveErasureKey(env.config.AUTH_SECRET!), 'reader@example.org');
    const token = signUnsubscribeToken(deriveLinkKey(env.config.AUTH_SECRET!), c.id, hash, new Date());
    const page = await open(`/c/${c.slug}/updates/unsubscribe?token=${encodeURIComponent(token)}`, chrome);
    expect(await axeViolations(page)).toEqual([]);
    await page.locator('form button[type=submit]').click();
    await page.waitForSelector('[data-testid=unsubscribed]');
    expect(await page.getAttribute('html', 'lang')).toBe(chrome);
    expect(await axeViolations(page)).toEqual([]);
    await page.close();
    const bad = await open(`/c/${c.slug}/updates/unsubscribe?token=nope`, chrome);
    expect(await bad.locator('[data-testid=invalid-link]').count()).toBe(1);
    expect(await axeViolations(bad)).toEqual([]);
    await bad.close();
  });

  it.each(['en', 'ar'] as const)("%s: the dashboard's updates page (list, form, refused form, image upload) passes the dashboard checks", async (language) => {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
    const page = await context.newPage();
    await signInBrowserPage(page, base, org.ownerEmail, org.ownerPassword);
    await page.goto(`${base}/dashboard/o/${org.orgId}/campaigns/${campaigns.ar.id}/updates`);
    if (language === 'ar') await Promise.all([page.waitForNavigation(), page.click('[data-testid=language-switch]')]);
    expect(await page.locator('[data-testid=update]').count()).toBe(2);
    await checkDashboardPage(page, language, 'updates', SCREENSHOTS);
    // Sent without a title: shown again with the reason.
    await page.fill('#update-body', 'Kept text');
    await page.evaluate(() => document.querySelector('#update-title')?.removeAttribute('required'));
    await Promise.all([page.waitForNavigation(), page.click('[data-testid=save]')]);
    expect(await page.locator('[data-testid=form-error]').count()).toBe(1);
    await checkDashboardPage(page, language, 'updates-refused', SCREENSHOTS);

    // The image field: labelled, described by its hint; a text file named .png is refused at the field.
    expect(await page.getAttribute('#update-image', 'aria-describedby')).toBe('update-image-hint');
    await page.fill('#update-title', 'Not a picture');
    await page.fill('#update-body', 'Kept text');
    await page.setInputFiles('#update-image', { name: 'notes.png', mimeType: 'image/png', buffer: Buffer.from('only text') });
    await Promise.all([page.waitForNavigation(), page.click('[data-testid=save]')]);
    expect(await page.locator('[data-testid=image-error]').count()).toBe(1);
    expect(await page.getAttribute('#update-image', 'aria-invalid')).toBe('true');
    await checkDashboardPage(page, language, 'updates-image-refused', SCREENSHOTS);

    // A real PNG, published with the update (on a campaign of its own, so the lists above keep their counts):
    // the public page shows it, decoded by the browser, and still passes axe.
    const pictured = await createCampaign(api, org);
    await page.goto(`${base}/dashboard/o/${org.orgId}/campaigns/${pictured.id}/updates`);
    await page.fill('#update-title', language === 'ar' ? 'صورة البئر' : 'A picture of the well');
    await page.fill('#update-body', language === 'ar' ? 'هذه البئر.' : 'This is the well.');
    await page.setInputFiles('#update-image', { name: 'well.png', mimeType: 'image/png', buffer: makePng(120, 80) });
    // The description field is labelled and described by its hint; it becomes the image's alt.
    expect(await page.getAttribute('#update-image-alt', 'aria-describedby')).toBe('update-image-alt-hint');
    const alt = language === 'ar' ? 'أطفال يملؤون الجرار من البئر الجديدة' : 'Children filling jars at the new well';
    await page.fill('#update-image-alt', alt);
    await page.check('#update-publish');
    await Promise.all([page.waitForNavigation(), page.click('[data-testid=save]')]);
    expect(await page.locator('[data-testid=done]').count()).toBe(1);
    await Promise.all([page.waitForNavigation(), page.locator('[data-testid=update] a').first().click()]);
    const image = page.locator('img.update-image');
    await image.waitFor();
    expect(await image.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).toBe(120);
    // A content image with its description (axe's image-alt passes an empty alt too, so the text is checked).
    expect(await image.getAttribute('alt')).toBe(alt);
    expect(await axeViolations(page)).toEqual([]);
    await context.close();
  });
});
