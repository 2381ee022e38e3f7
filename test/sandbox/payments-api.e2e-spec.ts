import Stripe from 'stripe';
import { startTestSandbox, TestSandbox } from '@ataa/testing';
import { expectStripeShape } from './stripe-shape.js';

/**
 * Contract tests: the real `stripe` package (through the platform's client factory) against the
 * sandbox, for checkout sessions, payment intents, charges, balance transactions and refunds.
 */
describe('Stripe sandbox: checkout, charges, balance transactions, refunds', () => {
  let sandbox: TestSandbox;
  let stripe: Stripe;

  beforeAll(async () => {
    sandbox = await startTestSandbox();
    stripe = sandbox.stripe();
  });
  afterAll(async () => {
    await sandbox?.close();
  });

  const createSession = (amount = 10_000, extra: Partial<Stripe.Checkout.SessionCreateParams> = {}, options?: Stripe.RequestOptions) =>
    stripe.checkout.sessions.create({
      mode: 'payment',
      line_items: [{ quantity: 1, price_data: { currency: 'usd', unit_amount: amount, product_data: { name: 'Donation to Clean Water' } } }],
      success_url: 'https://ataa.test/thanks?session_id={CHECKOUT_SESSION_ID}',
      cancel_url: 'https://ataa.test/c/clean-water',
      customer_email: 'donor@example.com',
      metadata: { campaign: 'camp_1', donation: 'don_1' },
      payment_intent_data: { metadata: { donation: 'don_1' }, transfer_group: 'camp_1' },
      ...extra,
    }, options);

  it('creates a checkout session shaped like Stripe with a hosted payment page URL', async () => {
    const session = await createSession();
    expect(session.id).toMatch(/^cs_test_/);
    expectStripeShape(session, 'checkout.session');
    expect(session).toMatchObject({
      status: 'open', payment_status: 'unpaid', mode: 'payment', amount_total: 10_000, currency: 'usd', customer_email: 'donor@example.com',
      metadata: { campaign: 'camp_1', donation: 'don_1' }, payment_intent: null,
      success_url: 'https://ataa.test/thanks?session_id={CHECKOUT_SESSION_ID}', livemode: false,
    });
    expect(session.url).toBe(`${sandbox.url}/c/pay/${session.id}`);
    // USD sessions offer cards and bank debits unless allowed_payment_method_types narrows them.
    expect(session.payment_method_types).toEqual(['card', 'us_bank_account']);
    const eur = await createSession(1_000, { line_items: [{ quantity: 1, price_data: { currency: 'eur', unit_amount: 1_000, product_data: { name: 'x' } } }] });
    expect(eur.payment_method_types).toEqual(['card']);
    const page = await fetch(session.url!);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('100.00 USD');
    const again = await stripe.checkout.sessions.retrieve(session.id);
    expect(again).toEqual(session);
    const items = await stripe.checkout.sessions.listLineItems(session.id);
    expect(items.data).toHaveLength(1);
    expect(items.data[0]).toMatchObject({ object: 'item', amount_total: 10_000, quantity: 1, description: 'Donation to Clean Water' });
  });

  it('pays with the success card: payment intent, charge and balance transaction with Stripe card fees, expandable in one call', async () => {
    const session = await createSession(10_000);
    const paid = await sandbox.control.paySession(session.id, { card: '4242 4242 4242 4242', name: 'Huda' });
    expect(paid.ok).toBe(true);
    const full = await stripe.checkout.sessions.retrieve(session.id, { expand: ['payment_intent.latest_charge.balance_transaction'] });
    expect(full).toMatchObject({ status: 'complete', payment_status: 'paid', url: null });
    const pi = full.payment_intent as Stripe.PaymentIntent;
    expect(pi.id).toMatch(/^pi_/);
    expectStripeShape(pi, 'payment_intent');
    expect(pi).toMatchObject({ status: 'succeeded', amount: 10_000, amount_received: 10_000, metadata: { donation: 'don_1' }, transfer_group: 'camp_1' });
    const charge = pi.latest_charge as Stripe.Charge;
    expect(charge.id).toMatch(/^ch_/);
    expectStripeShape(charge, 'charge');
    expect(charge).toMatchObject({ status: 'succeeded', paid: true, amount: 10_000, amount_refunded: 0, transfer_group: 'camp_1', metadata: { donation: 'don_1' } });
    expect(charge.billing_details.name).toBe('Huda');
    expect(charge.payment_method_details?.card?.last4).toBe('4242');
    const txn = charge.balance_transaction as Stripe.BalanceTransaction;
    expect(txn.id).toMatch(/^txn_/);
    expectStripeShape(txn, 'balance_transaction');
    // 2.9% of 100.00 = 2.90, plus 0.30: 3.20 USD; net 96.80.
    expect(txn).toMatchObject({ amount: 10_000, fee: 320, net: 9_680, type: 'charge', source: charge.id, status: 'pending', currency: 'usd' });
    expect(txn.fee_details).toEqual([{ amount: 320, application: null, currency: 'usd', description: 'Stripe processing fees', type: 'stripe_fee' }]);
    expect(txn.available_on).toBeGreaterThan(await sandbox.control.now());

    const byCharge = await stripe.charges.retrieve(charge.id, { expand: ['balance_transaction'] });
    expect((byCharge.balance_transaction as Stripe.BalanceTransaction).fee).toBe(320);
    expect((await stripe.paymentIntents.retrieve(pi.id)).latest_charge).toBe(charge.id);
    expect((await stripe.balanceTransactions.retrieve(txn.id)).net).toBe(9_680);
  });

  it('rounds the percentage half up: 10.50 USD costs 0.30 + 0.3045 -> 0.60', async () => {
    const session = await createSession(1_050);
    await sandbox.control.paySession(session.id);
    const full = await stripe.checkout.sessions.retrieve(session.id, { expand: ['payment_intent.latest_charge.balance_transaction'] });
    const txn = ((full.payment_intent as Stripe.PaymentIntent).latest_charge as Stripe.Charge).balance_transaction as Stripe.BalanceTransaction;
    expect(txn).toMatchObject({ fee: 60, net: 990 });
  });

  it('settles funds when the clock passes available_on, and the balance follows', async () => {
    const before = await stripe.balance.retrieve();
    expectStripeShape(before, 'balance');
    const session = await createSession(5_000);
    await sandbox.control.paySession(session.id);
    const pi = await stripe.paymentIntents.retrieve((await stripe.checkout.sessions.retrieve(session.id)).payment_intent as string, { expand: ['latest_charge.balance_transaction'] });
    const txn = (pi.latest_charge as Stripe.Charge).balance_transaction as Stripe.BalanceTransaction;
    expect(txn.status).toBe('pending');
    const pendingBefore = (await stripe.balance.retrieve()).pending.find((b) => b.currency === 'usd')!.amount;
    await sandbox.control.advanceClock({ days: 3 });
    expect((await stripe.balanceTransactions.retrieve(txn.id)).status).toBe('available');
    const after = await stripe.balance.retrieve();
    expect(after.pending.find((b) => b.currency === 'usd')!.amount).toBe(0);
    expect(after.available.find((b) => b.currency === 'usd')!.amount).toBeGreaterThanOrEqual(pendingBefore);
  });

  it('lists balance transactions newest first with has_more and starting_after, filtered by type', async () => {
    const first = await stripe.balanceTransactions.list({ limit: 2, type: 'charge' });
    expect(first.object).toBe('list');
    expect(first.data).toHaveLength(2);
    expect(first.has_more).toBe(true);
    expect(first.data.every((t) => t.type === 'charge')).toBe(true);
    const next = await stripe.balanceTransactions.list({ limit: 2, type: 'charge', starting_after: first.data[1].id });
    expect(next.data[0].id).not.toBe(first.data[0].id);
    const all: string[] = [];
    for await (const txn of stripe.balanceTransactions.list({ limit: 1, type: 'charge' })) all.push(txn.id);
    expect(new Set(all).size).toBe(all.length);
    expect(all.slice(0, 2)).toEqual(first.data.map((t) => t.id));
    // Toward newer ones with ending_before (as the fee sweep reads what came since), and only Stripe's own filters.
    const newer = await stripe.balanceTransactions.list({ limit: 1, type: 'charge', ending_before: first.data[1].id });
    expect(newer.data.map((t) => t.id)).toEqual([first.data[0].id]);
    const unknown = await stripe.balanceTransactions.list({ reporting_category: 'charge' } as never).catch((e: unknown) => e);
    expect(unknown).toMatchObject({ statusCode: 400, code: 'parameter_unknown', param: 'reporting_category' });
  });

  it('refunds partially then fully, never above what remains, with negative balance transactions', async () => {
    const session = await createSession(10_000);
    await sandbox.control.paySession(session.id);
    const piId = (await stripe.checkout.sessions.retrieve(session.id)).payment_intent as string;
    const chargeId = (await stripe.paymentIntents.retrieve(piId)).latest_charge as string;

    const partial = await stripe.refunds.create({ charge: chargeId, amount: 3_000, reason: 'requested_by_customer', metadata: { refund: 'r1' } }, { idempotencyKey: 'refund-r1' });
    expect(partial.id).toMatch(/^re_/);
    expectStripeShape(partial, 'refund');
    expect(partial).toMatchObject({ amount: 3_000, status: 'succeeded', charge: chargeId, payment_intent: piId, metadata: { refund: 'r1' } });
    const refundTxn = await stripe.balanceTransactions.retrieve(partial.balance_transaction as string);
    expect(refundTxn).toMatchObject({ amount: -3_000, fee: 0, net: -3_000, type: 'refund', source: partial.id });

    const tooMuch = await stripe.refunds.create({ charge: chargeId, amount: 7_001 }).catch((e: unknown) => e);
    expect(tooMuch).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(tooMuch).toMatchObject({ statusCode: 400, code: 'amount_too_large', param: 'amount' });

    const rest = await stripe.refunds.create({ payment_intent: piId });
    expect(rest.amount).toBe(7_000);
    const charge = await stripe.charges.retrieve(chargeId);
    expect(charge).toMatchObject({ amount_refunded: 10_000, refunded: true });
    expect(charge.refunds?.data.map((r) => r.id)).toEqual([rest.id, partial.id]);
    const again = await stripe.refunds.create({ charge: chargeId, amount: 1 }).catch((e: unknown) => e);
    expect(again).toMatchObject({ statusCode: 400, code: 'charge_already_refunded' });
    expect((await stripe.refunds.retrieve(partial.id)).amount).toBe(3_000);
  });

  it('replays a request with the same Idempotency-Key and refuses the key with other parameters', async () => {
    const first = await createSession(2_500, {}, { idempotencyKey: 'donation-42' });
    const replay = await createSession(2_500, {}, { idempotencyKey: 'donation-42' });
    expect(replay.id).toBe(first.id);
    expect(replay.lastResponse.headers['idempotent-replayed']).toBe('true');
    const conflict = await createSession(2_600, {}, { idempotencyKey: 'donation-42' }).catch((e: unknown) => e);
    expect(conflict).toBeInstanceOf(Stripe.errors.StripeIdempotencyError);
    expect(conflict).toMatchObject({ statusCode: 400, type: 'StripeIdempotencyError' });
    expect((await stripe.checkout.sessions.list({ limit: 100 })).data.filter((s) => s.amount_total === 2_500 || s.amount_total === 2_600)).toHaveLength(1);
  });

  it('performs an action whose response is lost only once: the client retries with the same key and gets the saved result', async () => {
    const refundsBefore = (await stripe.refunds.list({ limit: 100 })).data.length;
    const session = await createSession(4_000);
    await sandbox.control.paySession(session.id);
    const chargeId = (await stripe.paymentIntents.retrieve((await stripe.checkout.sessions.retrieve(session.id)).payment_intent as string)).latest_charge as string;
    await sandbox.control.timeOutNextResponse({ method: 'POST', path: '/v1/refunds' });
    const refund = await stripe.refunds.create({ charge: chargeId, amount: 1_000 }, { idempotencyKey: 'refund-timeout-1' });
    expect(refund.amount).toBe(1_000);
    expect(refund.lastResponse.headers['idempotent-replayed']).toBe('true');
    expect((await stripe.refunds.list({ limit: 100 })).data.length).toBe(refundsBefore + 1);
    expect((await stripe.charges.retrieve(chargeId)).amount_refunded).toBe(1_000);
  });

  it('expires an open session and refuses to expire it twice', async () => {
    const session = await createSession();
    await sandbox.control.paySession(session.id, { card: '4000000000000002' });
    const expired = await stripe.checkout.sessions.expire(session.id, { expand: ['payment_intent'] });
    expect(expired).toMatchObject({ status: 'expired', url: null });
    // The declined attempt's payment intent is abandoned with the session.
    expect(expired.payment_intent).toMatchObject({ status: 'canceled', cancellation_reason: 'abandoned' });
    const twice = await stripe.checkout.sessions.expire(session.id).catch((e: unknown) => e);
    expect(twice).toMatchObject({ statusCode: 400, type: 'StripeInvalidRequestError' });
    const pay = await sandbox.control.paySession(session.id).catch((e: unknown) => e);
    expect(pay).toMatchObject({ status: 400 });
  });

  it('expires sessions when the clock passes expires_at', async () => {
    const now = await sandbox.control.now();
    const session = await createSession(5_000, { expires_at: now + 3_600 });
    expect(session.expires_at).toBe(now + 3_600);
    await sandbox.control.advanceClock({ hours: 2 });
    expect((await stripe.checkout.sessions.retrieve(session.id)).status).toBe('expired');
  });

  it('declines the decline card: the session stays open and nothing is charged', async () => {
    const session = await createSession(3_000);
    const txnsBefore = (await stripe.balanceTransactions.list({ limit: 100 })).data.length;
    const declined = await sandbox.control.paySession(session.id, { card: '4000000000000002' });
    expect(declined).toMatchObject({ ok: false, error: { type: 'card_error', code: 'card_declined', decline_code: 'generic_decline' } });
    const insufficient = await sandbox.control.paySession(session.id, { card: '4000000000009995' });
    expect(insufficient).toMatchObject({ ok: false, error: { code: 'card_declined', decline_code: 'insufficient_funds' } });
    const after = await stripe.checkout.sessions.retrieve(session.id, { expand: ['payment_intent.latest_charge'] });
    expect(after).toMatchObject({ status: 'open', payment_status: 'unpaid' });
    const pi = after.payment_intent as Stripe.PaymentIntent;
    expect(pi.status).toBe('requires_payment_method');
    expect(pi.last_payment_error).toMatchObject({ code: 'card_declined', decline_code: 'insufficient_funds' });
    expect((pi.latest_charge as Stripe.Charge)).toMatchObject({ status: 'failed', paid: false, balance_transaction: null, failure_code: 'card_declined' });
    expect((await stripe.balanceTransactions.list({ limit: 100 })).data.length).toBe(txnsBefore);
    // A number that is not a test card, or an expired card, is refused before anything is created.
    const chargesBefore = (await stripe.charges.list({ payment_intent: pi.id })).data.length;
    expect(await sandbox.control.paySession(session.id, { card: '4111111111111111' })).toMatchObject({ ok: false, error: { type: 'card_error', code: 'incorrect_number' } });
    expect(await sandbox.control.paySession(session.id, { expMonth: 1, expYear: 2020 })).toMatchObject({ ok: false, error: { code: 'invalid_expiry_year' } });
    expect((await stripe.charges.list({ payment_intent: pi.id })).data.length).toBe(chargesBefore);
    const paid = await sandbox.control.paySession(session.id);
    expect(paid.ok).toBe(true);
  });

  it('completes a bank debit unpaid, then settles it a day later (or fails it)', async () => {
    const settle = await createSession(20_000, { allowed_payment_method_types: ['card', 'us_bank_account'] });
    const fail = await createSession(20_000, { allowed_payment_method_types: ['card', 'us_bank_account'] });
    expect((await sandbox.control.paySession(settle.id, { bankAccount: '000123456789' })).session).toMatchObject({ status: 'complete', payment_status: 'unpaid' });
    await sandbox.control.paySession(fail.id, { bankAccount: '000111111113' });
    const processing = await stripe.paymentIntents.retrieve((await stripe.checkout.sessions.retrieve(settle.id)).payment_intent as string);
    expect(processing.status).toBe('processing');
    await sandbox.control.advanceClock({ days: 1 });
    const settled = await stripe.checkout.sessions.retrieve(settle.id, { expand: ['payment_intent.latest_charge.balance_transaction'] });
    expect(settled.payment_status).toBe('paid');
    const charge = (settled.payment_intent as Stripe.PaymentIntent).latest_charge as Stripe.Charge;
    // Bank debits: 0.8% of 200.00 = 1.60 USD.
    expect(charge).toMatchObject({ status: 'succeeded', paid: true });
    expect((charge.balance_transaction as Stripe.BalanceTransaction)).toMatchObject({ fee: 160, net: 19_840, type: 'payment' });
    const failed = await stripe.checkout.sessions.retrieve(fail.id, { expand: ['payment_intent'] });
    expect(failed.payment_status).toBe('unpaid');
    expect((failed.payment_intent as Stripe.PaymentIntent).status).toBe('requires_payment_method');

    // Bank refunds stay pending for a day, then succeed with refund.updated.
    const refund = await stripe.refunds.create({ charge: charge.id, amount: 5_000 });
    expect(refund.status).toBe('pending');
    await sandbox.control.advanceClock({ days: 1 });
    expect((await stripe.refunds.retrieve(refund.id)).status).toBe('succeeded');
    const updates = await stripe.events.list({ type: 'refund.updated', limit: 1 });
    expect(updates.data[0].data).toMatchObject({ object: { id: refund.id, status: 'succeeded' }, previous_attributes: { status: 'pending' } });
  });

  describe('bad input answers as Stripe does', () => {
    it('missing required params', async () => {
      const error = await stripe.checkout.sessions.create({ mode: 'payment', line_items: [{ quantity: 1, price_data: { unit_amount: 100, product_data: { name: 'x' } } as never }] }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
      expect(error).toMatchObject({ statusCode: 400, code: 'parameter_missing', param: 'line_items[0][price_data][currency]' });
      const noItems = await stripe.checkout.sessions.create({ mode: 'payment' } as never).catch((e: unknown) => e);
      expect(noItems).toMatchObject({ code: 'parameter_missing', param: 'line_items' });
    });

    it('negative, non-integer and too small amounts', async () => {
      const item = (unitAmount: unknown) => stripe.checkout.sessions.create({
        mode: 'payment', line_items: [{ quantity: 1, price_data: { currency: 'usd', unit_amount: unitAmount as number, product_data: { name: 'x' } } }],
      }).catch((e: unknown) => e);
      expect(await item(-100)).toMatchObject({ statusCode: 400, code: 'parameter_invalid_integer', param: 'line_items[0][price_data][unit_amount]' });
      expect(await item(10.5)).toMatchObject({ statusCode: 400, code: 'parameter_invalid_integer' });
      expect(await item('abc')).toMatchObject({ statusCode: 400, code: 'parameter_invalid_integer' });
      expect(await item(20)).toMatchObject({ statusCode: 400, code: 'amount_too_small' });
      // Stripe's special cases: ISK and UGX are whole units written with two decimals; three-decimal currencies end in 0.
      const inCurrency = (currency: string, unitAmount: number) => stripe.checkout.sessions.create({
        mode: 'payment', line_items: [{ quantity: 1, price_data: { currency, unit_amount: unitAmount, product_data: { name: 'x' } } }],
      }).catch((e: unknown) => e);
      expect(await inCurrency('isk', 500_050)).toMatchObject({ statusCode: 400, code: 'invalid_charge_amount', message: 'Amounts in isk must be a multiple of 100.' });
      expect(await inCurrency('isk', 500_000)).toMatchObject({ object: 'checkout.session', amount_total: 500_000, currency: 'isk' });
      expect(await inCurrency('ugx', 1_999_901)).toMatchObject({ statusCode: 400, code: 'invalid_charge_amount' });
      expect(await inCurrency('kwd', 1_255)).toMatchObject({ statusCode: 400, code: 'invalid_charge_amount', message: 'Amounts in kwd must be a multiple of 10.' });
      const tooSmall = await inCurrency('isk', 6_900);
      expect(tooSmall).toMatchObject({ statusCode: 400, code: 'amount_too_small' });
      expect((tooSmall as Error).message).toContain('at least 70 isk');
      // Parameters are checked before objects are looked up, as Stripe does.
      expect(await stripe.refunds.create({ charge: 'ch_x', amount: -5 }).catch((e: unknown) => e)).toMatchObject({ statusCode: 400, code: 'parameter_invalid_integer', param: 'amount' });
      expect(await stripe.refunds.create({ charge: 'ch_x', amount: 0 }).catch((e: unknown) => e)).toMatchObject({ statusCode: 400, param: 'amount' });
    });

    it('unknown currency and unknown parameters', async () => {
      const error = await stripe.checkout.sessions.create({
        mode: 'payment', line_items: [{ quantity: 1, price_data: { currency: 'xyz', unit_amount: 1000, product_data: { name: 'x' } } }],
      }).catch((e: unknown) => e);
      expect(error).toMatchObject({ statusCode: 400, param: 'line_items[0][price_data][currency]', type: 'StripeInvalidRequestError' });
      expect((error as Error).message).toContain('Invalid currency: xyz');
      const unknown = await stripe.refunds.create({ charge: 'ch_x', surprise: 'yes' } as never).catch((e: unknown) => e);
      expect(unknown).toMatchObject({ statusCode: 400, code: 'parameter_unknown', param: 'surprise' });
    });

    it('unknown ids are 404 resource_missing naming the object type', async () => {
      const error = await stripe.checkout.sessions.retrieve('cs_test_nope').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
      expect(error).toMatchObject({ statusCode: 404, code: 'resource_missing' });
      expect((error as Error).message).toBe("No such checkout.session: 'cs_test_nope'");
      expect(await stripe.charges.retrieve('ch_nope').catch((e: unknown) => e)).toMatchObject({ statusCode: 404, code: 'resource_missing' });
      expect(await stripe.refunds.create({ charge: 'ch_nope' }).catch((e: unknown) => e)).toMatchObject({ statusCode: 404, param: 'charge' });
    });

    it('a wrong, missing or live key is 401', async () => {
      const wrong = new Stripe('not_a_key', { host: '127.0.0.1', port: sandbox.port, protocol: 'http', maxNetworkRetries: 0 });
      const error = await wrong.balance.retrieve().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(Stripe.errors.StripeAuthenticationError);
      expect(error).toMatchObject({ statusCode: 401 });
      const live = new Stripe('sk_live_abcdef', { host: '127.0.0.1', port: sandbox.port, protocol: 'http', maxNetworkRetries: 0 });
      expect(await live.balance.retrieve().catch((e: unknown) => e)).toBeInstanceOf(Stripe.errors.StripeAuthenticationError);
      const raw = await fetch(`${sandbox.url}/v1/balance`);
      expect(raw.status).toBe(401);
      expect((await raw.json()).error.type).toBe('invalid_request_error');
    });

    it('refuses JSON bodies: the API is form-encoded', async () => {
      const res = await fetch(`${sandbox.url}/v1/refunds`, {
        method: 'POST', body: JSON.stringify({ charge: 'ch_x' }), headers: { authorization: `Bearer ${sandbox.secretKey}`, 'content-type': 'application/json' },
      });
      expect(res.status).toBe(400);
      expect((await res.json()).error).toMatchObject({ type: 'invalid_request_error' });
    });

    it('answers unknown routes and bad expansions with Stripe errors', async () => {
      const res = await fetch(`${sandbox.url}/v1/nothing`, { headers: { authorization: `Bearer ${sandbox.secretKey}` } });
      expect(res.status).toBe(404);
      expect((await res.json()).error.message).toContain('Unrecognized request URL');
      const session = await createSession();
      const error = await stripe.checkout.sessions.retrieve(session.id, { expand: ['customer_email'] }).catch((e: unknown) => e);
      expect(error).toMatchObject({ statusCode: 400, param: 'expand' });
    });
  });

  it('sends form-encoded nested keys exactly as Stripe reads them', async () => {
    const body = new URLSearchParams({
      mode: 'payment', 'line_items[0][quantity]': '2', 'line_items[0][price_data][currency]': 'eur', 'line_items[0][price_data][unit_amount]': '1250',
      'line_items[0][price_data][product_data][name]': 'Gift', 'metadata[campaign]': 'c9', 'expand[]': 'line_items',
    });
    const res = await fetch(`${sandbox.url}/v1/checkout/sessions`, {
      method: 'POST', body, headers: { authorization: `Bearer ${sandbox.secretKey}`, 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('request-id')).toMatch(/^req_/);
    const json = await res.json();
    expect(json).toMatchObject({ amount_total: 2_500, currency: 'eur', metadata: { campaign: 'c9' }, line_items: { object: 'list', data: [{ quantity: 2 }] } });
  });
});
