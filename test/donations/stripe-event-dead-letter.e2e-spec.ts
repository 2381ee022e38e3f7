import { jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import request from 'supertest';
import { MetricsService } from '@ataa/observability';
import { JobProducer, QUEUES } from '@ataa/queue';
import { createCampaign, createOrganizationWithOwner } from '@ataa/testing';
import { InboxSweepRunner } from '../../apps/worker/src/stripe-events/inbox-sweep.runner.js';
import { donationRow, DonationWorld, eventually, expectLedgerSound, startDonationWorld, startGift } from './donation-test-kit.js';

jest.setTimeout(120_000);

const MAX_ATTEMPTS = 3;
const LONG_NAME = 'Layla Abdulrahman Al-Hashimi';

/**
 * Stuck events are never silent (issue 14): a gift whose posting fails every time (here the public
 * ledger refuses its donor name, as the appender did with long names) is dead-lettered after
 * INBOX_MAX_ATTEMPTS with its last error, counted, logged at error level, left alone by the queue
 * and the sweep, and listed for the operator; once the cause is fixed the operator's retry posts it
 * exactly once.
 */
describe('Stripe event dead letter (API, worker, Stripe sandbox, PostgreSQL, Redis)', () => {
  let world: DonationWorld;
  let campaign: { id: string; slug: string };
  let donationId: string;
  let deadIds: string[];
  const operator = { authorization: 'Bearer development-operator-token-000000' };
  const http = () => request(world.apiUrl);
  const errorLines = jest.spyOn(Logger.prototype, 'error');
  const listDead = async (query = '') => (await http().get(`/operator/stripe-events/dead-lettered${query}`).set(operator).expect(200)).body;
  const workerMetrics = async () => (await world.worker!.get(MetricsService).render()).body;

  beforeAll(async () => {
    world = await startDonationWorld({ env: { INBOX_MAX_ATTEMPTS: String(MAX_ATTEMPTS) } });
    const org = await createOrganizationWithOwner(world.api);
    campaign = await createCampaign(world.api, org, { offerCoverFees: false });
    // The broken state: the public ledger refuses long donor names (the appender's bug, reproduced
    // by a constraint the fix below drops). NOT VALID: only new rows are checked.
    await world.db.query(`ALTER TABLE public_ledger_entries ADD CONSTRAINT test_short_donor_name CHECK (length(donor_name) <= 12) NOT VALID`);
  });
  afterAll(async () => {
    errorLines.mockRestore();
    await world?.close();
  });

  it(`a gift whose posting fails ${MAX_ATTEMPTS} times is dead-lettered with its last error, counted and logged, and nothing retries it any more`, async () => {
    const gift = await startGift(world, campaign.slug, { amount: '25.00', donorName: LONG_NAME });
    donationId = gift.donationId;
    expect((await world.sandbox.control.paySession(gift.sessionId)).ok).toBe(true);
    await world.sandbox.control.waitForWebhooks(30_000);

    // Every event of the gift ends dead-lettered after exactly MAX_ATTEMPTS attempts (backoff 1 s, 2 s).
    const dead = await eventually(async () => {
      const rows = await world.db.query(`SELECT id, type, object_id, attempts, last_error, dead_lettered_at FROM stripe_events WHERE processed_at IS NULL ORDER BY id`);
      return rows.length > 0 && rows.every((r: { dead_lettered_at: Date | null }) => r.dead_lettered_at !== null) ? rows : false;
    }, 'the gift\'s events to be dead-lettered', 60_000);
    deadIds = dead.map((r: { id: string }) => r.id);
    for (const row of dead) {
      expect(row.attempts).toBe(MAX_ATTEMPTS);
      expect(row.last_error).toContain('test_short_donor_name');
    }
    expect((await donationRow(world.db, donationId)).status).toBe('pending');
    expect(await world.db.query(`SELECT 1 FROM journal_entries WHERE kind = 'donation' AND campaign_id = $1`, [campaign.id])).toEqual([]);

    // Counted (worker, by type) and gauged (API /metrics, read from the database at scrape).
    const counted = [...(await workerMetrics()).matchAll(/^ataa_stripe_events_dead_lettered_total\{type="([^"]+)"\} (\d+)$/gm)];
    expect(counted.reduce((sum, [, , n]) => sum + Number(n), 0)).toBe(dead.length);
    expect(counted.map(([, type]) => type).sort()).toEqual([...new Set(dead.map((r: { type: string }) => r.type))].sort());
    expect((await http().get('/metrics').expect(200)).text).toMatch(new RegExp(`^ataa_stripe_events_dead_lettered ${dead.length}$`, 'm'));

    // One error-level line per event, naming it, its type, its attempts and the error.
    const lines = errorLines.mock.calls.map(([message]) => String(message)).filter((m) => m.includes('dead-lettered after'));
    expect(lines).toHaveLength(dead.length);
    for (const row of dead) {
      expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^event ${row.id} \\(${row.type.replace(/\./g, '\\.')}\\) dead-lettered after ${MAX_ATTEMPTS} attempts: .*test_short_donor_name`)));
    }

    // The queue stopped (the job completed as dead_lettered) and the sweep leaves the events alone.
    const queue = world.api.get(JobProducer).queue(QUEUES.stripeEvents);
    for (const id of deadIds) {
      // The row is dead-lettered just before the job finishes: wait for the job, then read it again.
      await eventually(async () => (await queue.getJobState(id)) === 'completed', `job ${id} completed`);
      const job = await queue.getJob(id);
      expect(job!.returnvalue).toBe('dead_lettered');
    }
    expect(await world.worker!.get(InboxSweepRunner).sweepOnce(0)).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    const after = await world.db.query(`SELECT attempts, dead_lettered_at FROM stripe_events WHERE id = ANY($1::text[])`, [deadIds]);
    expect(after.every((r: { attempts: number; dead_lettered_at: Date | null }) => r.attempts === MAX_ATTEMPTS && r.dead_lettered_at !== null)).toBe(true);
  });

  it('the operator lists them (id, type, object, attempts, last error, times), a page at a time', async () => {
    const all = await listDead();
    expect(all.total).toBe(deadIds.length);
    expect(all.nextCursor).toBeNull();
    expect(all.items.map((e: { id: string }) => e.id).sort()).toEqual([...deadIds].sort());
    for (const e of all.items) {
      expect(e).toMatchObject({ attempts: MAX_ATTEMPTS, processedAt: null });
      expect(typeof e.type).toBe('string');
      expect(e.lastError).toContain('test_short_donor_name');
      expect(Date.parse(e.deadLetteredAt)).toBeGreaterThanOrEqual(Date.parse(e.receivedAt));
    }
    expect(all.items.some((e: { objectId: string | null }) => e.objectId !== null)).toBe(true);
    // one per page, following nextCursor, gives the same events once each
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { items: { id: string }[]; nextCursor: string | null } = await listDead(`?limit=1${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.items.length).toBeLessThanOrEqual(1);
      seen.push(...page.items.map((e) => e.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual(all.items.map((e: { id: string }) => e.id));
    expect((await http().get('/operator/stripe-events/dead-lettered?limit=0').set(operator)).status).toBe(400);
  });

  it('once the cause is fixed, the operator\'s retry posts the gift exactly once; a second retry is 409 stripe_event_not_dead_lettered', async () => {
    await world.db.query(`ALTER TABLE public_ledger_entries DROP CONSTRAINT test_short_donor_name`);
    const [first, ...rest] = deadIds;
    const retried = await http().post(`/operator/stripe-events/${first}/retry`).set(operator).expect(202);
    expect(retried.body).toMatchObject({ enqueued: true, event: { id: first, attempts: 0, deadLetteredAt: null } });
    await eventually(async () => (await world.db.query(`SELECT processed_at FROM stripe_events WHERE id = $1`, [first]))[0].processed_at !== null, 'the retried event to be processed');
    expect((await donationRow(world.db, donationId)).status).toBe('succeeded');

    const again = await http().post(`/operator/stripe-events/${first}/retry`).set(operator);
    expect(again.status).toBe(409);
    expect(again.headers['content-type']).toContain('application/problem+json');
    expect(again.body.code).toBe('stripe_event_not_dead_lettered');

    // The other events of the same gift: retried too, they find it posted already.
    for (const id of rest) await http().post(`/operator/stripe-events/${id}/retry`).set(operator).expect(202);
    await eventually(async () => (await world.db.query(`SELECT 1 FROM stripe_events WHERE processed_at IS NULL`)).length === 0, 'every retried event processed');

    const [{ stripe_charge_id: chargeId }] = await world.db.query(`SELECT stripe_charge_id FROM donations WHERE id = $1`, [donationId]);
    // one posting: the gift and its platform fee, once each (the Stripe fee is keyed on the balance transaction)
    expect(await world.db.query(`SELECT kind FROM journal_entries WHERE source_id = $1 ORDER BY kind`, [chargeId])).toEqual([{ kind: 'donation' }, { kind: 'platform_fee' }]);
    expect(await world.db.query(`SELECT kind FROM journal_entries WHERE campaign_id = $1 AND kind = 'processing_fee'`, [campaign.id])).toHaveLength(1);
    expect(await world.db.query(`SELECT donor_name FROM public_ledger_entries WHERE campaign_id = $1 AND kind = 'donation'`, [campaign.id])).toEqual([{ donor_name: LONG_NAME }]);
    expect((await listDead()).total).toBe(0);
    expect((await http().get('/metrics').expect(200)).text).toMatch(/^ataa_stripe_events_dead_lettered 0$/m);
    expect((await http().post('/operator/stripe-events/evt_unknown_event/retry').set(operator)).status).toBe(404);
    await expectLedgerSound(world.db);
  });

  it('only the operator lists or retries (401 otherwise), and both routes are in the OpenAPI document', async () => {
    for (const auth of [{}, { authorization: 'Bearer not-the-operator-token-0000000' }]) {
      const list = await http().get('/operator/stripe-events/dead-lettered').set(auth);
      expect(list.status).toBe(401);
      expect(list.body.code).toBe('unauthorized');
      expect((await http().post(`/operator/stripe-events/${deadIds[0]}/retry`).set(auth)).status).toBe(401);
    }
    const doc = (await http().get('/docs/openapi.json').expect(200)).body;
    expect(doc.paths['/operator/stripe-events/dead-lettered'].get).toBeDefined();
    expect(doc.paths['/operator/stripe-events/{eventId}/retry'].post).toBeDefined();
  });
});
