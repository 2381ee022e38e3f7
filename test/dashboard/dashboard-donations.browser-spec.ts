import { jest } from '@jest/globals';
import type { Browser, Page } from 'playwright-core';
import { mkdirSync } from 'node:fs';
import * as path from 'node:path';
import { repoRoot } from '@ataa/common';
import { checkDashboardPage, createCampaign, createOrganizationWithOwner, launchBrowser, signInBrowserPage, type TestOrganization } from '@ataa/testing';
import { DonationWorld, settle, startDonationWorld, startGift } from '../donations/donation-test-kit.js';

jest.setTimeout(240_000);

const SCREENSHOTS = path.join(repoRoot(import.meta.dirname), 'test-artifacts', 'screenshots', 'dashboard-donations');

/**
 * The Donations section in a real browser at 390 px, in English and Arabic, with gifts paid on the
 * Stripe sandbox: the list (and a filter), a gift's page, the refund form (with a refused amount)
 * and its confirmation. Every page: lang and dir, one h1, no script, no horizontal overflow, axe-core
 * (WCAG 2.2 AA) with zero violations, a screenshot.
 */
describe('dashboard donations (headless Chromium; pages without any script)', () => {
  let world: DonationWorld;
  let browser: Browser;
  let org: TestOrganization;

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    world = await startDonationWorld();
    org = await createOrganizationWithOwner(world.api, { name: 'Water Relief' });
    const water = await createCampaign(world.api, org, { title: 'Clean water for Mafraq', allowAnonymous: true });
    const schools = await createCampaign(world.api, org, { title: 'مدارس إربد', currency: 'kwd', goal: '5000000', suggestedAmounts: ['5000', '10000'] });
    for (const [slug, fields] of [
      [water.slug, { amount: 'other', customAmount: '40.00', donorName: 'Layla', publicMessage: 'For the well' }],
      [water.slug, { amount: 'other', customAmount: '1250.50', donorName: 'Omar', anonymous: 'on' }],
      [schools.slug, { amount: 'other', customAmount: '12.500', donorName: 'هدى', publicMessage: 'للمدرسة' }],
    ] as const) {
      const { sessionId } = await startGift(world, slug, fields);
      await world.sandbox.control.paySession(sessionId);
    }
    await settle(world);
    browser = await launchBrowser();
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await world?.close();
  }, 60_000);

  const check = (page: Page, language: 'en' | 'ar', name: string) => checkDashboardPage(page, language, name, SCREENSHOTS);

  it.each(['en', 'ar'] as const)('%s: the list, a filter, a gift, the refund form and its confirmation', async (language) => {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
    const page = await context.newPage();
    await signInBrowserPage(page, world.apiUrl, org.ownerEmail, org.ownerPassword);
    await page.goto(`${world.apiUrl}/dashboard/o/${org.orgId}/donations`);
    if (language === 'ar') await Promise.all([page.waitForNavigation(), page.click('[data-testid=language-switch]')]);
    expect(await page.locator('[data-testid=donations] tbody tr').count()).toBe(3);
    await check(page, language, 'donations');

    await page.selectOption('#anonymous', 'yes');
    await Promise.all([page.waitForNavigation(), page.click('[data-testid=filter]')]);
    expect(await page.locator('[data-testid=donations] tbody tr').count()).toBe(1);
    await check(page, language, 'donations-filtered');
    await page.fill('#min', '12.345');
    await Promise.all([page.waitForNavigation(), page.click('[data-testid=filter]')]);
    expect(await page.locator('#currency-error').count()).toBe(1);
    await check(page, language, 'donations-filter-errors');

    await page.goto(`${world.apiUrl}/dashboard/o/${org.orgId}/donations?currency=usd&max=100`);
    await Promise.all([page.waitForNavigation(), page.click('[data-testid=donation-link]')]);
    expect(await page.locator('[data-testid=entries]').count()).toBe(1);
    expect(await page.locator('[data-testid=public-index]').count()).toBeGreaterThan(0);
    await check(page, language, 'donation');

    await Promise.all([page.waitForNavigation(), page.click('[data-testid=refund]')]);
    await check(page, language, 'refund-form');
    await page.check('#kind-partial');
    await page.fill('#amount', '41');
    await Promise.all([page.waitForNavigation(), page.click('[data-testid=review]')]);
    expect(await page.locator('#amount-error').count()).toBe(1);
    expect(await page.inputValue('#amount')).toBe('41');
    await check(page, language, 'refund-form-errors');
    await page.fill('#amount', '15');
    await Promise.all([page.waitForNavigation(), page.click('[data-testid=review]')]);
    expect(await page.locator('[data-testid=confirm]').count()).toBe(1);
    expect(await page.locator('[data-testid=effects] li').count()).toBeGreaterThan(3);
    await check(page, language, 'refund-confirm');
    await context.close();
  });
});
