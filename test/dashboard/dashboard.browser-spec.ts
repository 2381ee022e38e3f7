import { jest } from '@jest/globals';
import { INestApplicationContext } from '@nestjs/common';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Browser, Page } from 'playwright-core';
import { mkdirSync } from 'node:fs';
import * as path from 'node:path';
import { repoRoot } from '@ataa/common';
import { axeViolations, baseUrlOf, checkDashboardPage, createTestEnvironment, launchBrowser, SmtpSink, startSmtpSink, startTestApi, startTestWorker, TestEnvironment, uniqueEmail } from '@ataa/testing';

jest.setTimeout(180_000);

const SCREENSHOTS = path.join(repoRoot(import.meta.dirname), 'test-artifacts', 'screenshots', 'dashboard');

/**
 * A new organization's first steps in a real browser with JavaScript off, in English and Arabic, at
 * 390 px wide: sign up -> verify from the e-mail -> create organization -> home -> create a campaign
 * (a bad form first) -> publish it after its confirmation -> see it in the list. Every page: lang and
 * dir, no horizontal overflow, axe-core (WCAG 2.2 AA) with zero violations, a screenshot.
 */
describe('dashboard (headless Chromium; pages without any script)', () => {
  let env: TestEnvironment;
  let sink: SmtpSink;
  let api: NestFastifyApplication;
  let worker: INestApplicationContext;
  let browser: Browser;
  let base: string;

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    env = await createTestEnvironment();
    sink = await startSmtpSink();
    api = await startTestApi(env.config, { listen: true });
    base = await baseUrlOf(api);
    worker = await startTestWorker(env.configWith({ SMTP_URL: sink.url, MAIL_FROM: 'Ataa <team@ataa.test>', PUBLIC_BASE_URL: base }));
    browser = await launchBrowser();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await worker?.close();
    await api?.close();
    await sink?.close();
    await env?.cleanup();
  }, 60_000);

  const check = (page: Page, language: 'en' | 'ar', name: string) => checkDashboardPage(page, language, name, SCREENSHOTS);

  async function verificationLink(email: string): Promise<string> {
    const deadline = Date.now() + 45_000;
    for (;;) {
      const mail = sink.messages.find((m) => m.envelope.to.includes(email));
      if (mail) return /(http:\/\/\S+\/dashboard\/verify-email\?token=\S+)/.exec(mail.parsed.text ?? '')![1];
      if (Date.now() > deadline) throw new Error(`no verification mail to ${email}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  it.each(['en', 'ar'] as const)('%s: sign up, verify, create an organization, see its home, create and publish a campaign', async (language) => {
    // JavaScript stays on only so that axe-core can run; every page is checked to carry no script at all.
    const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
    const page = await context.newPage();
    await page.goto(`${base}/dashboard`);
    await check(page, 'en', 'sign-in');
    if (language === 'ar') {
      await Promise.all([page.waitForNavigation(), page.click('[data-testid=language-switch]')]);
      await check(page, 'ar', 'sign-in');
    }
    await Promise.all([page.waitForNavigation(), page.click('a[href="/dashboard/sign-up"]')]);
    await check(page, language, 'sign-up');
    const email = uniqueEmail(`browser-${language}`);
    await page.fill('#displayName', language === 'ar' ? 'أمينة' : 'Amina');
    await page.fill('#email', email);
    await page.fill('#password', 'correct horse battery');
    await Promise.all([page.waitForNavigation(), page.click('main button[type=submit]')]);
    expect(new URL(page.url()).pathname).toBe('/dashboard/organizations/new');
    await check(page, language, 'create-organization-unverified');

    await page.goto(await verificationLink(email));
    await check(page, language, 'verify-email');
    await Promise.all([page.waitForNavigation(), page.click('main button[type=submit]')]);
    expect(await page.locator('[data-testid=verified]').count()).toBe(1);
    await check(page, language, 'verified');

    await Promise.all([page.waitForNavigation(), page.click('main a.button')]);
    await check(page, language, 'create-organization');
    await page.fill('#name', language === 'ar' ? 'جمعية الأمل' : 'Hope Relief');
    await Promise.all([page.waitForNavigation(), page.click('main button[type=submit]')]);
    expect(new URL(page.url()).pathname).toMatch(/^\/dashboard\/o\/[0-9a-f-]{36}$/);
    expect(await page.locator('[data-testid=chart]').count()).toBe(1);
    await check(page, language, 'home');

    // Campaigns: create (a bad form first), publish after its confirmation, see it in the list.
    await Promise.all([page.waitForNavigation(), page.click('nav a[href$="/campaigns"]')]);
    expect(await page.locator('[data-testid=no-campaigns]').count()).toBe(1);
    await check(page, language, 'campaigns-empty');
    await Promise.all([page.waitForNavigation(), page.click('[data-testid=new-campaign]')]);
    await check(page, language, 'campaign-new');
    await page.fill('#goal', '12.3456');
    await Promise.all([page.waitForNavigation(), page.click('[data-testid=save]')]);
    expect(await page.locator('#title-error').count()).toBe(1);
    expect(await page.locator('#goal-error').count()).toBe(1);
    expect(await page.inputValue('#goal')).toBe('12.3456');
    await check(page, language, 'campaign-new-errors');
    const title = language === 'ar' ? 'مياه نظيفة للمفرق' : 'Clean water for Mafraq';
    await page.fill('#title', title);
    await page.fill('#summary', language === 'ar' ? 'آبار لثلاث قرى' : 'Wells for three villages');
    await page.fill('#story', language === 'ar' ? 'لأن **الماء** حياة.' : 'Because **water** matters.');
    await page.fill('#goal', '1500');
    await page.fill('#suggestedAmounts', '10\n25\n50');
    await Promise.all([page.waitForNavigation(), page.click('[data-testid=save]')]);
    expect(await page.locator('[data-testid=notice]').count()).toBe(1);
    expect(await page.locator('[data-testid=public-links]').count()).toBe(0);
    await check(page, language, 'campaign-draft');
    await Promise.all([page.waitForNavigation(), page.click('[data-testid=preview]')]);
    expect(await page.locator('[data-testid=preview-banner]').count()).toBe(1);
    expect(await page.locator('[data-testid=preview-banner]').getAttribute('lang')).toBe(language);
    expect([await page.locator('script').count(), await axeViolations(page)]).toEqual([0, []]);
    await page.screenshot({ path: path.join(SCREENSHOTS, `${language}-campaign-preview.png`), fullPage: true });
    await page.goBack();
    await Promise.all([page.waitForNavigation(), page.click('[data-testid=edit]')]);
    await check(page, language, 'campaign-edit');
    await Promise.all([page.waitForNavigation(), page.click('[data-testid=back]')]);
    await Promise.all([page.waitForNavigation(), page.click('[data-testid=action-publish]')]);
    await check(page, language, 'campaign-publish-confirm');
    await Promise.all([page.waitForNavigation(), page.click('[data-testid=confirm]')]);
    expect(await page.locator('[data-testid=public-links]').count()).toBe(1);
    await check(page, language, 'campaign-published');
    await Promise.all([page.waitForNavigation(), page.click('[data-testid=action-cancel]')]);
    await check(page, language, 'campaign-cancel-confirm');
    await Promise.all([page.waitForNavigation(), page.click('nav a[href$="/campaigns"]')]);
    expect(await page.locator('[data-testid=campaigns] tr[data-status=published]').count()).toBe(1);
    expect(await page.locator('[data-testid=campaigns]').innerText()).toContain(title);
    await check(page, language, 'campaigns');
    const publicHref = await page.locator('[data-testid=campaigns] a').first().getAttribute('href');
    await page.goto(`${base}${publicHref}`);
    const publicPage = await page.locator('[data-testid=public-page]').getAttribute('href');
    expect((await page.request.get(`${base}${publicPage}`)).status()).toBe(200);

    await Promise.all([page.waitForNavigation(), page.click('nav a[href$="/donations"]')]);
    expect(await page.locator('[data-testid=no-donations]').count()).toBe(1);
    await check(page, language, 'donations-empty');

    await page.goto(`${base}/dashboard/no-such-page`);
    await check(page, language, 'not-found');
    await context.close();
  });
});
