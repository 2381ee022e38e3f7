import request from 'supertest';
import type Stripe from 'stripe';
import { jest } from '@jest/globals';
import { LedgerService } from '@ataa/ledger';
import { createCampaign, createOrganizationWithOwner } from '@ataa/testing';
import { donationRow, DonationWorld, eventually, expectLedgerSound, settle, startDonationWorld, startGift } from './donation-test-kit.js';

/**
 * The Checkout Session the platform creates, the thank-you page that trusts only what webhooks
 * recorded, async (bank debit) gifts that complete unpaid and settle or fail later, and gifts to
 * campaigns that do not take them. Real sandbox, API, worker, PostgreSQL and Redis.
 */
jest.setTimeout(90_000);

describe('checkout, thank-you page and async payments', () => {
  let world: DonationWorld;
  let org: Awaited<ReturnType<typeof createOrganizationWithOwner>>;
  let campaign: { id: string; slug: string };
  let ledger: LedgerService;

  const entriesOf = async (donationId: string) =>
    (await world.db.query(`SELECT count(*)::int AS n FROM journal_entries WHERE metadata->>'donation_id' = $1`, [donationId]))[0].n as number;
  const thanksState = async (donationId: string) => {
    const res = await request(world.apiUrl).get(`/c/${campaign.slug}/thanks?donation=${donationId}`).expect(200);
    expect(res.headers['cache-control']).toBe('no-store');
    return /data-state="([a-z_]+)"/.exec(res.text)?.[1];
  };

  beforeAll(async () => {
    world = await startDonationWorld();
    org = await createOrganizationWithOwner(world.api);
    campaign = await createCampaign(world.api, org, {});
    ledger = world.api.get(LedgerService);
  });
  afterAll(async () => world?.close());

  it('creates a payment-mode session for the gross, linked to the gift and the campaign, with the idempotency key from the gift id', async () => {
    const { donationId, sessionId } = await startGift(world, campaign.slug, { amount: 'other', customAmount: '42.50', donorEmail: 'omar@example.org' });
    const stripe = world.sandbox.stripe();
    const session = await stripe.checkout.sessions.retrieve(sessionId);
    expect(session).toMatchObject({
      mode: 'payment', amount_total: 4250, currency: 'usd', customer_email: 'omar@example.org', client_reference_id: donationId,
      metadata: { donation_id: donationId, campaign_id: campaign.id },
    });
    expect(session.success_url).toContain(`/c/${campaign.slug}/thanks?donation=${donationId}`);
    expect(session.cancel_url).toContain(`/c/${campaign.slug}?cancelled=1`);

    // The same idempotency key returns the saved session: a retried checkout never makes a second one.
    const replay = await stripe.checkout.sessions.create(
      {
        mode: 'payment', line_items: [{ quantity: 1, price_data: { currency: 'usd', unit_amount: 4250, product_data: { name: 'x' } } }],
        success_url: 'http://127.0.0.1/ok', cancel_url: 'http://127.0.0.1/no',
      },
      { idempotencyKey: `checkout:${donationId}` },
    ).catch((error: { code?: string; type?: string }) => error);
    // Same key with other parameters: Stripe's idempotency error, proving the key was the gift's.
    expect(replay).toMatchObject({ type: 'StripeIdempotencyError' });

    await world.sandbox.control.paySession(sessionId);
    await settle(world);
    const paid = await stripe.checkout.sessions.retrieve(sessionId, { expand: ['payment_intent'] });
    expect(paid.payment_intent as Stripe.PaymentIntent).toMatchObject({ transfer_group: campaign.id, metadata: { donation_id: donationId, campaign_id: campaign.id } });
    expect((await donationRow(world.db, donationId)).status).toBe('succeeded');
  });

  it('shows on the thank-you page only what webhooks recorded, never what the redirect claims', async () => {
    const { donationId, sessionId } = await startGift(world, campaign.slug, { amount: 'other', customAmount: '15.00' });
    // Landing on success_url before anything is paid (or before the webhook) says pending.
    expect(await thanksState(donationId)).toBe('pending');
    await world.sandbox.control.paySession(sessionId);
    await settle(world);
    expect(await thanksState(donationId)).toBe('succeeded');
    // Unknown ids and gifts of other campaigns show nothing.
    await request(world.apiUrl).get(`/c/${campaign.slug}/thanks?donation=00000000-0000-4000-8000-000000000000`).expect(404);
    const other = await createCampaign(world.api, org, {});
    await request(world.apiUrl).get(`/c/${other.slug}/thanks?donation=${donationId}`).expect(404);
  });

  it('a bank debit completes the session unpaid: nothing is posted until it settles, then the gift is posted once with the bank fee', async () => {
    const { donationId, sessionId } = await startGift(world, campaign.slug, { amount: 'other', customAmount: '200.00' });
    const before = await ledger.campaignTotals(campaign.id);
    const paid = await world.sandbox.control.paySession(sessionId, { bankAccount: '000123456789' });
    expect(paid.session).toMatchObject({ status: 'complete', payment_status: 'unpaid' });
    await settle(world);
    expect(await donationRow(world.db, donationId)).toMatchObject({ status: 'pending', payment_status: 'unpaid' });
    expect(await entriesOf(donationId)).toBe(0);
    expect(await thanksState(donationId)).toBe('pending');

    await world.sandbox.control.advanceClock({ days: 1 });
    await settle(world);
    const row = await eventually(async () => {
      const r = await donationRow(world.db, donationId);
      return r.status === 'succeeded' ? r : undefined;
    }, 'the bank debit to settle');
    // Bank debits: 0.8% of 200.00 = 1.60; platform 2% = 4.00.
    expect(row).toMatchObject({ payment_status: 'paid', processing_fee: '160', platform_fee: '400' });
    expect(await entriesOf(donationId)).toBe(3);
    const after = await ledger.campaignTotals(campaign.id);
    expect(after!.raised - (before?.raised ?? 0n)).toBe(20_000n);
    expect(after!.donationsCount - (before?.donationsCount ?? 0)).toBe(1);
    await expectLedgerSound(world.db);
  });

  it('a bank debit that fails leaves the gift failed and posts nothing', async () => {
    const { donationId, sessionId } = await startGift(world, campaign.slug, { amount: 'other', customAmount: '30.00' });
    await world.sandbox.control.paySession(sessionId, { bankAccount: '000111111113' });
    await world.sandbox.control.advanceClock({ days: 1 });
    await settle(world);
    await eventually(async () => (await donationRow(world.db, donationId)).status === 'failed', 'the failed debit to be recorded');
    expect(await entriesOf(donationId)).toBe(0);
    expect(await thanksState(donationId)).toBe('failed');
    await expectLedgerSound(world.db);
  });

  it('refuses gifts to an unknown campaign or a draft (404) and to a paused one (409), recording nothing', async () => {
    const draft = await createCampaign(world.api, org, {}, { publish: false });
    const [{ n: before }] = await world.db.query(`SELECT count(*)::int AS n FROM donations`);
    await request(world.apiUrl).get(`/c/${draft.slug}`).expect(404);
    await request(world.apiUrl).post(`/c/${draft.slug}/donate`).type('form').send({ amount: '25', donorEmail: 'a@example.org' }).expect(404);
    await request(world.apiUrl).post('/c/no-such-campaign/donate').type('form').send({ amount: '25', donorEmail: 'a@example.org' }).expect(404);

    const paused = await createCampaign(world.api, org, {});
    // The form is taken while the campaign is open, then the campaign is paused before it is sent.
    const agent = request.agent(world.apiUrl);
    const page = await agent.get(`/c/${paused.slug}`).expect(200);
    const token = /name="_csrf" value="([^"]+)"/.exec(page.text)?.[1];
    expect(token).toBeDefined();
    await request(world.apiUrl).post(`/api/v1/orgs/${org.orgId}/campaigns/${paused.id}/pause`).set('authorization', `Bearer ${org.ownerToken}`).send({}).expect(200);
    const refused = await agent.post(`/c/${paused.slug}/donate`).type('form').send({ _csrf: token!, amount: 'other', customAmount: '25', donorEmail: 'a@example.org' });
    expect(refused.status).toBe(409);
    expect(refused.text).toContain('role="alert"');
    const [{ n: after }] = await world.db.query(`SELECT count(*)::int AS n FROM donations`);
    expect(after).toBe(before);
  });
});
