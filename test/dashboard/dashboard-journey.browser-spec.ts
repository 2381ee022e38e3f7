import { jest } from '@jest/globals';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { mkdirSync } from 'node:fs';
import * as path from 'node:path';
import { repoRoot } from '@ataa/common';
import { OperatorProvisioning } from '@ataa/operators';
import {
  addMemberWithDetails, checkDashboardPage, createCampaign, createOrganizationWithOwner, launchBrowser, signInBrowserPage, SmtpSink, startSmtpSink, uniqueEmail,
} from '@ataa/testing';
import { DonationWorld, eventually, settle, startDonationWorld, startGift } from '../donations/donation-test-kit.js';

jest.setTimeout(300_000);

const SCREENSHOTS = path.join(repoRoot(import.meta.dirname), 'test-artifacts', 'screenshots', 'dashboard-journey');
const OPERATOR_PASSWORD = 'operator password 1234';

/**
 * A new organization's whole way from sign-up to a paid payout, in a real browser at 390 px, once in
 * English and once in Arabic: sign up -> verify the address from the e-mail -> create the organization ->
 * create and publish a campaign -> a donor gives on the campaign page and pays on the Stripe sandbox's
 * hosted page -> the gift on the home page and in Donations -> refund part of it -> connect payouts
 * through the sandbox's hosted onboarding -> request a payout -> the operator approves it in the console
 * -> the worker pays it -> the payout's page says paid. Then a password reset, and a viewer's view.
 * Every dashboard page: lang and dir, one h1, no script, no overflow, axe-core with zero violations, a screenshot.
 */
