import { jest } from '@jest/globals';
import request from 'supertest';
import Stripe from 'stripe';
import { PendingFeesService } from '@ataa/donations';
import { createCampaign, createOrganizationWithOwner } from '@ataa/testing';
import { donationRow, DonationWorld, expectLedgerSound, settle, startDonationWorld, startGift } from './donation-test-kit.js';

jest.setTimeout(90_000);

/**
 * Stripe may attach a charge's balance transaction (and so the exact fee) well after the payment,
 * announcing it with a later charge.updated. The gift is settled without a fee (pending), and the
 * fee is posted by the worker's fee sweep once Stripe lists its balance transaction: once, whatever
 * is delivered again and however often the sweep runs.
 */
describe('a Stripe fee that arrives late', () => {
  let world: DonationWorld;
  let campaign: { id: string; slug: string };
  let org: { orgId: string; ownerToken: string };

  beforeAll(async () => {
    world = await startDonationWorld();
    org = await createOrganizationWithOwner(world.api);
    campaign = await createCampaign(world.api, org);
  });
  afterAll(async () => world?.close());

  const facts = async (donationId: string) =>
    (await world.db.query(
      `SELECT kind, count(*)::int AS n FROM journal_entries WHERE metadata->>'donation_id' = $1 GROUP BY kind ORDER BY kind`, [donationId],
    )).map((r: { kind: string; n: number }) => `${r.kind}×${r.n}`);
  const publicLedger = async () =>
    (await request(world.apiUrl).get(`/api/v1/public/campaigns/${campaign.slug}/ledger`).query({ order: 'asc' }).expect(200)).body.entries as Array<{ kind: string; amount: string; balance: string }>;
  /** The donation as the organization's API shows it. */
  const donationView = async (donationId: string) =>
    (await request(world.apiUrl).get(`/api/v1/orgs/${org.orgId}/donations/${donationId}`).set('authorization', `Bearer ${org.ownerToken}`).expect(200)).body;

  it('settles the gift without a fee, then posts the fee exactly once when its balance transaction is listed', async () => {
    await world.sandbox.control.delayNextBalanceTransaction(3_600);
    const { donationId, sessionId } = await startGift(world, campaign.slug, { amount: 'other', customAmount: '40.00' });
    expect((await world.sandbox.control.paySession(sessionId)).ok).toBe(true);
    await world.sandbox.control.resetApiRequestCounts();
    await settle(world);
    // The events settled the gift with no Stripe read; the sweep listed balance transactions once and found none for it.
    expect((await world.sandbox.control.apiRequestCounts()).requests).toEqual({ 'GET /v1/balance_transactions': 1 });

    // Settled: the gift and the platform fee are posted; Stripe has not told us its fee yet.
    const stripe = world.sandbox.stripe();
    const session = await stripe.checkout.sessions.retrieve(sessionId, { expand: ['payment_intent'] });
    const chargeId = (session.payment_intent as Stripe.PaymentIntent).latest_charge as string;
    expect((await stripe.charges.retrieve(chargeId)).balance_transaction).toBeNull();
    expect(await donationRow(world.db, donationId)).toMatchObject({ status: 'succeeded', amount: '4000', platform_fee: '80', processing_fee: null });
    expect(await facts(donationId)).toEqual(['donation×1', 'platform_fee×1']);
    // The organization sees the fee as pending, not as zero.
    expect(await donationView(donationId)).toMatchObject({ status: 'succeeded', processingFee: null, feePending: true });
    await expectLedgerSound(world.db);
    expect((await publicLedger()).map((e) => [e.kind, e.amount, e.balance])).toEqual([['donation', '4000', '4000'], ['platform_fee', '-80', '3920']]);

    // The sweep again, before Stripe has the balance transaction: still pending, nothing posted.
    const fees = world.worker!.get(PendingFeesService);
    expect(await fees.sweep()).toMatchObject({ pending: 1, posted: 0, listCalls: 1 });
    expect(await donationView(donationId)).toMatchObject({ processingFee: null, feePending: true });

    // An hour later Stripe attaches the balance transaction: 2.9% + 0.30 of 40.00 = 1.46.
    await world.sandbox.control.advanceClock({ hours: 1 });
    await settle(world);
    const updates = (await stripe.events.list({ type: 'charge.updated', limit: 100 })).data.filter((e) => (e.data.object as Stripe.Charge).id === chargeId);
    expect(updates).toHaveLength(1);
    expect(updates[0].data.previous_attributes).toEqual({ balance_transaction: null });
    expect(await donationRow(world.db, donationId)).toMatchObject({ status: 'succeeded', processing_fee: '146' });
    expect(await donationView(donationId)).toMatchObject({ processingFee: '146', feePending: false });
    expect(await facts(donationId)).toEqual(['donation×1', 'platform_fee×1', 'processing_fee×1']);
    // Keyed on the balance transaction, the Stripe fact it records.
    const [fee] = await world.db.query(`SELECT source_id FROM journal_entries WHERE kind = 'processing_fee' AND metadata->>'donation_id' = $1`, [donationId]);
    expect(fee.source_id).toBe((await stripe.charges.retrieve(chargeId)).balance_transaction);
    await expectLedgerSound(world.db);

    // The same news again (Stripe retries, or resends the event) posts nothing more.
    expect(await fees.sweep()).toMatchObject({ pending: 0, posted: 0, listCalls: 0 });
    await world.sandbox.control.resendEvent(updates[0].id);
    await world.sandbox.control.resendEvent(updates[0].id);
    // And as a new event (another id, the same charge), so processing runs again, not only the inbox's dedup.
    const copy = JSON.stringify({ ...updates[0], id: `${updates[0].id}_again` });
    const signature = stripe.webhooks.generateTestHeaderString({ payload: copy, secret: world.sandbox.webhookSecret });
    await request(world.apiUrl).post('/webhooks/stripe').set('content-type', 'application/json').set('stripe-signature', signature).send(copy).expect(200);
    await settle(world);
    const [again] = await world.db.query(`SELECT processed_at FROM stripe_events WHERE id = $1`, [`${updates[0].id}_again`]);
    expect(again.processed_at).not.toBeNull();
    expect(await facts(donationId)).toEqual(['donation×1', 'platform_fee×1', 'processing_fee×1']);
    await expectLedgerSound(world.db);
    expect((await publicLedger()).map((e) => [e.kind, e.amount, e.balance])).toEqual([
      ['donation', '4000', '4000'], ['platform_fee', '-80', '3920'], ['fee', '-146', '3774'],
    ]);
  });
});
