import { INestApplicationContext } from '@nestjs/common';
import { jest } from '@jest/globals';
import request from 'supertest';
import { AppConfig } from '@ataa/config';
import { createHash } from 'node:crypto';
import { CampaignCloseOutService, CheckoutService, CLOSEOUT_ACTOR, CLOSEOUT_REFUND_KEY } from '@ataa/donations';
import { JobProducer, QUEUES } from '@ataa/queue';
import { createCampaign, createOrganizationWithOwner, startTestWorker } from '@ataa/testing';
import { donationRow, DonationWorld, eventually, expectLedgerSound, settle, startDonationWorld, startGift } from '../donations/donation-test-kit.js';

/**
 * Campaign close-out through the real path: gifts paid on the Stripe sandbox, the worker's
 * scheduled sweep ending campaigns past their end date, refunds made on the sandbox, webhooks back
 * to the API, the ledger and the public ledger. Batches of 2 so that a close-out spans several jobs.
 */
jest.setTimeout(120_000);

type Json = Record<string, any>;

/** The refund request id RefundsService derives from (organization, donation, client key), to stage a killed run's leftovers. */
function uuidFromKey(...parts: string[]): string {
  const hex = createHash('sha256').update(parts.join('\u0000')).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${((parseInt(hex[16], 16) & 0x3) | 0x8).toString(16)}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

describe('campaign close-out end to end (sandbox, API, worker)', () => {
  let world: DonationWorld;
  let org: Awaited<ReturnType<typeof createOrganizationWithOwner>>;
  let worker: INestApplicationContext | null = null;
  const inAnHour = () => new Date(Date.now() + 3_600_000).toISOString();

  const startWorker = async (env: Record<string, string> = {}) => {
    worker = await startTestWorker(world.env.configWith({ ...world.sandbox.env(), CLOSEOUT_BATCH_SIZE: '2', ...env }) as AppConfig);
    return worker;
  };
  const stopWorker = async () => {
    await worker?.close();
    worker = null;
  };
  const progressOf = async (campaignId: string, token = org.ownerToken) =>
    request(world.apiUrl).get(`/api/v1/orgs/${org.orgId}/campaigns/${campaignId}/closeout`).set('authorization', `Bearer ${token}`);
  const waitForProgress = (campaignId: string, check: (p: Json) => boolean, what: string) => {
    let last = '';
    return eventually(async () => {
      const res = await progressOf(campaignId);
      last = `${res.status} ${JSON.stringify(res.body)}`;
      return res.status === 200 && check(res.body) ? res.body as Json : false;
    }, what, 60_000).catch(async (error: Error) => {
      // Why the close-out jobs did not get there (a job retrying keeps its last failure).
      const jobs = worker ? await worker.get(JobProducer).queue(QUEUES.campaignCloseOut).getJobs(['delayed', 'failed', 'waiting', 'active']) : [];
      const failures = jobs.filter((j) => j?.failedReason).map((j) => `${j.id}: ${j.failedReason}`);
      throw new Error(`${error.message}; progress: ${last}; job failures: ${failures.join('; ') || 'none'}`);
    });
  };
  /** The end date passes (the campaign was published with a future one, as the API requires). */
  const endDatePasses = (campaignId: string) => world.db.query(`UPDATE campaigns SET ends_at = now() - interval '1 second' WHERE id = $1`, [campaignId]);
  const sweepNow = async (id: string) => worker!.get(JobProducer).enqueue(QUEUES.campaignCloseOut, {}, { jobId: `test-sweep-${id}`, removeOnComplete: true });
  const pay = async (slug: string, fields: Record<string, string>) => {
    const gift = await startGift(world, slug, fields);
    const paid = await world.sandbox.control.paySession(gift.sessionId);
    expect(paid.ok).toBe(true);
    return gift;
  };
  const refundsOnSandbox = async (donationId: string) => {
    const row = await donationRow(world.db, donationId);
    return (await world.sandbox.stripe().refunds.list({ charge: row.stripe_charge_id, limit: 100 })).data;
  };
  const publicEntries = async (slug: string, kind: string) =>
    (await request(world.apiUrl).get(`/api/v1/public/campaigns/${slug}/ledger`).query({ kind, limit: 200 }).expect(200)).body.entries as Json[];

  beforeAll(async () => {
    world = await startDonationWorld({ worker: false });
    org = await createOrganizationWithOwner(world.api);
  });
  afterAll(async () => {
    await stopWorker();
    await world?.close();
  });

  it('all-or-nothing, goal missed: every gift refunded exactly once, in batches, across a worker killed after the first batch', async () => {
    // The first worker only runs one batch: its next batch is scheduled an hour later and its sweep hourly.
    await startWorker({ CLOSEOUT_BATCH_DELAY_MS: '3600000', CLOSEOUT_SWEEP_INTERVAL_MS: '3600000' });
    const campaign = await createCampaign(world.api, org, { fundingModel: 'all_or_nothing', goal: '100000', endsAt: inAnHour(), offerCoverFees: true, allowAnonymous: true });
    const before = await progressOf(campaign.id);
    expect(before.status).toBe(404);
    expect(before.body.code).toBe('closeout_not_started');

    // Five gifts, 161.47 USD in all, far below the 1,000.00 goal.
    const gifts = [
      await pay(campaign.slug, { amount: 'other', customAmount: '50.00' }),
      await pay(campaign.slug, { amount: 'other', customAmount: '30.00', anonymous: 'on' }),
      await pay(campaign.slug, { amount: 'other', customAmount: '20.00', coverFees: 'on' }),
      await pay(campaign.slug, { amount: 'other', customAmount: '40.00' }),
      await pay(campaign.slug, { amount: 'other', customAmount: '15.00' }),
    ];
    // One checkout left open at the end: it must not be payable after the close-out.
    const unpaid = await startGift(world, campaign.slug, { amount: 'other', customAmount: '10.00' });
    await settle(world);
    const grossTotal = (await Promise.all(gifts.map((g) => donationRow(world.db, g.donationId)))).reduce((s, r) => s + BigInt(r.amount), 0n);
    // 20.00 with fees covered is grossed up to (2000 + 30) / (1 - 0.029 - 0.02) = 2134.6 → 21.35
    expect(grossTotal).toBe(5_000n + 3_000n + 2_135n + 4_000n + 1_500n);
    await expectLedgerSound(world.db);

    await endDatePasses(campaign.id);
    await sweepNow('1');
    const partial = await waitForProgress(campaign.id, (p) => p.refunded === 2, 'the first batch');
    await stopWorker(); // "killed" after the first batch: the next batch job is still delayed in Redis
    expect(partial).toMatchObject({ decision: 'refund_all', reason: 'goal_missed', status: 'refunding', total: 5, refunded: 2, failed: 0, fundingModel: 'all_or_nothing' });
    expect((await world.db.query(`SELECT status FROM campaigns WHERE id = $1`, [campaign.id]))[0].status).toBe('ended');
    const refundedSoFar = (await Promise.all(gifts.map((g) => refundsOnSandbox(g.donationId)))).map((r) => r.length);
    expect(refundedSoFar.sort()).toEqual([0, 0, 0, 1, 1]);

    // Stripe's answer to the next refund is lost: the client retries under the same idempotency key.
    await world.sandbox.control.timeOutNextResponse({ method: 'POST', path: '/v1/refunds', delayMs: 50 });
    // A new worker resumes at boot (its first sweep) and finishes.
    await startWorker({ CLOSEOUT_SWEEP_INTERVAL_MS: '1000' });
    const done = await waitForProgress(campaign.id, (p) => p.status === 'done', 'the close-out to finish');
    expect(done).toMatchObject({ total: 5, refunded: 5, failed: 0, skipped: 0, remaining: 0, totalAmount: grossTotal.toString(), refundedAmount: grossTotal.toString() });
    expect(done.batches).toBeGreaterThanOrEqual(3);
    await settle(world);

    for (const gift of gifts) {
      const row = await donationRow(world.db, gift.donationId);
      const refunds = await refundsOnSandbox(gift.donationId);
      expect(refunds).toHaveLength(1); // never twice
      expect(refunds[0]).toMatchObject({ amount: Number(row.amount), status: 'succeeded' });
      expect(row).toMatchObject({ status: 'refunded', refunded_amount: row.amount });
    }
    // Every refund is on the public ledger, once.
    expect(await publicEntries(campaign.slug, 'refund')).toHaveLength(5);
    const [{ n }] = await world.db.query(`SELECT count(*)::int AS n FROM journal_entries WHERE kind = 'refund' AND metadata->>'donation_id' = ANY($1)`, [gifts.map((g) => g.donationId)]);
    expect(n).toBe(5);
    // The checkout left open was expired by the close-out.
    await eventually(async () => (await donationRow(world.db, unpaid.donationId)).status === 'expired', 'the open checkout to expire');
    expect((await world.sandbox.control.paySession(unpaid.sessionId).catch((e: Error) => ({ ok: false, e }))).ok).toBe(false);
    await expectLedgerSound(world.db);

    // A duplicate close-out job (a new job id, so BullMQ does not deduplicate it) does nothing.
    const queue = worker!.get(JobProducer).queue(QUEUES.campaignCloseOut);
    const duplicate = await queue.add(QUEUES.campaignCloseOut, { campaignId: campaign.id }, { jobId: `duplicate-${campaign.id}` });
    const result = await eventually(async () => ((await duplicate.getState()) === 'completed' ? (await queue.getJob(duplicate.id!))!.returnvalue : false), 'the duplicate job');
    expect(result).toBe('ran: done 5/5');
    const after = (await progressOf(campaign.id)).body;
    expect(after).toMatchObject({ status: 'done', refunded: 5, batches: done.batches, refundedAmount: grossTotal.toString() });
    for (const gift of gifts) expect(await refundsOnSandbox(gift.donationId)).toHaveLength(1);
    expect(await publicEntries(campaign.slug, 'refund')).toHaveLength(5);
    await expectLedgerSound(world.db);
  });

  it('a run killed mid-refund (before calling Stripe, or after Stripe made the refund): the next run finishes it, one refund per gift', async () => {
    if (!worker) await startWorker({ CLOSEOUT_SWEEP_INTERVAL_MS: '1000' });
    const campaign = await createCampaign(world.api, org, { fundingModel: 'all_or_nothing', goal: '100000', endsAt: inAnHour() });
    const paid: { donationId: string; sessionId: string }[] = [];
    for (const amount of ['12.00', '18.00', '21.00']) paid.push(await pay(campaign.slug, { amount: 'other', customAmount: amount }));
    await settle(world);
    await stopWorker();
    await endDatePasses(campaign.id);
    // One run of one gift, as a worker would, then the process dies in the middle of the next two:
    const service = world.api.get(CampaignCloseOutService);
    const first = await service.runBatch(campaign.id, { batchSize: 1 });
    expect(first).toMatchObject({ outcome: 'ran', more: true, progress: { total: 3, refunded: 1, status: 'refunding' } });
    const open = (await service.items(campaign.id)).filter((i) => i.status === 'pending');
    expect(open).toHaveLength(2);
    // (RefundsService derives the request id, and from it Stripe's idempotency key, from the
    // organization, the donation and the close-out's key.) The first of them was reserved and
    // refunded on Stripe but the answer never recorded; the second was reserved only.
    const requestIds = paid.map((g) => uuidFromKey(org.orgId, g.donationId, CLOSEOUT_REFUND_KEY));
    for (const [i, item] of open.entries()) {
      const row = await donationRow(world.db, item.donationId);
      const id = uuidFromKey(org.orgId, item.donationId, CLOSEOUT_REFUND_KEY);
      await world.db.query(`INSERT INTO donation_refunds (id, donation_id, amount, status, reason, requested_by) VALUES ($1, $2, $3, 'requested', 'requested_by_customer', $4)`,
        [id, item.donationId, row.amount, CLOSEOUT_ACTOR]);
      if (i === 0) {
        await world.sandbox.stripe().refunds.create(
          { charge: row.stripe_charge_id, amount: Number(row.amount), reason: 'requested_by_customer', metadata: { refund_request_id: id, donation_id: item.donationId } },
          { idempotencyKey: `refund:${id}` },
        );
      }
    }
    // A new worker resumes at boot.
    await startWorker({ CLOSEOUT_SWEEP_INTERVAL_MS: '1000' });
    const done = await waitForProgress(campaign.id, (p) => p.status === 'done', 'the close-out');
    expect(done).toMatchObject({ total: 3, refunded: 3, failed: 0, refundedAmount: '5100' });
    await settle(world);
    for (const [i, g] of paid.entries()) {
      const refunds = await refundsOnSandbox(g.donationId);
      expect(refunds).toHaveLength(1);
      expect(refunds[0].metadata?.refund_request_id).toBe(requestIds[i]);
      expect(await donationRow(world.db, g.donationId)).toMatchObject({ status: 'refunded' });
    }
    const rows = await world.db.query(`SELECT id, status FROM donation_refunds WHERE donation_id = ANY($1) ORDER BY id`, [paid.map((g) => g.donationId)]);
    expect(rows).toEqual([...requestIds].sort().map((id) => ({ id, status: 'succeeded' })));
    expect(await publicEntries(campaign.slug, 'refund')).toHaveLength(3);
    await expectLedgerSound(world.db);
  });

  it('all-or-nothing, goal met: the campaign ends and nothing is refunded', async () => {
    if (!worker) await startWorker({ CLOSEOUT_SWEEP_INTERVAL_MS: '1000' });
    const campaign = await createCampaign(world.api, org, { fundingModel: 'all_or_nothing', goal: '5000', endsAt: inAnHour() });
    const gift = await pay(campaign.slug, { amount: 'other', customAmount: '60.00' });
    await settle(world);
    await endDatePasses(campaign.id);
    const done = await waitForProgress(campaign.id, (p) => p.status === 'done', 'the close-out');
    expect(done).toMatchObject({ decision: 'keep', reason: 'goal_met', total: 0, refunded: 0, raised: '6000', goal: '5000' });
    expect(await refundsOnSandbox(gift.donationId)).toHaveLength(0);
    expect(await donationRow(world.db, gift.donationId)).toMatchObject({ status: 'succeeded', refunded_amount: '0' });
    expect(await publicEntries(campaign.slug, 'refund')).toHaveLength(0);
    await expectLedgerSound(world.db);
  });

  it('flexible: the campaign ends, keeps its gifts and stops taking new ones', async () => {
    if (!worker) await startWorker({ CLOSEOUT_SWEEP_INTERVAL_MS: '1000' });
    const campaign = await createCampaign(world.api, org, { fundingModel: 'flexible', goal: '1000000', endsAt: inAnHour() });
    const gift = await pay(campaign.slug, { amount: 'other', customAmount: '25.00' });
    await settle(world);
    // A donor opened the page before the end (and holds its form and CSRF token).
    const donor = request.agent(world.apiUrl);
    const token = /name="_csrf" value="([^"]+)"/.exec((await donor.get(`/c/${campaign.slug}`).expect(200)).text)?.[1];
    expect(token).toEqual(expect.any(String));
    await endDatePasses(campaign.id);
    const done = await waitForProgress(campaign.id, (p) => p.status === 'done', 'the close-out');
    expect(done).toMatchObject({ decision: 'keep', reason: 'flexible', total: 0, raised: '2500' });
    const campaignRow = (await world.db.query(`SELECT status, ended_at FROM campaigns WHERE id = $1`, [campaign.id]))[0];
    expect(campaignRow.status).toBe('ended');
    expect(campaignRow.ended_at).not.toBeNull();
    expect(await refundsOnSandbox(gift.donationId)).toHaveLength(0);

    // The donation form is refused on the page, and checkout with a clear problem code.
    const page = await request(world.apiUrl).get(`/c/${campaign.slug}`).expect(200);
    expect(page.text).not.toContain('name="_csrf"'); // the page no longer offers the form
    const form = await donor.post(`/c/${campaign.slug}/donate`).type('form').send({ _csrf: token, amount: 'other', customAmount: '10.00', donorEmail: 'late@example.org' });
    expect(form.status).toBe(409);
    expect(form.text).toContain('not accepting gifts');
    await expect(world.api.get(CheckoutService).start(campaign.slug, {
      amount: '10.00', coverFees: false, donorName: null, donorEmail: 'late@example.org', anonymous: false, publicMessage: null,
    })).rejects.toMatchObject({ code: 'campaign_not_accepting_donations', status: 409 });
    const [{ n }] = await world.db.query(`SELECT count(*)::int AS n FROM donations WHERE campaign_id = $1`, [campaign.id]);
    expect(n).toBe(1);
    await expectLedgerSound(world.db);
  });

  it('shows progress to any member of the organization only', async () => {
    const [{ campaign_id: campaignId }] = await world.db.query(`SELECT campaign_id FROM campaign_closeouts WHERE organization_id = $1 LIMIT 1`, [org.orgId]);
    const other = await createOrganizationWithOwner(world.api);
    const res = await request(world.apiUrl).get(`/api/v1/orgs/${other.orgId}/campaigns/${campaignId}/closeout`).set('authorization', `Bearer ${other.ownerToken}`);
    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    expect((await progressOf(campaignId)).status).toBe(200);
    await request(world.apiUrl).get(`/api/v1/orgs/${org.orgId}/campaigns/${campaignId}/closeout`).expect(401);
    // The close-out's refund key cannot be taken first by an API client (it would claim the same refund id).
    const [{ id: donationId }] = await world.db.query(`SELECT id FROM donations WHERE organization_id = $1 LIMIT 1`, [org.orgId]);
    const taken = await request(world.apiUrl).post(`/api/v1/orgs/${org.orgId}/donations/${donationId}/refunds`)
      .set('authorization', `Bearer ${org.ownerToken}`).set('idempotency-key', CLOSEOUT_REFUND_KEY).send({});
    expect(taken.status).toBe(400);
    expect(taken.body.code).toBe('validation_failed');
  });
});
