import { jest } from '@jest/globals';
import type { Browser, Page } from 'playwright-core';
import { mkdirSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import * as path from 'node:path';
import { repoRoot } from '@ataa/common';
import { checkDashboardPage, createCampaign, createOrganizationWithOwner, launchBrowser, signInBrowserPage, type TestOrganization } from '@ataa/testing';
import { DonationWorld, startDonationWorld } from '../donations/donation-test-kit.js';

jest.setTimeout(240_000);

const SCREENSHOTS = path.join(repoRoot(import.meta.dirname), 'test-artifacts', 'screenshots', 'dashboard-matching');

/**
 * A campaign's matching offers page in a real browser at 390 px, in English and Arabic, without any
 * script: the empty list, an offer refused (a window in the past), an offer created, a card payment
 * page opened for the sponsor (its link shown), the sponsor's pledge collected as an offline gift. Every page: axe-core (WCAG 2.2 AA) with zero violations, one
 * h1, lang and dir, a screenshot (checkDashboardPage). Accrual itself is tested through the sandbox
 * (test/donations/matching.e2e-spec.ts): here a gift's accrual is written directly.
 */
describe('dashboard matching offers (headless Chromium; pages without any script)', () => {
  let world: DonationWorld;
  let browser: Browser;
  let org: TestOrganization;
  const campaigns: Record<'en' | 'ar', { id: string; slug: string }> = {} as never;

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    world = await startDonationWorld({ publicUrl: true, worker: false });
    org = await createOrganizationWithOwner(world.api, { name: 'Wells for Mafraq' });
    campaigns.en = await createCampaign(world.api, org, { title: 'Village well' });
    // The Arabic one declared designations: the collection form offers them (the sponsor's gift goes to the one chosen).
    campaigns.ar = await createCampaign(world.api, org, {
      title: 'بئر القرية', designations: [{ code: 'general', labelEn: 'Where most needed', labelAr: 'حيث الحاجة أكبر' }, { code: 'zakat', labelEn: 'Zakat', labelAr: 'الزكاة', zakat: true }],
    });
    browser = await launchBrowser();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await world?.close();
  }, 60_000);

  const check = (page: Page, language: 'en' | 'ar', name: string) => checkDashboardPage(page, language, `${name}-${language}`, SCREENSHOTS);
  const go = async (page: Page, selector: string) => Promise.all([page.waitForNavigation(), page.click(selector)]);

  it.each(['en', 'ar'] as const)('%s: creates an offer (refused first), then records the sponsor\'s money received', async (language) => {
    const campaign = campaigns[language];
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, javaScriptEnabled: false });
    const page = await context.newPage();
    await signInBrowserPage(page, world.apiUrl, org.ownerEmail, org.ownerPassword);
    await page.goto(`${world.apiUrl}/dashboard/o/${org.orgId}/campaigns/${campaign.id}`);
    await go(page, '[data-testid=matching-link]');
    if (language === 'ar') await go(page, '[data-testid=language-switch]');
    expect(await page.locator('[data-testid=no-offers]').count()).toBe(1);
    await check(page, language, 'matching');

    await page.fill('#sponsorName', language === 'ar' ? 'مؤسسة الأرز' : 'Cedar Foundation');
    await page.fill('#cap', '1,000');
    await page.fill('#endsAt', '2020-01-01T00:00');
    await go(page, '[data-testid=submit]');
    expect(await page.locator('[data-testid=form-error]').count()).toBe(1);
    expect(await page.textContent('[data-testid=form-error]')).toContain(language === 'ar' ? 'انتهت المدة' : 'already ended');
    await check(page, language, 'matching-refused');

    await page.fill('#endsAt', '2099-12-31T23:00');
    await go(page, '[data-testid=submit]');
    expect(new URL(page.url()).searchParams.get('done')).toBe('created');
    expect(await page.locator('[data-testid=offers] tbody tr').count()).toBe(1);
    expect(await page.locator('[data-testid=collect]').count()).toBe(0);
    await check(page, language, 'matching-created');

    // A 40.00 gift accrued 40.00 of the sponsor's pledge.
    const [{ id: offerId }] = await world.db.query(`SELECT id FROM matching_offers WHERE campaign_id = $1`, [campaign.id]);
    await world.db.query(`INSERT INTO matching_accruals (offer_id, donation_id, gift_amount, accrued, settled_at) VALUES ($1, $2, 4000, 4000, now())`, [offerId, randomUUID()]);
    await page.reload();
    expect(await page.textContent('[data-testid=pledged]')).toContain('40.00');
    // A card payment page for the sponsor: its link shown to send them (the sandbox's Checkout page).
    await page.fill(`#sponsorEmail-${offerId}`, 'giving@cedar.example');
    await go(page, '[data-testid=collect-by-card]');
    expect(await page.getAttribute('[data-testid=card-link]', 'href')).toMatch(/^http:\/\/127\.0\.0\.1:\d+\//);
    expect(await page.textContent('[data-testid=card-opened]')).toContain('40.00');
    await check(page, language, 'matching-card');
    await page.fill(`#reference-${offerId}`, 'Wire 2026-991');
    await page.selectOption(`#method-${offerId}`, 'bank_transfer');
    if (language === 'ar') {
      expect(await page.locator(`label[for=designation-${offerId}]`).textContent()).toBe('وجهة تبرع الراعي (تُنشر)');
      expect(await page.locator(`#designation-${offerId} option`).allTextContents()).toEqual(['حيث الحاجة أكبر', 'الزكاة (مستحق للزكاة)']);
      await page.selectOption(`#designation-${offerId}`, 'zakat');
    } else expect(await page.locator(`#designation-${offerId}`).count()).toBe(0);
    await go(page, '[data-testid=collect]');
    expect(new URL(page.url()).searchParams.get('done')).toBe('collected');
    expect(await page.textContent('[data-testid=collected]')).toContain('40.00');
    expect(await page.locator('[data-testid=collect]').count()).toBe(0);
    await check(page, language, 'matching-collected');
    const [gift] = await world.db.query(`SELECT g.amount::text, g.method, g.donor_name, g.designation FROM matching_collections c JOIN offline_gifts g ON g.id = c.offline_gift_id WHERE c.offer_id = $1`, [offerId]);
    expect(gift).toEqual({ amount: '4000', method: 'bank_transfer', donor_name: language === 'ar' ? 'مؤسسة الأرز' : 'Cedar Foundation', designation: language === 'ar' ? 'zakat' : null });
    await context.close();
  });
});
