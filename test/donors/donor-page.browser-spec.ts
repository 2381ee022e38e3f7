import { jest } from '@jest/globals';
import { randomBytes, randomUUID } from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import { DonorPageService } from '@ataa/donors';
import { axeViolations, contrastFailures, createCampaign, createOrganizationWithOwner, launchBrowser } from '@ataa/testing';
import { DonationWorld, settle, startDonationWorld, startGift } from '../donations/donation-test-kit.js';

jest.setTimeout(240_000);

/**
 * The donor page in a real browser, without JavaScript, in English and Arabic: the sign-in form,
 * its answer, the link's page, the signed-in page with gifts (one in an Arabic campaign, one
 * anonymous) and a statement form error; each checked with axe (WCAG 2.2 AA), contrast, language
 * and direction, and no page-wide scrolling on a 320 px phone.
 */
describe('donor page (headless Chromium)', () => {
  let world: DonationWorld;
  let browser: Browser;

  const check = async (page: Page, lang: string, dir: string) => {
    expect(await page.getAttribute('html', 'lang')).toBe(lang);
    expect(await page.getAttribute('html', 'dir')).toBe(dir);
    expect(await page.locator('h1').count()).toBe(1);
    const contrast = await page.evaluate(contrastFailures);
    expect(contrast.out).toEqual([]);
    expect(await axeViolations(page)).toEqual([]);
    expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
  };

  /** A sign-in link for `email`, made as the service makes them (the e-mail path is tested end to end elsewhere). */
  const linkFor = async (email: string, language: 'en' | 'ar') => {
    const donors = world.api.get(DonorPageService);
    const id = randomUUID();
    const nonce = randomBytes(16).toString('hex');
    const requestedAt = new Date(Math.floor(Date.now() / 1000) * 1000);
    const expiresAt = new Date(requestedAt.getTime() + 900_000);
    await world.db.query(`INSERT INTO donor_sign_in_links (id, email, language, nonce, requested_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)`, [id, email, language, nonce, requestedAt, expiresAt]);
    return `${world.apiUrl}/donor/sign-in?token=${encodeURIComponent(donors.linkToken({ id, nonce, expiresAt }))}`;
  };

  beforeAll(async () => {
    world = await startDonationWorld();
    const org = await createOrganizationWithOwner(world.api, { name: 'Hands & Hearts' });
    // Designations declared, so the gift's row shows the one chosen (zakat) and it is axe-checked too.
    const english = await createCampaign(world.api, org, {
      title: 'Clean water', allowAnonymous: true,
      designations: [{ code: 'general', labelEn: 'Where most needed', labelAr: 'حيث الحاجة أكبر' }, { code: 'zakat', labelEn: 'Zakat', labelAr: 'الزكاة', zakat: true }],
    });
    const arabic = await createCampaign(world.api, org, { title: 'مياه نظيفة للقرية', language: 'ar' });
    for (const [slug, fields] of [
      [english.slug, { amount: 'other', customAmount: '50', donorName: 'Layla', donorEmail: 'layla@example.org', designation: 'zakat' }],
      [arabic.slug, { amount: 'other', customAmount: '20', donorName: 'ليلى', donorEmail: 'layla@example.org', anonymous: 'on' }],
    ] as const) {
      const gift = await startGift(world, slug, fields);
      await world.sandbox.control.paySession(gift.sessionId);
    }
    await settle(world);
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await world?.close();
  });

  it.each([['en', 'ltr', 'Check your inbox', 'Your gifts'], ['ar', 'rtl', 'تفقّد بريدك', 'تبرعاتك']] as const)('%s: sign-in form, link page, gifts and a form error, accessible without JavaScript', async (lang, dir, sentTitle, pageTitle) => {
    const context = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 320, height: 800 } });
    const page = await context.newPage();
    await page.goto(`${world.apiUrl}/donor?lang=${lang}`);
    await check(page, lang, dir);
    await page.fill('#email', `someone-${lang}@example.org`);
    await page.click('button[type="submit"]');
    await page.waitForSelector('[data-testid="donor-link-requested"]');
    expect((await page.textContent('h1'))?.trim()).toBe(sentTitle);
    await check(page, lang, dir);

    await page.goto(await linkFor('layla@example.org', lang));
    await check(page, lang, dir);
    await page.click('button[type="submit"]');
    await page.waitForSelector('[data-testid="donor-gifts"]');
    expect((await page.textContent('h1'))?.trim()).toBe(pageTitle);
    expect(await page.locator('[data-gift-id]').count()).toBe(2);
    expect(await page.locator('[data-testid="gift-designation"]').count()).toBe(1);
    const cookie = (await context.cookies()).find((c) => c.name === 'ataa_donor');
    expect(cookie).toMatchObject({ path: '/donor', httpOnly: true, sameSite: 'Strict' });
    await check(page, lang, dir);

    // the statement form with an end before its start: the page again, with the error announced
    await page.check('input[name="period"][value="custom"]');
    await page.fill('#st-from', '2026-03-10');
    await page.fill('#st-to', '2026-03-09');
    await page.click('form[action="/donor/statement"] button[type="submit"]');
    await page.waitForSelector('[role="alert"][data-code="statement_range_reversed"]');
    expect(await page.inputValue('#st-from')).toBe('2026-03-10');
    await check(page, lang, dir);

    // sign out: back to the form, with a notice
    await page.click('form[action="/donor/sign-out"] button[type="submit"]');
    await page.waitForSelector('[data-testid="donor-notice"]');
    await check(page, lang, dir);
    await context.close();
  });
});
