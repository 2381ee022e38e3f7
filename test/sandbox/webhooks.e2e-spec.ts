import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import Stripe from 'stripe';
import { startTestSandbox, TestSandbox } from '@ataa/testing';
import { expectStripeShape } from './stripe-shape.js';

interface Received {
  body: string;
  signature: string;
  event: Stripe.Event;
}

type Behaviour = (event: Stripe.Event, attemptForEvent: number) => 'ok' | 'fail' | 'hang';

/** A webhook endpoint that records raw bodies and can fail or stall on purpose. */
async function startReceiver() {
  const received: Received[] = [];
  const attempts = new Map<string, number>();
  let behaviour: Behaviour = () => 'ok';
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const event = JSON.parse(body) as Stripe.Event;
      const count = (attempts.get(event.id) ?? 0) + 1;
      attempts.set(event.id, count);
      const outcome = behaviour(event, count);
      received.push({ body, signature: String(req.headers['stripe-signature']), event });
      if (outcome === 'ok') res.writeHead(200).end('{"received":true}');
      else if (outcome === 'fail') res.writeHead(500).end('oops');
      else setTimeout(() => res.writeHead(200).end(), 3_000).unref();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/stripe`,
    received,
    reset(next: Behaviour = () => 'ok') {
      received.length = 0;
      attempts.clear();
      behaviour = next;
    },
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe('Stripe sandbox: events and signed webhooks', () => {
  let sandbox: TestSandbox;
  let stripe: Stripe;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  const secret = 'whsec_webhook_contract_test';

  beforeAll(async () => {
    receiver = await startReceiver();
    // Retries wait 1.1 s then 2.2 s, so every retry carries a later signature timestamp; a stalled attempt gives up after 1 s.
    sandbox = await startTestSandbox({ retry: { baseDelayMs: 1_100, maxDelayMs: 4_000, timeoutMs: 1_000, maxAttempts: 5 } });
    await sandbox.control.setWebhookEndpoint(receiver.url, secret);
    stripe = sandbox.stripe();
  });
  afterAll(async () => {
    await sandbox?.close();
    await receiver?.close();
  });
  beforeEach(async () => {
    receiver.reset();
    await sandbox.control.setDeliveryMode({ chaos: false });
    await sandbox.control.clearWebhookAttempts();
  });

  const paidSession = async (card = '4242424242424242', amount = 5_000) => {
    const session = await stripe.checkout.sessions.create({
      mode: 'payment', line_items: [{ quantity: 1, price_data: { currency: 'usd', unit_amount: amount, product_data: { name: 'Gift' } } }],
      success_url: 'https://ataa.test/ok', metadata: { donation: 'd1' },
    });
    await sandbox.control.paySession(session.id, { card });
    return session;
  };

  it('delivers every event of a payment, signed so that stripe.webhooks.constructEvent accepts it', async () => {
    const session = await paidSession();
    await sandbox.control.waitForWebhooks();
    const types = receiver.received.map((r) => r.event.type);
    expect(types).toEqual(['payment_intent.created', 'charge.succeeded', 'payment_intent.succeeded', 'checkout.session.completed', 'charge.updated']);
    for (const delivery of receiver.received) {
      expect(delivery.signature).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
      const event = stripe.webhooks.constructEvent(delivery.body, delivery.signature, secret, 300);
      expect(event.id).toBe(delivery.event.id);
      expect(() => stripe.webhooks.constructEvent(delivery.body, delivery.signature, 'whsec_someone_else')).toThrow(Stripe.errors.StripeSignatureVerificationError);
      expect(() => stripe.webhooks.constructEvent(delivery.body.replace('5000', '5001'), delivery.signature, secret)).toThrow();
    }
    const completed = receiver.received.find((r) => r.event.type === 'checkout.session.completed')!.event;
    expect(completed.data.object).toMatchObject({ id: session.id, object: 'checkout.session', payment_status: 'paid', metadata: { donation: 'd1' } });
    // charge.succeeded carries no fee yet; charge.updated brings the balance transaction.
    const succeeded = receiver.received.find((r) => r.event.type === 'charge.succeeded')!.event;
    expect((succeeded.data.object as Stripe.Charge).balance_transaction).toBeNull();
    const updated = receiver.received.find((r) => r.event.type === 'charge.updated')!.event;
    expect((updated.data.object as Stripe.Charge).balance_transaction).toMatch(/^txn_/);
    expect(updated.data.previous_attributes).toEqual({ balance_transaction: null });

    // Each delivered event, and the object it carries, has Stripe's keys and types.
    for (const delivery of receiver.received) expectStripeShape(delivery.event, 'event');
    const stored = await stripe.events.retrieve(completed.id);
    expect(stored).toMatchObject({ id: completed.id, type: 'checkout.session.completed', pending_webhooks: 0, livemode: false, object: 'event' });
    expect(stored.id).toMatch(/^evt_/);
    const listed = await stripe.events.list({ type: 'checkout.session.completed', limit: 1 });
    expect(listed.data[0].id).toBe(completed.id);
    const charges = await stripe.events.list({ type: 'charge.*', limit: 10 });
    expect(charges.data.every((e) => e.type.startsWith('charge.'))).toBe(true);
  });

  it('retries a failing endpoint with backoff, signing each attempt anew', async () => {
    receiver.reset((_event, attempt) => (attempt <= 2 ? 'fail' : 'ok'));
    const session = await stripe.checkout.sessions.create({
      mode: 'payment', line_items: [{ quantity: 1, price_data: { currency: 'usd', unit_amount: 900, product_data: { name: 'Gift' } } }],
    });
    await stripe.checkout.sessions.expire(session.id);
    await sandbox.control.waitForWebhooks();
    const deliveries = receiver.received.filter((r) => r.event.type === 'checkout.session.expired');
    expect(deliveries).toHaveLength(3);
    const timestamps = deliveries.map((d) => Number(/t=(\d+)/.exec(d.signature)![1]));
    expect(timestamps[1]).toBeGreaterThan(timestamps[0]);
    expect(timestamps[2]).toBeGreaterThan(timestamps[1]);
    for (const d of deliveries) expect(stripe.webhooks.constructEvent(d.body, d.signature, secret).id).toBe(deliveries[0].event.id);
    const attempts = (await sandbox.control.webhookAttempts()).filter((a) => a.eventType === 'checkout.session.expired');
    expect(attempts.map((a) => [a.attempt, a.status, a.ok])).toEqual([[1, 500, false], [2, 500, false], [3, 200, true]]);
    expect((await stripe.events.retrieve(deliveries[0].event.id)).pending_webhooks).toBe(0);
  });

  it('retries an endpoint that times out', async () => {
    receiver.reset((event, attempt) => (event.type === 'checkout.session.expired' && attempt === 1 ? 'hang' : 'ok'));
    const session = await stripe.checkout.sessions.create({
      mode: 'payment', line_items: [{ quantity: 1, price_data: { currency: 'usd', unit_amount: 900, product_data: { name: 'Gift' } } }],
    });
    await stripe.checkout.sessions.expire(session.id);
    await sandbox.control.waitForWebhooks();
    const attempts = (await sandbox.control.webhookAttempts()).filter((a) => a.eventType === 'checkout.session.expired');
    expect(attempts.map((a) => [a.attempt, a.ok, a.error])).toEqual([[1, false, 'timed out'], [2, true, null]]);
  });

  it('in chaos mode delivers each event twice and out of order', async () => {
    await sandbox.control.setDeliveryMode({ chaos: true, seed: 42 });
    await paidSession();
    await sandbox.control.waitForWebhooks();
    const ids = receiver.received.map((r) => r.event.id);
    const unique = [...new Set(ids)];
    expect(unique).toHaveLength(5);
    for (const id of unique) expect(ids.filter((x) => x === id)).toHaveLength(2);
    const created = receiver.received.map((r) => r.event).filter((e, i, all) => all.findIndex((x) => x.id === e.id) === i);
    const emissionOrder = (await stripe.events.list({ limit: 5 })).data.map((e) => e.id).reverse();
    expect(created.map((e) => e.id)).not.toEqual(emissionOrder);
    for (const r of receiver.received) expect(stripe.webhooks.constructEvent(r.body, r.signature, secret).id).toBe(r.event.id);
  });

  it('delivers checkout.session.async_payment_succeeded, signed, when a bank debit settles a day later', async () => {
    const session = await stripe.checkout.sessions.create({
      mode: 'payment', allowed_payment_method_types: ['us_bank_account'], metadata: { donation: 'd-bank' },
      line_items: [{ quantity: 1, price_data: { currency: 'usd', unit_amount: 12_000, product_data: { name: 'Gift' } } }],
    });
    await sandbox.control.paySession(session.id, { bankAccount: '000123456789' });
    await sandbox.control.waitForWebhooks();
    const ofSession = () => receiver.received.filter((r) => (r.event.data.object as { id: string }).id === session.id);
    // Completed but unpaid: the money is not there yet, and nothing says it succeeded.
    expect(ofSession().map((r) => r.event.type)).toEqual(['checkout.session.completed']);
    expect(ofSession()[0].event.data.object).toMatchObject({ status: 'complete', payment_status: 'unpaid' });

    await sandbox.control.advanceClock({ days: 1 });
    await sandbox.control.waitForWebhooks();
    const succeeded = ofSession().filter((r) => r.event.type === 'checkout.session.async_payment_succeeded');
    expect(succeeded).toHaveLength(1);
    const [delivery] = succeeded;
    expect(delivery.signature).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    const event = stripe.webhooks.constructEvent(delivery.body, delivery.signature, secret, 300);
    expect(event).toMatchObject({ type: 'checkout.session.async_payment_succeeded', data: { object: { id: session.id, payment_status: 'paid', metadata: { donation: 'd-bank' } } } });
    expect(() => stripe.webhooks.constructEvent(delivery.body, delivery.signature, 'whsec_someone_else')).toThrow(Stripe.errors.StripeSignatureVerificationError);
    expectStripeShape(event, 'event');
    expect(receiver.received.some((r) => r.event.type === 'checkout.session.async_payment_failed')).toBe(false);
    // The charge and its fee come with it, as for cards (bank debits: 0.8%).
    const types = receiver.received.map((r) => r.event.type);
    expect(types.indexOf('charge.succeeded')).toBeLessThan(types.indexOf('checkout.session.async_payment_succeeded'));
    const pi = await stripe.paymentIntents.retrieve((await stripe.checkout.sessions.retrieve(session.id)).payment_intent as string, { expand: ['latest_charge.balance_transaction'] });
    expect(pi).toMatchObject({ status: 'succeeded', latest_charge: { status: 'succeeded', balance_transaction: { fee: 96, type: 'payment' } } });
  });

  it('emits the refund, dispute, async payment and expiry events', async () => {
    const session = await paidSession('4000000000000259', 8_000);
    const charge = (await stripe.paymentIntents.retrieve((await stripe.checkout.sessions.retrieve(session.id)).payment_intent as string)).latest_charge as string;
    await stripe.refunds.create({ charge, amount: 1_000 });
    await sandbox.control.advanceClock({ minutes: 2 });
    const bank = await stripe.checkout.sessions.create({
      mode: 'payment', allowed_payment_method_types: ['us_bank_account'],
      line_items: [{ quantity: 1, price_data: { currency: 'usd', unit_amount: 8_000, product_data: { name: 'Gift' } } }],
    });
    await sandbox.control.paySession(bank.id, { bankAccount: '000111111113' });
    await sandbox.control.advanceClock({ days: 1 });
    await sandbox.control.waitForWebhooks();
    const types = receiver.received.map((r) => r.event.type);
    expect(types).toEqual(expect.arrayContaining([
      'refund.created', 'charge.refunded', 'charge.dispute.created', 'charge.dispute.funds_withdrawn', 'checkout.session.completed',
      'charge.pending', 'payment_intent.processing', 'charge.failed', 'payment_intent.payment_failed', 'checkout.session.async_payment_failed',
    ]));
    const dispute = receiver.received.find((r) => r.event.type === 'charge.dispute.created')!.event.data.object as Stripe.Dispute;
    // 80.00 minus the 10.00 already refunded is disputed; the 15.00 fee comes on top.
    expect(dispute).toMatchObject({ charge, amount: 7_000, reason: 'fraudulent', status: 'needs_response' });
    expect(dispute.balance_transactions[0]).toMatchObject({ amount: -7_000, fee: 1_500, net: -8_500 });
  });
});
