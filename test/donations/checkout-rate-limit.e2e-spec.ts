import request from 'supertest';
import { jest } from '@jest/globals';
import { createCampaign, createOrganizationWithOwner } from '@ataa/testing';
import { DonationWorld, startDonationWorld } from './donation-test-kit.js';

/**
 * Card testing (design section 10): checkout attempts are limited per client address, on every
 * campaign together, whether or not the attempt is valid. A small limit here; the other donation
 * tests run with a high one (libs/testing).
 */
jest.setTimeout(90_000);

describe('checkout rate limit per client address', () => {
  let world: DonationWorld;
  let english: { slug: string };
  let arabic: { slug: string };

  /** Opens the campaign page and posts its form (CSRF cookie and token) as the client at `address`. */
  const give = async (slug: string, address: string, fields: Record<string, string> = {}) => {
    const agent = request.agent(world.apiUrl);
    const page = await agent.get(`/c/${slug}`).set('x-forwarded-for', address).expect(200);
    const token = /name="_csrf" value="([^"]+)"/.exec(page.text)?.[1] ?? '';
    return agent.post(`/c/${slug}/donate`).set('x-forwarded-for', address).type('form')
      .send({ _csrf: token, amount: 'other', customAmount: '5.00', donorName: 'Card Tester', donorEmail: 'tester@example.org', ...fields });
  };
  const donations = async () => (await world.db.query(`SELECT count(*)::int AS n FROM donations`))[0].n as number;

  beforeAll(async () => {
    // The test configuration trusts X-Forwarded-For from loopback: each test address is a client.
    world = await startDonationWorld({ worker: false, env: { CHECKOUTS_PER_ADDRESS: '3', CHECKOUT_WINDOW_SECONDS: '600' } });
    const org = await createOrganizationWithOwner(world.api);
    english = await createCampaign(world.api, org, {});
    arabic = await createCampaign(world.api, org, { language: 'ar', title: 'مياه نظيفة للقرية' });
  });
  afterAll(async () => world?.close());

  it('answers the attempt over the limit with a friendly 429 page, starts no checkout, and leaves other addresses alone', async () => {
    const tester = '198.51.100.66';
    expect((await give(english.slug, tester)).status).toBe(303);
    // invalid attempts count too
    expect((await give(english.slug, tester, { customAmount: '0.001' })).status).toBe(400);
    expect((await give(arabic.slug, tester)).status).toBe(303);
    const before = await donations();

    const limited = await give(english.slug, tester);
    expect(limited.status).toBe(429);
    expect(limited.headers['content-type']).toMatch(/text\/html/);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(limited.text).toContain('role="alert"');
    expect(limited.text).toContain('Too many attempts from your connection');
    // the form keeps what was typed
    expect(limited.text).toContain('value="Card Tester"');
    // every campaign shares the address's allowance; the page speaks the campaign's language
    const arabicPage = await give(arabic.slug, tester);
    expect(arabicPage.status).toBe(429);
    expect(arabicPage.text).toContain('محاولات كثيرة من اتصالك');
    expect(await donations()).toBe(before);

    // another client is not affected
    expect((await give(english.slug, '198.51.100.67')).status).toBe(303);
    expect(await donations()).toBe(before + 1);
  });

  it('counts concurrent attempts: no more than the limit get through', async () => {
    const tester = '198.51.100.80';
    const answers = await Promise.all(Array.from({ length: 6 }, () => give(english.slug, tester)));
    expect(answers.map((r) => r.status).sort()).toEqual([303, 303, 303, 429, 429, 429]);
  });
});
