import { jest } from '@jest/globals';
import request from 'supertest';
import Stripe from 'stripe';
import { PendingFeesService } from '@ataa/donations';
import { auditLedger } from '@ataa/ledger';
import { StripeEventDispatcher } from '@ataa/payments';
import { createCampaign, createOrganizationWithOwner, startTestWorker } from '@ataa/testing';
import { InboxSweepRunner } from '../../apps/worker/src/stripe-events/inbox-sweep.runner.js';
import { donationRow, DonationWorld, eventually, settle, startDonationWorld, startGift } from './donation-test-kit.js';

jest.setTimeout(90_000);

/**
 * The webhook endpoint and the inbox under faults: forged and stale signatures, secret rotation,
 * duplicates (also concurrent), every ordering of one gift's events, Redis down while webhooks
 * arrive, a worker that dies mid-processing.
 */
describe('Stripe webhooks: verification, inbox and processing under faults', () => {
  let world: DonationWorld;
  let campaign: { id: string; slug: string };
  const stripe = new Stripe('sk_test_x');
  const OLD_SECRET = 'whsec_old_rotated_out';

  beforeAll(async () => {
    // Two secrets configured at once: the sandbox signs with the second (rotation in progress).
    world = await startDonationWorld({ worker: false, env: { STRIPE_WEBHOOK_SECRETS: `${OLD_SECRET},whsec_ataa_tests` } });
    const org = await createOrganizationWithOwner(world.api);
    campaign = await createCampaign(world.api, org);
  });
  afterAll(async () => world?.close());

  const event = (id: string, type = 'checkout.session.completed') => JSON.stringify({
    id, object: 'event', type, api_version: '2026-10-28.endive', created: Math.floor(Date.now() / 1000), livemode: false,
    data: { object: { id: `cs_test_${id}`, object: 'checkout.session', metadata: {} } }, pending_webhooks: 1, request: { id: null, idempotency_key: null },
  });
  const sign = (payload: string, secret: string, timestamp?: number) => stripe.webhooks.generateTestHeaderString({ payload, secret, timestamp });
  const post = (payload: string | undefined, signature?: string) => {
    const req = request(world.apiUrl).post('/webhooks/stripe').set('content-type', 'application/json');
    if (signature) req.set('stripe-signature', signature);
    return payload === undefined ? req.send() : req.send(payload);
  };
  const stored = async (id: string) => (await world.db.query(`SELECT count(*)::int AS n FROM stripe_events WHERE id = $1`, [id]))[0].n;

  it('accepts a correctly signed event with either configured secret and stores it once', async () => {
    const body = event('evt_sig_ok');
    expect((await post(body, sign(body, 'whsec_ataa_tests'))).status).toBe(200);
    const other = event('evt_sig_old');
    expect((await post(other, sign(other, OLD_SECRET))).status).toBe(200);
    expect(await stored('evt_sig_ok')).toBe(1);
    expect(await stored('evt_sig_old')).toBe(1);
  });

  it('answers 400 to a forged signature, the wrong secret, a stale timestamp, no signature and no body; nothing is stored', async () => {
    const body = event('evt_sig_bad');
    const forged = await post(body, `t=${Math.floor(Date.now() / 1000)},v1=${'0'.repeat(64)}`);
    expect(forged.status).toBe(400);
    expect(forged.body.code).toBe('invalid_signature');
    expect((await post(body, sign(body, 'whsec_somebody_else'))).status).toBe(400);
    const stale = await post(body, sign(body, 'whsec_ataa_tests', Math.floor(Date.now() / 1000) - 301));
    expect(stale.status).toBe(400);
    expect(stale.body.detail).toMatch(/tolerance/);
    expect((await post(body)).status).toBe(400);
    expect((await post(undefined, sign('', 'whsec_ataa_tests'))).status).toBe(400);
    // A signature over other bytes than the body (re-serialised JSON) is refused too: the raw body counts.
    const tampered = body.replace('"livemode":false', '"livemode": false');
    expect((await post(tampered, sign(body, 'whsec_ataa_tests'))).status).toBe(400);
    expect(await stored('evt_sig_bad')).toBe(0);
  });

  it('answers 400 to a correctly signed event dated 10 minutes or a day in the future, like a stale one; nothing is stored', async () => {
    const now = Math.floor(Date.now() / 1000);
    for (const [id, ahead] of [['evt_sig_future_10min', 600], ['evt_sig_future_1day', 86_400]] as const) {
      const body = event(id);
      const res = await post(body, sign(body, 'whsec_ataa_tests', now + ahead));
      expect(res.status).toBe(400);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.body.code).toBe('invalid_signature');
      expect(res.body.detail).toMatch(/tolerance/);
      expect(await stored(id)).toBe(0);
    }
    // The same with the older secret of the rotation.
    const old = event('evt_sig_future_old_secret');
    expect((await post(old, sign(old, OLD_SECRET, now + 600))).status).toBe(400);
    expect(await stored('evt_sig_future_old_secret')).toBe(0);
    // Within the tolerance ahead (a sender's clock a minute fast) it is still accepted.
    const skewed = event('evt_sig_future_skew');
    expect((await post(skewed, sign(skewed, 'whsec_ataa_tests', now + 60))).status).toBe(200);
    expect(await stored('evt_sig_future_skew')).toBe(1);
  });

  it('stores concurrent duplicate deliveries once', async () => {
    const body = event('evt_dup_1');
    const header = sign(body, 'whsec_ataa_tests');
    const answers = await Promise.all(Array.from({ length: 8 }, () => post(body, header)));
    expect(answers.every((a) => a.status === 200)).toBe(true);
    expect(answers.filter((a) => a.body.duplicate === false)).toHaveLength(1);
    expect(await stored('evt_dup_1')).toBe(1);
  });

  it('keeps events while Redis is down and the worker is away; the sweep processes them later, exactly once', async () => {
    // An API whose Redis is unreachable (and no worker): webhooks still get 200 and land in the inbox.
    const { startTestApi, baseUrlOf } = await import('@ataa/testing');
    const blind = await startTestApi(world.env.configWith({ ...world.sandbox.env(), REDIS_URL: 'redis://127.0.0.1:1' }), { listen: true });
    const { donationId, sessionId } = await startGift(world, campaign.slug, { amount: 'other', customAmount: '75.00' });
    let blindUrl = 'none';
    try {
      blindUrl = await baseUrlOf(blind);
      await world.sandbox.control.setWebhookEndpoint(`${blindUrl}/webhooks/stripe`, 'whsec_ataa_tests');
      await world.sandbox.control.paySession(sessionId);
      await world.sandbox.control.waitForWebhooks(30_000);
      const attempts = (await world.sandbox.control.webhookAttempts()).filter((a) => a.url.startsWith(blindUrl));
      expect(attempts.length).toBeGreaterThan(0);
      expect(attempts.every((a) => a.status === 200)).toBe(true);
    } finally {
      await world.sandbox.control.setWebhookEndpoint(`${world.apiUrl}/webhooks/stripe`, 'whsec_ataa_tests');
      await blind.close();
    }
    const [{ n }] = await world.db.query(`SELECT count(*)::int AS n FROM stripe_events WHERE processed_at IS NULL`);
    expect(n).toBeGreaterThan(0);
    expect((await donationRow(world.db, donationId)).status).toBe('pending');

    // A worker comes up; the sweep hands the stored events to the queue.
    const worker = await startTestWorker(world.config);
    try {
      await worker.get(InboxSweepRunner).sweepOnce(0);
      await settle(world);
      // Its fee: from the fee sweep (balance transactions listed in bulk), as the worker's timer would run it.
      expect(await worker.get(PendingFeesService).sweep()).toMatchObject({ posted: 1 });
      expect(await donationRow(world.db, donationId)).toMatchObject({ status: 'succeeded', processing_fee: '248', platform_fee: '150' });
      const [{ entries }] = await world.db.query(`SELECT count(*)::int AS entries FROM journal_entries WHERE metadata->>'donation_id' = $1`, [donationId]);
      expect(entries).toBe(3); // donation, platform fee, processing fee: once each
      expect(await auditLedger(world.db.manager)).toEqual([]);
    } finally {
      await worker.close();
    }
  });

  it('posts a gift identically whatever order its events arrive in (every permutation, a fresh gift each), and duplicates change nothing', async () => {
    const worker = await startTestWorker(world.config);
    const sandbox = world.sandbox.stripe();
    // The sandbox delivers nothing itself here: the test delivers each gift's events, in the order under test.
    await world.sandbox.control.addWebhookEndpoint({ url: 'http://127.0.0.1:9/never', secret: 'whsec_ataa_tests', enabledEvents: ['none.never'], replace: true });
    const deliver = async (e: Stripe.Event, id = e.id) => {
      const body = JSON.stringify({ ...e, id });
      expect((await post(body, sign(body, 'whsec_ataa_tests'))).status).toBe(200);
    };
    const drained = () => eventually(async () => (await world.db.query(`SELECT count(*)::int AS n FROM stripe_events WHERE processed_at IS NULL`))[0].n === 0, 'inbox drained');

    /** A gift with a fee, a partial refund and a dispute on the rest, all done at Stripe; returns its events, none delivered. */
    const giftEvents = async () => {
      const { donationId, sessionId } = await startGift(world, campaign.slug, { amount: 'other', customAmount: '60.00' });
      await world.sandbox.control.paySession(sessionId);
      const session = await sandbox.checkout.sessions.retrieve(sessionId, { expand: ['payment_intent'] });
      const chargeId = (session.payment_intent as Stripe.PaymentIntent).latest_charge as string;
      await sandbox.refunds.create({ charge: chargeId, amount: 1000 });
      await world.sandbox.control.openDispute(chargeId, { reason: 'fraudulent' });
      const recent = (await sandbox.events.list({ limit: 40 })).data;
      const of = (type: string, match: (o: Record<string, any>) => boolean) => {
        const found = recent.filter((e) => e.type === type && match(e.data.object as unknown as Record<string, any>));
        expect({ type, found: found.length }).toEqual({ type, found: 1 });
        return found[0];
      };
      const events = [
        of('charge.dispute.created', (o) => o.charge === chargeId),
        of('checkout.session.completed', (o) => o.id === sessionId),
        of('charge.updated', (o) => o.id === chargeId && o.balance_transaction !== null && !o.disputed),
        of('charge.refunded', (o) => o.id === chargeId),
      ];
      return { donationId, events };
    };

    /** What the gift left behind, without ids that differ from gift to gift. */
    const outcome = async (donationId: string) => ({
      donation: await donationRow(world.db, donationId).then((d) => ({
        status: d.status, amount: d.amount, fee: d.processing_fee, platformFee: d.platform_fee, refunded: d.refunded_amount, disputed: d.disputed_amount,
      })),
      facts: await world.db.query(
        `SELECT kind, (SELECT sum(abs(amount)) FROM postings p WHERE p.entry_id = e.id)::text AS size FROM journal_entries e
         WHERE metadata->>'donation_id' = $1 ORDER BY kind, size`, [donationId],
      ),
      refunds: await world.db.query(`SELECT amount::text, status FROM donation_refunds WHERE donation_id = $1`, [donationId]),
      disputes: await world.db.query(`SELECT amount::text, status, outcome FROM donation_disputes WHERE donation_id = $1`, [donationId]),
    });

    const permutations = <T>(items: T[]): T[][] => items.length <= 1 ? [items] : items.flatMap((x, i) => permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [x, ...rest]));
    const orders = permutations([0, 1, 2, 3]);
    let first: unknown = null;
    const seen = new Set<string>();
    try {
      for (const order of orders) {
        const { donationId, events } = await giftEvents();
        // The events arrive back to back, so the worker may also process them concurrently.
        for (const index of order) await deliver(events[index]);
        await drained();
        const after = await outcome(donationId);
        if (first === null) first = after;
        expect({ order: order.map((i) => events[i].type), ...after }).toEqual({ order: order.map((i) => events[i].type), ...(first as object) });
        // The same events again, under new ids (Stripe's retries have the same id; the inbox drops those): nothing changes.
        await deliver(events[order[0]], `${events[order[0]].id}_again`);
        await deliver(events[order[3]]);
        await drained();
        expect(await outcome(donationId)).toEqual(after);
        seen.add(order.map((i) => events[i].type).join(' > '));
      }
      expect(seen.size).toBe(24);
      // 60.00: a 10.00 refund and a dispute on the other 50.00 (plus its fee), wherever the completed session came.
      expect(first).toMatchObject({ donation: { status: 'disputed', refunded: '1000', disputed: '5000', fee: '204', platformFee: '120' } });
      expect(await auditLedger(world.db.manager)).toEqual([]);
    } finally {
      await world.sandbox.control.setWebhookEndpoint(`${world.apiUrl}/webhooks/stripe`, 'whsec_ataa_tests');
      await worker.close();
    }
  });

  it('a worker killed mid-processing loses nothing: the event stays unprocessed and a new worker completes it', async () => {
    const { donationId, sessionId } = await startGift(world, campaign.slug, { amount: 'other', customAmount: '10.00' });
    // The dispatcher fails inside processing (as if the process died before committing): no partial state.
    const dying = await startTestWorker(world.config);
    const dispatcher = dying.get(StripeEventDispatcher);
    dispatcher.register(['checkout.session.completed'], async () => {
      throw new Error('killed');
    });
    await world.sandbox.control.paySession(sessionId);
    await world.sandbox.control.waitForWebhooks(30_000);
    await eventually(async () => (await world.db.query(`SELECT count(*)::int AS n FROM stripe_events WHERE type = 'checkout.session.completed' AND attempts > 0 AND processed_at IS NULL`))[0].n > 0, 'a failed attempt');
    await dying.close();
    const unprocessed = (await world.db.query(`SELECT count(*)::int AS n FROM stripe_events WHERE processed_at IS NULL`))[0].n;
    expect(unprocessed).toBeGreaterThan(0);
    const fresh = await startTestWorker(world.config);
    try {
      await fresh.get(InboxSweepRunner).sweepOnce(0);
      await settle(world);
      expect((await donationRow(world.db, donationId)).status).toBe('succeeded');
      expect(await auditLedger(world.db.manager)).toEqual([]);
    } finally {
      await fresh.close();
    }
  });
});
