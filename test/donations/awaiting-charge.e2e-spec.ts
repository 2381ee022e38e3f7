import { jest } from '@jest/globals';
import { DonationSyncService } from '@ataa/donations';
import { createCampaign, createOrganizationWithOwner } from '@ataa/testing';
import { donationRow, DonationWorld, eventually, expectLedgerSound, settle, startDonationWorld, startGift } from './donation-test-kit.js';

jest.setTimeout(120_000);

/**
 * A paid session whose charge event never comes (lost, or the endpoint not subscribed to charge
 * events): the batch marks the gift paid without reading Stripe; the worker's sweep reads it once
 * it has waited, and settles it — nothing is lost, and nothing is read while charge events flow.
 */
describe('a paid gift whose charge event does not come (API, worker, Stripe sandbox)', () => {
  let world: DonationWorld;
  let campaign: { id: string; slug: string };

  beforeAll(async () => {
    world = await startDonationWorld();
    const org = await createOrganizationWithOwner(world.api);
    campaign = await createCampaign(world.api, org);
  });
  afterAll(async () => world?.close());

  it('is marked paid from the session event alone, then settled by the sweep reading Stripe', async () => {
    // Only session events reach the API: no charge.succeeded, no charge.updated.
    await world.sandbox.control.addWebhookEndpoint({ url: `${world.apiUrl}/webhooks/stripe`, secret: 'whsec_ataa_tests', enabledEvents: ['checkout.session.completed'], replace: true });
    const { donationId, sessionId } = await startGift(world, campaign.slug, { amount: '40.00' });
    expect((await world.sandbox.control.paySession(sessionId)).ok).toBe(true);
    await settle(world);
    expect(await donationRow(world.db, donationId)).toMatchObject({ status: 'pending', payment_status: 'paid', processing_fee: null });
    const [event] = await world.db.query(`SELECT outcome FROM stripe_events WHERE object_id = $1 AND type = 'checkout.session.completed'`, [sessionId]);
    expect(event.outcome).toBe('awaiting_charge');
    expect(await world.db.query(`SELECT 1 FROM journal_entries WHERE metadata->>'donation_id' = $1`, [donationId])).toEqual([]);

    // Not yet waited long enough: nothing is read.
    const sync = world.worker!.get(DonationSyncService);
    expect(await sync.settleAwaitingCharge(3_600)).toBe(0);
    // Waited: read from Stripe and settled with its fee, once.
    expect(await sync.settleAwaitingCharge(0)).toBe(1);
    const settled = await eventually(async () => {
      const row = await donationRow(world.db, donationId);
      return row.status === 'succeeded' ? row : false;
    }, 'the gift settled');
    expect(settled.processing_fee).not.toBeNull();
    const [{ n }] = await world.db.query(`SELECT count(*)::int AS n FROM journal_entries WHERE metadata->>'donation_id' = $1 AND kind = 'donation'`, [donationId]);
    expect(n).toBe(1);
    expect(await sync.settleAwaitingCharge(0)).toBe(0);
    await expectLedgerSound(world.db);
  });
});
