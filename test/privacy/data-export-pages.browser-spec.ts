import { jest } from '@jest/globals';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Browser } from 'playwright-core';
import { axeViolations, baseUrlOf, contrastFailures, createTestEnvironment, launchBrowser, startTestApi, TestEnvironment } from '@ataa/testing';

jest.setTimeout(120_000);

/**
 * The data-export form in a real browser, without JavaScript, in English and Arabic: language and
 * direction declared, every field labelled, WCAG AA contrast, no WCAG 2.2 AA violation found by
 * axe-core, no page-wide scrolling on a 320 px
 * phone, and the form posts (with its CSRF cookie) to the page that answers the same for everyone.
 */
describe('data-export pages (headless Chromium)', () => {
  let env: TestEnvironment;
  let app: NestFastifyApplication;
  let browser: Browser;
  let base: string;

  beforeAll(async () => {
    env = await createTestEnvironment();
    app = await startTestApi(env.config, { listen: true });
    base = await baseUrlOf(app);
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await env?.cleanup();
  });

  it.each([['en', 'ltr', 'Check your inbox'], ['ar', 'rtl', 'تفقّد بريدك']] as const)('%s: accessible form that works without JavaScript', async (lang, dir, sentTitle) => {
    const context = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 320, height: 800 } });
    const page = await context.newPage();
    await page.goto(`${base}/privacy/export?lang=${lang}`);
    expect(await page.getAttribute('html', 'lang')).toBe(lang);
    expect(await page.getAttribute('html', 'dir')).toBe(dir);
    expect(await page.locator('h1').count()).toBe(1);
    const unlabelled = await page.evaluate(() =>
      [...document.querySelectorAll<HTMLInputElement>('form input')].filter((el) => el.type !== 'hidden' && (el.labels?.length ?? 0) === 0).map((el) => el.name));
    expect(unlabelled).toEqual([]);
    const contrast = await page.evaluate(contrastFailures);
    expect(contrast.checked).toBeGreaterThanOrEqual(3);
    expect(contrast.out).toEqual([]);
    expect(await axeViolations(page)).toEqual([]);
    expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
    await page.fill('#email', `someone-${lang}@example.org`);
    await page.click('button[type="submit"]');
    await page.waitForSelector('[data-testid="export-requested"]');
    expect((await page.textContent('h1'))?.trim()).toBe(sentTitle);
    expect(await page.getAttribute('html', 'dir')).toBe(dir);
    const after = await page.evaluate(contrastFailures);
    expect(after.checked).toBeGreaterThanOrEqual(1);
    expect(after.out).toEqual([]);
    expect(await axeViolations(page)).toEqual([]);
    await context.close();
  });
});
