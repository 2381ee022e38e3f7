import { jest } from '@jest/globals';
import type { Browser, Page } from 'playwright-core';
import { mkdirSync } from 'node:fs';
import * as path from 'node:path';
import { repoRoot } from '@ataa/common';
import { axeViolations, checkDashboardPage, createCampaign, createOrganizationWithOwner, launchBrowser, signInBrowserPage, type TestOrganization } from '@ataa/testing';
import { DonationWorld, startDonationWorld } from '../donations/donation-test-kit.js';

jest.setTimeout(240_000);

const SCREENSHOTS = path.join(repoRoot(import.meta.dirname), 'test-artifacts', 'screenshots', 'dashboard-offline-gifts');

/**
 * A campaign's offline gifts page in a real browser at 390 px, in English and Arabic, without any
 * script: the empty list, the form refused (an over-precise amount), a gift recorded, then voided,
 * and the public ledger showing both marked as recorded by the organization. Every page: axe-core
 * (WCAG 2.2 AA) with zero violations, one h1, lang and dir, a screenshot (checkDashboardPage).
 */
describe('dashboard offline gifts (headless Chromium; pages without any script)', () => {
  let world: DonationWorld;
  let browser: Browser;
  let org: TestOrganization;
  const campaigns: Record<'en' | 'ar', { id: string; slug: string }> = {} as never;
  let designated: { id: string; slug: string };

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    world = await startDonationWorld({ publicUrl: true });
    org = await createOrganizationWithOwner(world.api, { name: 'Wells for Mafraq' });
    campaigns.en = await createCampaign(world.api, org, { title: 'Village well' });
    campaigns.ar = await createCampaign(world.api, org, { title: 'بئر القرية' });
    designated = await createCampaign(world.api, org, {
      title: 'زكاة وآبار', language: 'ar',
      designations: [{ code: 'water-well', labelEn: 'Water well', labelAr: 'بئر ماء' }, { code: 'zakat', labelEn: 'Zakat', labelAr: 'الزكاة', zakat: true }],
    });
    browser = await launchBrowser();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await world?.close();
  }, 60_000);

  const check = (page: Page, language: 'en' | 'ar', name: string) => checkDashboardPage(page, language, `${name}-${language}`, SCREENSHOTS);
  const go = async (page: Page, selector: string) => Promise.all([page.waitForNavigation(), page.click(selector)]);

  it.each(['en', 'ar'] as const)('%s: records an offline gift (refused first), voids it, and the public ledger marks both', async (language) => {
    const campaign = campaigns[language];
    const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
    const page = await context.newPage();
    await signInBrowserPage(page, world.apiUrl, org.ownerEmail, org.ownerPassword);
    await page.goto(`${world.apiUrl}/dashboard/o/${org.orgId}/campaigns/${campaign.id}/offline-gifts`);
    if (language === 'ar') await go(page, '[data-testid=language-switch]');
    expect(await page.locator('[data-testid=no-gifts]').count()).toBe(1);
    await check(page, language, 'offline-gifts');

    const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
    await page.fill('#amount', '12.345');
    await page.fill('#receivedOn', yesterday);
    await page.selectOption('#method', 'cheque');
    await page.fill('#reference', 'Cheque 7781');
    await page.fill('#donorName', language === 'ar' ? 'ليلى' : 'Layla');
    await go(page, '[data-testid=submit]');
    expect(await page.locator('[data-testid=form-error]').count()).toBe(1);
    await check(page, language, 'offline-gifts-refused');

    await page.fill('#amount', '250');
    await go(page, '[data-testid=submit]');
    expect(new URL(page.url()).searchParams.get('done')).toBe('recorded');
    expect(await page.locator('[data-testid=offline-gifts] tbody tr').count()).toBe(1);
    await check(page, language, 'offline-gifts-recorded');

    await page.fill('input[name=reason]', language === 'ar' ? 'ارتد الشيك' : 'Cheque bounced');
    await go(page, '[data-testid=void]');
    expect(new URL(page.url()).searchParams.get('done')).toBe('voided');
    expect(await page.locator('[data-testid=void]').count()).toBe(0);
    await check(page, language, 'offline-gifts-voided');

    await page.goto(`${world.apiUrl}/c/${campaign.slug}/ledger?lang=${language}`);
    expect(await page.locator('[data-testid=offline-notice]').count()).toBe(2);
    // The public ledger with the organization's own entries (their notice, the void) is axe-clean too.
    expect(await axeViolations(page)).toEqual([]);
    await context.close();
  });

  it('ar: the form offers the campaign\'s designations in Arabic; the choice is recorded, a forged one refused', async () => {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
    const page = await context.newPage();
    await signInBrowserPage(page, world.apiUrl, org.ownerEmail, org.ownerPassword);
    await page.goto(`${world.apiUrl}/dashboard/o/${org.orgId}/campaigns/${designated.id}/offline-gifts?lang=ar`);
    if ((await page.getAttribute('html', 'lang')) !== 'ar') await go(page, '[data-testid=language-switch]');
    // A plain select, labelled, in the page's language, the first declared chosen by default; the zakat-eligible use marked.
    expect(await page.locator('label[for=designation]').textContent()).toBe('الوجهة (ما التبرع له؛ تُنشر)');
    expect(await page.locator('#designation option').allTextContents()).toEqual(['بئر ماء', 'الزكاة (مستحق للزكاة)']);
    expect(await page.locator('#designation').inputValue()).toBe('water-well');
    await check(page, 'ar', 'offline-gifts-designations');

    const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
    const fill = async () => {
      await page.fill('#amount', '٣٠٠');
      await page.fill('#receivedOn', yesterday);
      await page.fill('#reference', 'صندوق النقد 4');
      await page.fill('#donorName', 'سلمى');
    };
    // A value the campaign never declared (a forged form): refused with the Arabic message, nothing recorded.
    await fill();
    await page.evaluate(() => { (document.querySelector('#designation option') as HTMLOptionElement).value = 'school'; });
    await go(page, '[data-testid=submit]');
    expect(await page.locator('[data-testid=form-error]').textContent()).toContain('اختر وجهة من قائمة الحملة.');
    expect((await world.db.query(`SELECT count(*)::int AS n FROM offline_gifts WHERE campaign_id = $1`, [designated.id]))[0].n).toBe(0);
    await check(page, 'ar', 'offline-gifts-designation-refused');

    await fill();
    await page.selectOption('#designation', 'zakat');
    await go(page, '[data-testid=submit]');
    expect(new URL(page.url()).searchParams.get('done')).toBe('recorded');
    expect(await page.locator('[data-testid=offline-gifts] [data-testid=designation]').allTextContents()).toEqual(['الزكاة']);
    await check(page, 'ar', 'offline-gifts-designation-recorded');
    const [gift] = await world.db.query(
      `SELECT g.designation, g.amount::text, p.leaf_format, p.designation AS leaf FROM offline_gifts g JOIN public_ledger_entries p ON p.campaign_id = g.campaign_id AND p.idx = g.public_index WHERE g.campaign_id = $1`,
      [designated.id],
    );
    expect(gift).toEqual({ designation: 'zakat', amount: '30000', leaf_format: 4, leaf: 'zakat' });
    await context.close();
  });
});
