import { jest } from '@jest/globals';
import type { Browser } from 'playwright-core';
import request from 'supertest';
import { axeViolations, createCampaign, createOrganizationWithOwner, launchBrowser } from '@ataa/testing';
import { DonationWorld, settle, startDonationWorld, startGift } from '../donations/donation-test-kit.js';

jest.setTimeout(180_000);

/**
 * Moderation in a real browser, in English and in Arabic (RTL): a visitor reports a donor-wall
 * message from the campaign page (no JavaScript needed: a link to a form), the organization hides
 * it through the API, and the page then shows the reason in the message's place. axe-core checks
 * every page on the way.
 */
describe('report and hide a donor-wall message (headless Chromium)', () => {
  let world: DonationWorld;
  let browser: Browser;
  let org: Awaited<ReturnType<typeof createOrganizationWithOwner>>;
  const campaigns: Record<'en' | 'ar', { id: string; slug: string }> = {} as never;
  const messages = { en: 'Visit my shop at cheap-pills.example for deals', ar: 'تفضلوا بزيارة متجري للعروض' };

  beforeAll(async () => {
    world = await startDonationWorld();
    org = await createOrganizationWithOwner(world.api);
    campaigns.en = await createCampaign(world.api, org, { title: 'Clean water for the village' });
    campaigns.ar = await createCampaign(world.api, org, { language: 'ar', title: 'مياه نظيفة للقرية' });
    for (const lang of ['en', 'ar'] as const) {
      const { sessionId } = await startGift(world, campaigns[lang].slug, { publicMessage: messages[lang] });
      await world.sandbox.control.paySession(sessionId);
    }
    await settle(world);
    browser = await launchBrowser();
  }, 150_000);
  afterAll(async () => {
    await browser?.close();
    await world?.close();
  });

  const words = {
    en: { report: 'Report', reason: 'Spam or advertising', send: 'Send the report', sent: 'Your report was received', hidden: 'Message hidden: spam', ledger: 'Hidden by moderation: spam' },
    ar: { report: 'إبلاغ', reason: 'رسائل مزعجة أو إعلان', send: 'إرسال البلاغ', sent: 'وصلنا بلاغك', hidden: 'رسالة مخفية: رسائل مزعجة', ledger: 'أخفته الإشراف: رسائل مزعجة' },
  };

  it.each(['en', 'ar'] as const)('%s: report a message from the page, hide it through the API, the page shows the reason', async (lang) => {
    const { slug, id } = campaigns[lang];
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, locale: lang === 'ar' ? 'ar' : 'en-US' });
    await page.goto(`${world.apiUrl}/c/${slug}`);
    expect(await page.getAttribute('html', 'dir')).toBe(lang === 'ar' ? 'rtl' : 'ltr');
    expect(await page.locator('.gift-message').first().innerText()).toContain(messages[lang]);
    expect(await axeViolations(page)).toEqual([]);

    await page.locator('a.gift-report', { hasText: words[lang].report }).first().click();
    await page.waitForURL(/\/flag\?entry=\d+$/);
    expect(await axeViolations(page)).toEqual([]);
    await page.getByLabel(words[lang].reason).check();
    await page.locator('#details').fill(lang === 'ar' ? 'إعلان تجاري' : 'An advert');
    await Promise.all([page.waitForLoadState('load'), page.getByRole('button', { name: words[lang].send }).click()]);
    expect(await page.getByTestId('report-sent').innerText()).toContain(words[lang].sent);
    expect(await axeViolations(page)).toEqual([]);

    const auth = { authorization: `Bearer ${org.ownerToken}` };
    const reports = (await request(world.apiUrl).get(`/api/v1/orgs/${org.orgId}/reports`).query({ campaignId: id }).set(auth).expect(200)).body.items;
    expect(reports).toEqual([expect.objectContaining({ target: 'message', reason: 'spam', status: 'open' })]);
    await request(world.apiUrl).post(`/api/v1/orgs/${org.orgId}/campaigns/${id}/messages/${reports[0].entryIndex}/hide`).set(auth).send({ reason: 'spam' }).expect(200);

    await page.goto(`${world.apiUrl}/c/${slug}`);
    expect(await page.getByTestId('gift-hidden').innerText()).toBe(words[lang].hidden);
    expect(await page.content()).not.toContain(messages[lang]);
    expect(await page.locator('a.gift-report').count()).toBe(0);
    expect(await axeViolations(page)).toEqual([]);

    // The public ledger page shows the same reason in the entry's message column.
    await page.goto(`${world.apiUrl}/c/${slug}/ledger`);
    expect(await page.locator('.tl-redacted', { hasText: words[lang].ledger }).count()).toBe(1);
    expect(await page.content()).not.toContain(messages[lang]);
    expect(await axeViolations(page)).toEqual([]);
    await page.close();
  });
});