describe('dashboard: the journey of a new organization (headless Chromium, sandbox, worker, SMTP)', () => {
  let world: DonationWorld;
  let sink: SmtpSink;
  let browser: Browser;
  let operatorEmail: string;

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    sink = await startSmtpSink();
    world = await startDonationWorld({ publicUrl: true, env: { SMTP_URL: sink.url, MAIL_FROM: 'Ataa <team@ataa.test>' } });
    operatorEmail = uniqueEmail('journey-operator');
    await world.api.get(OperatorProvisioning).create(operatorEmail, OPERATOR_PASSWORD);
    browser = await launchBrowser();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await world?.close();
    await sink?.close();
  }, 60_000);

  const check = (page: Page, language: 'en' | 'ar', name: string) => checkDashboardPage(page, language, name, SCREENSHOTS);
  const go = (page: Page, selector: string) => Promise.all([page.waitForNavigation(), page.click(selector)]);
  const phone = (): Promise<BrowserContext> => browser.newContext({ viewport: { width: 390, height: 844 } });

  /** The link of the newest mail to `email` whose text has one under `pathPrefix`. */
  async function mailedLink(email: string, pathPrefix: string): Promise<string> {
    const pattern = new RegExp(`(https?://\\S+${pathPrefix.replace(/\//g, '\\/')}\\?token=\\S+)`);
    return eventually(async () => {
      const mails = sink.messages.filter((m) => m.envelope.to.includes(email));
      for (const mail of mails.reverse()) {
        const match = pattern.exec(mail.parsed.text ?? '');
        if (match) return match[1];
      }
      return undefined;
    }, `a mail to ${email} with ${pathPrefix}`, 45_000);
  }

  it.each(['en', 'ar'] as const)('%s: sign-up to a paid payout', async (language) => {
    const base = world.apiUrl;
    const context = await phone();
    const page = await context.newPage();

    // Sign up, in the language chosen on the first page.
    await page.goto(`${base}/dashboard/sign-up`);
    if (language === 'ar') await go(page, '[data-testid=language-switch]');
    await check(page, language, 'sign-up');
    const email = uniqueEmail(`journey-${language}`);
    await page.fill('#displayName', language === 'ar' ? 'سلمى' : 'Salma');
    await page.fill('#email', email);
    await page.fill('#password', 'correct horse battery staple');
    await go(page, 'main button[type=submit]');
    await check(page, language, 'create-organization-unverified');

    // Verify the address from the e-mail.
    await page.goto(await mailedLink(email, '/dashboard/verify-email'));
    await check(page, language, 'verify-email');
    await go(page, 'main button[type=submit]');
    expect(await page.locator('[data-testid=verified]').count()).toBe(1);

    // Create the organization.
    await page.goto(`${base}/dashboard/organizations/new`);
    await page.fill('#name', language === 'ar' ? 'جمعية الغيث' : 'Rain Relief');
    await go(page, 'main button[type=submit]');
    const orgPath = new URL(page.url()).pathname;
    expect(orgPath).toMatch(/^\/dashboard\/o\/[0-9a-f-]{36}$/);
    expect(await page.locator('[data-testid=no-gifts]').count()).toBe(1);
    await check(page, language, 'home-new');

    // Create and publish a campaign.
    await go(page, 'nav a[href$="/campaigns"]');
    await go(page, '[data-testid=new-campaign]');
    const title = language === 'ar' ? 'سلال غذائية للشتاء' : 'Winter food baskets';
    await page.fill('#title', title);
    await page.fill('#summary', language === 'ar' ? 'سلال لمئة أسرة' : 'Baskets for a hundred families');
    await page.fill('#story', language === 'ar' ? 'لأن **الشتاء** قاسٍ.' : 'Because **winter** is hard.');
    await page.fill('#goal', '2000');
    await page.fill('#suggestedAmounts', '25\n50\n100');
    await go(page, '[data-testid=save]');
    await go(page, '[data-testid=action-publish]');
    await go(page, '[data-testid=confirm]');
    expect(await page.locator('[data-testid=public-links]').count()).toBe(1);
    await check(page, language, 'campaign-published');
    const publicHref = (await page.locator('[data-testid=public-page]').getAttribute('href'))!;
    const campaignPath = new URL(page.url()).pathname;

    // A donor gives 80 on the campaign page and pays on the sandbox's hosted page (a card whose funds are available at once).
    const donorContext = await browser.newContext({ viewport: { width: 390, height: 844 } });
    const donor = await donorContext.newPage();
    await donor.goto(new URL(publicHref, base).toString());
    await donor.check('#amount-other');
    await donor.fill('#customAmount', '80');
    await donor.fill('#donorName', language === 'ar' ? 'يوسف' : 'Yusuf');
    await donor.fill('#donorEmail', uniqueEmail('journey-donor'));
    await Promise.all([donor.waitForURL(/\/c\/pay\//), donor.click('form[action$="/donate"] button[type=submit]')]);
    await donor.fill('#card_number', '4000 0000 0000 0077');
    await donor.fill('#card_expiry', '12 / 34');
    await donor.fill('#card_cvc', '123');
    await donor.fill('#name', 'Yusuf');
    await Promise.all([donor.waitForURL((url) => url.toString().startsWith(base)), donor.click('#submit')]);
    await donorContext.close();
    await settle(world);

    // The gift on the home page and in Donations.
    await page.goto(`${base}${orgPath}`);
    expect(await page.locator('[data-testid=totals]').innerText()).toContain('80');
    await check(page, language, 'home-with-gift');
    await go(page, 'nav a[href$="/donations"]');
    expect(await page.locator('[data-testid=donations] [data-testid=donation-link]').count()).toBe(1);
    await check(page, language, 'donations');
    await go(page, '[data-testid=donation-link]');
    await check(page, language, 'donation');

    // Refund 15 of it, with its reason, after the confirmation.
    await go(page, '[data-testid=refund]');
    await page.check('#kind-partial');
    await page.fill('#amount', '15');
    await go(page, '[data-testid=review]');
    await check(page, language, 'refund-confirm');
    await go(page, '[data-testid=confirm]');
    expect(await page.locator('[data-testid=notice]').count()).toBe(1);
    await settle(world);
    await page.reload();
    expect(await page.locator('[data-testid=refunded]').innerText()).toContain('15');
    await check(page, language, 'donation-refunded');

    // Connect payouts through the sandbox's hosted onboarding; Stripe comes back to the dashboard.
    await go(page, 'nav a[href$="/payouts"]');
    await check(page, language, 'payouts-not-connected');
    await go(page, '[data-testid=connect-link]');
    await check(page, language, 'payouts-connect');
    await Promise.all([page.waitForURL(/\/c\/connect\//), page.click('[data-testid=connect]')]);
    await Promise.all([page.waitForURL((url) => url.toString().startsWith(base)), page.click('#complete')]);
    expect(new URL(page.url()).pathname).toMatch(/\/payouts\/connect\/return$/);
    await check(page, language, 'payouts-connected');
    await settle(world);

    // Request a payout of 50: above the (unset) threshold, so the operator decides.
    await go(page, '[data-testid=back]');
    await go(page, '[data-testid=request-payout]');
    await page.selectOption('#campaignId', campaignPath.split('/').pop()!);
    await page.fill('#amount', '50');
    await page.fill('#purpose', language === 'ar' ? 'شراء السلال' : 'Buying the baskets');
    await go(page, '[data-testid=submit]');
    const payoutPath = new URL(page.url()).pathname;
    expect(payoutPath).toMatch(/\/payouts\/[0-9a-f-]{36}$/);
    await check(page, language, 'payout-requested');

    // The operator approves it in the console.
    const consoleContext = await phone();
    const operator = await consoleContext.newPage();
    await operator.goto(`${base}/console/sign-in`);
    await operator.fill('#email', operatorEmail);
    await operator.fill('#password', OPERATOR_PASSWORD);
    await go(operator, 'main button[type=submit]');
    await operator.goto(`${base}/console/payouts/${payoutPath.split('/').pop()}`);
    await go(operator, '[data-testid=approve]');
    await go(operator, '[data-testid=confirm]');
    await consoleContext.close();

    // The worker pays it; the payout's page says so.
    await eventually(async () => {
      await page.reload();
      return (await page.locator('[data-testid=payout-status].status-paid').count()) === 1;
    }, 'the payout paid', 60_000);
    await check(page, language, 'payout-paid');
    await page.goto(`${base}${orgPath}/payouts`);
    await check(page, language, 'payouts-paid');
    await context.close();
  });

  it('en: forgotten password -> mailed link -> new password; the old one stops working', async () => {
    const org = await createOrganizationWithOwner(world.api, { name: 'Reset Relief' });
    const context = await phone();
    const page = await context.newPage();
    await page.goto(`${world.apiUrl}/dashboard/sign-in`);
    await go(page, 'a[href="/dashboard/reset-password"]');
    await check(page, 'en', 'reset-request');
    await page.fill('#email', org.ownerEmail);
    await go(page, 'main button[type=submit]');
    await check(page, 'en', 'reset-requested');
    await page.goto(await mailedLink(org.ownerEmail, '/dashboard/reset-password'));
    await check(page, 'en', 'reset-link');
    const choose = page.locator('#password');
    if ((await choose.count()) === 0) await go(page, 'main button[type=submit]'); // a link page that POSTs its token first
    await page.fill('#password', 'a brand new passphrase');
    await go(page, 'main button[type=submit]');
    await check(page, 'en', 'reset-done');

    await signInBrowserPage(page, world.apiUrl, org.ownerEmail, org.ownerPassword);
    expect(await page.locator('#form-error').count()).toBe(1);
    await signInBrowserPage(page, world.apiUrl, org.ownerEmail, 'a brand new passphrase');
    expect(new URL(page.url()).pathname).toBe(`/dashboard/o/${org.orgId}`);
    await context.close();
  });

  it("ar: a viewer sees the organization's pages without any button that changes something", async () => {
    const org = await createOrganizationWithOwner(world.api, { name: 'Viewer Trust' });
    const campaign = await createCampaign(world.api, org, { offerCoverFees: false, title: 'Water tanks' });
    const gift = await startGift(world, campaign.slug, { amount: 'other', customAmount: '30.00' });
    await world.sandbox.control.paySession(gift.sessionId);
    await settle(world);
    const viewer = await addMemberWithDetails(world.api, org, 'viewer');
    const context = await phone();
    const page = await context.newPage();
    await signInBrowserPage(page, world.apiUrl, viewer.email, viewer.password);
    await go(page, '[data-testid=language-switch]');
    const orgPath = `/dashboard/o/${org.orgId}`;
    const pages: [string, string][] = [
      ['viewer-campaigns', `${orgPath}/campaigns`], ['viewer-campaign', `${orgPath}/campaigns/${campaign.id}`],
      ['viewer-donations', `${orgPath}/donations`], ['viewer-donation', `${orgPath}/donations/${gift.donationId}`],
      ['viewer-payouts', `${orgPath}/payouts`], ['viewer-team', `${orgPath}/team`],
    ];
    for (const [name, url] of pages) {
      await page.goto(`${world.apiUrl}${url}`);
      // no form but the shell's (language switch, sign out), no link to a form that changes something
      expect([name, await page.locator('main form[method=post]').count()]).toEqual([name, 0]);
      for (const testid of ['new-campaign', 'edit', 'refund', 'resend', 'request-payout', 'invite', 'export-csv']) {
        expect([name, testid, await page.locator(`main [data-testid=${testid}]`).count()]).toEqual([name, testid, 0]);
      }
      await check(page, 'ar', name);
    }
    // posting a refund anyway is the 403 page
    const csrf = (await page.locator('input[name=_csrf]').first().getAttribute('value'))!;
    const refused = await page.request.post(`${world.apiUrl}${orgPath}/donations/${gift.donationId}/refund`, { form: { _csrf: csrf, kind: 'full', reason: 'requested_by_customer' } });
    expect(refused.status()).toBe(403);
    expect(await refused.text()).toContain('lang="ar"');
    await context.close();
  });
});
