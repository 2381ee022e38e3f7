import { INestApplicationContext } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { NotificationsRepository, OutboxService } from '@ataa/notifications';
import { createTestEnvironment, SmtpSink, startSmtpSink, startTestWorker, TEST_REDIS_URL, TestEnvironment } from '@ataa/testing';
import { startTcpProxy, TcpProxy } from './tcp-proxy.js';
import { settleGift, TEST_TABLES_DDL, TestReceiptDataSourceModule } from './test-receipt-data-source.js';

const ORG = '0000000c-0000-4000-8000-000000000000';

describe('outbox relay: Redis going away delays receipts, never loses or duplicates them', () => {
  let env: TestEnvironment;
  let sink: SmtpSink;
  let proxy: TcpProxy;
  let worker: INestApplicationContext;
  let dataSource: DataSource;
  let outbox: OutboxService;

  beforeAll(async () => {
    env = await createTestEnvironment();
    sink = await startSmtpSink();
    const redis = new URL(TEST_REDIS_URL);
    proxy = await startTcpProxy({ host: redis.hostname, port: Number(redis.port || 6379) });
    worker = await startTestWorker(env.configWith({ SMTP_URL: sink.url, REDIS_URL: proxy.url }), { imports: [TestReceiptDataSourceModule] });
    dataSource = worker.get(DataSource);
    await dataSource.query(TEST_TABLES_DDL);
    outbox = worker.get(OutboxService, { strict: false });
  });
  afterAll(async () => {
    await proxy?.up(); // let BullMQ close cleanly
    await worker?.close();
    await proxy?.close();
    await sink?.close();
    await env?.cleanup();
  });

  it('relays settled gifts to the queue and sends each receipt once', async () => {
    for (let i = 1; i <= 3; i++) await settleGift(dataSource, outbox, { id: `before_${i}`, organizationId: ORG, donorEmail: `before${i}@example.org`, amount: 1000n * BigInt(i), currency: 'usd' });
    await sink.waitForMessages(3);
    const rows = await dataSource.query(`SELECT status, relayed_at FROM outbox`);
    expect(rows.every((r: { relayed_at: Date | null }) => r.relayed_at !== null)).toBe(true);
  }, 30_000);

  it('keeps settling while Redis is down, reports the backlog, and delivers everything exactly once when it returns', async () => {
    await proxy.down();
    // Settlement does not touch Redis: these transactions commit while it is unreachable.
    for (let i = 1; i <= 4; i++) await settleGift(dataSource, outbox, { id: `during_${i}`, organizationId: ORG, donorEmail: `during${i}@example.org`, amount: 700n, currency: 'eur' });
    const repository = worker.get(NotificationsRepository, { strict: false });
    // Let relay passes run into the outage (each gives up after 3 s and rolls back).
    await new Promise((r) => setTimeout(r, 4000));
    const backlog = await repository.backlog();
    expect(backlog).toMatchObject({ unrelayed: 4, unfinished: 4 });
    expect(sink.messages).toHaveLength(3);

    await proxy.up();
    await sink.waitForMessages(7, 45_000);
    // Give any duplicate a chance to show up before counting: wait until every outbox row is finished.
    for (let i = 0; i < 100 && (await repository.backlog()).unfinished > 0; i++) await new Promise((r) => setTimeout(r, 200));
    expect((await repository.backlog()).unfinished).toBe(0);

    const recipients = sink.messages.flatMap((m) => m.envelope.to).sort();
    expect(recipients).toEqual([
      'before1@example.org', 'before2@example.org', 'before3@example.org',
      'during1@example.org', 'during2@example.org', 'during3@example.org', 'during4@example.org',
    ]);
    const numbers = sink.messages.map((m) => m.parsed.headers.get('x-ataa-receipt-number')).sort();
    expect(numbers).toEqual([1, 2, 3, 4, 5, 6, 7].map((n) => `R-2026-00000${n}`));
  }, 90_000);
});
