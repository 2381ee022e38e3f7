import { INestApplicationContext } from '@nestjs/common';
import { Job, Queue, QueueEvents, Worker } from 'bullmq';
import { DataSource } from 'typeorm';
import { OutboxRelay } from '@ataa/notifications';
import { bullConnection, QUEUES } from '@ataa/queue';
import { createTestEnvironment, startTestApi, TEST_REDIS_URL, TestEnvironment } from '@ataa/testing';

/**
 * A receipt whose job the queue gave up on (a worker killed mid-job more often than BullMQ
 * tolerates marks it failed) while its outbox row is unfinished: the relay's sweep retries that
 * job. Before, it re-added the same job id, which BullMQ ignores, and the receipt was never sent.
 */
describe('outbox sweep: a job failed for good is retried, never left behind', () => {
  let env: TestEnvironment;
  let app: INestApplicationContext;

  beforeAll(async () => {
    env = await createTestEnvironment();
    // The API has the relay but runs no notifications worker: the test plays the worker.
    app = await startTestApi(env.config);
  });
  afterAll(async () => {
    await app?.close();
    await env?.cleanup();
  });

  it('retries the failed job of an unfinished row, and leaves a finished row alone', async () => {
    const db = app.get(DataSource);
    const [{ id }] = await db.query(
      `INSERT INTO outbox (kind, aggregate_id, payload, dedupe_key, relayed_at, relay_count) VALUES ('donation_receipt', 'd-1', '{}', 'donation_receipt:d-1', now() - interval '1 hour', 1) RETURNING id`,
    );
    const connection = bullConnection(TEST_REDIS_URL);
    const queue = new Queue(QUEUES.notifications, { connection, prefix: env.queuePrefix });
    const events = new QueueEvents(QUEUES.notifications, { connection, prefix: env.queuePrefix });
    await events.waitUntilReady();
    // The job fails for good (one attempt), as after its worker was killed too often.
    const dying = new Worker(QUEUES.notifications, async () => {
      throw new Error('worker killed');
    }, { connection, prefix: env.queuePrefix });
    try {
      const job = await queue.add(QUEUES.notifications, { outboxId: id }, { jobId: id, attempts: 1 });
      await expect(job.waitUntilFinished(events, 10_000)).rejects.toThrow('worker killed');
      await dying.close();
      expect(await queue.getJobState(id)).toBe('failed');

      expect(await app.get(OutboxRelay).sweepStale(60)).toBe(1);
      // Back in the queue for a worker to deliver.
      expect(['waiting', 'prioritized', 'active']).toContain(await queue.getJobState(id));

      // A finished row is not swept again.
      await db.query(`UPDATE outbox SET status = 'sent', finished_at = now() WHERE id = $1`, [id]);
      expect(await app.get(OutboxRelay).sweepStale(60)).toBe(0);
      const seen: string[] = [];
      const worker = new Worker(QUEUES.notifications, async (j: Job) => {
        seen.push(j.data.outboxId);
      }, { connection, prefix: env.queuePrefix });
      await (await queue.getJob(id))!.waitUntilFinished(events, 10_000);
      await worker.close();
      expect(seen).toEqual([id]);
    } finally {
      await dying.close();
      await events.close();
      await queue.close();
    }
  });
});
