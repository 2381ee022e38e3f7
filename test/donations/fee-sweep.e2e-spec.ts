import { jest } from '@jest/globals';
import request from 'supertest';
import type Stripe from 'stripe';
import { PendingFeesService } from '@ataa/donations';
import { createCampaign, createOrganizationWithOwner } from '@ataa/testing';
import { drainInbox, DonationWorld, expectLedgerSound, startDonationWorld, startGift } from './donation-test-kit.js';

jest.setTimeout(300_000);

const GIFTS = 150;

/**
 * Card gifts settle from their signed events with no Stripe call and their fee pending; the fee
 * sweep then lists the platform's balance transactions, 100 a page, and posts every fee it finds:
 * 150 gifts cost at most ceil(150 / 100) = 2 list calls and no other Stripe request. A gift whose
 * balance transaction Stripe has not made yet stays fee pending; reruns and redelivered events post
 * nothing twice.
 */
describe('the fee sweep posts pending fees in bulk (API, worker, Stripe sandbox)', () => {
  let world: DonationWorld;
  let campaign: { id: string; slug: string };
  const gifts: { donationId: string; sessionId: string }[] = [];
  let ingestionCalls: { total: number; requests: Record<string, number> };

  beforeAll(async () => {
    world = await startDonationWorld({ env: { CHECKOUTS_PER_ADDRESS: '100000' } });
    const org = await createOrganizationWithOwner(world.api);
    campaign = await createCampaign(world.api, org);
    for (let n = 0; n < GIFTS; n++) {
      gifts.push(await startGift(world, campaign.slug, { amount: 'other', customAmount: `${10 + (n % 40)}.00`, donorName: `Donor ${n}`, donorEmail: `donor${n}@example.org` }));
    }
    // From here on, the sandbox counts what the platform asks Stripe while the gifts' events are settled.
    await world.sandbox.control.resetApiRequestCounts();
    for (const [n, gift] of gifts.entries()) {
      // The first gift's balance transaction comes an hour after its charge (sandbox clock).
      if (n === 0) await world.sandbox.control.delayNextBalanceTransaction(3_600);
      expect((await world.sandbox.control.paySession(gift.sessionId)).ok).toBe(true);
    }
    await drainInbox(world, 180_000);
    ingestionCalls = await world.sandbox.control.apiRequestCounts();
  });
  afterAll(async () => world?.close());

  const feeEntries = async () =>
    (await world.db.query(
      `SELECT metadata->>'donation_id' AS donation_id, count(*)::int AS n FROM journal_entries WHERE kind = 'processing_fee' GROUP BY 1`,
    )) as { donation_id: string; n: number }[];
  const pendingFees = async () => (await world.db.query(`SELECT id FROM donations WHERE status = 'succeeded' AND processing_fee IS NULL`)).map((r: { id: string }) => r.id);
  const publicFees = async () => (await world.db.query(`SELECT count(*)::int AS n FROM public_ledger_entries WHERE campaign_id = $1 AND kind = 'fee'`, [campaign.id]))[0].n;

  it('settles every gift from its events with its fee pending, with no Stripe call', async () => {
    const [{ settled }] = await world.db.query(`SELECT count(*)::int AS settled FROM donations WHERE campaign_id = $1 AND status = 'succeeded'`, [campaign.id]);
    expect(settled).toBe(GIFTS);
    expect(ingestionCalls).toMatchObject({ total: 0, requests: {} });
    const [{ events }] = await world.db.query(`SELECT count(*)::int AS events FROM stripe_events WHERE processed_at IS NOT NULL`);
    expect(events).toBeGreaterThanOrEqual(GIFTS * 3);
    expect((await pendingFees()).length).toBe(GIFTS);
    expect(await feeEntries()).toEqual([]);
  });

  it('one sweep posts every listed fee with at most ceil(n / 100) list calls and no other Stripe request', async () => {
    await world.sandbox.control.resetApiRequestCounts();
    const fees = world.worker!.get(PendingFeesService);
    // Not due while fewer than 100 gifts wait and none has waited long: here 150 do, so it is due at once.
    const result = await fees.sweepIfDue(3_600);
    expect(result).toMatchObject({ pending: GIFTS, posted: GIFTS - 1, reads: 0 });
    expect(result!.listCalls).toBeLessThanOrEqual(Math.ceil(GIFTS / 100));
    const counts = await world.sandbox.control.apiRequestCounts();
    expect(counts.requests).toEqual({ 'GET /v1/balance_transactions': result!.listCalls });

    // Each fee once, at Stripe's figures: its journal entry is keyed on the balance transaction.
    const entries = await feeEntries();
    expect(entries).toHaveLength(GIFTS - 1);
    expect(entries.every((e) => e.n === 1)).toBe(true);
    // Each donation's recorded fee is the amount its fee entry took from Stripe's balance.
    const mismatched = await world.db.query(
      `SELECT d.id FROM donations d JOIN journal_entries j ON j.kind = 'processing_fee' AND j.metadata->>'donation_id' = d.id::text
         JOIN postings p ON p.entry_id = j.id AND p.account_code = 'platform:stripe_balance'
       WHERE d.campaign_id = $1 AND p.amount <> -d.processing_fee`,
      [campaign.id],
    );
    expect(mismatched).toEqual([]);
    expect(await publicFees()).toBe(GIFTS - 1);
    await expectLedgerSound(world.db);
  });

  it('the gift whose balance transaction Stripe has not made yet stays fee pending, and nothing is due for it', async () => {
    expect(await pendingFees()).toEqual([gifts[0].donationId]);
    const fees = world.worker!.get(PendingFeesService);
    await world.sandbox.control.resetApiRequestCounts();
    // Nothing new since the sweep: not due (no list call).
    expect(await fees.sweepIfDue(0)).toBeNull();
    expect((await world.sandbox.control.apiRequestCounts()).total).toBe(0);
    // Swept anyway: it is looked for and not found; nothing is posted again.
    expect(await fees.sweep()).toMatchObject({ pending: 1, posted: 0, reads: 0 });
    expect(await feeEntries()).toHaveLength(GIFTS - 1);
    expect(await pendingFees()).toEqual([gifts[0].donationId]);
  });

  it('once Stripe makes it, the event naming it makes a sweep due, which posts that fee alone', async () => {
    await world.sandbox.control.advanceClock({ hours: 1 });
    await drainInbox(world);
    const fees = world.worker!.get(PendingFeesService);
    await world.sandbox.control.resetApiRequestCounts();
    // The balance transaction is the newest: found on the first page.
    expect(await fees.sweepIfDue(0)).toMatchObject({ pending: 1, posted: 1, listCalls: 1 });
    expect(await pendingFees()).toEqual([]);
    const entries = await feeEntries();
    expect(entries).toHaveLength(GIFTS);
    expect(entries.every((e) => e.n === 1)).toBe(true);
    expect(await publicFees()).toBe(GIFTS);
    await expectLedgerSound(world.db);
  });

  it('redelivered events and reruns post nothing twice', async () => {
    const stripe = world.sandbox.stripe();
    const updates = (await stripe.events.list({ type: 'charge.updated', limit: 100 })).data;
    expect(updates.length).toBeGreaterThan(0);
    for (const e of updates.slice(0, 5)) await world.sandbox.control.resendEvent(e.id);
    // The same news under another event id, so processing runs again, not only the inbox's dedup.
    const copy = JSON.stringify({ ...updates[0], id: `${updates[0].id}_again` } as Stripe.Event);
    const signature = stripe.webhooks.generateTestHeaderString({ payload: copy, secret: world.sandbox.webhookSecret });
    await request(world.apiUrl).post('/webhooks/stripe').set('content-type', 'application/json').set('stripe-signature', signature).send(copy).expect(200);
    await drainInbox(world);
    const fees = world.worker!.get(PendingFeesService);
    // With no fee pending, a sweep lists nothing and posts nothing.
    expect(await fees.sweep()).toMatchObject({ pending: 0, posted: 0, listCalls: 0 });
    expect(await fees.sweepIfDue(0)).toBeNull();
    const entries = await feeEntries();
    expect(entries).toHaveLength(GIFTS);
    expect(entries.every((e) => e.n === 1)).toBe(true);
    expect(await publicFees()).toBe(GIFTS);
    await expectLedgerSound(world.db);
  });
});
