import { jest } from '@jest/globals';
import type { Browser, Page } from 'playwright-core';
import { axeViolations, contrastFailures, createCampaign, createOrganizationWithOwner, launchBrowser } from '@ataa/testing';
import { DonationWorld, startDonationWorld } from './donation-test-kit.js';

jest.setTimeout(120_000);

/**
 * The hosted campaign page's accessibility in headless Chromium: every form control has a label,
 * keyboard focus follows the form's reading order, text meets WCAG AA contrast, and a phone-sized
 * screen needs no horizontal scrolling, and axe-core finds no WCAG 2.2 AA violation (English and Arabic).
 */
describe('campaign page accessibility (headless Chromium)', () => {
  let world: DonationWorld;
  let browser: Browser;
  let english: { slug: string };
  let arabic: { slug: string };

  beforeAll(async () => {
    world = await startDonationWorld({ worker: false });
    const org = await createOrganizationWithOwner(world.api);
    english = await createCampaign(world.api, org, { allowAnonymous: true, offerCoverFees: true });
    arabic = await createCampaign(world.api, org, { language: 'ar', title: 'مياه نظيفة للقرية', allowAnonymous: true, offerCoverFees: true });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await world?.close();
  });

  async function open(slug: string, viewport = { width: 1280, height: 900 }): Promise<Page> {
    const page = await browser.newPage({ viewport });
    await page.goto(`${world.apiUrl}/c/${slug}`);
    return page;
  }

  it.each([['English', () => english.slug], ['Arabic', () => arabic.slug]])('%s: every visible form control has a label', async (_, slug) => {
    const page = await open(slug());
    const unlabelled = await page.evaluate(() =>
      [...document.querySelectorAll<HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement>('form input, form textarea, form select')]
        .filter((el) => el.type !== 'hidden')
        .filter((el) => (el.labels?.length ?? 0) === 0 && !el.getAttribute('aria-label') && !el.getAttribute('aria-labelledby'))
        .map((el) => el.id || el.name));
    expect(unlabelled).toEqual([]);
    const controls = await page.locator('form input:not([type=hidden]), form textarea').count();
    expect(controls).toBeGreaterThanOrEqual(6);
    await page.close();
  });

  it('keyboard focus reaches the form controls in reading order, ending on the submit button', async () => {
    const page = await open(english.slug);
    const order = await page.evaluate(() =>
      [...document.querySelectorAll<HTMLElement>('form input:not([type=hidden]), form select, form textarea, form button')].map((el) => el.id || `${el.tagName}:${el.textContent?.trim()}`));
    const visited: string[] = [];
    for (let i = 0; i < 40; i++) {
      await page.keyboard.press('Tab');
      const id = await page.evaluate(() => {
        const el = document.activeElement as HTMLElement | null;
        if (!el || !el.closest('form')) return null;
        return el.id || `${el.tagName}:${el.textContent?.trim()}`;
      });
      if (id && !visited.includes(id)) visited.push(id);
      if (id?.startsWith('BUTTON:')) break;
    }
    // Radio groups (the amount, how often, a designation) take one Tab stop each; every other control is visited, in DOM order.
    const group = (id: string) => ['amount-', 'frequency-', 'designation-'].find((prefix) => id.startsWith(prefix));
    const expected = order.filter((id) => !group(id) || id === visited.find((v) => v.startsWith(group(id)!)));
    expect(visited).toEqual(expected);
    expect(visited).toEqual(expect.arrayContaining(['customAmount', 'endDate', 'payments', 'donorName', 'donorEmail', 'anonymous', 'publicMessage', 'coverFees']));
    expect(visited.at(-1)).toMatch(/^BUTTON:/);
    // A visible focus indicator on the focused control.
    await page.locator('#donorEmail').focus();
    const outline = await page.evaluate(() => {
      const s = getComputedStyle(document.activeElement!);
      return { style: s.outlineStyle, width: parseFloat(s.outlineWidth), shadow: s.boxShadow };
    });
    expect((outline.style !== 'none' && outline.width > 0) || outline.shadow !== 'none').toBe(true);
    await page.close();
  });

  it.each([['English', () => english.slug], ['Arabic', () => arabic.slug]])('%s: text meets WCAG AA contrast against its background', async (_, slug) => {
    const page = await open(slug());
    const failures = await page.evaluate(contrastFailures);
    expect(failures.checked).toBeGreaterThan(10);
    expect(failures.out).toEqual([]);
    // The check itself catches faint text: light grey on white is flagged.
    await page.evaluate(() => {
      const faint = document.createElement('p');
      faint.textContent = 'faint text';
      Object.assign(faint.style, { color: '#aaaaaa', background: '#ffffff' });
      document.body.append(faint);
    });
    expect((await page.evaluate(contrastFailures)).out).toEqual([expect.stringContaining('"faint text"')]);
    await page.close();
  });

  it.each([['English', () => english.slug], ['Arabic', () => arabic.slug]])('%s: axe-core finds no WCAG 2.2 AA violation, on a desktop and on a phone', async (_, slug) => {
    for (const viewport of [{ width: 1280, height: 900 }, { width: 320, height: 640 }]) {
      const page = await open(slug(), viewport);
      expect(await axeViolations(page)).toEqual([]);
      await page.close();
    }
  });

  it.each([['English', () => english.slug], ['Arabic', () => arabic.slug]])('%s: fits a 320 px wide phone without horizontal scrolling', async (_, slug) => {
    const page = await open(slug(), { width: 320, height: 640 });
    expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
    expect(await page.locator('meta[name="viewport"]').getAttribute('content')).toContain('width=device-width');
    await page.close();
  });
});
