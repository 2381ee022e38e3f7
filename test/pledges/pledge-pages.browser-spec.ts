import { jest } from '@jest/globals';
import type { Browser, Page } from 'playwright-core';
import { CampaignCloseOutService, PledgesService } from '@ataa/donations';
import { axeViolations, createCampaign, createOrganizationWithOwner, launchBrowser } from '@ataa/testing';
import { DonationWorld, drainInbox, eventually, startDonationWorld } from '../donations/donation-test-kit.js';

jest.setTimeout(150_000);

/**
 * A donor pledging in headless Chromium (English and Arabic): the all-or-nothing campaign's form
 * with its pledge note, the sandbox's hosted setup page, the thank-you page, the page's pledged
 * figures labelled unverified, and the grace-period payment page (and a bad link). axe-core on
 * every page in every state shown.
 */
describe('pledging in a real browser', () => {
  let world: DonationWorld;
  let browser: Browser;
  let org: Awaited<ReturnType<typeof createOrganizationWithOwner>>;

  beforeAll(async () => {
    world = await startDonationWorld({ publicUrl: true, env: { ALL_OR_NOTHING_PLEDGES: 'true' } });
    org = await createOrganizationWithOwner(world.api);
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await world?.close();
  });

  async function pledgeIn(page: Page, slug: string, labels: { name: string; email: string; submit: string }, card: string): Promise<void> {
    await page.goto(`${world.apiUrl}/c/${slug}`);
    expect(await page.getByTestId('pledge-note').count()).toBe(1);
    expect(await axeViolations(page)).toEqual([]);
    await page.getByLabel(labels.name).fill('Omar');
    await page.getByLabel(labels.email).fill('omar@example.org');
    await page.locator('label.amount-option').first().click();
    await page.getByRole('button', { name: labels.submit }).click();
    await page.waitForURL((url) => url.toString().startsWith(world.sandbox.url));
    expect(await axeViolations(page)).toEqual([]);
    await page.locator('#card_number').fill(card);
    await page.locator('#card_expiry').fill('12 / 34');
    await page.locator('#card_cvc').fill('123');
    await page.locator('#submit').click();
    await page.waitForURL((url) => url.pathname === `/c/${slug}/thanks`);
    expect(await axeViolations(page)).toEqual([]);
    await drainInbox(world);
    await eventually(async () => {
      await page.reload();
      return (await page.getByTestId('gift-status').getAttribute('data-state')) === 'pledged';
    }, 'the thank-you page to show the pledge');
    expect(await axeViolations(page)).toEqual([]);
  }

  it('English: the form says a pledge is charged only if the goal is met; the page shows the pledge as unverified; the payment page after a declined charge', async () => {
    const campaign = await createCampaign(world.api, org, { fundingModel: 'all_or_nothing', goal: '1000000', suggestedAmounts: ['2500'], endsAt: new Date(Date.now() + 3_600_000).toISOString() });
    const page = await browser.newPage();
    await pledgeIn(page, campaign.slug, { name: 'Your name', email: 'E-mail (for your receipt)', submit: 'Continue to save your card' }, '4000 0000 0000 0341');
    expect(await page.getByTestId('gift-status').textContent()).toContain('charged only if the campaign reaches its goal');

    await page.goto(`${world.apiUrl}/c/${campaign.slug}`);
    expect(await page.getByTestId('pledge-count').textContent()).toBe('1');
    expect(await page.getByTestId('pledged-unverified').textContent()).toContain('Unverified figure');
    expect(await page.getByTestId('raised').textContent()).toBe('$0.00'); // nothing collected: the ledger holds nothing
    expect(await axeViolations(page)).toEqual([]);

    // For this page test the goal is set (in the database) to the pledge's 25.00 so it is met; the campaign ends and is closed out in-process.
    await world.db.query(`UPDATE campaigns SET goal_amount = 2500, ends_at = now() - interval '1 second' WHERE id = $1`, [campaign.id]);
    await world.api.get(CampaignCloseOutService).runBatch(campaign.id);
    const [row] = await world.db.query(`SELECT id, state, grace_ends_at FROM pledges WHERE campaign_id = $1`, [campaign.id]);
    expect(row.state).toBe('awaiting_donor'); // 4000 0000 0000 0341 saves, then every charge is declined
    const link = world.api.get(PledgesService).completionLink({ id: row.id, graceEndsAt: row.grace_ends_at }, campaign.slug);
    await page.goto(link);
    expect(await page.getByRole('button', { name: 'Continue to payment' }).count()).toBe(1);
    expect(await axeViolations(page)).toEqual([]);
    // A bad link: an explanation, nothing else.
    await page.goto(`${world.apiUrl}/c/${campaign.slug}/pledge?token=l1.bad.bad`);
    expect(await page.getByRole('alert').textContent()).toContain('not valid');
    expect(await axeViolations(page)).toEqual([]);
    await page.close();
  });

  it('Arabic: the pledge form and pages right-to-left', async () => {
    const campaign = await createCampaign(world.api, org, {
      fundingModel: 'all_or_nothing', language: 'ar', title: 'مياه نظيفة للقرية', goal: '1000000', suggestedAmounts: ['2500'], endsAt: new Date(Date.now() + 3_600_000).toISOString(),
    });
    const page = await browser.newPage({ viewport: { width: 375, height: 740 }, locale: 'ar' });
    await page.goto(`${world.apiUrl}/c/${campaign.slug}`);
    expect(await page.locator('html').getAttribute('dir')).toBe('rtl');
    expect(await page.getByTestId('pledge-note').textContent()).toContain('لا يُحصّل منك شيء إلا إذا بلغت الحملة هدفها');
    await pledgeIn(page, campaign.slug, { name: 'اسمك', email: 'البريد الإلكتروني (لإرسال الإيصال)', submit: 'المتابعة لحفظ البطاقة' }, '4242 4242 4242 4242');
    await page.goto(`${world.apiUrl}/c/${campaign.slug}`);
    expect(await page.getByTestId('pledged-unverified').textContent()).toContain('غير موثَّق');
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
    expect(overflow).toBe(false);
    expect(await axeViolations(page)).toEqual([]);
    await page.close();
  });
});
