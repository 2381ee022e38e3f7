import { jest } from '@jest/globals';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DataSource } from 'typeorm';
import { auditLedger } from '@ataa/ledger';
import { MetricsService } from '@ataa/observability';
import {
  createCampaign, createOrganizationWithOwner, createTestEnvironment, startTestApi, startTestSandbox, TestEnvironment, TestOrganization, TestSandbox,
} from '@ataa/testing';
import { CampaignCloseOutService } from './campaign-closeout.service.js';
import { CheckoutService } from './checkout.service.js';
import { DonationSyncService } from './donation-sync.service.js';

jest.setTimeout(60_000);

/**
 * The close-out service against real PostgreSQL and the Stripe sandbox, without HTTP or a worker:
 * gifts are paid on the sandbox and synced directly, and runs are called as a worker would call
 * them (also concurrently, and again after the end).
 */
describe('CampaignCloseOutService (PostgreSQL + Stripe sandbox)', () => {
  let env: TestEnvironment;
  let sandbox: TestSandbox;
  let app: NestFastifyApplication;
  let db: DataSource;
  let org: TestOrganization;
  let service: CampaignCloseOutService;
  const inAnHour = () => new Date(Date.now() + 3_600_000).toISOString();
  const endDatePasses = (campaignId: string) => db.query(`UPDATE campaigns SET ends_at = now() - interval '1 second' WHERE id = $1`, [campaignId]);

  async function open(slug: string, amount: string): Promise<{ donationId: string; sessionId: string }> {
    const result = await app.get(CheckoutService).start(slug, { amount, coverFees: false, donorName: 'Omar', donorEmail: 'omar@example.org', anonymous: false, publicMessage: null });
    const [row] = await db.query(`SELECT id, stripe_checkout_session_id FROM donations WHERE id = $1`, [result.donationId]);
    return { donationId: row.id, sessionId: row.stripe_checkout_session_id };
  }
  async function give(slug: string, amount: string): Promise<string> {
    const gift = await open(slug, amount);
    expect((await sandbox.control.paySession(gift.sessionId)).ok).toBe(true);
    await app.get(DonationSyncService).sync(gift.donationId);
    return gift.donationId;
  }
  const refundsOf = async (donationId: string) => {
    const [row] = await db.query(`SELECT stripe_charge_id FROM donations WHERE id = $1`, [donationId]);
    return (await sandbox.stripe().refunds.list({ charge: row.stripe_charge_id, limit: 100 })).data;
  };
  const expectLedgerSound = async () => expect(await auditLedger(db.manager)).toEqual([]);

  beforeAll(async () => {
    env = await createTestEnvironment();
    sandbox = await startTestSandbox();
    app = await startTestApi(env.configWith(sandbox.env()));
    db = app.get(DataSource);
    service = app.get(CampaignCloseOutService);
    org = await createOrganizationWithOwner(app);
  });
  afterAll(async () => {
    await app?.close();
    await sandbox?.close();
    await env?.cleanup();
  });

  it('finds only running campaigns past their end date; runs nothing before it or for drafts', async () => {
    const running = await createCampaign(app, org, { fundingModel: 'flexible', endsAt: inAnHour() });
    const draft = await createCampaign(app, org, { fundingModel: 'flexible', endsAt: inAnHour() }, { publish: false });
    expect(await service.findDue()).not.toContain(running.id);
    expect(await service.runBatch(running.id)).toMatchObject({ outcome: 'not_due', progress: null });
    await endDatePasses(running.id);
    await endDatePasses(draft.id);
    const due = await service.findDue();
    expect(due).toContain(running.id);
    expect(due).not.toContain(draft.id);
    expect(await service.runBatch(draft.id)).toMatchObject({ outcome: 'not_applicable' });
    expect(await service.runBatch('00000000-0000-4000-8000-000000000000')).toMatchObject({ outcome: 'not_found' });
    expect(await service.runBatch(running.id)).toMatchObject({ outcome: 'ran', more: false, progress: { decision: 'keep', reason: 'flexible', status: 'done' } });
    expect(await service.findDue()).not.toContain(running.id);
  });

  it('two runs at once and a run after the end refund each gift once; a disputed gift is left to its dispute', async () => {
    const campaign = await createCampaign(app, org, { fundingModel: 'all_or_nothing', goal: '100000', endsAt: inAnHour() });
    const gifts = [await give(campaign.slug, '10.00'), await give(campaign.slug, '20.00'), await give(campaign.slug, '30.00')];
    const disputed = await give(campaign.slug, '40.00');
    const [{ stripe_charge_id: chargeId }] = await db.query(`SELECT stripe_charge_id FROM donations WHERE id = $1`, [disputed]);
    await sandbox.control.openDispute(chargeId, { amount: 2_000 }); // 20.00 of the 40.00 disputed
    await app.get(DonationSyncService).sync(disputed);
    await expect(service.assertPayoutsAllowed(campaign.id)).rejects.toMatchObject({ code: 'campaign_not_closed_out', status: 409 });
    await endDatePasses(campaign.id);

    // 100.00 raised - 20.00 disputed = 80.00 toward a 1,000.00 goal: refund all (batches of 2); the
    // disputed gift's other 20.00 stays with the dispute (a refund would be refused).
    const [a, b] = await Promise.all([service.runBatch(campaign.id, { batchSize: 1 }), service.runBatch(campaign.id, { batchSize: 1 })]);
    expect([a.outcome, b.outcome]).toEqual(['ran', 'ran']);
    let progress = (await service.find(campaign.id))!;
    expect(progress).toMatchObject({ decision: 'refund_all', reason: 'goal_missed', raisedAmount: 8_000n, total: 4, skipped: 1, status: 'refunding' });
    expect(progress.refunded).toBeGreaterThanOrEqual(1);
    // The sweep leaves a close-out between batches alone, and resumes it once it has been idle too long.
    expect(await service.findDue(new Date(), 500, 60_000)).not.toContain(campaign.id);
    expect(await service.findDue(new Date(Date.now() + 120_000), 500, 60_000)).toContain(campaign.id);
    while (progress.status !== 'done') progress = (await service.runBatch(campaign.id, { batchSize: 2 })).progress!;
    expect(progress).toMatchObject({ total: 4, refunded: 3, failed: 0, skipped: 1, totalAmount: 6_000n, refundedAmount: 6_000n });
    const again = await service.runBatch(campaign.id, { batchSize: 2 });
    expect(again).toMatchObject({ outcome: 'ran', processed: 0, more: false, progress: { refunded: 3, batches: progress.batches } });
    for (const id of gifts) expect(await refundsOf(id)).toHaveLength(1);
    expect(await refundsOf(disputed)).toHaveLength(0);
    await expect(service.assertPayoutsAllowed(campaign.id)).rejects.toMatchObject({ code: 'campaign_not_closed_out' });
    const metrics = (await app.get(MetricsService).render()).body;
    expect(metrics).toContain('ataa_closeout_gifts_total{outcome="refunded"} 3');
    expect(metrics).toContain('ataa_closeout_gifts_total{outcome="skipped"} 1');
    const items = await service.items(campaign.id);
    expect(items.find((i) => i.donationId === disputed)).toMatchObject({ status: 'skipped', lastError: 'disputed' });
    await expectLedgerSound();
  });

  it('a gift paid at the last moment but settled after the close-out is refunded by a later run', async () => {
    const campaign = await createCampaign(app, org, { fundingModel: 'all_or_nothing', goal: '100000', endsAt: inAnHour() });
    const early = await give(campaign.slug, '25.00');
    const late = await open(campaign.slug, '15.00');
    expect((await sandbox.control.paySession(late.sessionId)).ok).toBe(true); // paid, but its webhook has not arrived
    const unpaid = await open(campaign.slug, '35.00');
    await endDatePasses(campaign.id);
    let run = await service.runBatch(campaign.id);
    expect(run.progress).toMatchObject({ status: 'done', total: 1, refunded: 1 });
    expect(await refundsOf(early)).toHaveLength(1);
    // The session still open was expired on Stripe: it can no longer be paid.
    expect((await sandbox.stripe().checkout.sessions.retrieve(unpaid.sessionId)).status).toBe('expired');

    await app.get(DonationSyncService).sync(late.donationId); // the late webhook
    expect(await service.findDue()).toContain(campaign.id);
    run = await service.runBatch(campaign.id);
    expect(run.progress).toMatchObject({ status: 'done', total: 2, refunded: 2, refundedAmount: 4_000n });
    expect(await refundsOf(late.donationId)).toHaveLength(1);
    expect(await service.findDue()).not.toContain(campaign.id);
    await expectLedgerSound();
  });

  it('an all-or-nothing campaign that reached its goal keeps its gifts and may then pay out', async () => {
    const campaign = await createCampaign(app, org, { fundingModel: 'all_or_nothing', goal: '5000', endsAt: inAnHour() });
    const gift = await give(campaign.slug, '60.00');
    await expect(service.assertPayoutsAllowed(campaign.id)).rejects.toMatchObject({ code: 'campaign_not_closed_out' });
    await endDatePasses(campaign.id);
    const run = await service.runBatch(campaign.id);
    expect(run.progress).toMatchObject({ decision: 'keep', reason: 'goal_met', status: 'done', total: 0, raisedAmount: 6_000n });
    await expect(service.assertPayoutsAllowed(campaign.id)).resolves.toBeUndefined();
    expect(await refundsOf(gift)).toHaveLength(0);
    await expectLedgerSound();
  });
});
