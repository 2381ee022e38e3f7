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
});
