import { jest } from '@jest/globals';
import request from 'supertest';
import { StripeGateway } from '@ataa/payments';
import { createCampaign, createOrganizationWithOwner } from '@ataa/testing';
import { InboxSweepRunner } from '../../apps/worker/src/stripe-events/inbox-sweep.runner.js';
import { donationRow, DonationWorld, eventually, expectLedgerSound, settle, startDonationWorld, startGift } from './donation-test-kit.js';

/**
 * A refund request cut short after its amount was reserved and before Stripe made the refund (the
 * API process killed, PostgreSQL gone, Stripe unreachable): the row stays `requested`. Seen in the
 * scale-out tier (test/scale): the client's retry with the same Idempotency-Key used to answer that
 * row as it stood, and the donor's refund was never made. Now the retry carries it on, and the
 * worker's sweep carries on one nobody retries. Either way Stripe makes it once and it is posted once.
 *
 * The cut is a connection error on the API's Stripe call (what a Stripe outage or a dropped
 * connection gives after the client's own retries).
 */
jest.setTimeout(120_000);

describe('a refund request cut short is carried on, never left reserved and unmade', () => {
  let world: DonationWorld;
  let org: Awaited<ReturnType<typeof createOrganizationWithOwner>>;
  let campaign: { id: string; slug: string };

  beforeAll(async () => {
    world = await startDonationWorld();
    org = await createOrganizationWithOwner(world.api);
    campaign = await createCampaign(world.api, org, { offerCoverFees: false });
  });
  afterAll(async () => world?.close());

  /** A settled gift of `amount` (e.g. '30.00'). */
  async function settledGift(amount: string): Promise<{ donationId: string; charge: string }> {
    const { donationId, sessionId } = await startGift(world, campaign.slug, { amount: 'other', customAmount: amount });
    await world.sandbox.control.paySession(sessionId);
    await settle(world);
    const row = await donationRow(world.db, donationId);
    expect(row.status).toBe('succeeded');
    return { donationId, charge: row.stripe_charge_id };
  }

  /** The next refund call of the API's Stripe gateway fails as a dropped connection does: nothing reaches Stripe. */
  function cutNextStripeRefund() {
    const gateway = world.api.get(StripeGateway, { strict: false });
    jest.spyOn(gateway, 'createRefund').mockRejectedValueOnce(Object.assign(new Error('socket hang up'), { type: 'StripeConnectionError' }));
  }

  const refundsAtStripe = (charge: string) => world.sandbox.sandbox.store.all('refund', (r) => r.charge === charge);
  const refundRow = async (id: string) => (await world.db.query(`SELECT status, stripe_refund_id, amount::text FROM donation_refunds WHERE id = $1`, [id]))[0];
  const postedRefunds = async (donationId: string) =>
    (await world.db.query(`SELECT count(*)::int AS n FROM journal_entries WHERE kind = 'refund' AND metadata->>'donation_id' = $1`, [donationId]))[0].n;

  it('the retry with the same Idempotency-Key makes the refund the first attempt reserved', async () => {
    // A gift of 30.00, refunded in full (3000).
    const { donationId, charge } = await settledGift('30.00');
    const url = `/api/v1/orgs/${org.orgId}/donations/${donationId}/refunds`;
    const post = () => request(world.apiUrl).post(url).set('authorization', `Bearer ${org.ownerToken}`).set('idempotency-key', 'cut-1').send({});

    cutNextStripeRefund();
    const cut = await post();
    expect(cut.status).toBe(502);
    expect(cut.body.code).toBe('payment_provider_unavailable');
    const refundId = cut.body.details?.refundId ?? cut.body.refundId;
    expect(await refundRow(refundId)).toEqual({ status: 'requested', stripe_refund_id: null, amount: '3000' });
    expect(refundsAtStripe(charge)).toHaveLength(0);

    // The retry: the same refund request, now made on Stripe and posted.
    const retry = await post();
    expect(retry.status).toBe(201);
    expect(retry.body.id).toBe(refundId);
    await settle(world);
    expect(await refundRow(refundId)).toMatchObject({ status: 'succeeded', amount: '3000' });
    expect(refundsAtStripe(charge)).toHaveLength(1);
    expect(await donationRow(world.db, donationId)).toMatchObject({ status: 'refunded', refunded_amount: '3000' });

    // A third try changes nothing: one refund at Stripe, one refund entry.
    const again = await post();
    expect(again.body).toMatchObject({ id: refundId, status: 'succeeded' });
    expect(refundsAtStripe(charge)).toHaveLength(1);
    expect(await postedRefunds(donationId)).toBe(1);
    await expectLedgerSound(world.db);
  });

  it('the worker carries on a cut-short refund nobody retries, once it has been left a minute', async () => {
    // A gift of 25.00, 10.00 of it refunded (1000), the request cut short and never retried.
    const { donationId, charge } = await settledGift('25.00');
    cutNextStripeRefund();
    const cut = await request(world.apiUrl).post(`/api/v1/orgs/${org.orgId}/donations/${donationId}/refunds`)
      .set('authorization', `Bearer ${org.ownerToken}`).send({ amount: '1000' });
    expect(cut.status).toBe(502);
    const refundId = cut.body.details?.refundId ?? cut.body.refundId;
    expect(await refundRow(refundId)).toMatchObject({ status: 'requested', stripe_refund_id: null });

    // A request still this fresh may be in flight in its API process: the sweep leaves it.
    await world.worker!.get(InboxSweepRunner).sweepOnce(0);
    expect(await refundRow(refundId)).toMatchObject({ status: 'requested', stripe_refund_id: null });
    expect(refundsAtStripe(charge)).toHaveLength(0);

    // Left over a minute (STRANDED_REFUND_SECONDS): the sweep makes it on Stripe and posts it.
    await world.db.query(`UPDATE donation_refunds SET updated_at = now() - interval '2 minutes' WHERE id = $1`, [refundId]);
    await eventually(async () => {
      await world.worker!.get(InboxSweepRunner).sweepOnce(0);
      return (await refundRow(refundId)).status === 'succeeded';
    }, 'the sweep to carry the refund on');
    await settle(world);
    expect(refundsAtStripe(charge)).toHaveLength(1);
    expect(refundsAtStripe(charge)[0]).toMatchObject({ amount: 1000, metadata: { refund_request_id: refundId } });
    expect(await donationRow(world.db, donationId)).toMatchObject({ status: 'partially_refunded', refunded_amount: '1000' });

    // Carried on once: a later sweep finds nothing left, Stripe has one refund, the ledger one entry.
    await world.db.query(`UPDATE donation_refunds SET updated_at = now() - interval '2 minutes' WHERE id = $1`, [refundId]);
    await world.worker!.get(InboxSweepRunner).sweepOnce(0);
    expect(refundsAtStripe(charge)).toHaveLength(1);
    expect(await postedRefunds(donationId)).toBe(1);
    await expectLedgerSound(world.db);
  });
});
