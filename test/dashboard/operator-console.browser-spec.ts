import { jest } from '@jest/globals';
import type { Browser, Page } from 'playwright-core';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import request from 'supertest';
import { repoRoot } from '@ataa/common';
import { OperatorProvisioning } from '@ataa/operators';
import { addMemberWithDetails, checkDashboardPage, createCampaign, createOrganizationWithOwner, launchBrowser, uniqueEmail, type TestOrganization } from '@ataa/testing';
import { DonationWorld, enablePayouts, eventually, settle, startDonationWorld, startGift } from '../donations/donation-test-kit.js';

jest.setTimeout(240_000);

const SCREENSHOTS = path.join(repoRoot(import.meta.dirname), 'test-artifacts', 'screenshots', 'operator-console');
const PASSWORD = 'operator password 1234';

/**
 * The operator console in a real browser, in English and Arabic at 390 px: sign in, home, the payouts
 * awaiting approval (made the real way), approving one and rejecting another (a refused form first),
 * with the spending evidence of the approved one (an operator-only file, its download link), organizations and a
 * threshold form refused, reconciliation (a run and a difference: a refund made on
 * Stripe while no webhook reached the platform), the 404 page. Every console page: lang and dir, one h1,
 * no script, no overflow, axe-core (WCAG 2.2 AA) with zero violations, a screenshot. The queue dashboard
 * (Bull Board, a third-party single-page app) is only checked to open for the signed-in operator.
 */
