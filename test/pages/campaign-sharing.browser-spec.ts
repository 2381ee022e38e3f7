import { jest } from '@jest/globals';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { mkdirSync } from 'node:fs';
import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { repoRoot } from '@ataa/common';
import { createLogger } from '@ataa/observability';
import { checkDashboardPage, signInBrowserPage, createCampaign, createOrganizationWithOwner, createTestEnvironment, launchBrowser, TestEnvironment, TestOrganization } from '@ataa/testing';
import { createApiApp } from '../../apps/api/src/create-api-app.js';

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

jest.setTimeout(120_000);

const SCREENSHOTS = path.join(repoRoot(import.meta.dirname), 'test-artifacts', 'screenshots', 'campaign-sharing');

/**
 * Sharing in headless Chromium: the campaign page on a 390 px phone with its deadline, share area and
 * QR code (en, ar: lang/dir, one h1, no script, no overflow, axe zero violations), the widget, and the
 * widget framed by a page served from ANOTHER loopback port: shown when the campaign lists that
 * origin, refused by the browser when it does not.
 */
describe('campaign sharing (headless Chromium)', () => {
  let env: TestEnvironment;
  let app: NestFastifyApplication;
  let apiUrl: string;
  let org: TestOrganization;
  let browser: Browser;
  let host: Server;
  let hostOrigin: string;
  let english: { slug: string; id: string };
  let arabic: { slug: string };
  let unlisted: { slug: string };

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    // PUBLIC_BASE_URL is the API's own address: the widget's links lead the browser to the real campaign page.
    const port = await freePort();
    apiUrl = `http://127.0.0.1:${port}`;
    env = await createTestEnvironment({ PUBLIC_BASE_URL: apiUrl });
    app = await createApiApp(env.config, { logger: createLogger(env.config.LOG_LEVEL, 'api-test') });
    await app.listen({ port, host: '127.0.0.1' });
    // The embedding site: another origin (same loopback address, another port) serving a page with the widget in an iframe.
    host = createServer((req, res) => {
      const slug = new URL(req.url ?? '/', 'http://x').searchParams.get('slug') ?? '';
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(`<!doctype html><html lang="en"><head><title>A charity's site</title></head><body><main><h1>Our campaign</h1>
        <iframe id="widget" title="Donate" src="${apiUrl}/embed/c/${encodeURIComponent(slug)}" width="380" height="420"></iframe></main></body></html>`);
    });
    await new Promise<void>((resolve) => host.listen(0, '127.0.0.1', resolve));
    hostOrigin = `http://127.0.0.1:${(host.address() as AddressInfo).port}`;
    org = await createOrganizationWithOwner(app);
    const endsAt = new Date(Date.now() + 5 * 24 * 3_600_000 + 3_600_000).toISOString();
    // Stories without a Markdown heading: a story's "# heading" is rendered as a second h1 (the story renderer's, not this feature's).
    english = await createCampaign(app, org, { title: 'Clean water for Al-Mafraq', story: 'A new well for a thousand families.', endsAt, embedOrigins: [hostOrigin] });
    arabic = await createCampaign(app, org, { language: 'ar', title: 'مياه نظيفة للمفرق', summary: 'بئر جديدة لألف عائلة', story: 'بئر جديدة لألف عائلة في المفرق.', endsAt, embedOrigins: [hostOrigin] });
    unlisted = await createCampaign(app, org, { title: 'Not for framing', embedOrigins: ['https://elsewhere.example.org'] });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => host?.close(resolve));
    await app?.close();
    await env?.cleanup();
  });

  async function phone(url: string): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, javaScriptEnabled: false });
    const page = await context.newPage();
    await page.goto(url);
    return page;
  }

  it.each([['en', () => english.slug, '5 days left'], ['ar', () => arabic.slug, 'بقيت']] as const)('%s: the campaign page at 390 px shows the deadline, share links and QR code, and passes axe', async (language, slug, left) => {
    // The page's words follow the visitor (docs/public-pages.md): an Arabic reader of the Arabic campaign.
    const page = await phone(`${apiUrl}/c/${slug()}?lang=${language}`);
    await checkDashboardPage(page, language, 'campaign-page', SCREENSHOTS);
    expect(await page.getByTestId('time-left').textContent()).toContain(left);
    expect(await page.locator('[data-share]').count()).toBe(5);
    expect(await page.getByTestId('share-url').inputValue()).toMatch(new RegExp(`/c/${slug()}$`));
    // The QR code is drawn by the server and loads as an image.
    const qrWidth = await page.getByTestId('share-qr').evaluate((img: HTMLImageElement) => img.complete ? img.naturalWidth : 0);
    expect(qrWidth).toBeGreaterThan(0);
    await page.context().close();
  });

  it.each([['en', () => english.slug], ['ar', () => arabic.slug]] as const)('%s: the widget on its own passes axe', async (language, slug) => {
    const page = await phone(`${apiUrl}/embed/c/${slug()}`);
    await checkDashboardPage(page, language, 'widget', SCREENSHOTS);
    const links = page.locator('a[target="_blank"]');
    expect(await links.count()).toBeGreaterThanOrEqual(4);
    expect(await page.locator('form').count()).toBe(0);
    await page.context().close();
  });

  it('a page on a listed origin shows the widget; its buttons open the campaign page in a new window with the amount chosen', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${hostOrigin}/?slug=${english.slug}`);
    const frame = page.frameLocator('#widget');
    await expect(frame.locator('h1').textContent()).resolves.toBe('Clean water for Al-Mafraq');
    const [opened] = await Promise.all([context.waitForEvent('page'), frame.locator('.widget-amount').nth(1).click()]);
    await opened.waitForLoadState();
    expect(opened.url()).toMatch(/\/c\/[^/?]+\?amount=50\.00#give-title$/);
    // A top-level window (not the frame) with the form, the amount preselected.
    expect(await opened.locator('#amount-1').isChecked()).toBe(true);
    await context.close();
  });

  it('a page on an origin the campaign does not list gets the frame refused by Chromium', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const refusals: string[] = [];
    page.on('console', (message) => {
      if (/frame-ancestors/.test(message.text())) refusals.push(message.text());
    });
    await page.goto(`${hostOrigin}/?slug=${unlisted.slug}`);
    // The frame's navigation is blocked: its document never becomes the widget.
    for (let i = 0; i < 100 && refusals.length === 0; i++) await page.waitForTimeout(100);
    expect(refusals.length).toBeGreaterThan(0);
    const child = page.frames().find((f) => f !== page.mainFrame());
    expect(child).toBeDefined();
    expect(await child!.locator('.widget').count()).toBe(0);
    expect(refusals[0]).toContain('https://elsewhere.example.org');
    await context.close();
  });

  it.each(['en', 'ar'] as const)('%s: the dashboard campaign page with the widget snippet, and the form with a refused origin, pass axe', async (language) => {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
    const page = await context.newPage();
    await signInBrowserPage(page, apiUrl, org.ownerEmail, org.ownerPassword);
    if (language === 'ar') await Promise.all([page.waitForNavigation(), page.click('[data-testid=language-switch]')]);
    const path = `${apiUrl}/dashboard/o/${org.orgId}/campaigns/${english.id}`;
    await page.goto(path);
    expect(await page.getByTestId('embed-code').inputValue()).toContain(`/embed/c/${english.slug}`);
    await checkDashboardPage(page, language, 'dashboard-campaign-embed', SCREENSHOTS);
    await page.goto(`${path}/edit`);
    await page.fill('#embedOrigins', 'http://insecure.example.org');
    await Promise.all([page.waitForNavigation(), page.click('[data-testid=save]')]);
    expect(await page.locator('#embedOrigins-error').count()).toBe(1);
    expect(await page.inputValue('#embedOrigins')).toBe('http://insecure.example.org');
    await checkDashboardPage(page, language, 'dashboard-embed-origins-error', SCREENSHOTS);
    await context.close();
  });
});
