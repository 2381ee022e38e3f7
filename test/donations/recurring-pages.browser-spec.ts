import { jest } from '@jest/globals';
import { randomBytes, randomUUID } from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import { RecurringGiftsService } from '@ataa/donations';
import { DonorPageService } from '@ataa/donors';
import { axeViolations, contrastFailures, createCampaign, createOrganizationWithOwner, launchBrowser } from '@ataa/testing';
import { DonationWorld, settle, startDonationWorld, submitDonationForm } from './donation-test-kit.js';

jest.setTimeout(240_000);

/**
 * Recurring gifts in a real browser, without JavaScript, in English and Arabic: the campaign form's
 * frequency and end (and its refusal of an end before the start), the one-click cancel link's
 * confirmation and done pages, a bad link, and the donor page's recurring section; each checked
 * with axe (WCAG 2.2 AA), contrast, language and direction on a 320 px phone.
 */
describe('recurring gift pages (headless Chromium)', () => {
  let world: DonationWorld;
  let browser: Browser;
  let slug: string;
  const series: Record<'en' | 'ar', string> = { en: '', ar: '' };

  const check = async (page: Page, lang: string, dir: string, headings = 1) => {
    expect(await page.getAttribute('html', 'lang')).toBe(lang);
    expect(await page.getAttribute('html', 'dir')).toBe(dir);
    expect(await page.locator('h1').count()).toBe(headings);
    expect((await page.evaluate(contrastFailures)).out).toEqual([]);
    expect(await axeViolations(page)).toEqual([]);
    expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
  };

  const signInLink = async (email: string, language: 'en' | 'ar') => {
    const id = randomUUID();
    const nonce = randomBytes(16).toString('hex');
    const requestedAt = new Date(Math.floor(Date.now() / 1000) * 1000);
    const expiresAt = new Date(requestedAt.getTime() + 900_000);
    await world.db.query(`INSERT INTO donor_sign_in_links (id, email, language, nonce, requested_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)`, [id, email, language, nonce, requestedAt, expiresAt]);
    return `${world.apiUrl}/donor/sign-in?token=${encodeURIComponent(world.api.get(DonorPageService).linkToken({ id, nonce, expiresAt }))}`;
  };

  beforeAll(async () => {
    world = await startDonationWorld();
    const org = await createOrganizationWithOwner(world.api, { name: 'Hands & Hearts' });
    slug = (await createCampaign(world.api, org, { title: 'Clean water' })).slug;
    for (const lang of ['en', 'ar'] as const) {
      const res = await submitDonationForm(world, slug, { amount: 'other', customAmount: '12', frequency: 'monthly', donorName: 'Layla', donorEmail: `layla-${lang}@example.org`, locale: lang });
      expect(res.status).toBe(303);
      const [row] = await world.db.query(`SELECT id, stripe_checkout_session_id FROM recurring_gifts WHERE donor_email = $1`, [`layla-${lang}@example.org`]);
      await world.sandbox.control.paySession(row.stripe_checkout_session_id);
      series[lang] = row.id;
    }
    await settle(world);
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await world?.close();
  });

  it.each([['en', 'ltr', 'Cancel your recurring gift', 'Your recurring gift is cancelled'], ['ar', 'rtl', 'ألغِ تبرعك الدوري', 'أُلغي تبرعك الدوري']] as const)(
    '%s: the form offers monthly and weekly with an optional end; the one-click cancel and the donor page are accessible without JavaScript',
    async (lang, dir, cancelTitle, doneTitle) => {
      const context = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 320, height: 800 } });
      const page = await context.newPage();
      await page.goto(`${world.apiUrl}/c/${slug}?lang=${lang}`);
      expect(await page.locator('input[name="frequency"]').count()).toBe(5);
      // Two h1: the campaign's title and the test story's own `# Why` (organization-factory).
      await check(page, lang, dir, 2);
      // An end before the start: the form again, with the error announced and the values kept.
      // The visible choice a donor taps (the radio itself is visually hidden, and the hidden radios share one spot).
      await page.click('label[for="frequency-weekly"]');
      await page.check('#amount-other');
      await page.fill('#customAmount', '10');
      await page.fill('#endDate', '2020-01-01');
      await page.fill('#donorEmail', 'someone@example.org');
      await page.click('form.donation-form button[type="submit"]');
      await page.waitForSelector('#form-error');
      expect(await page.isChecked('#frequency-weekly')).toBe(true);
      expect(await page.inputValue('#endDate')).toBe('2020-01-01');
      await check(page, lang, dir, 2);

      // The donor page lists the series with pause, change amount and cancel.
      await page.goto(await signInLink(`layla-${lang}@example.org`, lang));
      await page.click('button[type="submit"]');
      await page.waitForSelector('[data-section="recurring-gifts"]');
      expect(await page.locator(`[data-recurring-gift="${series[lang]}"][data-status="active"]`).count()).toBe(1);
      await check(page, lang, dir);

      // The receipt's one-click link: a confirmation page, then the cancelled page.
      const link = world.api.get(RecurringGiftsService).link('cancel', series[lang]).replace(/^https?:\/\/[^/]+/, world.apiUrl);
      await page.goto(link);
      expect((await page.textContent('h1'))?.trim()).toBe(cancelTitle);
      await check(page, lang, dir);
      await page.click('[data-testid="recurring-cancel"]');
      await page.waitForURL(/\/recurring\/cancel$/);
      expect((await page.textContent('h1'))?.trim()).toBe(doneTitle);
      await check(page, lang, dir);
      const [row] = await world.db.query(`SELECT status, end_reason FROM recurring_gifts WHERE id = $1`, [series[lang]]);
      expect(row).toMatchObject({ status: 'cancelled', end_reason: 'donor' });

      // A link that is not valid.
      await page.goto(`${world.apiUrl}/recurring/cancel?token=not-a-token&lang=${lang}`);
      expect(await page.locator('[data-code="link_invalid"]').count()).toBe(1);
      await check(page, lang, dir);
      await context.close();
    },
  );
});
