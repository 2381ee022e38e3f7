import { jest } from '@jest/globals';
import type { Browser, Page } from 'playwright-core';
import request from 'supertest';
import Stripe from 'stripe';
import { DataExportService } from '@ataa/privacy';
import { axeViolations, createCampaign, createOrganizationWithOwner, launchBrowser } from '@ataa/testing';
import { DonationWorld, startDonationWorld, startGift } from '../donations/donation-test-kit.js';

jest.setTimeout(180_000);

type Lang = 'en' | 'ar';

/**
 * axe-core (WCAG 2.2 A/AA) on the public pages and page states that the other browser specs do
 * not reach: the donation form and the report form showing their errors, a paused and an ended
 * campaign, the page after a cancelled checkout, the Arabic thank-you page, the data-export and
 * erasure forms with an error, the data-export download page, the pages a dead link opens (export,
 * erasure, invitation), the Stripe sandbox's own pages (the payment form's error, an unknown and an
 * expired checkout, a receipt, the payouts onboarding page), and the layout with its skip link
 * focused. English and Arabic wherever the page has both.
 */
describe('every public page state passes axe-core (headless Chromium)', () => {
  let world: DonationWorld;
  let browser: Browser;
  let stripe: Stripe;
  let org: Awaited<ReturnType<typeof createOrganizationWithOwner>>;
  const campaigns = {} as Record<Lang, { id: string; slug: string }>;
  const thanks = {} as Record<Lang, string>;

  beforeAll(async () => {
    world = await startDonationWorld();
    stripe = world.sandbox.stripe();
    org = await createOrganizationWithOwner(world.api);
    campaigns.en = await createCampaign(world.api, org, { title: 'Clean water for the village', allowAnonymous: true, offerCoverFees: true });
    campaigns.ar = await createCampaign(world.api, org, { language: 'ar', title: 'مياه نظيفة للقرية', allowAnonymous: true, offerCoverFees: true });
    for (const lang of ['en', 'ar'] as const) {
      const { donationId } = await startGift(world, campaigns[lang].slug);
      thanks[lang] = `/c/${campaigns[lang].slug}/thanks?donation=${donationId}`;
    }
    browser = await launchBrowser();
  }, 150_000);
  afterAll(async () => {
    await browser?.close();
    await world?.close();
  });

  async function open(url: string, status = 200): Promise<Page> {
    // An Arabic campaign's visitor reads Arabic (the chrome follows Accept-Language; Chromium's default is en-US).
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, locale: new URL(url, 'http://x').pathname.split('/')[2] === campaigns.ar?.slug ? 'ar' : 'en-US' });
    const response = await page.goto(url.startsWith('http') ? url : `${world.apiUrl}${url}`);
    expect(response?.status()).toBe(status);
    return page;
  }

  async function submit(page: Page, selector = 'form button[type=submit]'): Promise<void> {
    await Promise.all([page.waitForNavigation(), page.click(selector)]);
  }

  it.each([
    ['English campaign page', (): string => `/c/${campaigns.en.slug}`, { width: 1280, height: 900 }],
    ['Arabic ledger page on a phone', (): string => `/c/${campaigns.ar.slug}/ledger`, { width: 375, height: 740 }],
    ['Arabic data-export page on a phone', (): string => '/privacy/export?lang=ar', { width: 320, height: 640 }],
  ] as const)('%s: the skip link, once focused, covers nothing', async (_, path, viewport) => {
    const page = await browser.newPage({ viewport });
    await page.goto(`${world.apiUrl}${path()}`);
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.className)).toBe('skip-link');
    const [skip, brand] = await Promise.all([page.locator('.skip-link').boundingBox(), page.locator('.brand').boundingBox()]);
    const overlap = skip!.x < brand!.x + brand!.width && brand!.x < skip!.x + skip!.width && skip!.y < brand!.y + brand!.height && brand!.y < skip!.y + skip!.height;
    expect(overlap).toBe(false);
    expect(await axeViolations(page)).toEqual([]);
    await page.close();
  });

  it.each(['en', 'ar'] as const)('%s: the donation form showing its errors', async (lang) => {
    const page = await open(`/c/${campaigns[lang].slug}`);
    await submit(page, 'form.donation-form button[type=submit]'); // the form is novalidate: the server answers
    expect(await page.locator('#form-error').count()).toBe(1);
    expect(await axeViolations(page)).toEqual([]);
    await page.close();
  });

  it.each(['en', 'ar'] as const)('%s: the thank-you page while the gift is pending', async (lang) => {
    const page = await open(thanks[lang]);
    expect(await page.getAttribute('html', 'lang')).toBe(lang);
    expect(await axeViolations(page)).toEqual([]);
    await page.close();
  });

  it.each(['en', 'ar'] as const)('%s: the campaign report form, and its error when the form token has expired', async (lang) => {
    const page = await open(`/c/${campaigns[lang].slug}/flag`);
    expect(await axeViolations(page)).toEqual([]);
    await page.locator('form.report-form input[type=radio]').first().check();
    await page.context().clearCookies(); // the form's CSRF cookie is gone: the server refuses with an error
    await submit(page);
    expect(await page.getAttribute('#report-error', 'data-code')).toBe('csrf');
    expect(await axeViolations(page)).toEqual([]);
    await page.close();
  });

  it('a paused campaign (English) and an ended one (Arabic): no form', async () => {
    const owner = { authorization: `Bearer ${org.ownerToken}` };
    const paused = await createCampaign(world.api, org, { title: 'Paused for now' });
    const ended = await createCampaign(world.api, org, { language: 'ar', title: 'حملة منتهية' });
    await request(world.apiUrl).post(`/api/v1/orgs/${org.orgId}/campaigns/${paused.id}/pause`).set(owner).expect(200);
    await request(world.apiUrl).post(`/api/v1/orgs/${org.orgId}/campaigns/${ended.id}/end`).set(owner).expect(200);
    for (const slug of [paused.slug, ended.slug]) {
      const page = await open(`/c/${slug}`);
      expect(await page.locator('form.donation-form').count()).toBe(0);
      expect(await axeViolations(page)).toEqual([]);
      await page.close();
    }
  });

  it.each(['en', 'ar'] as const)('%s: the campaign page a donor comes back to from a cancelled checkout', async (lang) => {
    const page = await open(`/c/${campaigns[lang].slug}?cancelled=1`);
    expect(await page.locator('.campaign-give .notice[role=status]').count()).toBe(1);
    expect(await axeViolations(page)).toEqual([]);
    await page.close();
  });

  it.each(['en', 'ar'] as const)('%s: data export: the form with an error, the download page, a dead link', async (lang) => {
    const form = await open(`/privacy/export?lang=${lang}`);
    await form.fill('#email', 'someone@localhost'); // valid to the browser, refused by the server
    await submit(form);
    expect(await form.locator('[role=alert]').count()).toBe(1);
    expect(await axeViolations(form)).toEqual([]);
    await form.close();

    const exports = world.api.get(DataExportService);
    const email = `export-${lang}@example.org`;
    await exports.request({ email, language: lang });
    const [row] = await world.db.query(`SELECT id, nonce, expires_at AS "expiresAt" FROM data_export_requests WHERE email = $1`, [email]);
    const download = await open(`/privacy/export/download?token=${encodeURIComponent(exports.linkToken(row))}`);
    expect(await download.getAttribute('html', 'lang')).toBe(lang);
    expect(await axeViolations(download)).toEqual([]);
    await download.close();

    const dead = await open(`/privacy/export/download?token=not-a-link&lang=${lang}`, 404);
    expect(await axeViolations(dead)).toEqual([]);
    await dead.close();
  });

  it.each(['en', 'ar'] as const)('%s: erasure: the form with an error, a dead confirmation link', async (lang) => {
    const form = await open(`/privacy/erase?lang=${lang}`);
    await form.fill('#email', 'someone@localhost');
    await submit(form);
    expect(await form.locator('[role=alert]').count()).toBe(1);
    expect(await axeViolations(form)).toEqual([]);
    await form.close();

    const dead = await browser.newPage();
    const response = await dead.goto(`${world.apiUrl}/privacy/erase/confirm?token=not-a-link&lang=${lang}`);
    expect(response?.status()).toBeGreaterThanOrEqual(400);
    expect(await dead.getAttribute('html', 'lang')).toBe(lang);
    expect(await axeViolations(dead)).toEqual([]);
    await dead.close();
  });

  it('an invitation link that opens nothing', async () => {
    const page = await browser.newPage();
    const response = await page.goto(`${world.apiUrl}/invitations/accept?token=not-an-invitation`);
    expect(response?.status()).toBeGreaterThanOrEqual(400);
    expect(await page.getByTestId('unavailable').count()).toBe(1);
    expect(await axeViolations(page)).toEqual([]);
    await page.close();
  });

  it("the Stripe sandbox's pages: the payment form's error, an unknown and an expired checkout, a receipt, onboarding", async () => {
    const session = () => stripe.checkout.sessions.create({
      mode: 'payment', success_url: 'http://127.0.0.1:9/thanks', cancel_url: 'http://127.0.0.1:9/back',
      line_items: [{ quantity: 1, price_data: { currency: 'usd', unit_amount: 1_000, product_data: { name: 'Clean water' } } }],
    });
    const form = await open((await session()).url!);
    await submit(form, '#submit'); // no card number
    expect(await form.textContent('[role=alert]')).toBe('Your card number is incomplete.');
    expect(await axeViolations(form)).toEqual([]);
    await form.close();

    const unknown = await open(`${world.sandbox.url}/c/pay/cs_test_unknown`, 404);
    expect(await axeViolations(unknown)).toEqual([]);
    await unknown.close();

    const expiring = await session();
    await stripe.checkout.sessions.expire(expiring.id);
    const expired = await open(expiring.url!, 410);
    expect(await axeViolations(expired)).toEqual([]);
    await expired.close();

    const paid = await session();
    await world.sandbox.control.paySession(paid.id);
    const intent = (await stripe.checkout.sessions.retrieve(paid.id, { expand: ['payment_intent.latest_charge'] })).payment_intent as Stripe.PaymentIntent;
    const receipt = await open((intent.latest_charge as Stripe.Charge).receipt_url!);
    expect(await axeViolations(receipt)).toEqual([]);
    await receipt.close();

    const account = await stripe.accounts.create({ type: 'express', country: 'US' });
    const link = await stripe.accountLinks.create({ account: account.id, type: 'account_onboarding', refresh_url: 'http://127.0.0.1:9/refresh', return_url: 'http://127.0.0.1:9/return' });
    const onboarding = await open(link.url);
    expect(await axeViolations(onboarding)).toEqual([]);
    await onboarding.close();
  });
});
