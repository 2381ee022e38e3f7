import { Job, Queue, QueueEvents, Worker } from 'bullmq';
import { Cluster } from 'ioredis';
import { DependencyMisconfiguredError } from '@ataa/common';
import { startRedisCluster, TEST_REDIS_URL, type TestRedisCluster } from '@ataa/testing';
import { waitForRedis, probeRedis } from './probe.js';
import { bullConnection, createRedisClient, createRequestPathRedis, queuePrefixOf } from './redis-clients.js';

/**
 * Issue 23, item 2: with a cluster configured every client is an ioredis Cluster client, BullMQ's
 * keys share one slot through the hash-tagged prefix, a master failing over loses no job, and a
 * misconfigured cluster stops the boot with one line. One six-node cluster (ports 7100–7115) for the file.
 */
describe('Redis Cluster: clients, BullMQ and the boot check on a real six-node cluster', () => {
  let cluster: TestRedisCluster;
  const closers: (() => Promise<unknown>)[] = [];

  beforeAll(async () => {
    cluster = await startRedisCluster({ basePort: 7100 });
  }, 120_000);
  afterAll(async () => {
    for (const close of closers.reverse()) await close().catch(() => undefined);
    await cluster?.stop();
  }, 60_000);

  it('makes Cluster clients from either form of the setting, and hash-tags the queue prefix', async () => {
    for (const settings of [{ REDIS_URL: cluster.url }, { REDIS_URL: 'redis://127.0.0.1:6379', REDIS_CLUSTER_NODES: cluster.nodeList.split(',') }]) {
      const client = createRequestPathRedis(settings, 2000);
      closers.push(async () => client.disconnect());
      expect(client).toBeInstanceOf(Cluster);
      await probeRedis(settings);
      // Keys in every slot answer (a single-node client would get MOVED for two thirds of them).
      await new Promise<void>((resolve) => (client.status === 'ready' ? resolve() : client.once('ready', () => resolve())));
      for (const key of ['a', 'b', 'c', 'd', 'e', 'f']) await client.set(`probe:${key}`, key);
      expect(await Promise.all(['a', 'b', 'c', 'd', 'e', 'f'].map((key) => client.get(`probe:${key}`)))).toEqual(['a', 'b', 'c', 'd', 'e', 'f']);
    }
    expect(queuePrefixOf({ REDIS_URL: cluster.url, QUEUE_PREFIX: 'ataa' })).toBe('{ataa}');
    expect(queuePrefixOf({ REDIS_URL: cluster.url, QUEUE_PREFIX: 'x{tenant}' })).toBe('x{tenant}');
    expect(queuePrefixOf({ REDIS_URL: TEST_REDIS_URL, QUEUE_PREFIX: 'ataa' })).toBe('ataa');
  });

  it('runs every job while the master of the queue keys fails over: none lost, none failed', async () => {
    const settings = { REDIS_URL: cluster.url, QUEUE_PREFIX: 'ataa-cluster-jobs' };
    const prefix = queuePrefixOf(settings);
    const queue = new Queue('notifications', { connection: bullConnection(settings), prefix });
    const events = new QueueEvents('notifications', { connection: bullConnection(settings), prefix });
    const processed = new Map<string, number>();
    const worker = new Worker('notifications', async (job: Job<{ outboxId: string }>) => {
      processed.set(job.data.outboxId, (processed.get(job.data.outboxId) ?? 0) + 1);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }, { connection: bullConnection(settings), prefix, concurrency: 4 });
    const failed: string[] = [];
    worker.on('failed', (job) => failed.push(job?.id ?? '?'));
    // A connection dropped in the failover (BullMQ reconnects): nothing to do but not crash.
    worker.on('error', () => undefined);
    events.on('error', () => undefined);
    closers.push(() => queue.close(), () => events.close(), () => worker.close());
    await Promise.all([queue.waitUntilReady(), events.waitUntilReady(), worker.waitUntilReady()]);

    const add = (from: number, to: number) => queue.addBulk(Array.from({ length: to - from + 1 }, (_, i) => ({
      name: 'notifications', data: { outboxId: `outbox-${from + i}` }, opts: { jobId: `outbox-${from + i}`, attempts: 5, backoff: { type: 'fixed', delay: 200 } },
    })));
    await add(1, 150);
    await until(() => processed.size >= 40);
    // Every key of the queue is in the slot of the hash tag: that master goes.
    const { from, to } = await cluster.failoverMasterOf(prefix);
    expect(to).not.toBe(from);
    expect(await cluster.masterOf(prefix)).toBe(to);
    await add(151, 200);
    await until(async () => (await queue.getJobCounts('completed')).completed === 200, 60_000);

    expect([...processed.keys()].sort()).toEqual(Array.from({ length: 200 }, (_, i) => `outbox-${i + 1}`).sort());
    expect(failed).toEqual([]);
    expect(await queue.getJobCounts('waiting', 'active', 'delayed', 'failed')).toEqual({ waiting: 0, active: 0, delayed: 0, failed: 0 });
  }, 180_000);

  it('stops the boot with one line naming the setting when the cluster setting names a lone server', async () => {
    const log: string[] = [];
    const loneServer = `redis+cluster://${new URL(TEST_REDIS_URL).host}`;
    const refused = await waitForRedis({ REDIS_URL: loneServer }, (m) => log.push(m)).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(DependencyMisconfiguredError);
    expect((refused as Error).message).toBe(`Configuration error: REDIS_URL names ${new URL(TEST_REDIS_URL).host}, which is not a Redis Cluster node (cluster support is disabled there)`);
    expect(log).toEqual([]); // no retrying: waiting would not fix it

    const viaList = await waitForRedis({ REDIS_URL: 'redis://127.0.0.1:6379', REDIS_CLUSTER_NODES: [cluster.nodeList.split(',')[0], new URL(TEST_REDIS_URL).host] }, () => undefined).catch((error: unknown) => error);
    expect((viaList as Error).message).toBe(`Configuration error: REDIS_CLUSTER_NODES names ${new URL(TEST_REDIS_URL).host}, which is not a Redis Cluster node (cluster support is disabled there)`);
  });

  it('stops the boot with one line when a plain REDIS_URL points at one node of a cluster', async () => {
    const node = `redis://127.0.0.1:${cluster.ports[0]}`;
    const refused = await waitForRedis(node, () => undefined).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(DependencyMisconfiguredError);
    expect((refused as Error).message).toBe(`Configuration error: REDIS_URL ${node} is a node of a Redis Cluster; name the cluster with a redis+cluster:// REDIS_URL or REDIS_CLUSTER_NODES`);
  });

  it('waits (does not refuse) while no node of the cluster answers', async () => {
    const log: string[] = [];
    const unreachable = await waitForRedis('redis+cluster://127.0.0.1:7199', (m) => log.push(m), { timeoutMs: 600, initialDelayMs: 100, probeTimeoutMs: 300 }).catch((error: unknown) => error);
    expect(unreachable).not.toBeInstanceOf(DependencyMisconfiguredError);
    expect((unreachable as Error).message).toMatch(/^Redis Cluster at 127\.0\.0\.1:7199 \(REDIS_URL\) is still unreachable after [\d.]+s and \d+ attempts \(ECONNREFUSED\); giving up$/);
    expect(log[0]).toMatch(/is unreachable \(ECONNREFUSED\); retrying/);
  });

  it('a client made for one server stays one (no cluster configured)', () => {
    const client = createRedisClient(TEST_REDIS_URL, { lazyConnect: true });
    expect(client).not.toBeInstanceOf(Cluster);
    client.disconnect();
  });
});

async function until(check: () => boolean | Promise<boolean>, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
