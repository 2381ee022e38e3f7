import { jest } from '@jest/globals';
import type { Browser } from 'playwright-core';
import request from 'supertest';
import { formatMoney, localeFor } from '@ataa/notifications';
import { axeViolations, contrastFailures, createCampaign, createOrganizationWithOwner, launchBrowser, type TestOrganization } from '@ataa/testing';
import { DonationWorld, eventually, settle, startDonationWorld, startGift } from './donation-test-kit.js';

jest.setTimeout(240_000);

/**
 * The report page's totals with a sponsor's matching money in them (issue 21, item 6;
 * docs/matching.md "Public side"), in headless Chromium without JavaScript, in English and Arabic.
 *
 * Worked numbers (USD, 1:1, cap 100.00), through the Stripe sandbox and the worker:
 *   donor gift A 30.00 → accrued 30.00; the sponsor pays 30.00 by card → collected 30.00 (card)
 *   donor gift B 20.00 → accrued 50.00; collected offline 20.00 → collected 50.00
 *   a donor's own offline gift 12.50
 *   raised 80.00 (3 gifts) = the sponsor's card payment 30.00 (1) + donors' own 50.00 (2)
 *   offline 32.50 = the sponsor's 20.00 + donors' own 12.50
 *   matching: collected 50.00 = by card 30.00 + offline 20.00; pledged 0.00
 * Each page: axe-core (WCAG 2.2 AA) finds nothing, contrast holds, a 320 px phone needs no horizontal scrolling.
 */
describe('report page: matching money apart from donors\' own gifts (headless Chromium, no JavaScript)', () => {
  let world: DonationWorld;
  let browser: Browser;
  let org: TestOrganization;
  let campaign: { id: string; slug: string };
  const http = () => request(world.apiUrl);
  const offers = () => `/api/v1/orgs/${org.orgId}/campaigns/${campaign.id}/matching-offers`;
  const statusOf = async (id: string) => (await world.db.query(`SELECT status FROM donations WHERE id = $1`, [id]))[0].status as string;
  const pay = async (sessionId: string, donationId: string) => {
    expect((await world.sandbox.control.paySession(sessionId)).ok).toBe(true);
    await settle(world);
    await eventually(async () => (await statusOf(donationId)) === 'succeeded', `${donationId} settled`);
  };
  const give = async (amount: string, donorName: string) => {
    const gift = await startGift(world, campaign.slug, { amount: 'other', customAmount: amount, donorName });
    await pay(gift.sessionId, gift.donationId);
  };

  beforeAll(async () => {
    world = await startDonationWorld();
    org = await createOrganizationWithOwner(world.api);
    campaign = await createCampaign(world.api, org, { offerCoverFees: false });
    const auth = (req: request.Test) => req.set('authorization', `Bearer ${org.ownerToken}`);
    const offer = await auth(http().post(offers()))
      .send({ sponsorName: 'Cedar Foundation', ratioNumerator: 1, ratioDenominator: 1, cap: '100.00', currency: 'usd', endsAt: '2099-01-01T00:00:00Z' }).expect(201);
    await give('30.00', 'Amal');
    const card = await auth(http().post(`${offers()}/${offer.body.id}/collect-by-card`)).set('idempotency-key', 'card-1').send({ sponsorEmail: 'giving@cedar.example' });
    expect(card.body).toMatchObject({ amount: '3000' });
    await pay(card.body.sessionId, card.body.donationId);
    await give('20.00', 'Badr');
    const receivedOn = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
    await auth(http().post(`${offers()}/${offer.body.id}/collect`)).set('idempotency-key', 'offline-1').send({ receivedOn, method: 'bank_transfer', reference: 'Wire 77' }).expect(201);
    await auth(http().post(`/api/v1/orgs/${org.orgId}/campaigns/${campaign.id}/offline-gifts`)).set('idempotency-key', 'own-1')
      .send({ amount: '12.50', currency: 'usd', receivedOn, method: 'cash', reference: 'Box 3', donorName: 'Hala' }).expect(201);
    await eventually(async () => {
      const { report, matching } = (await http().get(`/api/v1/public/campaigns/${campaign.slug}/report`).expect(200)).body;
      return report.raised === '8000' && report.offline.net === '3250' && matching.collected === '5000';
    }, 'the report counts every gift');
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await world?.close();
  });

  it.each(['en', 'ar'] as const)('%s: shows the sponsor\'s card payment out of raised and its offline collection out of the offline gifts, and passes axe', async (lang) => {
    const money = (minor: bigint) => formatMoney(minor, 'usd', localeFor(lang));
    const n = (v: number) => new Intl.NumberFormat(localeFor(lang)).format(v);
    for (const viewport of [{ width: 1280, height: 900 }, { width: 320, height: 640 }]) {
      const context = await browser.newContext({ viewport, javaScriptEnabled: false });
      const page = await context.newPage();
      await page.goto(`${world.apiUrl}/c/${campaign.slug}/report?lang=${lang}`);
      expect(await page.getAttribute('html', 'lang')).toBe(lang);
      const text = async (selector: string) => (await page.textContent(selector))!.trim();
      const figures: Record<string, string> = {};
      for (const id of ['total-raised', 'raised-sponsors', 'raised-donors', 'total-gifts', 'total-offline', 'offline-sponsors', 'offline-donors', 'matching-collected', 'matching-collected-card', 'matching-collected-offline', 'matching-pledged']) {
        figures[id] = await text(`#${id}`);
      }
      expect(figures).toEqual({
        'total-raised': money(8_000n), 'raised-sponsors': money(3_000n), 'raised-donors': money(5_000n), 'total-gifts': '3',
        'total-offline': money(3_250n), 'offline-sponsors': money(2_000n), 'offline-donors': money(1_250n),
        'matching-collected': money(5_000n), 'matching-collected-card': money(3_000n), 'matching-collected-offline': money(2_000n), 'matching-pledged': money(0n),
      });
      // Each split's labels, read as the term of its figure.
      const term = async (id: string) => (await page.locator(`dt:has(+ dd#${id})`).textContent())!.trim();
      expect(await term('raised-sponsors')).toBe(lang === 'en' ? 'of which matching sponsors\' card payments (1 of the gifts)' : `منها مدفوعات رعاة المطابقة بالبطاقة (${n(1)} من التبرعات)`);
      expect(await term('raised-donors')).toBe(lang === 'en' ? 'donors\' own gifts (2 of the gifts)' : `تبرعات المتبرعين أنفسهم (${n(2)} من التبرعات)`);
      expect(await term('offline-donors')).toBe(lang === 'en' ? 'donors\' own offline gifts' : 'تبرعات المتبرعين أنفسهم خارج المنصة');
      expect(await text('#donors-note')).toBe(lang === 'en' ? '(including matching sponsors who paid by card)' : '(بمن فيهم رعاة المطابقة الذين دفعوا بالبطاقة)');
      expect(await axeViolations(page)).toEqual([]);
      expect((await page.evaluate(contrastFailures)).out).toEqual([]);
      expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
      await context.close();
    }
  });
});
