import { jest } from '@jest/globals';
import { INestApplicationContext } from '@nestjs/common';
import { getQueueToken } from '@nestjs/bullmq';
import { Queue } from 'bullmq';
import pg from 'pg';
import { DataSource } from 'typeorm';
import { OutboxService } from '@ataa/notifications';
import { bullConnection, QUEUES } from '@ataa/queue';
import { createTestEnvironment, SmtpSink, startSmtpSink, startTestWorker, TEST_REDIS_URL, TestEnvironment, within } from '@ataa/testing';
import { startTcpProxy, TcpProxy } from './tcp-proxy.js';
import { NotificationsProcessor } from '../../apps/worker/src/notifications/notifications.processor.js';
import { settleGift, TEST_TABLES_DDL, TestReceiptDataSourceModule } from './test-receipt-data-source.js';

jest.setTimeout(300_000);

const ORG = '0000000e-0000-4000-8000-000000000000';
const DONOR = 'killed-worker@example.org';

/**
 * A worker dies right after the SMTP server accepted a receipt and before it recorded the send:
 * real BullMQ on Redis, real PostgreSQL, a real SMTP server, two worker apps.
 *
 * The first worker reaches Redis and PostgreSQL only through TCP proxies. The SMTP server keeps
 * the message and, before it answers 250, the test cuts both proxies: from then on that worker can
 * neither renew its job lock nor record anything, which is all Redis and PostgreSQL see of a
 * SIGKILLed process (its connections close; its open transactions roll back).
 *
 * What the design promises (section 9; ReceiptDeliveryService): one receipt per gift, numbered
 * once. The receipt row, its number and its Message-ID are written before sending, and the send
 * lease (RECEIPT_SEND_LEASE_SECONDS) keeps a second worker off it while the first may still be
 * sending. A crash between "accepted" and "recorded" therefore costs at most one duplicate e-mail,
 * and that duplicate is the SAME receipt: same number, same Message-ID, so mail systems and the
 * donor can recognise it. Never a second number, never a gap.
 *
 * Short settings keep the test quick: a 4 s job lock, a stalled check every 0.5 s, a 2 s lease. The
 * lock is no shorter: on a loaded machine (three Jest workers, load 10) a 1 s lock lapsed while the
 * first worker was still alive and starved of CPU, its own stalled check put the job back, and the
 * second pick of the job met the send lease and was delayed before the kill the test stages.
 */
