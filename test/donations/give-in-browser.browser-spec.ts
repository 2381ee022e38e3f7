import { jest } from '@jest/globals';
import type { Browser } from 'playwright-core';
import { axeViolations, createCampaign, createOrganizationWithOwner, launchBrowser } from '@ataa/testing';
import { DonationWorld, eventually, settle, startDonationWorld } from './donation-test-kit.js';

jest.setTimeout(120_000);

/**
 * A donor in headless Chromium: campaign page, Stripe Checkout on the sandbox, thank-you page, totals.
 * axe-core checks every page on the way (the sandbox's hosted payment page too: it is ours).
 */
describe('giving in a real browser', () => {
  let world: DonationWorld;
  let browser: Browser;
  let campaign: { id: string; slug: string };
  let arabic: { id: string; slug: string };

  beforeAll(async () => {
    world = await startDonationWorld({ publicUrl: true });
    const org = await createOrganizationWithOwner(world.api);
    campaign = await createCampaign(world.api, org, { suggestedAmounts: ['2500', '5000'], allowAnonymous: true, offerCoverFees: true });
    arabic = await createCampaign(world.api, org, { language: 'ar', title: 'مياه نظيفة للقرية', currency: 'usd' });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await world?.close();
  });

  async function give(card: string): Promise<import('playwright-core').Page> {
    const page = await browser.newPage();
    await page.goto(`${world.apiUrl}/c/${campaign.slug}`);
    expect(await axeViolations(page)).toEqual([]);
    await page.getByLabel('Your name').fill('Omar');
    await page.getByLabel('E-mail (for your receipt)').fill('omar@example.org');
    await page.locator('label.amount-option', { hasText: '$50.00' }).click();
    await page.getByRole('button', { name: 'Continue to payment' }).click();
    await page.waitForURL((url) => url.toString().startsWith(world.sandbox.url));
    expect(await axeViolations(page)).toEqual([]);
    await page.locator('#card_number').fill(card);
    await page.locator('#card_expiry').fill('12 / 34');
    await page.locator('#card_cvc').fill('123');
    await page.locator('#submit').click();
    return page;
  }

  it('a success card lands on the thank-you page and the gift shows in the campaign totals', async () => {
    const page = await give('4242 4242 4242 4242');
    await page.waitForURL((url) => url.pathname === `/c/${campaign.slug}/thanks`);
    expect(await axeViolations(page)).toEqual([]);
    await settle(world);
    await eventually(async () => {
      await page.reload();
      return (await page.getByTestId('gift-status').getAttribute('data-state')) === 'succeeded';
    }, 'the thank-you page to show the settled gift');
    expect(await axeViolations(page)).toEqual([]);
    await page.goto(`${world.apiUrl}/c/${campaign.slug}`);
    expect(await page.getByTestId('donor-count').textContent()).toBe('1');
    expect(await page.getByTestId('raised').textContent()).toBe('$50.00');
    expect(await page.locator('.gift-list').textContent()).toContain('Omar');
    expect(await axeViolations(page)).toEqual([]);
    await page.close();
  });

  it('a declined card leaves no donation', async () => {
    const page = await give('4000 0000 0000 0002');
    await page.waitForLoadState('load');
    await settle(world);
    const [{ n }] = await world.db.query(`SELECT count(*)::int AS n FROM donations WHERE campaign_id = $1 AND settled_at IS NOT NULL`, [campaign.id]);
    expect(n).toBe(1); // only the earlier successful gift
    expect(page.url().startsWith(world.sandbox.url)).toBe(true); // the donor stays on the payment page
    expect(await page.getByRole('alert').count()).toBe(1);
    expect(await axeViolations(page)).toEqual([]); // with the decline message shown
    await page.goto(`${world.apiUrl}/c/${campaign.slug}`);
    expect(await page.getByTestId('donor-count').textContent()).toBe('1');
    await page.close();
  });

  it('renders an Arabic campaign right-to-left with labelled fields', async () => {
    // A visitor whose browser asks for Arabic (the chrome follows Accept-Language; Chromium's default is en-US).
    const page = await browser.newPage({ viewport: { width: 375, height: 740 }, locale: 'ar' });
    await page.goto(`${world.apiUrl}/c/${arabic.slug}`);
    expect(await page.locator('html').getAttribute('dir')).toBe('rtl');
    expect(await page.locator('html').getAttribute('lang')).toBe('ar');
    await expect(page.getByLabel('البريد الإلكتروني (لإرسال الإيصال)').count()).resolves.toBe(1);
    // Keyboard order: skip link first, then into the form.
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.className)).toBe('skip-link');
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
    expect(overflow).toBe(false);
    expect(await axeViolations(page)).toEqual([]);
    await page.close();
  });
});
