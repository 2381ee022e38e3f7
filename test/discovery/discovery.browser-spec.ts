import { jest } from '@jest/globals';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Browser, Page } from 'playwright-core';
import { mkdirSync } from 'node:fs';
import { axeViolations, baseUrlOf, createCampaign, createOrganizationWithOwner, createTestEnvironment, launchBrowser, startTestApi, TestEnvironment } from '@ataa/testing';

jest.setTimeout(120_000);

/**
 * The home page and /campaigns on a 390 px phone in English and Arabic: language and direction,
 * one h1, no script, no horizontal overflow, zero axe violations; typing an Arabic query with and
 * without diacritics finds the same campaign.
 */
describe('home and discovery pages in Chromium', () => {
  let env: TestEnvironment;
  let app: NestFastifyApplication;
  let browser: Browser;
  let base: string;

  beforeAll(async () => {
    env = await createTestEnvironment();
    app = await startTestApi(env.config, { listen: true });
    base = await baseUrlOf(app);
    const org = await createOrganizationWithOwner(app, { name: 'جمعية الخير' });
    await createCampaign(app, org, { slug: 'village-school', title: 'مدرسة القرية', summary: 'بناء فصول جديدة للأطفال', language: 'ar', category: 'education' });
    await createCampaign(app, org, { slug: 'clean-water', title: 'Clean water for the valley', category: 'water', endsAt: new Date(Date.now() + 5 * 86_400_000).toISOString() });
    browser = await launchBrowser();
    mkdirSync('test-artifacts/screenshots', { recursive: true });
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await env?.cleanup();
  });

  async function open(path: string): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, javaScriptEnabled: false });
    const page = await context.newPage();
    await page.goto(`${base}${path}`);
    return page;
  }

  it.each([
    ['home, English', '/?lang=en', 'en'], ['home, Arabic', '/?lang=ar', 'ar'],
    ['campaigns, English', '/campaigns?lang=en', 'en'], ['campaigns, Arabic', '/campaigns?lang=ar&q=%D9%85%D8%AF%D8%B1%D8%B3%D8%A9', 'ar'],
  ])('%s: lang/dir, one h1, no script, no overflow at 390 px, no axe violation', async (name, path, lang) => {
    const page = await open(path);
    expect(await page.getAttribute('html', 'lang')).toBe(lang);
    expect(await page.getAttribute('html', 'dir')).toBe(lang === 'ar' ? 'rtl' : 'ltr');
    expect(await page.locator('h1').count()).toBe(1);
    expect(await page.locator('script').count()).toBe(0);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    expect(await page.locator('.dc-card').count()).toBeGreaterThan(0);
    await page.screenshot({ path: `test-artifacts/screenshots/discovery-${name.replace(/\W+/g, '-')}.png`, fullPage: true });
    expect(await axeViolations(page)).toEqual([]);
    await page.context().close();
  });

  it('typing an Arabic query with or without diacritics finds the same campaign', async () => {
    const found: string[][] = [];
    for (const q of ['مدرسة القرية', 'مَدْرَسَةُ الْقَرْيَةِ', 'مدرسه القريه']) {
      const page = await open('/campaigns?lang=ar');
      await page.fill('#q', q);
      // The page is already at /campaigns?lang=ar, which a pattern like /\/campaigns\?/ matches at once (the cards
      // were then read mid-navigation): wait for the URL that carries this very query, then for its load.
      await Promise.all([page.waitForURL((url) => url.pathname === '/campaigns' && url.searchParams.get('q') === q), page.click('.dc-filters button[type="submit"]')]);
      await page.waitForLoadState('load');
      found.push(await page.locator('.dc-card h3 a').evaluateAll((links) => links.map((a) => a.getAttribute('href') ?? '')));
      await page.context().close();
    }
    expect(found).toEqual([['/c/village-school'], ['/c/village-school'], ['/c/village-school']]);
  });

  it('the home page search leads to the results, and the language link switches', async () => {
    const page = await open('/?lang=en');
    await page.fill('#home-q', 'clean water');
    await Promise.all([page.waitForURL(/\/campaigns\?q=/), page.click('.dc-search button')]);
    expect(await page.locator('.dc-card h3 a').evaluateAll((links) => links.map((a) => a.getAttribute('href')))).toEqual(['/c/clean-water']);
    await Promise.all([page.waitForURL(/lang=ar/), page.click('.dc-lang a')]);
    expect(await page.getAttribute('html', 'dir')).toBe('rtl');
    expect(await page.inputValue('#q')).toBe('clean water');
    await page.context().close();
  });
});
