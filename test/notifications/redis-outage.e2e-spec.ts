import { jest } from '@jest/globals';
import { createCampaign, createOrganizationWithOwner, SmtpSink, startSmtpSink, TEST_REDIS_URL } from '@ataa/testing';
import { DonationWorld, eventually, startDonationWorld, startGift } from '../donations/donation-test-kit.js';
import { startTcpProxy, TcpProxy } from './tcp-proxy.js';

jest.setTimeout(120_000);

/**
 * Redis goes away while donors pay: Stripe's webhooks are still acknowledged at once (the inbox is
 * PostgreSQL), nothing settles or sends while the queues are unreachable, and once Redis is back
 * every gift settles and its donor gets exactly one receipt, numbered without gaps.
 */
describe('Redis down while gifts are paid (real API, worker, sandbox webhooks, PostgreSQL, SMTP)', () => {
  let sink: SmtpSink;
  let proxy: TcpProxy;
  let world: DonationWorld;

  beforeAll(async () => {
    // BullMQ reports each refused reconnection on console.error: expected here, and only noise.
    const print = console.error.bind(console);
    jest.spyOn(console, 'error').mockImplementation((...args: unknown[]) => {
      const first = args[0] as { code?: string; message?: string } | undefined;
      if (first?.code === 'ECONNREFUSED' || /ECONNREFUSED|Connection is closed/.test(String(first?.message ?? first))) return;
      print(...args);
    });
    sink = await startSmtpSink();
    const redis = new URL(TEST_REDIS_URL);
    proxy = await startTcpProxy({ host: redis.hostname, port: Number(redis.port || 6379) });
    // API and worker reach Redis only through the proxy: taking it down is a Redis outage for them.
    world = await startDonationWorld({ env: { SMTP_URL: sink.url, REDIS_URL: proxy.url } });
  });
  afterAll(async () => {
    await proxy?.up(); // let BullMQ close cleanly
    await world?.close();
    await proxy?.close();
    await sink?.close();
    jest.restoreAllMocks();
  });

  it('acknowledges webhooks during the outage, then settles and sends each receipt exactly once', async () => {
    const org = await createOrganizationWithOwner(world.api, { name: 'Outage Relief' });
    const campaign = await createCampaign(world.api, org, { title: 'Through the outage', currency: 'eur' });
    const donors = [1, 2, 3, 4].map((n) => `outage-${n}@example.org`);
    const gifts = [];
    for (const email of donors) gifts.push(await startGift(world, campaign.slug, { amount: 'other', customAmount: '12.00', donorEmail: email }));

    await proxy.down();
    await world.sandbox.control.clearWebhookAttempts();
    for (const gift of gifts) expect((await world.sandbox.control.paySession(gift.sessionId)).ok).toBe(true);
    // Every webhook is acknowledged with a 2xx on its first attempt: the webhook path does not wait for Redis.
    await world.sandbox.control.waitForWebhooks(30_000);
    const attempts = await world.sandbox.control.webhookAttempts();
    expect(attempts.length).toBeGreaterThanOrEqual(gifts.length);
    expect(attempts.filter((a) => !a.ok || a.attempt !== 1)).toEqual([]);
    const [{ stored }] = await world.db.query(`SELECT count(*)::int AS stored FROM stripe_events WHERE type = 'checkout.session.completed'`);
    expect(stored).toBe(gifts.length);
    // Nothing can be processed or sent while Redis is away.
    await new Promise((resolve) => setTimeout(resolve, 3000));
    expect(sink.messages).toHaveLength(0);

    await proxy.up();
    await eventually(async () => donors.every((email) => sink.messages.some((m) => m.envelope.to.includes(email))), 'a receipt for every donor', 90_000);
    // Let any duplicate show up: wait until every outbox message is finished, then count.
    await eventually(async () => (await world.db.query(`SELECT count(*)::int AS n FROM outbox WHERE finished_at IS NULL`))[0].n === 0, 'the outbox to drain', 30_000);
    for (const email of donors) expect(sink.messages.filter((m) => m.envelope.to.includes(email))).toHaveLength(1);
    const numbers = sink.messages.map((m) => m.parsed.headers.get('x-ataa-receipt-number')).sort();
    const year = new Date().getUTCFullYear();
    expect(numbers).toEqual([1, 2, 3, 4].map((n) => `R-${year}-00000${n}`));
    const rows = await world.db.query(`SELECT status FROM donations WHERE id = ANY($1::uuid[])`, [gifts.map((g) => g.donationId)]);
    expect(rows.map((r: { status: string }) => r.status)).toEqual(['succeeded', 'succeeded', 'succeeded', 'succeeded']);
  });
});
