import { jest } from '@jest/globals';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { PayoutExecutionService } from '@ataa/payouts';
import { JobProducer, QUEUES } from '@ataa/queue';
import { createCampaign, createOrganizationWithOwner, createTestEnvironment, startTestApi, TestEnvironment } from '@ataa/testing';
import { PayoutsSweepRunner } from './payouts-sweep.runner.js';

jest.setTimeout(60_000);

/** An approved payout whose job is gone (Redis lost it, or it was never enqueued) is queued again, once. */
describe('payouts sweep (PostgreSQL + Redis)', () => {
  let env: TestEnvironment;
  let app: NestFastifyApplication;

  beforeAll(async () => {
    env = await createTestEnvironment();
    app = await startTestApi(env.config);
  });
  afterAll(async () => {
    await app?.close();
    await env?.cleanup();
  });

  it('re-enqueues approved payouts without a job and leaves queued ones alone', async () => {
    const db = app.get(DataSource);
    const producer = app.get(JobProducer);
    const org = await createOrganizationWithOwner(app);
    const campaign = await createCampaign(app, org);
    const id = randomUUID();
    await db.query(
      `INSERT INTO payouts (id, organization_id, campaign_id, currency, amount, status, purpose, requested_by, approval)
       VALUES ($1, $2, $3, 'usd', 1000, 'approved', 'Water pump', 'test', 'automatic')`,
      [id, org.orgId, campaign.id],
    );
    const queue = producer.queue(QUEUES.payouts);
    expect(await queue.getJob(`payout-${id}`)).toBeUndefined();
    const sweep = new PayoutsSweepRunner(app.get(PayoutExecutionService), producer);
    expect(await sweep.sweepOnce(0)).toBe(1);
    const job = await queue.getJob(`payout-${id}`);
    expect(job?.data).toEqual({ payoutId: id });
    // Already waiting: not queued twice.
    expect(await sweep.sweepOnce(0)).toBe(0);
    // A payout that is not approved (yet) is not swept.
    await db.query(`UPDATE payouts SET status = 'cancelled' WHERE id = $1`, [id]);
    await job!.remove();
    expect(await sweep.sweepOnce(0)).toBe(0);
  });
});
