import { jest } from '@jest/globals';
import type { Browser, Page } from 'playwright-core';
import { axeViolations, contrastFailures, launchBrowser } from '@ataa/testing';
import { startSampleLedger } from './support.js';

jest.setTimeout(120_000);

const PAGES = [
  ['English ledger', '/c/a11y-water/ledger?lang=en'],
  ['Arabic ledger', '/c/a11y-water/ledger?lang=ar'],
  ['English report', '/c/a11y-water/report?lang=en'],
  ['Arabic report', '/c/a11y-water/report?lang=ar'],
] as const;

/**
 * The public ledger and report pages are read by donors and auditors with screen readers, keyboards
 * and phones: tables with captions and header scopes, labelled filters, the in-browser verification
 * announced politely, the chart described in text, WCAG AA contrast, and no page-wide horizontal
 * scrolling on a 320 px phone (the wide ledger table scrolls inside its own focusable region), and
 * no WCAG 2.2 AA violation found by axe-core.
 */
describe('public ledger and report pages accessibility (headless Chromium)', () => {
  let ledger: Awaited<ReturnType<typeof startSampleLedger>>;
  let browser: Browser;
  let base: string;

  beforeAll(async () => {
    ledger = await startSampleLedger({ slug: 'a11y-water', title: 'Clean water for the village' });
    base = ledger.base;
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await ledger?.close();
  });

  async function open(path: string, viewport = { width: 1280, height: 900 }): Promise<Page> {
    const page = await browser.newPage({ viewport });
    await page.goto(`${base}${path}`);
    return page;
  }

  it.each(PAGES)('%s: language and direction declared, every table captioned or headed with scopes', async (name, path) => {
    const page = await open(path);
    const arabic = name.startsWith('Arabic');
    expect(await page.getAttribute('html', 'lang')).toBe(arabic ? 'ar' : 'en');
    expect(await page.getAttribute('html', 'dir')).toBe(arabic ? 'rtl' : 'ltr');
    expect(await page.locator('h1').count()).toBe(1);
    const tables = await page.evaluate(() =>
      [...document.querySelectorAll('table')].map((table) => ({
        named: !!table.querySelector('caption')?.textContent?.trim() || !!table.getAttribute('aria-labelledby') || !!table.previousElementSibling?.matches('h2, h3'),
        headers: table.querySelectorAll('thead th').length,
        unscoped: [...table.querySelectorAll('th')].filter((th) => !['col', 'row'].includes(th.getAttribute('scope') ?? '')).length,
      })));
    expect(tables.length).toBeGreaterThanOrEqual(1);
    for (const table of tables) expect(table).toEqual({ named: true, headers: expect.any(Number), unscoped: 0 });
    expect(tables.every((t) => t.headers >= 3)).toBe(true);
    await page.close();
  });

  it('ledger: the filters are labelled and the verification result is announced politely', async () => {
    const page = await open('/c/a11y-water/ledger?lang=en');
    const unlabelled = await page.evaluate(() =>
      [...document.querySelectorAll<HTMLInputElement | HTMLSelectElement>('form input, form select')]
        .filter((el) => el.type !== 'hidden' && (el.labels?.length ?? 0) === 0 && !el.getAttribute('aria-label'))
        .map((el) => el.id || el.name));
    expect(unlabelled).toEqual([]);
    const region = page.locator('#verification');
    expect(await region.getAttribute('aria-live')).toBe('polite');
    await page.waitForSelector('#verification[data-state="verified"]', { timeout: 30_000 });
    // The announced text says what happened, not only a colour or an icon.
    expect((await page.textContent('#verification-status'))?.trim()).toMatch(/Verified/);
    await page.close();
  });

  it('ledger: keyboard users reach the filters, the scrollable table and the pages, with a visible focus ring', async () => {
    const page = await open('/c/a11y-water/ledger?lang=en&limit=5');
    const reached: string[] = [];
    for (let i = 0; i < 40; i++) {
      await page.keyboard.press('Tab');
      const what = await page.evaluate(() => {
        const el = document.activeElement as HTMLElement | null;
        if (!el || el === document.body) return null;
        return el.id || el.getAttribute('rel') || el.className || el.tagName;
      });
      if (what && !reached.includes(what)) reached.push(what);
      if (what === 'next') break;
    }
    expect(reached).toEqual(expect.arrayContaining(['f-kind', 'f-month', 'f-order', 'tl-table-wrap', 'next']));
    expect(reached.indexOf('f-kind')).toBeLessThan(reached.indexOf('tl-table-wrap'));
    expect(reached.indexOf('tl-table-wrap')).toBeLessThan(reached.indexOf('next'));
    await page.locator('a[rel="next"]').focus();
    const ring = await page.evaluate(() => {
      const s = getComputedStyle(document.activeElement!);
      return { style: s.outlineStyle, width: parseFloat(s.outlineWidth), shadow: s.boxShadow };
    });
    expect((ring.style !== 'none' && ring.width > 0) || ring.shadow !== 'none').toBe(true);
    await page.close();
  });

  it('report: the chart is an image with a text description of its figures', async () => {
    const page = await open('/c/a11y-water/report?lang=en');
    const chart = page.locator('#report-chart');
    expect(await chart.getAttribute('role')).toBe('img');
    const label = await page.evaluate(() => {
      const svg = document.getElementById('report-chart')!;
      return (svg.getAttribute('aria-labelledby') ?? '').split(/\s+/).map((id) => document.getElementById(id)?.textContent?.trim() ?? '').join(' ');
    });
    expect(label.length).toBeGreaterThan(20);
    expect(label).toMatch(/\d/); // the description carries the numbers, not only a title
    await page.close();
  });

  it.each(PAGES)('%s: text meets WCAG AA contrast against its background', async (_, path) => {
    const page = await open(path);
    const failures = await page.evaluate(contrastFailures);
    expect(failures.checked).toBeGreaterThan(20);
    expect(failures.out).toEqual([]);
    await page.close();
  });

  it.each(PAGES)('%s: axe-core finds no WCAG 2.2 AA violation, on a desktop and on a phone', async (name, path) => {
    for (const viewport of [{ width: 1280, height: 900 }, { width: 320, height: 640 }]) {
      const page = await open(path, viewport);
      // The ledger page is checked once its in-browser verification has announced its result.
      if (name.endsWith('ledger')) await page.waitForSelector('#verification[data-state="verified"]', { timeout: 30_000 });
      expect(await axeViolations(page)).toEqual([]);
      await page.close();
    }
  });

  it.each(PAGES)('%s: fits a 320 px wide phone without page-wide horizontal scrolling', async (_, path) => {
    const page = await open(path, { width: 320, height: 640 });
    expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
    expect(await page.locator('meta[name="viewport"]').getAttribute('content')).toContain('width=device-width');
    await page.close();
  });
});
