import { jest } from '@jest/globals';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { axeViolations, createCampaign, createOrganizationWithOwner, launchBrowser } from '@ataa/testing';
import { DonationWorld, startDonationWorld, startGift } from '../donations/donation-test-kit.js';

jest.setTimeout(180_000);

const SCREENSHOTS = path.join(process.cwd(), 'test-results', 'public-language');

/**
 * The public pages in the visitor's language, in headless Chromium on a 390 px phone: the campaign
 * page, the ledger, the report and the thank-you page in English and Arabic chrome (of an Arabic
 * campaign) with zero axe-core violations and no horizontal scrolling; the campaign's title keeps
 * its own lang/dir; the language switch works without JavaScript and is remembered across pages.
 */
describe('public pages in both languages (headless Chromium, 390 px)', () => {
  let world: DonationWorld;
  let browser: Browser;
  let arabic: { slug: string };
  let english: { slug: string };
  let thanks: string;

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    world = await startDonationWorld({ worker: false });
    const org = await createOrganizationWithOwner(world.api, { name: 'Hands & Hearts' });
    arabic = await createCampaign(world.api, org, { language: 'ar', title: 'مياه نظيفة للقرية', allowAnonymous: true, offerCoverFees: true });
    english = await createCampaign(world.api, org, { language: 'en', title: 'Clean water for the village' });
    thanks = `/c/${arabic.slug}/thanks?donation=${(await startGift(world, arabic.slug)).donationId}`;
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await world?.close();
  });

  async function context(options: { locale?: string; javaScriptEnabled?: boolean } = {}): Promise<BrowserContext> {
    return browser.newContext({ viewport: { width: 390, height: 844 }, ...options });
  }

  async function check(page: Page, language: 'en' | 'ar', name: string): Promise<void> {
    expect([name, await page.getAttribute('html', 'lang')]).toEqual([name, language]);
    expect([name, await page.getAttribute('html', 'dir')]).toEqual([name, language === 'ar' ? 'rtl' : 'ltr']);
    // One heading of the page's own (a campaign's story is the organization's HTML: its headings are its own).
    expect([name, await page.evaluate(() => [...document.querySelectorAll('h1')].filter((h) => !h.closest('.story')).length)]).toEqual([name, 1]);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect([name, overflow]).toEqual([name, 0]);
    expect([name, await axeViolations(page)]).toEqual([name, []]);
    await page.screenshot({ path: path.join(SCREENSHOTS, `${language}-${name}.png`), fullPage: true });
  }

  const pages: [string, () => string][] = [
    ['campaign', () => `/c/${arabic.slug}`],
    ['ledger', () => `/c/${arabic.slug}/ledger`],
    ['report', () => `/c/${arabic.slug}/report`],
    ['thanks', () => thanks],
  ];

  it.each(['en', 'ar'] as const)('%s chrome: campaign page, ledger, report and thank-you page of an Arabic campaign', async (language) => {
    const ctx = await context({ locale: language === 'ar' ? 'ar-EG' : 'en-US' });
    const page = await ctx.newPage();
    for (const [name, url] of pages) {
      const response = await page.goto(`${world.apiUrl}${url()}`);
      expect([name, response?.status()]).toEqual([name, 200]);
      await check(page, language, name);
      // The campaign's own words keep their language, whatever the chrome's.
      const title = page.locator('bdi, h1#campaign-title').filter({ hasText: 'مياه نظيفة للقرية' }).first();
      expect([name, await title.evaluate((el) => [el.closest('[lang]')?.getAttribute('lang'), el.closest('[dir]')?.getAttribute('dir')])]).toEqual([name, ['ar', 'rtl']]);
    }
    await ctx.close();
  });

  it('an Arabic campaign with English chrome keeps its title lang="ar" dir="rtl"', async () => {
    const ctx = await context({ locale: 'en-US' });
    const page = await ctx.newPage();
    await page.goto(`${world.apiUrl}/c/${arabic.slug}`);
    expect(await page.getAttribute('html', 'lang')).toBe('en');
    expect(await page.getAttribute('#campaign-title', 'lang')).toBe('ar');
    expect(await page.getAttribute('#campaign-title', 'dir')).toBe('rtl');
    expect(await page.evaluate(() => getComputedStyle(document.querySelector('#campaign-title')!).direction)).toBe('rtl');
    await ctx.close();
  });

  it('without JavaScript: the switch changes the language and the choice follows the visitor to the ledger and report', async () => {
    const ctx = await context({ locale: 'en-US', javaScriptEnabled: false });
    const page = await ctx.newPage();
    await page.goto(`${world.apiUrl}/c/${english.slug}`);
    expect(await page.getAttribute('html', 'lang')).toBe('en');
    await Promise.all([page.waitForNavigation(), page.click('[data-testid=language-switch]')]);
    expect(await page.getAttribute('html', 'lang')).toBe('ar');
    await check(page, 'ar', 'english-campaign-switched');
    expect(await page.getAttribute('#campaign-title', 'lang')).toBe('en');
    // Remembered (cookie, Path=/): the ledger and report URLs carry no ?lang=.
    await page.goto(`${world.apiUrl}/c/${english.slug}/ledger`);
    expect(await page.getAttribute('html', 'lang')).toBe('ar');
    await Promise.all([page.waitForNavigation(), page.click('[data-testid=campaign-link]')]);
    expect(new URL(page.url()).pathname).toBe(`/c/${english.slug}`);
    expect(await page.getAttribute('html', 'lang')).toBe('ar');
    // And back to English.
    await Promise.all([page.waitForNavigation(), page.click('[data-testid=language-switch]')]);
    await page.goto(`${world.apiUrl}/c/${english.slug}/report`);
    expect(await page.getAttribute('html', 'lang')).toBe('en');
    await ctx.close();
  });
});
