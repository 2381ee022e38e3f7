import { jest } from '@jest/globals';
import request from 'supertest';
import { addMemberWithDetails, createCampaign, createOrganizationWithOwner, type TestOrganization } from '@ataa/testing';
import { DonationWorld, enablePayouts, eventually, expectLedgerSound, settle, startDonationWorld, startGift } from '../donations/donation-test-kit.js';

jest.setTimeout(120_000);

/**
 * Issue 15.6 end to end: a refund after a payout goes through a transfer reversal on the sandbox
 * (API, worker, Stripe sandbox, PostgreSQL, Redis). Before, the refund was made and the campaign's
 * funds went negative by what had been paid out.
 */
describe('a refund after a payout (API, worker, Stripe sandbox)', () => {
  let world: DonationWorld;
  let org: TestOrganization;
  let financeToken: string;
  let campaign: { id: string; slug: string };
  let giftA: string;
  let giftB: string;
  let transferId: string;

  const http = () => request(world.apiUrl);
  const finance = () => ({ authorization: `Bearer ${financeToken}` });
  const funds = async () => (await http().get(`/api/v1/orgs/${org.orgId}/campaigns/${campaign.id}/funds`).set(finance()).expect(200)).body;
  const fundsBalance = async () => {
    const [row] = await world.db.query(`SELECT (-balance)::text AS funds FROM ledger_account_balances WHERE account_code = $1`, [`campaign:${campaign.id}:funds`]);
    return row.funds as string;
  };
  const chargeOf = async (donationId: string) => (await world.db.query(`SELECT stripe_charge_id FROM donations WHERE id = $1`, [donationId]))[0].stripe_charge_id as string;
  const count = async (sql: string, params: unknown[]) => (await world.db.query(sql, params))[0].n as number;
  /** The public running balance never went below zero. */
  const lowestPublicBalance = async () =>
    (await world.db.query(`SELECT min(balance)::text AS low FROM public_ledger_entries WHERE campaign_id = $1`, [campaign.id]))[0].low as string;

  beforeAll(async () => {
    world = await startDonationWorld();
    org = await createOrganizationWithOwner(world.api);
    financeToken = (await addMemberWithDetails(world.api, org, 'finance')).accessToken;
    campaign = await createCampaign(world.api, org, { offerCoverFees: false });
    await enablePayouts(world, org, '1000000');
    // Gift A 100.00 nets 94.80 (3.20 Stripe fee, 2.00 platform fee); gift B 50.00 nets 47.25 (1.75 + 1.00).
    // Both on the "available at once" card, so everything can be paid out.
    const a = await startGift(world, campaign.slug, { amount: 'other', customAmount: '100.00' });
    expect((await world.sandbox.control.paySession(a.sessionId, { card: '4000000000000077' })).ok).toBe(true);
    const b = await startGift(world, campaign.slug, { amount: 'other', customAmount: '50.00' });
    expect((await world.sandbox.control.paySession(b.sessionId, { card: '4000000000000077' })).ok).toBe(true);
    await settle(world);
    giftA = a.donationId;
    giftB = b.donationId;
  });
  afterAll(async () => {
    await world?.close();
  });

  it('pays out everything available: one transfer of 142.05, funds at 0', async () => {
    expect(await funds()).toMatchObject({ available: '14205', pending: '0' });
    const res = await http().post(`/api/v1/orgs/${org.orgId}/campaigns/${campaign.id}/payouts`).set(finance())
      .send({ amount: 'all', currency: 'usd', purpose: 'Water pumps' }).expect(201);
    const paid = await eventually(async () => {
      const p = (await http().get(`/api/v1/orgs/${org.orgId}/payouts/${res.body.id}`).set(finance()).expect(200)).body;
      return p.status === 'paid' ? p : false;
    }, 'the payout to be paid', 30_000);
    transferId = paid.stripeTransferId;
    await settle(world);
    expect(await fundsBalance()).toBe('0');
    expect(await funds()).toMatchObject({ available: '0', paidOut: '14205' });
  });

  it('a full refund of gift A first reverses the 98.00 shortfall from the transfer, posted once even after transfer.reversed arrives', async () => {
    // The refund costs the campaign 100.00 - 2.00 platform fee returned = 98.00; the funds hold 0.
    const res = await http().post(`/api/v1/orgs/${org.orgId}/donations/${giftA}/refunds`).set(finance()).set('idempotency-key', 'refund-a').send({});
    expect(res.status).toBe(201);
    expect(res.body.status).toBe('succeeded');
    const refundId = res.body.id as string;

    // On the sandbox: one reversal of exactly 98.00, tied to the refund; the refund made.
    const stripe = world.sandbox.stripe();
    const reversals = (await stripe.transfers.listReversals(transferId, { limit: 10 })).data;
    expect(reversals).toHaveLength(1);
    expect(reversals[0]).toMatchObject({ amount: 9_800, currency: 'usd' });
    expect(reversals[0].metadata).toMatchObject({ refund_request_id: refundId, campaign_id: campaign.id });
    expect((await stripe.refunds.list({ charge: await chargeOf(giftA) })).data.map((r) => r.amount)).toEqual([10_000]);

    // Recorded at once: 98.00 back, then the refund: funds 98.00 - 100.00 + 2.00 = 0.
    expect(await fundsBalance()).toBe('0');
    // Then every webhook (transfer.reversed among them) is delivered and processed: nothing more is posted.
    await settle(world);
    expect(await count(`SELECT count(*)::int AS n FROM journal_entries WHERE kind = 'payout_reversal' AND campaign_id = $1`, [campaign.id])).toBe(1);
    expect(await count(`SELECT count(*)::int AS n FROM journal_entries WHERE kind = 'payout_reversal' AND source_id = $1`, [reversals[0].id])).toBe(1);
    const publicReversals = await world.db.query(`SELECT amount::text FROM public_ledger_entries WHERE campaign_id = $1 AND kind = 'payout_reversal'`, [campaign.id]);
    expect(publicReversals).toEqual([{ amount: '9800' }]);
    // The organization gets the usual reversal notice, once.
    expect(await count(`SELECT count(*)::int AS n FROM outbox WHERE kind = 'payout_notice' AND payload->>'event' = 'reversed'`, [])).toBe(1);
    const [payout] = await world.db.query(`SELECT status, amount_reversed::text FROM payouts WHERE stripe_transfer_id = $1`, [transferId]);
    expect(payout).toEqual({ status: 'paid', amount_reversed: '9800' });
    // Funds never negative: 0 now, and the public running balance never went below 0.
    expect(await fundsBalance()).toBe('0');
    expect(BigInt(await lowestPublicBalance())).toBeGreaterThanOrEqual(0n);
    // The organization keeps 142.05 - 98.00 = 44.05 paid out.
    expect(await funds()).toMatchObject({ available: '0', paidOut: '4405' });
    const [refund] = await world.db.query(`SELECT status FROM donation_refunds WHERE id = $1`, [refundId]);
    expect(refund.status).toBe('succeeded');
    await expectLedgerSound(world.db);
  });

  it('a reversal the connected account cannot cover refuses the refund with 409: nothing refunded on Stripe', async () => {
    // Gift B's full refund would cost 50.00 - 1.00 = 49.00 from funds at 0; what is left of the transfer,
    // 44.05, is what the payout caused (the other 4.95 are the Stripe fees the campaign bears anyway),
    // so all 44.05 must come back first.
    await world.sandbox.control.failNextTransferReversal();
    const res = await http().post(`/api/v1/orgs/${org.orgId}/donations/${giftB}/refunds`).set(finance()).send({});
    expect(res.status).toBe(409);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(res.body).toMatchObject({ code: 'refund_exceeds_recoverable_funds', reason: 'reversal_refused', stripeCode: 'balance_insufficient', shortfall: '4900', toRecover: '4405' });
    expect((await world.sandbox.stripe().refunds.list({ charge: await chargeOf(giftB) })).data).toEqual([]);
    expect((await world.sandbox.stripe().transfers.listReversals(transferId, { limit: 10 })).data).toHaveLength(1);
    const rows = await world.db.query(`SELECT status, failure_reason FROM donation_refunds WHERE donation_id = $1`, [giftB]);
    expect(rows).toEqual([{ status: 'failed', failure_reason: 'refund_exceeds_recoverable_funds' }]);
    await settle(world);
    expect(await fundsBalance()).toBe('0');
    expect(await funds()).toMatchObject({ paidOut: '4405' });
    const [donation] = await world.db.query(`SELECT status, refunded_amount::text FROM donations WHERE id = $1`, [giftB]);
    expect(donation).toEqual({ status: 'succeeded', refunded_amount: '0' });
    await expectLedgerSound(world.db);
  });

  it('a dispute after the payout (Stripe already took the money) recovers from the transfer what the payout caused', async () => {
    // Gift B is disputed: Stripe withdraws 50.00, the campaign's funds go from 0 to -50.00. What is
    // left of the transfer, 44.05, comes back; -5.95 stays (4.95 Stripe fees and gift B's 1.00
    // platform fee, borne as they would be with no payout).
    await world.sandbox.control.openDispute(await chargeOf(giftB));
    await settle(world);
    const reversals = await eventually(async () => {
      const list = (await world.sandbox.stripe().transfers.listReversals(transferId, { limit: 10 })).data;
      return list.length === 2 ? list : false;
    }, 'the dispute\'s reversal');
    const disputeReversal = reversals.find((r) => r.metadata?.dispute_id)!;
    expect(disputeReversal.amount).toBe(4_405);
    await settle(world);
    expect(await count(`SELECT count(*)::int AS n FROM journal_entries WHERE kind = 'payout_reversal' AND campaign_id = $1`, [campaign.id])).toBe(2);
    expect(await fundsBalance()).toBe('-595');
    const [payout] = await world.db.query(`SELECT status, amount_reversed::text FROM payouts WHERE stripe_transfer_id = $1`, [transferId]);
    expect(payout).toEqual({ status: 'reversed', amount_reversed: '14205' });
    await expectLedgerSound(world.db);
  });
});
