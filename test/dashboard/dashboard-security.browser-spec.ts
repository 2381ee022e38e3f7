import { jest } from '@jest/globals';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { generateSync } from 'otplib';
import type { Browser, Page } from 'playwright-core';
import { mkdirSync } from 'node:fs';
import * as path from 'node:path';
import { repoRoot } from '@ataa/common';
import { baseUrlOf, checkDashboardPage, createOrganizationWithOwner, createTestEnvironment, launchBrowser, signInBrowserPage, startTestApi, TestEnvironment } from '@ataa/testing';

jest.setTimeout(180_000);

const SCREENSHOTS = path.join(repoRoot(import.meta.dirname), 'test-artifacts', 'screenshots', 'dashboard-security');

/**
 * Two-factor sign-in in a real browser at 390 px, in English and Arabic: the security page (off),
 * the set-up page (QR code as inline SVG, the key in text), the recovery codes, the page once it is
 * on, the second step of a sign-in (and its refusal), and the campaign form with its cover upload.
 * Every page: lang/dir, one h1, no script, no overflow, axe-core (WCAG 2.2 AA) clean, a screenshot.
 */
describe('dashboard two-factor sign-in (headless Chromium; pages without any script)', () => {
  let env: TestEnvironment;
  let api: NestFastifyApplication;
  let browser: Browser;
  let base: string;

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    env = await createTestEnvironment();
    api = await startTestApi(env.config, { listen: true });
    base = await baseUrlOf(api);
    browser = await launchBrowser();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await api?.close();
    await env?.cleanup();
  }, 60_000);

  const check = (page: Page, language: 'en' | 'ar', name: string) => checkDashboardPage(page, language, name, SCREENSHOTS);
  const submit = (page: Page, selector = 'main button[type=submit]') => Promise.all([page.waitForNavigation(), page.click(selector)]);

  it.each(['en', 'ar'] as const)('%s: set up two-factor sign-in, then sign in with a code', async (language) => {
    const org = await createOrganizationWithOwner(api, { name: language === 'ar' ? 'جمعية الأمل' : 'Hope Trust' });
    const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
    await context.addCookies([{ name: 'ataa_lang', value: language, url: `${base}/dashboard` }]);
    const page = await context.newPage();
    await signInBrowserPage(page, base, org.ownerEmail, org.ownerPassword);

    await Promise.all([page.waitForNavigation(), page.click('[data-testid=account-security]')]);
    expect(new URL(page.url()).pathname).toBe('/dashboard/account/security');
    await check(page, language, 'security-off');

    await submit(page, '[data-testid=set-up]');
    expect(await page.locator('[data-testid=qr] svg[role=img]').count()).toBe(1);
    expect(await page.locator('img').count()).toBe(0);
    await check(page, language, 'security-enrol');
    const secret = (await page.textContent('[data-testid=secret]'))!.replace(/\s/g, '');

    await page.fill('#code', '000000' === generateSync({ secret }) ? '111111' : '000000');
    await submit(page, '[data-testid=confirm]');
    expect(await page.locator('[data-testid=form-error]').count()).toBe(1);
    await check(page, language, 'security-enrol-error');

    await page.fill('#code', generateSync({ secret }));
    await submit(page, '[data-testid=confirm]');
    expect(await page.locator('[data-testid=recovery-code]').count()).toBe(10);
    await check(page, language, 'security-codes');
    await Promise.all([page.waitForNavigation(), page.click('main a.button')]);
    expect(await page.locator('[data-testid=disable]').count()).toBe(1);
    await check(page, language, 'security-on');

    await submit(page, '[data-testid=sign-out]');
    await signInBrowserPage(page, base, org.ownerEmail, org.ownerPassword);
    expect(new URL(page.url()).pathname).toBe('/dashboard/sign-in/code');
    await check(page, language, 'sign-in-code');
    await page.fill('#code', '12345');
    await submit(page);
    expect(await page.locator('[data-testid=form-error]').count()).toBe(1);
    await check(page, language, 'sign-in-code-error');
    await page.fill('#code', generateSync({ secret, epoch: Math.floor(Date.now() / 1000) + 30 }));
    await submit(page);
    expect(new URL(page.url()).pathname).toBe(`/dashboard/o/${org.orgId}`);

    // The campaign form with its cover upload (a multipart form; no script).
    await page.goto(`${base}/dashboard/o/${org.orgId}/campaigns/new`);
    expect(await page.locator('form[enctype="multipart/form-data"] input[type=file]#coverImage').count()).toBe(1);
    await check(page, language, 'campaign-form-cover');
    await context.close();
  });
});
