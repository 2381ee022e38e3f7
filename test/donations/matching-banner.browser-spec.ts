import { jest } from '@jest/globals';
import type { Browser } from 'playwright-core';
import request from 'supertest';
import { axeViolations, contrastFailures, createCampaign, createOrganizationWithOwner, launchBrowser } from '@ataa/testing';
import { DonationWorld, startDonationWorld } from './donation-test-kit.js';

jest.setTimeout(180_000);

/**
 * The campaign page's matching banner (issue 21, item 6) in headless Chromium with JavaScript off,
 * in English and Arabic: "Doubled until <date>, X left" for a 1:1 offer, "Matched 1:2 …" for
 * another ratio, the sponsor's terms and the "unverified" note; axe-core (WCAG 2.2 AA) finds nothing,
 * contrast holds, and a 320 px phone needs no horizontal scrolling.
 */
describe('campaign page matching banner (headless Chromium, no JavaScript)', () => {
  let world: DonationWorld;
  let browser: Browser;
  let doubled: { id: string; slug: string };
  let matched: { id: string; slug: string };
  const endsAt = '2099-06-30T18:00:00Z';

  beforeAll(async () => {
    world = await startDonationWorld({ worker: false });
    const org = await createOrganizationWithOwner(world.api);
    doubled = await createCampaign(world.api, org, { offerCoverFees: false });
    matched = await createCampaign(world.api, org, { language: 'ar', title: 'مياه نظيفة للقرية', offerCoverFees: false });
    const offer = (campaignId: string, body: Record<string, unknown>) => request(world.apiUrl).post(`/api/v1/orgs/${org.orgId}/campaigns/${campaignId}/matching-offers`)
      .set('authorization', `Bearer ${org.ownerToken}`).send({ currency: 'usd', endsAt, ...body }).expect(201);
    await offer(doubled.id, { sponsorName: 'Cedar Foundation', ratioNumerator: 1, ratioDenominator: 1, cap: '5,000' });
    await offer(matched.id, { sponsorName: 'مؤسسة الأرز', ratioNumerator: 1, ratioDenominator: 2, cap: '750.50' });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await world?.close();
  });

  const cases = [
    ['en', () => doubled.slug, /^Doubled until June 30, 2099.*, \$5,000\.00 left$/, 'Cedar Foundation matches each gift 1:1, up to $5,000.00 in all.'],
    ['ar', () => doubled.slug, /^التبرعات مضاعفة حتى .*2099.*، والمتبقي .*5,000\.00/, 'يطابق Cedar Foundation كل تبرع بنسبة 1:1'],
    ['en', () => matched.slug, /^Matched 1:2 until June 30, 2099.*, \$750\.50 left$/, 'مؤسسة الأرز matches each gift 1:2, up to $750.50 in all.'],
    ['ar', () => matched.slug, /^التبرعات مطابَقة بنسبة 1:2 حتى/, 'يطابق مؤسسة الأرز كل تبرع بنسبة 1:2'],
  ] as const;

  it.each(cases)('%s: shows the banner with the sponsor\'s terms, labelled unverified, and passes axe on a desktop and a phone', async (lang, slug, headline, terms) => {
    for (const viewport of [{ width: 1280, height: 900 }, { width: 320, height: 640 }]) {
      const context = await browser.newContext({ viewport, javaScriptEnabled: false });
      const page = await context.newPage();
      await page.goto(`${world.apiUrl}/c/${slug()}?lang=${lang}`);
      expect(await page.getAttribute('html', 'lang')).toBe(lang);
      const banner = page.locator('[data-testid=matching-banner] strong');
      expect(await banner.count()).toBe(1);
      expect((await banner.textContent())!.replace(/\s+/g, ' ').trim()).toMatch(headline);
      expect(await page.getAttribute('[data-testid=matching-banner] time', 'datetime')).toBe('2099-06-30T18:00:00.000Z');
      expect(await page.textContent('[data-testid=matching-terms]')).toContain(terms);
      expect(await page.textContent('[data-testid=matching-unverified]')).toMatch(lang === 'en' ? /pledged by the sponsor, unverified/ : /غير متحقق منه/);
      expect(await axeViolations(page)).toEqual([]);
      expect((await page.evaluate(contrastFailures)).out).toEqual([]);
      expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
      await context.close();
    }
  });
});
