import { INestApplicationContext } from '@nestjs/common';
import { jest } from '@jest/globals';
import request from 'supertest';
import { AppConfig } from '@ataa/config';
import { CampaignsService } from '@ataa/campaigns';
import { CampaignCloseOutService } from '@ataa/donations';
import { JobProducer, QUEUES } from '@ataa/queue';
import { createCampaign, createOrganizationWithOwner, startTestWorker } from '@ataa/testing';
import { donationRow, DonationWorld, eventually, expectLedgerSound, settle, startDonationWorld, startGift } from '../donations/donation-test-kit.js';

/**
 * Ending or cancelling a campaign by hand runs the close-out at once, through the same path as the
 * end date (decision, batches of 2, resumability), and the sweep finds every ended or cancelled
 * campaign without a close-out whatever led there. Gifts are paid on the Stripe sandbox; refunds
 * are made there and come back by webhook. Every campaign ends long before its end date (30 days
 * ahead), so nothing here is the end-date path.
 */
jest.setTimeout(180_000);

type Json = Record<string, any>;

describe('ending and cancelling a campaign by hand (sandbox, API, worker)', () => {
  let world: DonationWorld;
  let org: Awaited<ReturnType<typeof createOrganizationWithOwner>>;
  let worker: INestApplicationContext | null = null;
  const inAMonth = () => new Date(Date.now() + 30 * 86_400_000).toISOString();
  /** One batch per job and no sweep for an hour: the worker does what it is asked at once, and no more. */
  const ONE_BATCH_ONLY = { CLOSEOUT_BATCH_DELAY_MS: '3600000', CLOSEOUT_SWEEP_INTERVAL_MS: '3600000' };

  const startWorker = async (env: Record<string, string> = {}) => {
    worker = await startTestWorker(world.env.configWith({ ...world.sandbox.env(), CLOSEOUT_BATCH_SIZE: '2', ...env }) as AppConfig);
    return worker;
  };
  const stopWorker = async () => {
    await worker?.close();
    worker = null;
  };
  const act = (campaignId: string, action: 'end' | 'cancel') =>
    request(world.apiUrl).post(`/api/v1/orgs/${org.orgId}/campaigns/${campaignId}/${action}`).set('authorization', `Bearer ${org.ownerToken}`).send({});
  const progressOf = (campaignId: string) =>
    request(world.apiUrl).get(`/api/v1/orgs/${org.orgId}/campaigns/${campaignId}/closeout`).set('authorization', `Bearer ${org.ownerToken}`);
  const waitForProgress = (campaignId: string, check: (p: Json) => boolean, what: string) => {
    let last = '';
    return eventually(async () => {
      const res = await progressOf(campaignId);
      last = `${res.status} ${JSON.stringify(res.body)}`;
      return res.status === 200 && check(res.body) ? (res.body as Json) : false;
    }, what, 60_000).catch((error: Error) => {
      throw new Error(`${error.message}; progress: ${last}`);
    });
  };
  const sweepNow = async (id: string) => worker!.get(JobProducer).enqueue(QUEUES.campaignCloseOut, {}, { jobId: `test-sweep-${id}`, removeOnComplete: true });
  const pay = async (slug: string, amount: string) => {
    const gift = await startGift(world, slug, { amount: 'other', customAmount: amount });
    expect((await world.sandbox.control.paySession(gift.sessionId)).ok).toBe(true);
    return gift;
  };
  const refundsOnSandbox = async (donationId: string) => {
    const row = await donationRow(world.db, donationId);
    return (await world.sandbox.stripe().refunds.list({ charge: row.stripe_charge_id, limit: 100 })).data;
  };
  const publicEntries = async (slug: string, kind: string) =>
    (await request(world.apiUrl).get(`/api/v1/public/campaigns/${slug}/ledger`).query({ kind, limit: 200 }).expect(200)).body.entries as Json[];
  /** Each gift refunded exactly once on Stripe, in full, refunded in our books, and once on the public ledger. */
  const expectEveryGiftRefundedOnce = async (slug: string, gifts: { donationId: string }[]) => {
    for (const gift of gifts) {
      const row = await donationRow(world.db, gift.donationId);
      const refunds = await refundsOnSandbox(gift.donationId);
      expect(refunds).toHaveLength(1);
      expect(refunds[0]).toMatchObject({ amount: Number(row.amount), status: 'succeeded' });
      expect(row).toMatchObject({ status: 'refunded', refunded_amount: row.amount });
    }
    expect(await publicEntries(slug, 'refund')).toHaveLength(gifts.length);
  };
  const statusOf = async (campaignId: string) => (await world.db.query(`SELECT status FROM campaigns WHERE id = $1`, [campaignId]))[0].status as string;

  beforeAll(async () => {
    world = await startDonationWorld({ worker: false });
    org = await createOrganizationWithOwner(world.api);
  });
  afterAll(async () => {
    await stopWorker();
    await world?.close();
  });

  it('all-or-nothing ended by hand below its goal: refunds every gift at once, across a worker killed mid-close-out; the open checkout is expired', async () => {
    await startWorker(ONE_BATCH_ONLY);
    const campaign = await createCampaign(world.api, org, { fundingModel: 'all_or_nothing', goal: '100000', endsAt: inAMonth() });
    // Three gifts, 60.00 USD, far below the 1,000.00 goal; a fourth donor is still on the Checkout page.
    const gifts = [await pay(campaign.slug, '10.00'), await pay(campaign.slug, '20.00'), await pay(campaign.slug, '30.00')];
    const unpaid = await startGift(world, campaign.slug, { amount: 'other', customAmount: '15.00' });
    await settle(world);

    const ended = await act(campaign.id, 'end');
    expect(ended.status).toBe(200);
    expect(ended.body.status).toBe('ended');
    // The close-out starts at once (the sweep is an hour away): one batch of two, then the worker dies.
    const partial = await waitForProgress(campaign.id, (p) => p.refunded === 2, 'the first batch');
    await stopWorker();
    expect(partial).toMatchObject({ decision: 'refund_all', reason: 'goal_missed', status: 'refunding', total: 3, refunded: 2, raised: '6000' });
    expect((await Promise.all(gifts.map((g) => refundsOnSandbox(g.donationId)))).map((r) => r.length).sort()).toEqual([0, 1, 1]);

    // A new worker resumes at boot and finishes; nothing is refunded twice.
    await startWorker({ CLOSEOUT_SWEEP_INTERVAL_MS: '1000' });
    const done = await waitForProgress(campaign.id, (p) => p.status === 'done', 'the close-out to finish');
    expect(done).toMatchObject({ total: 3, refunded: 3, failed: 0, remaining: 0, refundedAmount: '6000' });
    await settle(world);
    await expectEveryGiftRefundedOnce(campaign.slug, gifts);
    await eventually(async () => (await donationRow(world.db, unpaid.donationId)).status === 'expired', 'the open checkout to expire');
    expect((await world.sandbox.control.paySession(unpaid.sessionId).catch((e: Error) => ({ ok: false, e }))).ok).toBe(false);
    await expectLedgerSound(world.db);
  });

  it('flexible ended by hand: decided at once, keeps its gifts', async () => {
    if (!worker) await startWorker(ONE_BATCH_ONLY);
    const campaign = await createCampaign(world.api, org, { fundingModel: 'flexible', goal: '1000000', endsAt: inAMonth() });
    const gift = await pay(campaign.slug, '25.00');
    await settle(world);
    expect((await act(campaign.id, 'end')).status).toBe(200);
    const done = await waitForProgress(campaign.id, (p) => p.status === 'done', 'the close-out');
    expect(done).toMatchObject({ decision: 'keep', reason: 'flexible', total: 0, raised: '2500' });
    expect(await refundsOnSandbox(gift.donationId)).toHaveLength(0);
    expect(await donationRow(world.db, gift.donationId)).toMatchObject({ status: 'succeeded', refunded_amount: '0' });
    await expect(world.api.get(CampaignCloseOutService).assertPayoutsAllowed(campaign.id)).resolves.toBeUndefined();
  });

  it('flexible cancelled with gifts: every gift refunded through the close-out, across a worker killed mid-close-out; no payout possible', async () => {
    await stopWorker();
    await startWorker(ONE_BATCH_ONLY);
    const campaign = await createCampaign(world.api, org, { fundingModel: 'flexible', goal: '5000', endsAt: inAMonth() });
    // 90.00 USD raised, above the goal: a cancelled campaign refunds anyway.
    const gifts = [await pay(campaign.slug, '40.00'), await pay(campaign.slug, '30.00'), await pay(campaign.slug, '20.00')];
    await settle(world);
    const cancelled = await act(campaign.id, 'cancel');
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.status).toBe('cancelled');
    const partial = await waitForProgress(campaign.id, (p) => p.refunded === 2, 'the first batch');
    await stopWorker();
    expect(partial).toMatchObject({ decision: 'refund_all', reason: 'cancelled', status: 'refunding', total: 3, fundingModel: 'flexible' });
    await expect(world.api.get(CampaignCloseOutService).assertPayoutsAllowed(campaign.id)).rejects.toMatchObject({ code: 'campaign_not_closed_out' });

    await startWorker({ CLOSEOUT_SWEEP_INTERVAL_MS: '1000' });
    const done = await waitForProgress(campaign.id, (p) => p.status === 'done', 'the close-out to finish');
    expect(done).toMatchObject({ total: 3, refunded: 3, failed: 0, refundedAmount: '9000' });
    await settle(world);
    await expectEveryGiftRefundedOnce(campaign.slug, gifts);
    await expectLedgerSound(world.db);
  });

  it('all-or-nothing cancelled, and ended, with the process dead before the close-out was enqueued: the sweep decides both', async () => {
    await stopWorker();
    await startWorker({ CLOSEOUT_SWEEP_INTERVAL_MS: '3600000' });
    const cancelledOne = await createCampaign(world.api, org, { fundingModel: 'all_or_nothing', goal: '5000', endsAt: inAMonth() });
    const metGoal = await createCampaign(world.api, org, { fundingModel: 'all_or_nothing', goal: '5000', endsAt: inAMonth() });
    const refundable = [await pay(cancelledOne.slug, '35.00'), await pay(cancelledOne.slug, '25.00')];
    const kept = await pay(metGoal.slug, '50.00');
    await settle(world);
    // The status change commits; the API dies before enqueueing (the lib's transition alone).
    const campaigns = world.api.get(CampaignsService);
    const principal = { organizationId: org.orgId, actor: 'user:test' } as Parameters<CampaignsService['transition']>[0];
    await campaigns.transition(principal, cancelledOne.id, 'cancel');
    await campaigns.transition(principal, metGoal.id, 'end');
    const due = await world.api.get(CampaignCloseOutService).findDue();
    expect(due).toEqual(expect.arrayContaining([cancelledOne.id, metGoal.id]));

    await sweepNow('lost-enqueue');
    const cancelledDone = await waitForProgress(cancelledOne.id, (p) => p.status === 'done', 'the cancelled campaign to be refunded');
    expect(cancelledDone).toMatchObject({ decision: 'refund_all', reason: 'cancelled', total: 2, refunded: 2, refundedAmount: '6000' });
    const keptDone = await waitForProgress(metGoal.id, (p) => p.status === 'done', 'the ended campaign to be decided');
    expect(keptDone).toMatchObject({ decision: 'keep', reason: 'goal_met', total: 0, raised: '5000' });
    await settle(world);
    await expectEveryGiftRefundedOnce(cancelledOne.slug, refundable);
    expect(await refundsOnSandbox(kept.donationId)).toHaveLength(0);
    // Decided campaigns are not found again.
    const after = await world.api.get(CampaignCloseOutService).findDue();
    expect(after).not.toContain(cancelledOne.id);
    expect(after).not.toContain(metGoal.id);
    await expectLedgerSound(world.db);
  });

  it('a gift paid on a checkout that raced the cancellation is still posted, then refunded', async () => {
    await stopWorker();
    const campaign = await createCampaign(world.api, org, { fundingModel: 'flexible', goal: '5000', endsAt: inAMonth() });
    // The donor is on the Checkout page when the campaign is cancelled, and pays before any worker expired the session.
    const racing = await startGift(world, campaign.slug, { amount: 'other', customAmount: '12.00' });
    expect((await act(campaign.id, 'cancel')).status).toBe(200);
    expect(await statusOf(campaign.id)).toBe('cancelled');
    expect((await world.sandbox.control.paySession(racing.sessionId)).ok).toBe(true);

    await startWorker({ CLOSEOUT_SWEEP_INTERVAL_MS: '1000' });
    await settle(world);
    const done = await waitForProgress(campaign.id, (p) => p.status === 'done' && p.refunded === 1, 'the late gift to be refunded');
    expect(done).toMatchObject({ decision: 'refund_all', reason: 'cancelled', total: 1, refunded: 1, refundedAmount: '1200' });
    await settle(world);
    expect(await publicEntries(campaign.slug, 'donation')).toHaveLength(1);
    await expectEveryGiftRefundedOnce(campaign.slug, [racing]);
    await expectLedgerSound(world.db);
  });

  it('a draft is cancelled without a close-out; a campaign that paid out cannot be cancelled', async () => {
    const draft = await createCampaign(world.api, org, { fundingModel: 'flexible', endsAt: inAMonth() }, { publish: false });
    expect((await act(draft.id, 'cancel')).status).toBe(200);
    expect(await world.api.get(CampaignCloseOutService).findDue()).not.toContain(draft.id);
    expect((await progressOf(draft.id)).status).toBe(404);

    const campaign = await createCampaign(world.api, org, { fundingModel: 'flexible', goal: '5000', endsAt: inAMonth() });
    await world.db.query(
      `INSERT INTO payouts (id, organization_id, campaign_id, currency, amount, status, purpose, requested_by, request_fingerprint)
       VALUES (gen_random_uuid(), $1, $2, 'usd', 1000, 'pending_approval', 'test', 'user:test', 'x')`,
      [org.orgId, campaign.id],
    ).catch(async (error: Error) => {
      throw new Error(`staging a payout: ${error.message}`);
    });
    const refused = await act(campaign.id, 'cancel');
    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe('campaign_has_payouts');
    expect(await statusOf(campaign.id)).toBe('published');
  });
});