describe('operator console (headless Chromium; pages without any script)', () => {
  let world: DonationWorld;
  let browser: Browser;
  let org: TestOrganization;
  let operatorEmail: string;
  const payouts: string[] = [];
  let uploadDir: string;

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    uploadDir = mkdtempSync(path.join(tmpdir(), 'ataa-console-browser-'));
    world = await startDonationWorld({ env: { RECONCILIATION_GRACE_MS: '0', UPLOAD_DIR: uploadDir } });
    operatorEmail = uniqueEmail('console-operator');
    await world.api.get(OperatorProvisioning).create(operatorEmail, PASSWORD);
    org = await createOrganizationWithOwner(world.api, { name: 'Al-Noor Water Trust' });
    const finance = await addMemberWithDetails(world.api, org, 'finance');
    const campaign = await createCampaign(world.api, org, { offerCoverFees: false });
    await enablePayouts(world, org, '100');
    const gift = await startGift(world, campaign.slug, { amount: 'other', customAmount: '100.00' });
    expect((await world.sandbox.control.paySession(gift.sessionId, { card: '4000000000000077' })).ok).toBe(true);
    await settle(world);
    for (const [amount, purpose] of [['1500', 'Pump parts'], ['1000', 'Office chairs'], ['1200', 'Pipes'], ['800', 'Transport']]) {
      const res = await request(world.apiUrl).post(`/api/v1/orgs/${org.orgId}/campaigns/${campaign.id}/payouts`).set('authorization', `Bearer ${finance.accessToken}`)
        .send({ amount, currency: 'usd', purpose }).expect(201);
      payouts.push(res.body.id);
    }
    // Operator-only evidence on the payout each language approves (a payout awaiting approval has no public entry yet).
    for (const id of [payouts[0], payouts[2]]) {
      await request(world.apiUrl).post(`/api/v1/orgs/${org.orgId}/payouts/${id}/evidence`).set('authorization', `Bearer ${finance.accessToken}`)
        .field('title', 'عرض سعر المضخة / Pump quote').field('visibility', 'operator')
        .attach('file', Buffer.from('%PDF-1.7\n% pump quote\n%%EOF\n'), { filename: 'quote.pdf', contentType: 'application/pdf' }).expect(201);
    }
    // A refund made on Stripe while no webhook reaches the platform: the next run reports it missing in the ledger.
    const [{ stripe_charge_id: charge }] = await world.db.query(`SELECT stripe_charge_id FROM donations WHERE id = $1`, [gift.donationId]);
    const endpoint = await world.sandbox.control.setWebhookEndpoint(`${world.apiUrl}/webhooks/stripe`, world.sandbox.webhookSecret);
    await world.sandbox.control.removeWebhookEndpoint(endpoint.id);
    await world.sandbox.stripe().refunds.create({ charge, amount: 500 });
    await eventually(async () => (await request(world.apiUrl).post('/operator/reconciliation/runs').set('authorization', `Bearer ${world.config.OPERATOR_TOKEN}`).send({})).status === 201, 'a run');
    browser = await launchBrowser();
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await world?.close();
    if (uploadDir) rmSync(uploadDir, { recursive: true, force: true });
  }, 60_000);

  const check = (page: Page, language: 'en' | 'ar', name: string) => checkDashboardPage(page, language, name, SCREENSHOTS);
  const go = (page: Page, selector: string) => Promise.all([page.waitForNavigation(), page.click(selector)]);

  it.each([['en', 0], ['ar', 2]] as const)('%s: every console page', async (language, first) => {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
    const page = await context.newPage();
    await page.goto(`${world.apiUrl}/console`);
    expect(new URL(page.url()).pathname).toBe('/console/sign-in');
    if (language === 'ar') await go(page, '[data-testid=language-switch]');
    await check(page, language, 'sign-in');
    await page.fill('#email', operatorEmail);
    await page.fill('#password', 'not the password at all');
    await go(page, 'main button[type=submit]');
    await check(page, language, 'sign-in-refused');
    await page.fill('#password', PASSWORD);
    await go(page, 'main button[type=submit]');
    expect(new URL(page.url()).pathname).toBe('/console');
    await check(page, language, 'home');

    await go(page, 'nav a[href="/console/payouts"]');
    await check(page, language, 'payouts');
    const [approveId, rejectId] = [payouts[first], payouts[first + 1]];
    await go(page, `tr[data-payout="${approveId}"] a`);
    expect(await page.locator('[data-testid=evidence] li[data-visibility=operator] a[download]').count()).toBe(1);
    await check(page, language, 'payout');
    await go(page, '[data-testid=approve]');
    await check(page, language, 'approve-confirm');
    await go(page, '[data-testid=confirm]');
    expect(await page.locator('[data-testid=notice]').count()).toBe(1);
    await check(page, language, 'payout-approved');

    await page.goto(`${world.apiUrl}/console/payouts/${rejectId}`);
    await go(page, '[data-testid=reject]');
    await check(page, language, 'reject-form');
    // The browser does not send an empty required field: without the attribute, the server's own check answers.
    await page.evaluate(() => document.querySelector('#reason')?.removeAttribute('required'));
    await go(page, '[data-testid=confirm]');
    expect(await page.locator('[data-testid=form-error]').count()).toBe(1);
    await check(page, language, 'reject-refused');
    await page.fill('#reason', language === 'ar' ? 'الغرض ليس من هذه الحملة' : 'Not part of this campaign');
    await go(page, '[data-testid=confirm]');
    expect(await page.locator('[data-testid=rejection-reason]').count()).toBe(1);
    await check(page, language, 'payout-rejected');

    await go(page, 'nav a[href="/console/organizations"]');
    await check(page, language, 'organizations');
    await go(page, `tr[data-organization="${org.orgId}"] a`);
    await check(page, language, 'organization');
    await page.fill('#threshold', '10.5');
    await go(page, '[data-testid=save-threshold]');
    expect(await page.locator('[data-testid=form-error]').count()).toBe(1);
    await check(page, language, 'threshold-refused');
    await page.fill('#threshold', '25000');
    await go(page, '[data-testid=save-threshold]');
    expect(await page.locator('[data-testid=threshold-history] tr').count()).toBeGreaterThan(1);
    await check(page, language, 'threshold-saved');

    await go(page, 'nav a[href="/console/reconciliation"]');
    expect(await page.locator('[data-testid=differences] tr[data-difference]').count()).toBe(1);
    await check(page, language, 'reconciliation');
    await go(page, '[data-testid=runs] tr[data-run] a');
    await check(page, language, 'reconciliation-run');
    await go(page, '[data-testid=differences] tr[data-difference] a');
    await check(page, language, 'reconciliation-difference');

    await page.goto(`${world.apiUrl}/console/no-such-page`);
    await check(page, language, 'not-found');

    // The queue dashboard opens for this browser's console session (a third-party page: not held to the console's rules).
    const board = await page.goto(`${world.apiUrl}/operator/queues`);
    expect(board?.status()).toBe(200);
    await context.close();
  });
});
