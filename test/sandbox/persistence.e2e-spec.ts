import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import Stripe from 'stripe';
import { startTestSandbox, TestSandbox } from '@ataa/testing';

/** SANDBOX_STATE_FILE: a demo survives a restart, including webhooks not yet delivered. */
describe('Stripe sandbox: state file', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'ataa-sandbox-'));
  const stateFile = path.join(dir, 'state.json');
  let receiver: Server;
  let receiverUrl: string;
  let accepting = false;
  const accepted: string[] = [];
  let sandbox: TestSandbox | undefined;

  beforeAll(async () => {
    receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        if (!accepting) return void res.writeHead(503).end();
        accepted.push((JSON.parse(Buffer.concat(chunks).toString('utf8')) as Stripe.Event).type);
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
  });
  afterAll(async () => {
    await sandbox?.close();
    receiver.closeAllConnections();
    await new Promise((resolve) => receiver.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  it('reloads objects, the clock, idempotency keys and undelivered webhooks after a restart', async () => {
    // The first life: the endpoint is down, retries are far apart.
    sandbox = await startTestSandbox({ stateFile, webhookUrl: receiverUrl, retry: { baseDelayMs: 60_000 } });
    let stripe = sandbox.stripe();
    const params: Stripe.Checkout.SessionCreateParams = {
      mode: 'payment', line_items: [{ quantity: 1, price_data: { currency: 'usd', unit_amount: 7_000, product_data: { name: 'Gift' } } }],
    };
    const session = await stripe.checkout.sessions.create(params, { idempotencyKey: 'persist-1' });
    await sandbox.control.paySession(session.id);
    const clock = await sandbox.control.advanceClock({ days: 5 });
    const before = await stripe.checkout.sessions.retrieve(session.id, { expand: ['payment_intent.latest_charge.balance_transaction'] });
    const balanceBefore = await stripe.balance.retrieve();
    await sandbox.close();

    accepting = true;
    sandbox = await startTestSandbox({ stateFile, webhookUrl: receiverUrl });
    stripe = sandbox.stripe();
    expect(await sandbox.control.now()).toBeGreaterThanOrEqual(clock);
    const after = await stripe.checkout.sessions.retrieve(session.id, { expand: ['payment_intent.latest_charge.balance_transaction'] });
    expect(after).toEqual(before);
    expect(await stripe.balance.retrieve()).toEqual(balanceBefore);
    const replay = await stripe.checkout.sessions.create(params, { idempotencyKey: 'persist-1' });
    expect(replay.id).toBe(session.id);
    await sandbox.control.waitForWebhooks();
    expect(accepted).toEqual(expect.arrayContaining(['payment_intent.created', 'charge.succeeded', 'payment_intent.succeeded', 'checkout.session.completed', 'charge.updated', 'balance.available']));
    const events = await stripe.events.list({ limit: 100 });
    expect(events.data.every((e) => e.pending_webhooks === 0)).toBe(true);
  });

  it('keeps subscriptions, test clocks and their scheduled renewals across a restart', async () => {
    await sandbox?.close();
    const billingState = path.join(dir, 'billing.json');
    sandbox = await startTestSandbox({ stateFile: billingState });
    let stripe = sandbox.stripe();
    const clock = await stripe.testHelpers.testClocks.create({ frozen_time: Date.UTC(2027, 4, 1, 9) / 1000 });
    const customer = await stripe.customers.create({ test_clock: clock.id, payment_method: 'pm_card_visa', invoice_settings: { default_payment_method: 'pm_card_visa' } });
    const product = await stripe.products.create({ name: 'Monthly gift' });
    const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price_data: { currency: 'usd', product: product.id, unit_amount: 3_000, recurring: { interval: 'month' } } }] });
    await sandbox.close();

    sandbox = await startTestSandbox({ stateFile: billingState });
    stripe = sandbox.stripe();
    expect(await stripe.subscriptions.retrieve(sub.id)).toEqual(sub);
    // 1 May + 1 month = 1 June: the renewal scheduled before the restart runs after it.
    const june = Date.UTC(2027, 5, 1, 9) / 1000;
    await stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: june });
    let status = (await stripe.testHelpers.testClocks.retrieve(clock.id)).status;
    for (let i = 0; status !== 'ready' && i < 50; i++) status = (await stripe.testHelpers.testClocks.retrieve(clock.id)).status;
    const invoices = (await stripe.invoices.list({ subscription: sub.id })).data;
    expect(invoices.map((i) => [i.billing_reason, i.status, i.amount_paid, i.created])).toEqual([['subscription_cycle', 'paid', 3_000, june], ['subscription_create', 'paid', 3_000, clock.frozen_time]]);
  });
});
