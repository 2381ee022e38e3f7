import { jest } from '@jest/globals';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { AppConfig } from '@ataa/config';
import { TransactionRunner } from '@ataa/database';
import { MetricsService } from '@ataa/observability';
import { StripeEventInbox } from '@ataa/payments';
import { createCampaign, createOrganizationWithOwner, createTestEnvironment, startTestApi, TEST_REDIS_URL, TestEnvironment } from '@ataa/testing';
import { RateLimitRecords } from './persistence/rate-limit-records.js';
import { RetentionRepository } from './persistence/retention.repository.js';
import { RetentionService } from './retention.service.js';

jest.setTimeout(60_000);

const DAY = 86_400_000;
const ago = (days: number) => new Date(Date.now() - days * DAY);

/**
 * Each retention rule against PostgreSQL (and Redis for rate-limit records): what is past its
 * period goes, what is young or still referred to stays, and a second run removes nothing more.
 * Periods are the defaults: checkout 30 days, webhook payloads 30, IP 7, mail bodies 90, export requests 30.
 */
describe('retention job (PostgreSQL + Redis)', () => {
  let env: TestEnvironment;
  let app: NestFastifyApplication;
  let db: DataSource;
  let redis: Redis;
  let retention: RetentionService;
  let records: RateLimitRecords;
  let org: Awaited<ReturnType<typeof createOrganizationWithOwner>>;
  let campaignId: string;

  beforeAll(async () => {
    env = await createTestEnvironment();
    app = await startTestApi(env.config);
    db = app.get(DataSource);
    redis = new Redis(TEST_REDIS_URL);
    records = new RateLimitRecords(app.get(AppConfig));
    retention = new RetentionService(app.get(TransactionRunner), new RetentionRepository(), records, app.get(MetricsService), app.get(AppConfig));
    org = await createOrganizationWithOwner(app);
    campaignId = (await createCampaign(app, org)).id;
  });
  afterAll(async () => {
    records?.onModuleDestroy();
    redis?.disconnect();
    await app?.close();
    await env?.cleanup();
  });

  const rule = (name: string) => retention.rules.find((r) => r.name === name)!;
  const run = async (name: string) => (await retention.runRule(rule(name))).purged;

  async function donation(status: string, createdDaysAgo: number, extra: { session?: string; charge?: string; leaf?: number } = {}): Promise<string> {
    const id = randomUUID();
    await db.query(
      `INSERT INTO donations (id, campaign_id, organization_id, status, currency, amount, chosen_amount, platform_fee_bps, donor_name, donor_email, public_message,
                              stripe_checkout_session_id, stripe_charge_id, public_leaf_index, created_at, settled_at)
       VALUES ($1, $2, $3, $4, 'usd', 5000, 5000, 200, 'Layla', 'layla@example.org', 'For the well', $5, $6, $7, $8, $9)`,
      [id, campaignId, org.orgId, status, extra.session ?? `cs_test_${id.slice(0, 8)}`, extra.charge ?? null, extra.leaf ?? null, ago(createdDaysAgo),
        status === 'succeeded' ? ago(createdDaysAgo) : null],
    );
    return id;
  }
  const exists = async (id: string) => (await db.query(`SELECT 1 FROM donations WHERE id = $1`, [id])).length === 1;

  it('checkout sessions: deletes old unpaid gifts nothing refers to, keeps young, paid and referenced ones; a rerun deletes nothing', async () => {
    const oldExpired = await donation('expired', 40);
    const oldFailed = await donation('failed', 31);
    const oldPending = await donation('pending', 45);
    const young = await donation('expired', 10);
    const paid = await donation('succeeded', 400, { charge: 'ch_paid_1', leaf: 0 });
    // An unpaid gift a journal entry refers to (by its charge id): the ledger's data is never deleted.
    const inLedger = await donation('failed', 60, { charge: 'ch_in_ledger' });
    await db.transaction(async (m) => {
      await m.query(`SET LOCAL session_replication_role = replica`); // one entry without postings, only for this reference
      await m.query(`INSERT INTO journal_entries (kind, source_id, campaign_id, currency, occurred_at, metadata) VALUES ('donation', 'ch_in_ledger', $1, 'usd', now(), $2)`,
        [campaignId, JSON.stringify({ donation_id: inLedger })]);
    });
    // A pending gift whose Stripe event still waits in the inbox (or is dead-lettered): it may yet be paid.
    const awaited = await donation('pending', 50, { session: 'cs_test_awaited' });
    await db.query(`INSERT INTO stripe_events (id, type, object_id, stripe_created_at, payload, received_at, dead_lettered_at, last_error, attempts)
                    VALUES ('evt_awaited', 'checkout.session.completed', 'cs_test_awaited', now(), '{}', now(), now(), 'boom', 8)`);

    expect(await run('checkout_sessions')).toBe(3);
    for (const id of [oldExpired, oldFailed, oldPending]) expect(await exists(id)).toBe(false);
    for (const id of [young, paid, inLedger, awaited]) expect(await exists(id)).toBe(true);
    expect(await run('checkout_sessions')).toBe(0);
  });

  it('works in bounded batches until nothing is left', async () => {
    const ids = await Promise.all(Array.from({ length: 7 }, () => donation('expired', 35)));
    const small = new RetentionService(app.get(TransactionRunner), new RetentionRepository(), records, app.get(MetricsService),
      Object.assign(Object.create(app.get(AppConfig)), { RETENTION_BATCH_SIZE: 3 }) as AppConfig);
    const batches: number[] = [];
    const checkout = small.rules.find((r) => r.name === 'checkout_sessions')!;
    const counted = { ...checkout, purge: async (...args: Parameters<typeof checkout.purge>) => { const n = await checkout.purge(...args); batches.push(n); return n; } };
    expect((await small.runRule(counted)).purged).toBe(7);
    expect(batches).toEqual([3, 3, 1, 0]);
    for (const id of ids) expect(await exists(id)).toBe(false);
  });

  it('webhook payloads: nulls the payload of events processed before the cutoff; keeps young, unprocessed and dead-lettered ones; redelivery still dedupes', async () => {
    const insert = (id: string, processedDaysAgo: number | null, deadLettered = false) => db.query(
      `INSERT INTO stripe_events (id, type, object_id, stripe_created_at, payload, received_at, processed_at, outcome, dead_lettered_at, attempts)
       VALUES ($1, 'charge.succeeded', 'ch_x', now(), $2, now(), $3, $4, $5, 1)`,
      [id, JSON.stringify({ id, object: 'event', data: { object: { billing_details: { email: 'layla@example.org' } } } }),
        processedDaysAgo === null ? null : ago(processedDaysAgo), processedDaysAgo === null ? null : 'posted', deadLettered ? new Date() : null]);
    await insert('evt_old_processed', 31);
    await insert('evt_young_processed', 5);
    await insert('evt_waiting', null);
    await insert('evt_dead', null, true);
    expect(await run('webhook_payloads')).toBe(1);
    const rows: { id: string; payload: unknown; type: string; processed_at: Date | null }[] = await db.query(
      `SELECT id, payload, type, processed_at FROM stripe_events WHERE id LIKE 'evt\\_%' AND id <> 'evt_awaited' ORDER BY id`);
    const byId = Object.fromEntries(rows.map((r) => [r.id, r]));
    expect(byId.evt_old_processed.payload).toBeNull();
    expect(byId.evt_old_processed.type).toBe('charge.succeeded');
    expect(byId.evt_old_processed.processed_at).not.toBeNull();
    for (const id of ['evt_young_processed', 'evt_waiting', 'evt_dead']) expect(byId[id].payload).not.toBeNull();
    // An unprocessed event can never lose its payload.
    await expect(db.query(`UPDATE stripe_events SET payload = NULL WHERE id = 'evt_waiting'`)).rejects.toThrow(/stripe_events_payload_until_processed/);
    // Stripe delivering the purged event again: recognised as already stored and processed, nothing to do.
    const again = await app.get(StripeEventInbox).receive({ id: 'evt_old_processed', type: 'charge.succeeded', created: 1, data: { object: { id: 'ch_x' } } } as never);
    expect(again).toEqual({ stored: false, pending: false });
    expect((await db.query(`SELECT payload FROM stripe_events WHERE id = 'evt_old_processed'`))[0].payload).toBeNull();
    expect(await run('webhook_payloads')).toBe(0);
  });

  it('mail bodies: removes the recipient and payload of messages delivered before the cutoff; keeps young, pending and invitation ones', async () => {
    const message = async (kind: string, finishedDaysAgo: number | null, withReceipt: boolean) => {
      const outboxId = randomUUID();
      await db.query(
        `INSERT INTO outbox (id, kind, aggregate_id, dedupe_key, payload, status, finished_at, last_error) VALUES ($1, $2, $3, NULL, $4, $5, $6, $7)`,
        [outboxId, kind, randomUUID(), JSON.stringify({ donationId: 'x', language: 'ar' }), finishedDaysAgo === null ? 'pending' : 'sent',
          finishedDaysAgo === null ? null : ago(finishedDaysAgo), finishedDaysAgo === null ? null : '451 try later <layla@example.org>'],
      );
      if (withReceipt) {
        await db.query(
          `INSERT INTO receipts (outbox_id, kind, organization_id, donation_id, aggregate_id, year, sequence, receipt_number, recipient, locale, message_id, status, sent_at)
           VALUES ($1, 'refund_notice', $2, $3, $3, 2030, NULL, NULL, 'layla@example.org', 'en', $4, $5, $6)`,
          [outboxId, org.orgId, randomUUID(), `<${outboxId}@ataa.test>`, finishedDaysAgo === null ? 'pending' : 'sent', finishedDaysAgo === null ? null : ago(finishedDaysAgo)],
        );
      }
      return outboxId;
    };
    const old = await message('refund_notice', 91, true);
    const young = await message('refund_notice', 30, true);
    const pending = await message('refund_notice', null, true);
    const invitation = await message('invitation', 200, false);
    expect(await run('mail_bodies')).toBe(2); // the old receipt row and its outbox row
    const state = async (id: string) => (await db.query(
      `SELECT o.payload, o.last_error, r.recipient FROM outbox o LEFT JOIN receipts r ON r.outbox_id = o.id WHERE o.id = $1`, [id]))[0];
    expect(await state(old)).toEqual({ payload: {}, last_error: null, recipient: null });
    expect((await state(young)).recipient).toBe('layla@example.org');
    expect((await state(pending)).recipient).toBe('layla@example.org');
    expect((await state(invitation)).payload).toEqual({ donationId: 'x', language: 'ar' });
    // A receipt still to be sent always keeps its recipient.
    await expect(db.query(`UPDATE receipts SET recipient = NULL WHERE outbox_id = $1`, [pending])).rejects.toThrow(/receipts_recipient_until_sent/);
    expect(await run('mail_bodies')).toBe(0);
  });

  it('export requests: deletes those whose link expired before the cutoff, keeps the others', async () => {
    const request = async (expiredDaysAgo: number) => {
      const id = randomUUID();
      await db.query(`INSERT INTO data_export_requests (id, email, nonce, requested_at, expires_at) VALUES ($1, 'layla@example.org', $2, $3, $4)`,
        [id, 'c'.repeat(32), ago(expiredDaysAgo + 1), ago(expiredDaysAgo)]);
      return id;
    };
    const old = await request(31);
    const young = await request(2);
    expect(await run('export_requests')).toBe(1);
    const left = (await db.query(`SELECT id FROM data_export_requests`)).map((r: { id: string }) => r.id);
    expect(left).toContain(young);
    expect(left).not.toContain(old);
    expect(await run('export_requests')).toBe(0);
  });

  it('sign-in tokens: deletes account links, two-factor challenges and operator sessions expired before the cutoff, keeps the others', async () => {
    const [{ id: userId }] = await db.query(`SELECT id FROM users WHERE email = $1`, [org.ownerEmail]);
    const [{ id: operatorId }] = await db.query(`INSERT INTO operators (email, password_hash) VALUES ($1, 'x') RETURNING id`, [`op-${randomUUID()}@example.org`]);
    const hash = () => randomUUID().replace(/-/g, '').padEnd(64, '0');
    const rows = async (expiredDaysAgo: number) => {
      const expires = ago(expiredDaysAgo);
      const created = ago(expiredDaysAgo + 1);
      const token = randomUUID();
      await db.query(`INSERT INTO account_tokens (id, user_id, purpose, email, token_hash, created_at, expires_at) VALUES ($1, $2, 'password_reset', $3, $4, $5, $6)`,
        [token, userId, org.ownerEmail, hash(), created, expires]);
      const [{ id: challenge }] = await db.query(`INSERT INTO sign_in_challenges (user_id, token_hash, created_at, expires_at) VALUES ($1, $2, $3, $4) RETURNING id`,
        [userId, hash(), created, expires]);
      const [{ id: session }] = await db.query(`INSERT INTO operator_sessions (operator_id, token_hash, created_at, expires_at) VALUES ($1, $2, $3, $4) RETURNING id`,
        [operatorId, hash(), created, expires]);
      return [token, challenge, session];
    };
    const old = await rows(8);
    const young = await rows(2);
    expect(await run('sign_in_tokens')).toBe(3);
    const left = [
      ...(await db.query(`SELECT id FROM account_tokens`)), ...(await db.query(`SELECT id FROM sign_in_challenges`)), ...(await db.query(`SELECT id FROM operator_sessions`)),
    ].map((r: { id: string }) => r.id);
    expect(left).toEqual(expect.arrayContaining(young));
    for (const id of old) expect(left).not.toContain(id);
    expect(await run('sign_in_tokens')).toBe(0);
  });

  it('IP addresses: no rate-limit record outlives the period; live short windows are untouched', async () => {
    const prefix = `${env.queuePrefix}:ratelimit`;
    await redis.set(`${prefix}:login-ip:203.0.113.7`, '3'); // no expiry: would keep the address for ever
    await redis.set(`${prefix}:signup:203.0.113.8`, '1', 'EX', 30 * 86_400);
    await redis.set(`${prefix}:checkout:203.0.113.9`, '2', 'EX', 600);
    await redis.set(`${env.queuePrefix}:other:203.0.113.7`, 'x'); // not a rate-limit record
    expect(await run('ip_addresses')).toBe(2);
    const week = 7 * 86_400;
    expect(await redis.ttl(`${prefix}:login-ip:203.0.113.7`)).toBeLessThanOrEqual(week);
    expect(await redis.ttl(`${prefix}:login-ip:203.0.113.7`)).toBeGreaterThan(0);
    expect(await redis.ttl(`${prefix}:signup:203.0.113.8`)).toBeLessThanOrEqual(week);
    expect(await redis.ttl(`${prefix}:checkout:203.0.113.9`)).toBeLessThanOrEqual(600);
    expect(await redis.ttl(`${env.queuePrefix}:other:203.0.113.7`)).toBe(-1);
    expect(await run('ip_addresses')).toBe(0);
  });

  it('a whole run after the others removes nothing more, and counts per rule in Prometheus', async () => {
    const results = await retention.runAll();
    expect(results.map((r) => [r.rule, r.purged, r.error])).toEqual([
      ['checkout_sessions', 0, undefined], ['webhook_payloads', 0, undefined], ['ip_addresses', 0, undefined], ['mail_bodies', 0, undefined], ['export_requests', 0, undefined],
      ['sign_in_tokens', 0, undefined],
    ]);
    const metrics = (await app.get(MetricsService).render()).body;
    expect(metrics).toMatch(/ataa_retention_purged_total\{rule="checkout_sessions"\} 10/);
    expect(metrics).toMatch(/ataa_retention_purged_total\{rule="webhook_payloads"\} 1/);
  });
});
