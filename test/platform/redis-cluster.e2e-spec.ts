import { jest } from '@jest/globals';
import { INestApplicationContext } from '@nestjs/common';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Cluster } from 'ioredis';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { NotificationsRepository, OutboxService } from '@ataa/notifications';
import { createRedisClient, queuePrefixOf, scanTargetsOf } from '@ataa/queue';
import {
  createTestEnvironment, setAuthRateLimits, SmtpSink, startRedisCluster, startSmtpSink, startTestApi, startTestWorker, TestEnvironment, TestRedisCluster, uniqueEmail, within,
} from '@ataa/testing';
import { settleGift, TEST_TABLES_DDL, TestReceiptDataSourceModule } from '../notifications/test-receipt-data-source.js';

jest.setTimeout(120_000);

const ORG = '00000023-0000-4000-8000-000000000002';

/**
 * Issue 23, item 2: the real API and worker on a real six-node Redis Cluster (3 masters, 3
 * replicas; ports 7120–7135), configured by REDIS_URL=redis+cluster://… only. The rate limits
 * count in the cluster, receipts go outbox → BullMQ → worker → SMTP through it, and the master
 * holding the deployment's keys fails over (CLUSTER FAILOVER on its replica) in the middle of a
 * run: every receipt is still sent exactly once, and the limits still count.
 */
describe('the platform on a Redis Cluster: rate limits and receipts, through a master failover', () => {
  let cluster: TestRedisCluster;
  let env: TestEnvironment;
  let sink: SmtpSink;
  let api: NestFastifyApplication;
  let worker: INestApplicationContext;
  let dataSource: DataSource;
  let outbox: OutboxService;
  let inspector: Cluster;
  let keyPrefix: string;

  const login = (ip: string) => request(api.getHttpServer()).post('/api/v1/auth/login').set('x-forwarded-for', ip).send({ email: uniqueEmail('nobody'), password: 'not the password!' });
  const gift = (n: number) => settleGift(dataSource, outbox, { id: `cluster_${n}`, organizationId: ORG, donorEmail: `donor${n}@example.org`, amount: 1500n, currency: 'usd' });

  beforeAll(async () => {
    [cluster, sink] = await Promise.all([startRedisCluster({ basePort: 7120 }), startSmtpSink()]);
    env = await createTestEnvironment({ REDIS_URL: cluster.url });
    keyPrefix = queuePrefixOf(env.config);
    api = await startTestApi(env.config);
    setAuthRateLimits(api, { loginFailuresPerIp: { limit: 3, windowSeconds: 600 } });
    worker = await startTestWorker(env.configWith({ SMTP_URL: sink.url }), { imports: [TestReceiptDataSourceModule] });
    dataSource = worker.get(DataSource);
    await dataSource.query(TEST_TABLES_DDL);
    outbox = worker.get(OutboxService, { strict: false });
    inspector = createRedisClient(cluster.url) as Cluster;
  }, 180_000);
  afterAll(async () => {
    inspector?.disconnect();
    // Bounded, as other teardowns are (within): a client still reconnecting after the failovers must not hang the file.
    await within('worker.close', () => worker?.close() ?? Promise.resolve());
    await within('api.close', () => api?.close() ?? Promise.resolve());
    await within('sink.close', () => sink?.close() ?? Promise.resolve());
    await env?.cleanup();
    await cluster?.stop();
  }, 120_000);

  it('is configured as a cluster: hash-tagged prefix, ready check up', async () => {
    expect(keyPrefix).toBe(`{${env.queuePrefix}}`);
    const ready = await request(api.getHttpServer()).get('/health/ready');
    expect(ready.status).toBe(200);
  });

  it('counts the rate limits in the cluster: the limit holds, another address is not affected', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await login('203.0.113.23')).status);
    // limit 3 failures per address: three 401s, then 429s
    expect(statuses).toEqual([401, 401, 401, 429, 429]);
    expect((await login('203.0.113.24')).status).toBe(401);
    const keys = (await Promise.all((await scanTargetsOf(inspector)).map((node) => node.keys(`${keyPrefix}:ratelimit:*`)))).flat();
    expect(keys.length).toBeGreaterThan(0);
  });

  it('sends every receipt exactly once while the master of the deployment\'s keys fails over', async () => {
    for (let n = 1; n <= 4; n++) await gift(n);
    await sink.waitForMessages(4, 60_000);

    const { from, to } = await cluster.failoverMasterOf(keyPrefix);
    expect(await cluster.masterOf(keyPrefix)).toBe(to);
    expect(to).not.toBe(from);
    for (let n = 5; n <= 10; n++) await gift(n);
    await sink.waitForMessages(10, 60_000);

    const repository = worker.get(NotificationsRepository, { strict: false });
    for (let i = 0; i < 100 && (await repository.backlog()).unfinished > 0; i++) await new Promise((r) => setTimeout(r, 200));
    expect((await repository.backlog()).unfinished).toBe(0);
    const recipients = sink.messages.flatMap((m) => m.envelope.to).sort();
    expect(recipients).toEqual(Array.from({ length: 10 }, (_, i) => `donor${i + 1}@example.org`).sort());

    // The rate limits count on the new master too.
    const after: number[] = [];
    for (let i = 0; i < 4; i++) after.push((await login('203.0.113.25')).status);
    expect(after).toEqual([401, 401, 401, 429]);
  }, 240_000);
});
