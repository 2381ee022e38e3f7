import { jest } from '@jest/globals';
import request from 'supertest';
import Stripe from 'stripe';
import { createCampaign, createOrganizationWithOwner, ReceivedMail, SmtpSink, startSmtpSink } from '@ataa/testing';
import { DonationWorld, donationRow, eventually, settle, startDonationWorld, startGift } from './donation-test-kit.js';

jest.setTimeout(90_000);

/**
 * Stripe Checkout has no Arabic locale: real Stripe refuses `locale=ar` (400), and so does the sandbox,
 * whose parameter rules come from the `stripe` package. An Arabic campaign opens Checkout with `auto`
 * (Stripe follows the donor's browser) while its page, the donation and the receipt stay Arabic.
 */
describe('Checkout locale for an Arabic campaign (strict sandbox, API, worker, SMTP)', () => {
  let sink: SmtpSink;
  let world: DonationWorld;
  let org: Awaited<ReturnType<typeof createOrganizationWithOwner>>;

  beforeAll(async () => {
    sink = await startSmtpSink();
    world = await startDonationWorld({ env: { SMTP_URL: sink.url, MAIL_FROM: 'Ataa Receipts <receipts@ataa.test>' } });
    org = await createOrganizationWithOwner(world.api, { name: 'Hands & Hearts' });
  });
  afterAll(async () => {
    await world?.close();
    await sink?.close();
  });

  it('the sandbox refuses locale=ar as Stripe does', async () => {
    const error = await world.sandbox.stripe({ maxNetworkRetries: 0 }).checkout.sessions.create({
      mode: 'payment', locale: 'ar' as Stripe.Checkout.SessionCreateParams.Locale,
      line_items: [{ quantity: 1, price_data: { currency: 'usd', unit_amount: 1_000, product_data: { name: 'x' } } }],
      success_url: 'https://ataa.test/ok', cancel_url: 'https://ataa.test/no',
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(error).toMatchObject({ statusCode: 400, param: 'locale', code: undefined });
    expect((error as Error).message).toMatch(/^Invalid locale: must be one of auto, bg, .*, zh-HK, or zh-TW$/);
  });

  it('opens Checkout with auto for a gift to an Arabic campaign; the page, the gift and the receipt stay Arabic', async () => {
    const campaign = await createCampaign(world.api, org, { title: 'مياه نظيفة', language: 'ar', currency: 'usd' });
    const page = await request(world.apiUrl).get(`/c/${campaign.slug}`).expect(200);
    expect(page.text).toMatch(/<html[^>]* lang="ar"/);
    expect(page.text).toMatch(/<html[^>]* dir="rtl"/);

    const gift = await startGift(world, campaign.slug, { amount: 'other', customAmount: '25', donorName: 'ليلى حداد', donorEmail: 'layla-ar@example.org' });
    expect(gift.sessionId).toMatch(/^cs_test_/);
    const session = await world.sandbox.stripe().checkout.sessions.retrieve(gift.sessionId);
    expect(session.locale).toBe('auto');
    expect((await donationRow(world.db, gift.donationId)).locale).toBe('ar');

    await world.sandbox.control.paySession(gift.sessionId);
    await settle(world);
    const mail = await eventually(async () => sink.messages.find((m: ReceivedMail) => m.envelope.to.includes('layla-ar@example.org')), 'the receipt', 45_000);
    expect(mail.parsed.subject).toMatch(/^إيصال تبرعك R-\d{4}-\d{6} من Hands & Hearts$/);
    expect(String(mail.parsed.html)).toContain('<html lang="ar" dir="rtl">');
  });

  it('keeps an English campaign\'s Checkout in English', async () => {
    const campaign = await createCampaign(world.api, org, { title: 'Clean water', language: 'en', currency: 'usd' });
    const gift = await startGift(world, campaign.slug, { amount: 'other', customAmount: '25', donorEmail: 'omar-en@example.org' });
    expect((await world.sandbox.stripe().checkout.sessions.retrieve(gift.sessionId)).locale).toBe('en');
  });
});
