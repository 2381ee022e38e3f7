import { Job, Queue, QueueEvents, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { createTestEnvironment, TestEnvironment, TEST_REDIS_URL } from '@ataa/testing';
import { probeRedis } from './probe.js';
import { DEFAULT_JOB_OPTIONS, QUEUES } from './queues.js';
import { bullConnection } from './redis-clients.js';

describe('queues (real Redis)', () => {
  let env: TestEnvironment;
  beforeAll(async () => {
    env = await createTestEnvironment();
  });
  afterAll(async () => env?.cleanup());

  it('keeps every key of a run under its own prefix, and a duplicate job id is enqueued once', async () => {
    const connection = bullConnection(TEST_REDIS_URL);
    const queue = new Queue(QUEUES.notifications, { connection, prefix: env.queuePrefix, defaultJobOptions: DEFAULT_JOB_OPTIONS });
    const events = new QueueEvents(QUEUES.notifications, { connection, prefix: env.queuePrefix });
    await events.waitUntilReady();
    const seen: string[] = [];
    const worker = new Worker(QUEUES.notifications, async (job: Job) => {
      seen.push(job.data.outboxId);
    }, { connection, prefix: env.queuePrefix });
    try {
      const first = await queue.add('notifications', { outboxId: 'o-1' }, { jobId: 'o-1' });
      await queue.add('notifications', { outboxId: 'o-1' }, { jobId: 'o-1' });
      await first.waitUntilFinished(events, 5000);
      expect(seen).toEqual(['o-1']);
      const redis = new Redis(TEST_REDIS_URL);
      const keys = await redis.keys(`${env.queuePrefix}:*`);
      redis.disconnect();
      expect(keys.length).toBeGreaterThan(0);
      expect(keys.every((k) => k.startsWith(`${env.queuePrefix}:notifications:`))).toBe(true);
    } finally {
      await worker.close();
      await events.close();
      await queue.close();
    }
  });

  it('probeRedis fails fast with a reason when Redis is unreachable', async () => {
    await expect(probeRedis(TEST_REDIS_URL)).resolves.toBeUndefined();
    await expect(probeRedis('redis://127.0.0.1:1', 500)).rejects.toThrow(/ECONNREFUSED/);
  });
});