describe('a worker killed after the SMTP server took a receipt (BullMQ, Redis, PostgreSQL, SMTP)', () => {
  let env: TestEnvironment;
  let sink: SmtpSink;
  let redisProxy: TcpProxy;
  let pgProxy: TcpProxy;
  let doomed: INestApplicationContext;
  let survivor: INestApplicationContext | undefined;
  let queue: Queue;
  let db: pg.Client;

  const settings = {
    RECEIPT_SEND_LEASE_SECONDS: '2',
    NOTIFICATIONS_JOB_LOCK_MS: '4000',
    NOTIFICATIONS_STALLED_INTERVAL_MS: '500',
  };
  const eventually = async <T>(what: string, probe: () => Promise<T | undefined | null | false>): Promise<T> => {
    for (let i = 0; i < 400; i++) {
      const value = await probe();
      if (value) return value;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`timed out waiting for ${what}`);
  };

  beforeAll(async () => {
    // Expected here, and only noise: the cut-off worker's refused reconnections, and its stale job token refused once it is back.
    const print = console.error.bind(console);
    jest.spyOn(console, 'error').mockImplementation((...args: unknown[]) => {
      const first = args[0] as { code?: string; message?: string } | undefined;
      if (first?.code === 'ECONNREFUSED' || /ECONNREFUSED|Connection is closed|Missing lock for job/.test(String(first?.message ?? first))) return;
      print(...args);
    });
    env = await createTestEnvironment();
    sink = await startSmtpSink();
    const redis = new URL(TEST_REDIS_URL);
    redisProxy = await startTcpProxy({ host: redis.hostname, port: Number(redis.port || 6379) });
    const database = new URL(env.database.url);
    pgProxy = await startTcpProxy({ host: database.hostname, port: Number(database.port || 5432) });
    const throughProxy = new URL(env.database.url);
    throughProxy.port = String(pgProxy.port);

    const common = { ...settings, SMTP_URL: sink.url, MAIL_FROM: 'Ataa Receipts <receipts@ataa.test>' };
    doomed = await startTestWorker(env.configWith({ ...common, REDIS_URL: redisProxy.url, DATABASE_URL: throughProxy.toString() }), { imports: [TestReceiptDataSourceModule] });
    await doomed.get(DataSource).query(TEST_TABLES_DDL);
    db = new pg.Client({ connectionString: env.database.url });
    await db.connect();
    queue = new Queue(QUEUES.notifications, { connection: bullConnection(TEST_REDIS_URL), prefix: env.queuePrefix });
  });
  afterAll(async () => {
    // Reconnect the cut-off worker so that it can shut down (its stale job token changes nothing
    // now): closed while its Redis clients were still reconnecting, it hung in our runs.
    await survivor?.close();
    await redisProxy?.up();
    await pgProxy?.up();
    if (doomed) {
      // Bounded: its database connections go with the database (DROP ... FORCE) if it never settles.
      await within('the cut-off worker reconnecting', () => doomed.get<Queue>(getQueueToken(QUEUES.notifications), { strict: false }).count());
      await within('the cut-off worker stopping its job', () => doomed.get(NotificationsProcessor, { strict: false }).worker.close(true));
      await within('the cut-off worker closing', () => doomed.close());
    }
    await queue?.close();
    await db?.end();
    await redisProxy?.close();
    await pgProxy?.close();
    await sink?.close();
    await env?.cleanup();
    jest.restoreAllMocks();
  });

  it('the stalled job is taken over after the lock and the lease lapse: one receipt number, one Message-ID', async () => {
    let killedAt = 0;
    sink.beforeReplyAfterData(DONOR, async () => {
      // The message is stored; the worker has not heard "250" yet. It dies now.
      await Promise.all([redisProxy.down(), pgProxy.down()]);
      killedAt = Date.now();
    });
    const outboxId = await settleGift(doomed.get(DataSource), doomed.get(OutboxService, { strict: false }), {
      id: 'gift_killed', organizationId: ORG, donorEmail: DONOR, amount: 4200n, currency: 'usd',
    });
    await eventually('the first e-mail and the kill', async () => killedAt > 0 && sink.messages.length >= 1);

    // What the dead worker left: the job still active in Redis under its lapsing lock, the receipt
    // numbered, claimed (lease running) and not recorded as sent, the outbox row unfinished.
    expect(await queue.getJobState(outboxId)).toBe('active');
    const [left] = (await db.query(`SELECT status, sent_at, attempts, receipt_number, message_id, sending_until > now() AS leased FROM receipts WHERE donation_id = 'gift_killed'`)).rows;
    expect(left).toMatchObject({ status: 'pending', sent_at: null, attempts: 1, leased: true });
    expect((await db.query(`SELECT status FROM outbox WHERE id = $1`, [outboxId])).rows[0].status).toBe('pending');

    // A new worker: its stalled check finds the job without a live lock and puts it back; the
    // delivery waits out the dead worker's send lease (retrying with backoff), then sends again.
    survivor = await startTestWorker(env.configWith({ ...settings, SMTP_URL: sink.url, MAIL_FROM: 'Ataa Receipts <receipts@ataa.test>' }), { imports: [TestReceiptDataSourceModule] });
    const job = await eventually('the job completed by the new worker', async () => {
      // Read the job again once it is completed: the copy read before the check may predate its return value.
      const found = await queue.getJob(outboxId);
      return (await found?.isCompleted()) ? queue.getJob(outboxId) : null;
    });
    expect(job?.returnvalue).toBe('sent');
    expect(job?.stalledCounter).toBe(1);

    const [receipt] = (await db.query(`SELECT status, sent_at, attempts, receipt_number, message_id FROM receipts WHERE donation_id = 'gift_killed'`)).rows;
    expect(receipt).toMatchObject({ status: 'sent', attempts: 2, receipt_number: left.receipt_number, message_id: left.message_id });
    expect((await db.query(`SELECT count(*)::int AS n FROM receipts WHERE donation_id = 'gift_killed'`)).rows[0].n).toBe(1);
    expect((await db.query(`SELECT last_number FROM receipt_counters WHERE organization_id = $1`, [ORG])).rows[0].last_number).toBe(1);
    expect((await db.query(`SELECT status FROM outbox WHERE id = $1`, [outboxId])).rows[0].status).toBe('sent');

    // The sink got the receipt twice (the dead worker's and the retry): the same receipt both times.
    const mails = sink.messages.filter((m) => m.envelope.to.includes(DONOR));
    expect(mails).toHaveLength(2);
    expect(new Set(mails.map((m) => m.parsed.messageId))).toEqual(new Set([left.message_id]));
    expect(new Set(mails.map((m) => m.parsed.headers.get('x-ataa-receipt-number')))).toEqual(new Set([left.receipt_number]));
    expect(left.receipt_number).toBe('R-2026-000001');
  });
});
