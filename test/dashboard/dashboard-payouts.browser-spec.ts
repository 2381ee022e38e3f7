import { jest } from '@jest/globals';
import type { Browser, Page } from 'playwright-core';
import { mkdirSync } from 'node:fs';
import * as path from 'node:path';
import request from 'supertest';
import { repoRoot } from '@ataa/common';
import { checkDashboardPage, createCampaign, createOrganizationWithOwner, launchBrowser, signInBrowserPage, type TestOrganization } from '@ataa/testing';
import { DonationWorld, enablePayouts, settle, startDonationWorld, startGift } from '../donations/donation-test-kit.js';

jest.setTimeout(240_000);

const SCREENSHOTS = path.join(repoRoot(import.meta.dirname), 'test-artifacts', 'screenshots', 'dashboard-payouts');

/**
 * The Payouts section and the close-out page in a real browser at 390 px, in English and Arabic:
 * funds, the Stripe connection, the request form (refused first, then sent), the payout's page with its
 * history, the cancel confirmation, the close-out of an ended campaign. Every page: lang and dir, one
 * h1, no script, no horizontal overflow, axe-core (WCAG 2.2 AA) with zero violations, a screenshot.
 */
describe('dashboard payouts (headless Chromium; pages without any script)', () => {
  let world: DonationWorld;
  let browser: Browser;
  let org: TestOrganization;
  let campaign: { id: string; slug: string };
  let ended: { id: string };

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    world = await startDonationWorld({ publicUrl: true });
    org = await createOrganizationWithOwner(world.api, { name: 'Books for Mafraq' });
    campaign = await createCampaign(world.api, org, { offerCoverFees: false, title: 'School books' });
    ended = await createCampaign(world.api, org, { offerCoverFees: false, title: 'Winter coats' });
    // Threshold 0: every request waits for the operator, so it can still be cancelled.
    await enablePayouts(world, org, '0');
    const gift = await startGift(world, campaign.slug, { amount: 'other', customAmount: '100.00' });
    expect((await world.sandbox.control.paySession(gift.sessionId, { card: '4000000000000077' })).ok).toBe(true);
    await settle(world);
    await request(world.apiUrl).post(`/api/v1/orgs/${org.orgId}/campaigns/${ended.id}/end`).set('authorization', `Bearer ${org.ownerToken}`).send({}).expect(200);
    browser = await launchBrowser();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await world?.close();
  }, 60_000);

  const check = (page: Page, language: 'en' | 'ar', name: string) => checkDashboardPage(page, language, name, SCREENSHOTS);
  const go = async (page: Page, selector: string) => Promise.all([page.waitForNavigation(), page.click(selector)]);

  it.each(['en', 'ar'] as const)('%s: funds, connection, request (refused, then sent), a payout, its cancel confirmation, a close-out', async (language) => {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
    const page = await context.newPage();
    await signInBrowserPage(page, world.apiUrl, org.ownerEmail, org.ownerPassword);
    await page.goto(`${world.apiUrl}/dashboard/o/${org.orgId}/payouts`);
    if (language === 'ar') await go(page, '[data-testid=language-switch]');
    expect(await page.locator('[data-testid=funds]').count()).toBe(1);
    await check(page, language, 'payouts');

    await go(page, '[data-testid=connect-link]');
    expect(await page.locator('[data-testid=payouts-enabled]').count()).toBe(1);
    await check(page, language, 'payouts-connect');

    await page.goto(`${world.apiUrl}/dashboard/o/${org.orgId}/payouts`);
    await go(page, '[data-testid=request-payout]');
    await check(page, language, 'payout-form');
    await page.selectOption('#campaignId', campaign.id);
    await page.fill('#amount', '12.345');
    await go(page, '[data-testid=submit]');
    expect(await page.locator('[data-testid=form-error]').count()).toBe(1);
    expect(await page.locator('#amount[aria-invalid=true]').count()).toBe(1);
    await check(page, language, 'payout-form-refused');

    await page.fill('#amount', '10');
    await page.fill('#purpose', language === 'ar' ? 'كتب الفصل الأول' : 'Books for term one');
    await go(page, '[data-testid=submit]');
    expect(new URL(page.url()).pathname).toMatch(/\/payouts\/[0-9a-f-]{36}$/);
    expect(await page.locator('[data-testid=history] li').count()).toBe(1);
    await check(page, language, 'payout');

    await go(page, '[data-testid=cancel]');
    await check(page, language, 'payout-cancel');

    await page.goto(`${world.apiUrl}/dashboard/o/${org.orgId}/campaigns/${ended.id}`);
    await go(page, '[data-testid=closeout-link]');
    await check(page, language, 'closeout');
    await context.close();
  });
});
