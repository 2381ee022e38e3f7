import { jest } from '@jest/globals';
import { randomBytes, randomUUID } from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import { ScheduledGiftsService } from '@ataa/donations';
import { DonorPageService } from '@ataa/donors';
import { axeViolations, contrastFailures, createCampaign, createOrganizationWithOwner, launchBrowser } from '@ataa/testing';
import { DonationWorld, drainInbox, eventually, settle, startDonationWorld, submitDonationForm } from '../donations/donation-test-kit.js';

jest.setTimeout(300_000);

/**
 * Scheduled series in a real browser, in English and Arabic: the campaign form's schedules, weeks
 * and time zone select without JavaScript (a refusal shown with the values kept), the optional
 * script choosing the browser's time zone (added when the list lacks it), the thank-you page with
 * the planned Fridays, the donor page's list and cancel, and the one-click cancel link's pages;
 * each checked with axe (WCAG 2.2 AA), contrast, language and direction on a 320 px phone.
 */
describe('scheduled series pages (headless Chromium)', () => {
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
    // A known port: Checkout's return URLs lead the browser back to the thank-you page.
    world = await startDonationWorld({ publicUrl: true });
    const org = await createOrganizationWithOwner(world.api, { name: 'Hands & Hearts' });
    slug = (await createCampaign(world.api, org, { title: 'Friday meals', currency: 'usd' })).slug;
    for (const lang of ['en', 'ar'] as const) {
      const res = await submitDonationForm(world, slug, {
        amount: 'other', customAmount: '15', frequency: 'fridays', weeks: '3', timeZone: 'Asia/Amman', donorName: 'Layla', donorEmail: `layla-${lang}@example.org`, locale: lang,
      });
      expect(res.status).toBe(303);
      const [row] = await world.db.query(`SELECT id, stripe_checkout_session_id FROM scheduled_gifts WHERE donor_email = $1`, [`layla-${lang}@example.org`]);
      expect((await world.sandbox.control.paySession(row.stripe_checkout_session_id)).ok).toBe(true);
      series[lang] = row.id;
    }
    await settle(world);
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await world?.close();
  });

  it.each([
    ['en', 'ltr', 'Every Friday', 'Cancel your scheduled gifts', 'Your scheduled gifts are cancelled'],
    ['ar', 'rtl', 'كل جمعة', 'ألغِ تبرعاتك المجدولة', 'أُلغيت تبرعاتك المجدولة'],
  ] as const)('%s: the form without JavaScript, the thank-you page, the donor page and the cancel link are accessible', async (lang, dir, fridays, cancelTitle, doneTitle) => {
    const context = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 320, height: 800 } });
    const page = await context.newPage();
    await page.goto(`${world.apiUrl}/c/${slug}?lang=${lang}`);
    expect(await page.locator('input[name="frequency"]').count()).toBe(5);
    expect((await page.textContent('label[for="frequency-fridays"]'))?.trim()).toBe(fridays);
    // Without the script, the select offers the campaign currency's default (USD: UTC).
    expect(await page.inputValue('#timeZone')).toBe('UTC');
    // Two h1: the campaign's title and the test story's own `# Why` (organization-factory).
    await check(page, lang, dir, 2);
    // 60 weeks are refused: the form again, the error announced, the values kept.
    await page.check('#frequency-fridays');
    await page.check('#amount-other');
    await page.fill('#customAmount', '15');
    await page.fill('#weeks', '60');
    await page.selectOption('#timeZone', 'Asia/Kuala_Lumpur');
    await page.fill('#donorEmail', 'someone@example.org');
    await page.click('form.donation-form button[type="submit"]');
    await page.waitForSelector('#form-error');
    expect(await page.isChecked('#frequency-fridays')).toBe(true);
    expect(await page.inputValue('#weeks')).toBe('60');
    expect(await page.inputValue('#timeZone')).toBe('Asia/Kuala_Lumpur');
    await check(page, lang, dir, 2);

    // The thank-you page: the card saved, the three Fridays in Amman.
    await page.goto(`${world.apiUrl}/c/${slug}/thanks?scheduled=${series[lang]}&lang=${lang}`);
    expect(await page.getAttribute('[data-testid="gift-status"]', 'data-state')).toBe('succeeded');
    expect(await page.locator('[data-testid="occurrences"] li[data-status="planned"]').count()).toBe(3);
    await check(page, lang, dir);

    // The donor page lists the series with its cancel button.
    await page.goto(await signInLink(`layla-${lang}@example.org`, lang));
    await page.click('button[type="submit"]');
    await page.waitForSelector('[data-section="scheduled-gifts"]');
    expect(await page.locator(`[data-scheduled-gift="${series[lang]}"][data-status="active"]`).count()).toBe(1);
    await check(page, lang, dir);

    // The e-mails' one-click link: a confirmation page, then the cancelled page.
    const link = world.api.get(ScheduledGiftsService).cancelLink(series[lang]).replace(/^https?:\/\/[^/]+/, world.apiUrl);
    await page.goto(`${link}&lang=${lang}`);
    expect((await page.textContent('h1'))?.trim()).toBe(cancelTitle);
    await check(page, lang, dir);
    await page.click('[data-testid="scheduled-cancel"]');
    await page.waitForURL(/\/scheduled\/cancel$/);
    expect((await page.textContent('h1'))?.trim()).toBe(doneTitle);
    await check(page, lang, dir);
    const [row] = await world.db.query(`SELECT status, end_reason FROM scheduled_gifts WHERE id = $1`, [series[lang]]);
    expect(row).toEqual({ status: 'cancelled', end_reason: 'donor' });

    // The donor page shows it cancelled, without the button.
    await page.goto(`${world.apiUrl}/donor?lang=${lang}`);
    expect(await page.locator(`[data-scheduled-gift="${series[lang]}"][data-status="cancelled"]`).count()).toBe(1);
    expect(await page.locator(`[data-scheduled-gift="${series[lang]}"] [data-testid="scheduled-cancel"]`).count()).toBe(0);
    await check(page, lang, dir);

    // A link that is not valid.
    await page.goto(`${world.apiUrl}/scheduled/cancel?token=not-a-token&lang=${lang}`);
    expect(await page.locator('[data-code="link_invalid"]').count()).toBe(1);
    await check(page, lang, dir);
    await context.close();
  });

  it('on the donor page, the cancel button cancels the series', async () => {
    const res = await submitDonationForm(world, slug, { amount: 'other', customAmount: '9', frequency: 'ramadan_last_ten', timeZone: 'Asia/Riyadh', donorEmail: 'sara@example.org', locale: 'en' });
    expect(res.status).toBe(303);
    const [row] = await world.db.query(`SELECT id, stripe_checkout_session_id FROM scheduled_gifts WHERE donor_email = 'sara@example.org'`);
    expect((await world.sandbox.control.paySession(row.stripe_checkout_session_id)).ok).toBe(true);
    await settle(world);
    const context = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 320, height: 800 } });
    const page = await context.newPage();
    await page.goto(await signInLink('sara@example.org', 'en'));
    await page.click('button[type="submit"]');
    await page.waitForSelector(`[data-scheduled-gift="${row.id}"]`);
    expect(await page.textContent(`[data-scheduled-gift="${row.id}"]`)).toContain('every night of the last ten nights of Ramadan');
    await page.click(`[data-scheduled-gift="${row.id}"] [data-testid="scheduled-cancel"]`);
    await page.waitForSelector('[data-testid="scheduled-notice"]');
    expect(await page.locator(`[data-scheduled-gift="${row.id}"][data-status="cancelled"]`).count()).toBe(1);
    await check(page, 'en', 'ltr');
    await context.close();
  });

  it('the form opens the sandbox\'s hosted page that saves the card; back on the thank-you page; a declined Friday\'s payment page (ar)', async () => {
    const context = await browser.newContext({ javaScriptEnabled: true, timezoneId: 'Asia/Riyadh', viewport: { width: 390, height: 800 } });
    const page = await context.newPage();
    await page.goto(`${world.apiUrl}/c/${slug}?lang=ar`);
    await page.waitForFunction(() => (document.querySelector('#timeZone') as HTMLSelectElement | null)?.value === 'Asia/Riyadh');
    await page.check('#frequency-fridays');
    await page.fill('#weeks', '2');
    await page.check('#amount-other');
    await page.fill('#customAmount', '20');
    await page.fill('#donorEmail', 'badr@example.org');
    await page.click('form.donation-form button[type="submit"]');
    await page.waitForURL((url) => url.toString().startsWith(world.sandbox.url));
    expect(await axeViolations(page)).toEqual([]);
    // 4000 0000 0000 0341 saves; every charge with it is then declined.
    await page.locator('#card_number').fill('4000 0000 0000 0341');
    await page.locator('#card_expiry').fill('12 / 34');
    await page.locator('#card_cvc').fill('123');
    await page.locator('#submit').click();
    await page.waitForURL((url) => url.pathname === `/c/${slug}/thanks`);
    await drainInbox(world);
    await eventually(async () => {
      await page.reload();
      return (await page.getAttribute('[data-testid="gift-status"]', 'data-state')) === 'succeeded';
    }, 'the thank-you page to show the saved card');
    const [row] = await world.db.query(`SELECT id, time_zone FROM scheduled_gifts WHERE donor_email = 'badr@example.org'`);
    expect(row.time_zone).toBe('Asia/Riyadh');
    expect(await page.locator('[data-testid="occurrences"] li').count()).toBe(2);
    await check(page, 'ar', 'rtl');

    // The first Friday is declined: its payment page (the e-mail's link) is accessible; its button opens Checkout.
    const service = world.api.get(ScheduledGiftsService);
    const [first] = await world.db.query(`SELECT charge_at FROM scheduled_charges WHERE scheduled_gift_id = $1 AND occurrence = 1`, [row.id]);
    await service.chargeDue(new Date(new Date(first.charge_at).getTime() + 1000));
    const [failed] = await world.db.query(`SELECT status, grace_ends_at FROM scheduled_charges WHERE scheduled_gift_id = $1 AND occurrence = 1`, [row.id]);
    expect(failed.status).toBe('failed');
    await page.goto(service.payLink(row.id, 1, failed.grace_ends_at).replace(/^https?:\/\/[^/]+/, world.apiUrl));
    expect((await page.textContent('h1'))?.trim()).toBe('ادفع تبرعًا مجدولًا');
    await check(page, 'ar', 'rtl');
    await page.click('[data-testid="scheduled-pay"]');
    await page.waitForURL((url) => url.toString().startsWith(world.sandbox.url));
    await context.close();
  });

  it.each([['Asia/Kuala_Lumpur', 'Asia/Kuala_Lumpur'], ['Europe/Vienna', 'Europe/Vienna']])(
    'the optional script picks the browser\'s time zone (%s), adding it when not listed, and the form posts it',
    async (timezoneId, expected) => {
      const context = await browser.newContext({ javaScriptEnabled: true, timezoneId, viewport: { width: 390, height: 800 } });
      const page = await context.newPage();
      await page.goto(`${world.apiUrl}/c/${slug}?lang=en`);
      await page.waitForFunction((zone) => (document.querySelector('#timeZone') as HTMLSelectElement | null)?.value === zone, expected);
      await check(page, 'en', 'ltr', 2);
      // A refused form keeps the zone posted (and no longer asks the browser).
      await page.check('#frequency-fridays');
      await page.check('#amount-other');
      await page.fill('#customAmount', '0.10');
      await page.fill('#donorEmail', 'zone@example.org');
      await page.click('form.donation-form button[type="submit"]');
      await page.waitForSelector('#form-error');
      expect(await page.inputValue('#timeZone')).toBe(expected);
      expect(await page.getAttribute('#timeZone', 'data-prefill')).toBeNull();
      await context.close();
    },
  );
});
