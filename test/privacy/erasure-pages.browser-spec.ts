import { jest } from '@jest/globals';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Browser, Page } from 'playwright-core';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { deriveErasureKey, donorEmailHash, signErasureToken } from '@ataa/privacy';
import { axeViolations, baseUrlOf, contrastFailures, createTestEnvironment, launchBrowser, startTestApi, TestEnvironment } from '@ataa/testing';

jest.setTimeout(120_000);

/**
 * The donor's erasure pages in a real browser with JavaScript off (they must work without it), in
 * English and Arabic: language and direction, one heading, labelled fields, WCAG AA contrast, no
 * WCAG 2.2 AA violation found by axe-core; the
 * request form answers with the neutral page; the confirmation page's button confirms the erasure.
 */
describe('erasure pages (headless Chromium, no JavaScript)', () => {
  let env: TestEnvironment;
  let api: NestFastifyApplication;
  let browser: Browser;
  let base: string;

  beforeAll(async () => {
    env = await createTestEnvironment();
    api = await startTestApi(env.config, { listen: true });
    base = await baseUrlOf(api);
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await api?.close();
    await env?.cleanup();
  });

  const open = async (path: string): Promise<Page> => {
    const context = await browser.newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    await page.goto(`${base}${path}`);
    return page;
  };

  async function expectAccessible(page: Page, language: 'en' | 'ar'): Promise<void> {
    expect(await page.getAttribute('html', 'lang')).toBe(language);
    expect(await page.getAttribute('html', 'dir')).toBe(language === 'ar' ? 'rtl' : 'ltr');
    expect(await page.locator('h1').count()).toBe(1);
    const unlabelled = await page.evaluate(() =>
      [...document.querySelectorAll<HTMLInputElement>('form input')].filter((el) => el.type !== 'hidden')
        .filter((el) => (el.labels?.length ?? 0) === 0 && !el.getAttribute('aria-label')).map((el) => el.id || el.name));
    expect(unlabelled).toEqual([]);
    const failures = await page.evaluate(contrastFailures);
    expect(failures.checked).toBeGreaterThanOrEqual(3);
    expect(failures.out).toEqual([]);
    expect(await axeViolations(page)).toEqual([]);
  }

  it.each(['en', 'ar'] as const)('%s: asks for the link with the form alone and answers neutrally', async (language) => {
    const page = await open(`/privacy/erase?lang=${language}`);
    await expectAccessible(page, language);
    await page.fill('#email', 'someone@example.org');
    await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
    await expectAccessible(page, language);
    expect(await page.locator('[data-testid=sent]').count()).toBe(1);
    await page.context().close();
  });

  it.each(['en', 'ar'] as const)('%s: the confirmation page confirms with its button', async (language) => {
    const db = api.get(DataSource);
    const key = deriveErasureKey(env.config.AUTH_SECRET!);
    const id = randomUUID();
    const expiresAt = new Date(Math.floor(Date.now() / 1000 + 3600) * 1000);
    await db.query(
      `INSERT INTO erasure_requests (id, source, state, email, email_hash, language, requested_by, expires_at) VALUES ($1, 'donor_link', 'awaiting_confirmation', $2, $3, $4, 'donor_link', $5)`,
      [id, `${language}@example.org`, donorEmailHash(key, `${language}@example.org`), language, expiresAt],
    );
    const page = await open(`/privacy/erase/confirm?token=${encodeURIComponent(signErasureToken(key, id, expiresAt))}`);
    await expectAccessible(page, language);
    await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
    await expectAccessible(page, language);
    expect(await page.getAttribute('[data-testid=done]', 'data-request')).toBe(id);
    const [row] = await db.query(`SELECT state, email FROM erasure_requests WHERE id = $1`, [id]);
    expect(row).toEqual({ state: 'confirmed', email: null });
    await page.context().close();
  });
});
