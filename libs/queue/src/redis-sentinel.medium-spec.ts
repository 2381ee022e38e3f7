import { Job, Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { DependencyMisconfiguredError } from '@ataa/common';
import { startRedisSentinel, TEST_REDIS_URL, type TestRedisSentinel } from '@ataa/testing';
import { probeRedis, waitForRedis } from './probe.js';
import { bullConnection, createRequestPathRedis, queuePrefixOf } from './redis-clients.js';

/**
 * Issue 23, item 2, Sentinel: REDIS_SENTINELS + REDIS_SENTINEL_NAME (or redis+sentinel://) make the
 * clients ask the sentinels for the master and follow it when it fails over; a sentinel setting
 * that names no sentinel, or a master no sentinel knows, stops the boot with one line. A master, a
 * replica and three sentinels on ports 7160–7164, shared by the file.
 */
describe('Redis Sentinel: clients, BullMQ through a failover, and the boot check', () => {
  let sentinel: TestRedisSentinel;
  const closers: (() => Promise<unknown>)[] = [];

  beforeAll(async () => {
    sentinel = await startRedisSentinel({ basePort: 7160 });
  }, 120_000);
  afterAll(async () => {
    for (const close of closers.reverse()) await close().catch(() => undefined);
    await sentinel?.stop();
  }, 60_000);

  it('reaches the master through the sentinels, from either form of the setting; the prefix stays untagged', async () => {
    const variables = { REDIS_URL: 'redis://127.0.0.1:6379', REDIS_SENTINELS: sentinel.sentinelPorts.map((port) => `127.0.0.1:${port}`), REDIS_SENTINEL_NAME: sentinel.name };
    for (const settings of [{ REDIS_URL: sentinel.url }, variables]) {
      await probeRedis(settings);
      const client = createRequestPathRedis(settings, 2000) as Redis;
      closers.push(async () => client.disconnect());
      await new Promise<void>((resolve) => (client.status === 'ready' ? resolve() : client.once('ready', () => resolve())));
      await client.set('sentinel:probe', 'through the sentinels');
      expect(await client.get('sentinel:probe')).toBe('through the sentinels');
      expect(/role:master/.test(await client.info('replication'))).toBe(true);
    }
    expect(queuePrefixOf({ REDIS_URL: sentinel.url, QUEUE_PREFIX: 'ataa' })).toBe('ataa');
  });

  it('runs jobs before and after the master fails over, on whichever server is master', async () => {
    const settings = { REDIS_URL: sentinel.url, QUEUE_PREFIX: 'ataa-sentinel-jobs' };
    const prefix = queuePrefixOf(settings);
    const queue = new Queue('notifications', { connection: bullConnection(settings), prefix });
    const processed = new Set<string>();
    const worker = new Worker('notifications', async (job: Job<{ outboxId: string }>) => {
      processed.add(job.data.outboxId);
    }, { connection: bullConnection(settings), prefix, concurrency: 4 });
    worker.on('error', () => undefined); // the old master drops its connections in the failover; BullMQ reconnects
    queue.on('error', () => undefined);
    closers.push(() => queue.close(), () => worker.close());
    const add = (from: number, to: number) => queue.addBulk(Array.from({ length: to - from + 1 }, (_, i) => ({
      name: 'notifications', data: { outboxId: `outbox-${from + i}` }, opts: { jobId: `outbox-${from + i}`, attempts: 5, backoff: { type: 'fixed', delay: 200 } },
    })));

    await add(1, 50);
    await until(async () => (await queue.getJobCounts('completed')).completed === 50);
    const { from, to } = await sentinel.failover();
    expect(await sentinel.currentMasterPort()).toBe(to);
    await add(51, 100);
    await until(async () => (await queue.getJobCounts('completed')).completed === 100, 60_000);

    expect(processed.size).toBe(100);
    // The jobs are on the new master (the old one is its replica now).
    const newMaster = new Redis({ host: '127.0.0.1', port: to, lazyConnect: true });
    closers.push(async () => newMaster.disconnect());
    await newMaster.connect();
    expect(await newMaster.exists(`${prefix}:notifications:outbox-100`)).toBe(1);
    expect(from).not.toBe(to);
  }, 120_000);

  it('stops the boot with one line when the sentinel setting names a server that is no sentinel', async () => {
    const lone = new URL(TEST_REDIS_URL).host;
    const refused = await waitForRedis({ REDIS_URL: 'redis://127.0.0.1:6379', REDIS_SENTINELS: [lone], REDIS_SENTINEL_NAME: 'ataa' }, () => undefined).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(DependencyMisconfiguredError);
    expect((refused as Error).message).toBe(`Configuration error: REDIS_SENTINELS names ${lone}, which is not a Redis Sentinel`);
  });

  it('stops the boot with one line when no sentinel knows the master named', async () => {
    const log: string[] = [];
    const url = `redis+sentinel://127.0.0.1:${sentinel.sentinelPorts[0]},127.0.0.1:${sentinel.sentinelPorts[1]}/not-ataa`;
    const refused = await waitForRedis(url, (m) => log.push(m)).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(DependencyMisconfiguredError);
    expect((refused as Error).message).toBe('Configuration error: REDIS_URL names master "not-ataa", which no sentinel of REDIS_URL knows');
    expect(log).toEqual([]);
  });
});

async function until(check: () => boolean | Promise<boolean>, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
