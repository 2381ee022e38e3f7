import { jest } from '@jest/globals';
import request from 'supertest';
import type { Browser, Page } from 'playwright-core';
import { axeViolations, createCampaign, createOrganizationWithOwner, launchBrowser, type TestOrganization } from '@ataa/testing';
import { DonationWorld, enablePayouts, eventually, settle, startDonationWorld, startGift } from '../donations/donation-test-kit.js';

jest.setTimeout(240_000);

/**
 * The report's "Money by designation" table in a real browser with JavaScript off, on a 390 px
 * phone, in English and Arabic: a row per designation with its label (zakat marked), the money in,
 * paid out and left; the page does not scroll sideways (the table scrolls in its own region); axe-clean.
 */
describe('report: money by designation (browser, axe, 390 px, en/ar)', () => {
  let world: DonationWorld;
  let org: TestOrganization;
  let campaign: { id: string; slug: string };
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    world = await startDonationWorld();
    org = await createOrganizationWithOwner(world.api);
    campaign = await createCampaign(world.api, org, {
      offerCoverFees: false,
      designations: [
        { code: 'general', labelEn: 'Where most needed', labelAr: 'حيث الحاجة أكبر' },
        { code: 'zakat', labelEn: 'Zakat', labelAr: 'الزكاة', zakat: true },
      ],
    });
    await enablePayouts(world, org, '1000000');
    for (const [amount, designation] of [['90.00', 'zakat'], ['25.00', 'general']]) {
      const gift = await startGift(world, campaign.slug, { amount: 'other', customAmount: amount, designation });
      expect((await world.sandbox.control.paySession(gift.sessionId, { card: '4000000000000077' })).ok).toBe(true);
      await settle(world);
    }
    const owner = { authorization: `Bearer ${org.ownerToken}` };
    const payout = (await request(world.apiUrl).post(`/api/v1/orgs/${org.orgId}/campaigns/${campaign.id}/payouts`).set(owner)
      .send({ amount: '3000', currency: 'usd', purpose: 'Zakat parcels', designation: 'zakat' }).expect(201)).body;
    await eventually(async () => (await request(world.apiUrl).get(`/api/v1/orgs/${org.orgId}/payouts/${payout.id}`).set(owner)).body.status === 'paid', 'the payout to be paid', 30_000);
    await settle(world);
    browser = await launchBrowser();
    page = await (await browser.newContext({ javaScriptEnabled: false, viewport: { width: 390, height: 844 } })).newPage();
  });
  afterAll(async () => {
    await browser?.close();
    await world?.close();
  });

  const cells = (code: string) => page.locator(`#report-designations tr[data-designation="${code}"] > *`).allTextContents();

  it('English: a row per designation, zakat marked, 30.00 paid out of zakat; no sideways scroll; axe-clean', async () => {
    await page.goto(`${world.apiUrl}/c/${campaign.slug}/report?lang=en`);
    expect(await page.locator('#designations-heading').textContent()).toBe('Money by designation');
    const zakat = await cells('zakat');
    expect(zakat[0]).toBe('Zakat (zakat-eligible)');
    expect(zakat[1]).toContain('$90.00');
    expect(zakat[3]).toBe('$30.00');
    const general = await cells('general');
    expect(general[0]).toBe('Where most needed');
    expect(general[3]).toBe('$0.00');
    expect(await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)).toBeLessThanOrEqual(0);
    expect(await axeViolations(page)).toEqual([]);
  });

  it('Arabic: the same table right to left, labels in Arabic, amounts kept left to right; axe-clean', async () => {
    await page.goto(`${world.apiUrl}/c/${campaign.slug}/report?lang=ar`);
    expect(await page.locator('html').getAttribute('dir')).toBe('rtl');
    expect(await page.locator('#designations-heading').textContent()).toBe('الأموال حسب الوجهة');
    const zakat = await cells('zakat');
    expect(zakat[0]).toBe('الزكاة (مؤهلة للزكاة)');
    expect(await page.locator('#report-designations tr[data-designation="zakat"] td').nth(2).getAttribute('dir')).toBe('ltr');
    expect(await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)).toBeLessThanOrEqual(0);
    expect(await axeViolations(page)).toEqual([]);
  });
});
