import { jest } from '@jest/globals';
import type { Browser, Page } from 'playwright-core';
import { mkdirSync } from 'node:fs';
import * as path from 'node:path';
import type Stripe from 'stripe';
import { repoRoot } from '@ataa/common';
import { checkDashboardPage, createCampaign, createOrganizationWithOwner, launchBrowser, signInBrowserPage, type TestOrganization } from '@ataa/testing';
import { DonationWorld, eventually, settle } from '../donations/donation-test-kit.js';
import { startRecurringSeries, startWorldOnTestClock } from './recurring-test-kit.js';

jest.setTimeout(300_000);

const SCREENSHOTS = path.join(repoRoot(import.meta.dirname), 'test-artifacts', 'screenshots', 'dashboard-recurring');

/**
 * The organization's recurring gifts page in a real browser at 390 px, in English and Arabic, without
 * any script: empty, then with a monthly series (active) and a weekly one whose renewal failed on the
 * sandbox's test clock (past due, one failed attempt), a wrong period refused, the status filter,
 * the general fund chosen.
 * Every page: axe-core (WCAG 2.2 AA) with zero violations, one h1, lang and dir, no overflow, a
 * screenshot (checkDashboardPage).
 */
describe('dashboard recurring gifts (headless Chromium; pages without any script)', () => {
  let world: DonationWorld;
  let browser: Browser;
  let stripe: Stripe;
  let org: TestOrganization;
  let empty: TestOrganization;

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    world = await startWorldOnTestClock('recurring page', { publicUrl: true });
    stripe = world.sandbox.stripe();
    org = await createOrganizationWithOwner(world.api, { name: 'Wells for Mafraq' });
    empty = await createOrganizationWithOwner(world.api, { name: 'Nothing Yet' });
    const campaign = await createCampaign(world.api, org, { title: 'بئر القرية', currency: 'usd' });
    const start = (fields: Record<string, string>) => startRecurringSeries(world, campaign.slug, fields);
    await start({ customAmount: '25', frequency: 'monthly', donorName: 'ليلى', donorEmail: 'layla@example.org' });
    const weekly = await start({ customAmount: '10', frequency: 'weekly', donorName: 'Sami', donorEmail: 'sami@example.org' });
    await settle(world);
    const [row] = await world.db.query(`SELECT * FROM recurring_gifts WHERE id = $1`, [weekly]);
    const failing = await stripe.paymentMethods.attach('pm_card_chargeCustomerFail', { customer: row.stripe_customer_id });
    await stripe.subscriptions.update(row.stripe_subscription_id, { default_payment_method: failing.id });
    const periodEnd = (await stripe.subscriptions.retrieve(row.stripe_subscription_id)).items.data[0].current_period_end;
    await stripe.testHelpers.testClocks.advance(world.config.STRIPE_TEST_CLOCK!, { frozen_time: periodEnd + 60 });
    await eventually(async () => (await stripe.testHelpers.testClocks.retrieve(world.config.STRIPE_TEST_CLOCK!)).status === 'ready', 'the test clock ready', 60_000);
    await settle(world);
    await eventually(async () => (await world.db.query(`SELECT 1 FROM recurring_payment_failures WHERE recurring_gift_id = $1`, [weekly])).length === 1, 'the failed attempt');
    browser = await launchBrowser();
  }, 240_000);
  afterAll(async () => {
    await browser?.close();
    await world?.close();
  }, 60_000);

  const check = (page: Page, language: 'en' | 'ar', name: string) => checkDashboardPage(page, language, `${name}-${language}`, SCREENSHOTS);
  const go = async (page: Page, selector: string) => Promise.all([page.waitForNavigation(), page.click(selector)]);

  it.each(['en', 'ar'] as const)('%s: the empty page, the figures, a wrong period, the status filter', async (language) => {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, javaScriptEnabled: false });
    const page = await context.newPage();
    await signInBrowserPage(page, world.apiUrl, empty.ownerEmail, empty.ownerPassword);
    await page.goto(`${world.apiUrl}/dashboard/o/${empty.orgId}/recurring`);
    if (language === 'ar') await go(page, '[data-testid=language-switch]');
    expect(await page.textContent('[data-testid=recurring-donors]')).toBe('0');
    await check(page, language, 'recurring-empty');
    await context.close();

    const own = await browser.newContext({ viewport: { width: 390, height: 844 }, javaScriptEnabled: false });
    const mine = await own.newPage();
    await signInBrowserPage(mine, world.apiUrl, org.ownerEmail, org.ownerPassword);
    await mine.goto(`${world.apiUrl}/dashboard/o/${org.orgId}/recurring`);
    if (language === 'ar') await go(mine, '[data-testid=language-switch]');
    // 25.00 monthly + 10.00 weekly × 52 / 12 = 2500 + 4333 = 6833: 68.33 USD a month.
    expect(await mine.textContent('[data-testid=mrr]')).toContain(language === 'ar' ? '68.33' : '$68.33');
    expect(await mine.locator('[data-testid=failures] tbody tr').count()).toBe(1);
    expect(await mine.locator('[data-testid=series] tbody tr').count()).toBe(2);
    await check(mine, language, 'recurring');

    await mine.fill('#period-from', '2026-12-31');
    await mine.fill('#period-to', '2026-01-01');
    const refused = await Promise.all([mine.waitForNavigation(), mine.click('[data-testid=period-form] button')]);
    expect(refused[0]?.status()).toBe(400);
    expect(await mine.locator('[data-testid=refused]').count()).toBe(1);
    await check(mine, language, 'recurring-refused');

    await mine.selectOption('#series-status', 'past_due');
    await go(mine, '[data-testid=status-form] button');
    expect(await mine.locator('[data-testid=series] tbody tr').count()).toBe(1);
    expect(await mine.getAttribute('[data-testid=series] tbody tr', 'data-status')).toBe('past_due');
    await check(mine, language, 'recurring-past-due');

    // The general fund form: the organization's campaign chosen, saved, said.
    const options = await mine.locator('#fund-campaign option').all();
    await mine.selectOption('#fund-campaign', (await options[options.length - 1].getAttribute('value'))!);
    await go(mine, '[data-testid=fund-save]');
    expect(await mine.locator('[data-testid=fund-saved]').count()).toBe(1);
    expect(await mine.textContent('[data-testid=fund-current]')).toContain('بئر القرية');
    await check(mine, language, 'recurring-fund-saved');
    await own.close();
  });
});
