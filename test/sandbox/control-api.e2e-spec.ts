import { createSandbox, Sandbox } from '../../apps/stripe-sandbox/src/index.js';
import { startTestSandbox, TestSandbox } from '@ataa/testing';

/** The /_sandbox control API exists only in test mode and validates what it is given. */
describe('Stripe sandbox: control API', () => {
  let production: Sandbox;
  let sandbox: TestSandbox;

  beforeAll(async () => {
    production = await createSandbox({ testMode: false, tickIntervalMs: 0 });
    sandbox = await startTestSandbox();
  });
  afterAll(async () => {
    await production?.close();
    await sandbox?.close();
  });

  it('is not there unless the sandbox runs in test mode', async () => {
    for (const url of ['/_sandbox/state', '/_sandbox/clock/advance', '/_sandbox/webhook_endpoints']) {
      const res = await production.app.inject({ method: url === '/_sandbox/state' ? 'GET' : 'POST', url, payload: {} });
      expect(res.statusCode).toBe(404);
      expect(res.json().error.type).toBe('invalid_request_error');
    }
    const api = await production.app.inject({ method: 'GET', url: '/v1/balance', headers: { authorization: 'Bearer sk_test_x' } });
    expect(api.statusCode).toBe(200);
  });

  it('moves the clock forward only', async () => {
    const now = await sandbox.control.now();
    // The sandbox clock is real time plus the offset: a second of real time may pass between the calls.
    const moved = await sandbox.control.advanceClock({ hours: 1, minutes: 1 });
    expect(moved - now).toBeGreaterThanOrEqual(3_660);
    expect(moved - now).toBeLessThan(3_660 + 30);
    const back = await sandbox.control.advanceClock({ seconds: -5 }).catch((e: unknown) => e);
    expect(back).toMatchObject({ status: 400, body: { error: { param: 'seconds' } } });
  });

  it('sets the clock back only to a moment after everything it holds (demo history), then forward again', async () => {
    const fresh = await createSandbox({ testMode: true, tickIntervalMs: 0 });
    try {
      const post = (url: string, payload: object) => fresh.app.inject({ method: 'POST', url, payload });
      const weeksAgo = fresh.clock.now() - 42 * 86_400;
      // The clock is real time plus an offset: it moves on by the second while the test runs.
      const near = (at: number) => {
        expect(at).toBeGreaterThanOrEqual(weeksAgo);
        expect(at).toBeLessThan(weeksAgo + 60);
      };
      near((await post('/_sandbox/clock/rewind', { to: weeksAgo })).json().now);
      const account = await fresh.app.inject({ method: 'POST', url: '/v1/accounts', headers: { authorization: 'Bearer sk_test_x', 'content-type': 'application/x-www-form-urlencoded' }, payload: 'type=express' });
      near(account.json().created);
      // Before the account: refused, nothing moves; later than now: refused (that is advance's job).
      const early = await post('/_sandbox/clock/rewind', { to: weeksAgo - 86_400 });
      expect(early.statusCode).toBe(400);
      expect(early.json().error).toMatchObject({ code: 'parameter_invalid_integer', param: 'to' });
      expect((await post('/_sandbox/clock/rewind', { to: fresh.clock.now() + 60 })).json().error.code).toBe('parameter_invalid_integer');
      expect((await post('/_sandbox/clock/rewind', {})).json().error).toMatchObject({ code: 'parameter_missing', param: 'to' });
      near(fresh.clock.now());
      expect((await post('/_sandbox/clock/advance', { seconds: -fresh.clock.offset })).statusCode).toBe(200);
      expect(fresh.clock.offset).toBe(0);
    } finally {
      await fresh.close();
    }
  });

  it('registers, lists and removes webhook endpoints without showing their secrets', async () => {
    const endpoint = await sandbox.control.addWebhookEndpoint({ url: 'http://127.0.0.1:9/hook', secret: 'whsec_abc', enabledEvents: ['charge.*'] });
    expect(endpoint.id).toMatch(/^we_/);
    const listed = await (await fetch(`${sandbox.url}/_sandbox/webhook_endpoints`)).json();
    expect(listed).toEqual([{ id: endpoint.id, url: 'http://127.0.0.1:9/hook', enabledEvents: ['charge.*'] }]);
    expect(await sandbox.control.addWebhookEndpoint({ url: 'not a url', secret: 'whsec_abc' }).catch((e: unknown) => e)).toMatchObject({ status: 400 });
    expect(await sandbox.control.addWebhookEndpoint({ url: 'http://127.0.0.1:9/x', secret: 'nope' }).catch((e: unknown) => e)).toMatchObject({ status: 400 });
    await sandbox.control.removeWebhookEndpoint(endpoint.id);
    expect(await (await fetch(`${sandbox.url}/_sandbox/webhook_endpoints`)).json()).toEqual([]);
    expect(await sandbox.control.removeWebhookEndpoint(endpoint.id).catch((e: unknown) => e)).toMatchObject({ status: 404 });
  });

  it('answers unknown sessions, charges and accounts with 404', async () => {
    expect(await sandbox.control.paySession('cs_test_nope').catch((e: unknown) => e)).toMatchObject({ status: 404 });
    expect(await sandbox.control.openDispute('ch_nope').catch((e: unknown) => e)).toMatchObject({ status: 404 });
    expect(await sandbox.control.completeOnboarding('acct_nope').catch((e: unknown) => e)).toMatchObject({ status: 404 });
  });

  it('switches an onboarded account off and on with account.updated', async () => {
    const stripe = sandbox.stripe();
    const account = await stripe.accounts.create({ type: 'express' });
    await sandbox.control.completeOnboarding(account.id);
    await sandbox.control.setAccountFlags(account.id, { payouts_enabled: false });
    expect((await stripe.accounts.retrieve(account.id)).payouts_enabled).toBe(false);
    const event = (await stripe.events.list({ type: 'account.updated', limit: 1 })).data[0];
    expect(event.data).toMatchObject({ object: { id: account.id, payouts_enabled: false }, previous_attributes: { payouts_enabled: true } });
  });

  it('delays the next charge\'s balance transaction (the fee) until the clock moves on, then sends charge.updated', async () => {
    const stripe = sandbox.stripe();
    const pay = async () => {
      const session = await stripe.checkout.sessions.create({
        mode: 'payment', line_items: [{ quantity: 1, price_data: { currency: 'usd', unit_amount: 4_000, product_data: { name: 'Gift' } } }],
      });
      await sandbox.control.paySession(session.id);
      const pi = await stripe.paymentIntents.retrieve((await stripe.checkout.sessions.retrieve(session.id)).payment_intent as string);
      return pi.latest_charge as string;
    };
    expect(await sandbox.control.delayNextBalanceTransaction(0).catch((e: unknown) => e)).toMatchObject({ status: 400, body: { error: { param: 'seconds' } } });
    await sandbox.control.delayNextBalanceTransaction(600);
    const late = await pay();
    const onTime = await pay(); // only the next charge is delayed
    expect((await stripe.charges.retrieve(late)).balance_transaction).toBeNull();
    expect((await stripe.charges.retrieve(onTime)).balance_transaction).toMatch(/^txn_/);
    const updatesOf = async (charge: string) => (await stripe.events.list({ type: 'charge.updated', limit: 100 })).data.filter((e) => (e.data.object as { id: string }).id === charge);
    expect(await updatesOf(late)).toHaveLength(0);

    // The sandbox clock is real time plus the offset: half the delay leaves room for a slow machine
    // (599 s once met the 600 s with a second of real time spent in between).
    await sandbox.control.advanceClock({ seconds: 300 });
    expect((await stripe.charges.retrieve(late)).balance_transaction).toBeNull();
    await sandbox.control.advanceClock({ seconds: 300 });
    const charge = await stripe.charges.retrieve(late, { expand: ['balance_transaction'] });
    expect(charge.balance_transaction).toMatchObject({ object: 'balance_transaction', source: late, amount: 4_000, fee: 146, net: 3_854, status: 'pending' });
    const updates = await updatesOf(late);
    expect(updates).toHaveLength(1);
    expect(updates[0].data.previous_attributes).toEqual({ balance_transaction: null });
    await sandbox.control.advanceClock({ days: 3 });
    expect(await updatesOf(late)).toHaveLength(1);
  });

  it('counts Stripe API requests by method and route since the last reset, and resets the count', async () => {
    const stripe = sandbox.stripe();
    const session = await stripe.checkout.sessions.create({
      mode: 'payment', line_items: [{ quantity: 1, price_data: { currency: 'usd', unit_amount: 2_500, product_data: { name: 'Gift' } } }],
    });
    await sandbox.control.resetApiRequestCounts();
    const reset = await sandbox.control.apiRequestCounts();
    expect(reset).toMatchObject({ object: 'api_request_counts', total: 0, requests: {} });

    // Counted: every /v1 request, by its route pattern (also refused and unknown ones); not the control API or the pages.
    await stripe.checkout.sessions.retrieve(session.id);
    await stripe.checkout.sessions.retrieve(session.id, { expand: ['payment_intent'] });
    await stripe.events.list({ limit: 1 });
    expect(await stripe.charges.retrieve('ch_nope').catch((e: unknown) => e)).toMatchObject({ statusCode: 404 });
    expect((await fetch(`${sandbox.url}/v1/no_such_thing`, { headers: { authorization: `Bearer ${sandbox.secretKey}` } })).status).toBe(404);
    await sandbox.control.paySession(session.id);
    await sandbox.control.now();
    const counts = await sandbox.control.apiRequestCounts();
    expect(counts.requests).toEqual({
      'GET (unmatched)': 1,
      'GET /v1/charges/:id': 1,
      'GET /v1/checkout/sessions/:id': 2,
      'GET /v1/events': 1,
    });
    expect(counts.total).toBe(5);
    expect(Date.parse(counts.since)).toBeGreaterThanOrEqual(Date.parse(reset.since));

    await sandbox.control.resetApiRequestCounts();
    await stripe.balance.retrieve();
    expect(await sandbox.control.apiRequestCounts()).toMatchObject({ total: 1, requests: { 'GET /v1/balance': 1 } });
    // Not there outside test mode, like the rest of the control API.
    expect((await production.app.inject({ method: 'GET', url: '/_sandbox/api_requests' })).statusCode).toBe(404);
  });

  it('returns the events a payment emitted when asked', async () => {
    const stripe = sandbox.stripe();
    const create = () => stripe.checkout.sessions.create({
      mode: 'payment', line_items: [{ quantity: 1, price_data: { currency: 'usd', unit_amount: 2_500, product_data: { name: 'Gift' } } }],
    });
    const plain = await sandbox.control.paySession((await create()).id);
    expect(plain.ok).toBe(true);
    expect(plain.events).toBeUndefined();

    const session = await create();
    const paid = await sandbox.control.paySession(session.id, { includeEvents: true });
    expect(paid.events!.map((e) => e.type)).toEqual(['payment_intent.created', 'charge.succeeded', 'payment_intent.succeeded', 'checkout.session.completed', 'charge.updated']);
    const completed = paid.events!.find((e) => e.type === 'checkout.session.completed')!;
    expect(completed.data.object).toMatchObject({ id: session.id, status: 'complete', payment_status: 'paid' });
    // The same events the API lists.
    expect(await stripe.events.retrieve(completed.id)).toEqual(completed);

    const declined = await sandbox.control.paySession((await create()).id, { card: '4000000000000002', includeEvents: true });
    expect(declined.ok).toBe(false);
    expect(declined.events!.map((e) => e.type)).toEqual(['payment_intent.created', 'charge.failed', 'payment_intent.payment_failed']);
  });

  it("retrieves the platform's own account and refuses Stripe-Account requests it cannot model", async () => {
    const stripe = sandbox.stripe();
    const platform = await stripe.accounts.retrieveCurrent();
    expect(platform).toMatchObject({ object: 'account', charges_enabled: true, payouts_enabled: true });
    const asConnected = await stripe.balance.retrieve({}, { stripeAccount: 'acct_123' }).catch((e: unknown) => e);
    expect(asConnected).toMatchObject({ statusCode: 400, param: 'Stripe-Account' });
  });
});
