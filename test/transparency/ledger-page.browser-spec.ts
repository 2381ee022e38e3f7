import type { Browser } from 'playwright-core';
import { axeViolations, launchBrowser } from '@ataa/testing';
import { startSampleLedger } from './support.js';

describe('ledger and report pages in a real browser', () => {
  let ledger: Awaited<ReturnType<typeof startSampleLedger>>;
  let browser: Browser;
  let base: string;

  beforeAll(async () => {
    ledger = await startSampleLedger({ slug: 'clean-water', language: 'ar', title: 'مياه نظيفة' });
    base = ledger.base;
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await ledger?.close();
  });

  it('verifies the entries of the page in the browser (WebCrypto) and shows "verified"', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    const requested: string[] = [];
    page.on('request', (r) => requested.push(new URL(r.url()).pathname));
    await page.goto(`${base}/c/clean-water/ledger?lang=en&limit=5`);
    await page.waitForSelector('#verification[data-state="verified"]', { timeout: 30_000 });
    expect(await page.textContent('#verification-status')).toContain('Verified');
    expect(await page.textContent('#verification-detail')).toContain('All 5 entries on this page are in the log signed at size 11');
    expect(await page.textContent('#verification-detail')).not.toContain('cannot check Ed25519');
    expect(await page.locator('table.tl-ledger tbody tr').count()).toBe(5);
    expect(errors).toEqual([]);
    // All five audit paths in one request, not one per entry.
    expect(requested.filter((p) => p.includes('/proof/'))).toEqual(['/api/v1/public/campaigns/clean-water/proof/inclusions']);
    expect(await axeViolations(page)).toEqual([]);
    await page.close();
  });

  it('shows "failed" when the server hands the browser a tampered entry', async () => {
    const page = await browser.newPage();
    await page.route('**/api/v1/public/campaigns/clean-water/ledger**', async (route) => {
      const response = await route.fetch();
      const body = await response.json();
      body.entries[0].amount = '999999';
      await route.fulfill({ response, body: JSON.stringify(body) });
    });
    await page.goto(`${base}/c/clean-water/ledger?lang=en`);
    await page.waitForSelector('#verification[data-state="failed"]', { timeout: 30_000 });
    expect(await page.textContent('#verification-detail')).toMatch(/does not match its leaf hash/);
    expect(await axeViolations(page)).toEqual([]); // the failure state too
    await page.close();
  });

  it('opens every format-3 commitment, reports a redacted field as redacted, and fails on a value put back', async () => {
    const redactFirstNamed = (body: { entries: Record<string, unknown>[] }, reinsert: boolean) => {
      const entry = body.entries.find((e) => e.donorHash !== null)!;
      const name = entry.donor;
      Object.assign(entry, { donor: reinsert ? `${String(name)}!` : null, donorSalt: null, redacted: { donor: { reason: 'erased', note: null, at: '2026-04-01T00:00:00.000Z' } } });
      return entry.index;
    };
    for (const reinsert of [false, true]) {
      const page = await browser.newPage();
      let index: unknown = null;
      await page.route('**/api/v1/public/campaigns/clean-water/ledger**', async (route) => {
        const response = await route.fetch();
        const body = await response.json();
        index = redactFirstNamed(body, reinsert);
        await route.fulfill({ response, body: JSON.stringify(body) });
      });
      await page.goto(`${base}/c/clean-water/ledger?lang=en`);
      if (reinsert) {
        await page.waitForSelector('#verification[data-state="failed"]', { timeout: 30_000 });
        expect(await page.textContent('#verification-detail')).toBe(`entry ${String(index)} was tampered with: donor: a value or salt was put back into a redacted field`);
      } else {
        await page.waitForSelector('#verification[data-state="verified"]', { timeout: 30_000 });
        expect(await page.textContent('#verification-detail')).toContain('1 personal field(s) on this page were removed (erasure or moderation); every other commitment opens.');
      }
      await page.close();
    }
  });

  it('verifies the page from the log\'s tiles alone (no proof API), fails on a tampered tile, and shows no button without JavaScript', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    const requested: string[] = [];
    page.on('request', (r) => requested.push(new URL(r.url()).pathname));
    await page.goto(`${base}/c/clean-water/ledger?lang=en&limit=5`);
    await page.waitForSelector('#verification[data-state="verified"]', { timeout: 30_000 });
    requested.length = 0;
    await page.click('#verify-tiles');
    await page.waitForSelector('#verification[data-source="tiles"][data-state="verified"]', { timeout: 30_000 });
    expect(await page.textContent('#verification-detail')).toContain('From the tiles alone (1 fetched, no proof from the server): the root of all 11 entries is the signed one, and the 5 entries on this page are in it.');
    expect(requested).toContain('/c/clean-water/checkpoint');
    expect(requested).toContain('/c/clean-water/tile/0/000.p/11');
    expect(requested.filter((p) => p.includes('/proof/'))).toEqual([]);
    expect(errors).toEqual([]);
    expect(await axeViolations(page)).toEqual([]);
    await page.close();

    // A tile altered on the way: the same check fails, naming what broke.
    const tampered = await browser.newPage();
    await tampered.route('**/c/clean-water/tile/**', async (route) => {
      const response = await route.fetch();
      const body = Buffer.from(await response.body());
      body[3 * 32] ^= 1;
      await route.fulfill({ response, body });
    });
    await tampered.goto(`${base}/c/clean-water/ledger?lang=en&limit=5`);
    await tampered.waitForSelector('#verification[data-state="verified"]', { timeout: 30_000 });
    await tampered.click('#verify-tiles');
    await tampered.waitForSelector('#verification[data-state="failed"]', { timeout: 30_000 });
    expect(await tampered.textContent('#verification-detail')).toBe('the tiles do not hash to the signed root');
    expect(await axeViolations(tampered)).toEqual([]);
    await tampered.close();

    const context = await browser.newContext({ javaScriptEnabled: false });
    const plain = await context.newPage();
    await plain.goto(`${base}/c/clean-water/ledger?lang=en&limit=5`);
    expect(await plain.locator('#verify-tiles').isVisible()).toBe(false);
    expect(await plain.locator('table.tl-ledger tbody tr').count()).toBe(5);
    expect(await axeViolations(plain)).toEqual([]);
    await context.close();
  });

  it('renders the Arabic report right-to-left with a readable chart', async () => {
    // A visitor whose browser asks for Arabic (the page follows Accept-Language; Chromium's default is en-US).
    const page = await browser.newPage({ locale: 'ar' });
    await page.goto(`${base}/c/clean-water/report`);
    expect(await page.getAttribute('html', 'dir')).toBe('rtl');
    expect(await page.getAttribute('html', 'lang')).toBe('ar');
    const chart = page.locator('#report-chart');
    expect(await chart.isVisible()).toBe(true);
    expect(await chart.getAttribute('role')).toBe('img');
    // Three months of activity: an in-bar and an out-bar each, with visible height for January's gifts.
    expect(await page.locator('#report-chart rect.tl-bar-in').count()).toBe(3);
    const box = await page.locator('#report-chart rect.tl-bar-in').first().boundingBox();
    expect(box?.height ?? 0).toBeGreaterThan(10);
    expect(await page.textContent('#total-raised')).toMatch(/190\.00\sUS\$/); // formatMoney in Arabic (no-break space)
    expect(await axeViolations(page)).toEqual([]);
    await page.close();
  });
});
