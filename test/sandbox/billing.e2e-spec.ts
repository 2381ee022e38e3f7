import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import Stripe from 'stripe';
import { startTestSandbox, TestSandbox } from '@ataa/testing';
import { expectStripeShape, fixtures, shapeDifferences } from './stripe-shape.js';

/** A webhook endpoint that checks each delivery's signature with the `stripe` package and keeps the events in arrival order. */
async function startReceiver(stripe: Stripe, secret: string) {
  const events: Stripe.Event[] = [];
  const rejected: string[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      try {
        events.push(stripe.webhooks.constructEvent(Buffer.concat(chunks).toString('utf8'), String(req.headers['stripe-signature']), secret));
        res.writeHead(200).end('{}');
      } catch (error) {
        rejected.push(String(error));
        res.writeHead(400).end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/stripe`,
    events,
    rejected,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const DAY = 86_400;
/** Keys of Stripe's invoice fixture that the pinned API version (2026-10-28) no longer returns on an invoice. */
const INVOICE_KEYS_GONE_IN_PINNED_VERSION = ['subscription: missing'];

/**
 * Contract tests for the sandbox's billing objects through the real `stripe` package: customers,
 * saved cards, setup intents, products and prices, subscriptions and their invoices, checkout in
 * subscription and setup mode (the hosted page's form posts), off-session payments with the 3-D
 * Secure and declining test cards, renewals on a test clock with signed webhooks, failed renewals
 * retried then canceled, the billing portal page, idempotent replays and strict parameters.
 */
describe('Stripe sandbox: billing (customers, subscriptions, invoices, test clocks)', () => {
  let sandbox: TestSandbox;
  let stripe: Stripe;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;

  beforeAll(async () => {
    sandbox = await startTestSandbox();
    stripe = sandbox.stripe();
    receiver = await startReceiver(stripe, sandbox.webhookSecret);
    await sandbox.connectWebhooks(receiver.url);
  });
  afterAll(async () => {
    await sandbox?.close();
    await receiver?.close();
  });

  const idle = () => sandbox.control.waitForWebhooks();
  /** Events about these objects, or about objects of these customers or invoices, in arrival order. */
  const eventsFor = (ids: string[]) => receiver.events.filter((e) => {
    const object = e.data.object as { id: string; customer?: string; invoice?: string };
    return ids.includes(object.id) || ids.includes(object.customer ?? '') || ids.includes(object.invoice ?? '');
  });

  /** Advances a test clock to `to` and waits (polling, as Stripe's docs advise) until it is ready again. */
  const advance = async (clockId: string, to: number) => {
    const started = await stripe.testHelpers.testClocks.advance(clockId, { frozen_time: to });
    expect(started.status).toBe('advancing');
    let clock = await stripe.testHelpers.testClocks.retrieve(clockId);
    for (let i = 0; clock.status !== 'ready' && i < 50; i++) clock = await stripe.testHelpers.testClocks.retrieve(clockId);
    expect(clock).toMatchObject({ status: 'ready', frozen_time: to });
    return clock;
  };

  const monthLater = (unix: number, months = 1) => {
    const d = new Date(unix * 1000);
    return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + months, d.getUTCDate(), d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds()) / 1000;
  };

  /** A customer on a new test clock (frozen on 15 January 2027, 12:00 UTC) with a saved card as its default. */
  const clockCustomer = async (testCard = 'pm_card_visa') => {
    const clock = await stripe.testHelpers.testClocks.create({ frozen_time: Date.UTC(2027, 0, 15, 12) / 1000, name: 'monthly gift' });
    const customer = await stripe.customers.create({ email: 'donor@example.com', name: 'Dana Donor', test_clock: clock.id });
    const pm = await stripe.paymentMethods.attach(testCard, { customer: customer.id });
    await stripe.customers.update(customer.id, { invoice_settings: { default_payment_method: pm.id } });
    return { clock, customer, pm };
  };

  it('returns Stripe-shaped customers, payment methods, products, prices, setup intents, subscriptions, invoices and test clocks', async () => {
    const { clock, customer, pm } = await clockCustomer();
    expectStripeShape(clock, 'test_helpers.test_clock');
    const fresh = await stripe.customers.retrieve(customer.id) as Stripe.Customer;
    expectStripeShape(fresh, 'customer');
    expect(fresh).toMatchObject({ email: 'donor@example.com', test_clock: clock.id, invoice_settings: { default_payment_method: pm.id }, created: clock.frozen_time });
    expectStripeShape(pm, 'payment_method');
    expect(pm).toMatchObject({ customer: customer.id, type: 'card', card: { brand: 'visa', last4: '4242' } });
    const listed = await stripe.customers.listPaymentMethods(customer.id);
    expect(listed.data.map((m) => m.id)).toEqual([pm.id]);

    const product = await stripe.products.create({ name: 'Monthly gift to Clean Water', metadata: { campaign: 'camp_1' } });
    expectStripeShape(product, 'product');
    const price = await stripe.prices.create({ product: product.id, currency: 'usd', unit_amount: 2_500, recurring: { interval: 'month' } });
    expectStripeShape(price, 'price');
    expect(price).toMatchObject({ type: 'recurring', recurring: { interval: 'month', interval_count: 1 }, unit_amount: 2_500, active: true });

    const si = await stripe.setupIntents.create({ customer: customer.id, payment_method: 'pm_card_mastercard', usage: 'off_session', confirm: true });
    expectStripeShape(si, 'setup_intent');
    expect(si).toMatchObject({ status: 'succeeded', usage: 'off_session', customer: customer.id });
    expect((await stripe.paymentMethods.retrieve(si.payment_method as string)).customer).toBe(customer.id);

    const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }], metadata: { gift: 'rg_1' } }, { idempotencyKey: 'shape-sub' });
    expectStripeShape(sub, 'subscription');
    expect(sub).toMatchObject({ status: 'active', customer: customer.id, test_clock: clock.id, metadata: { gift: 'rg_1' }, start_date: clock.frozen_time });
    expectStripeShape(sub.items.data[0], 'subscription_item');
    // 15 January 12:00 to 15 February 12:00 UTC.
    expect(sub.items.data[0]).toMatchObject({ current_period_start: clock.frozen_time, current_period_end: Date.UTC(2027, 1, 15, 12) / 1000 });

    const invoice = await stripe.invoices.retrieve(sub.latest_invoice as string, { expand: ['payments'] });
    expect(shapeDifferences(invoice, fixtures.invoice).filter((d) => !INVOICE_KEYS_GONE_IN_PINNED_VERSION.includes(d))).toEqual([]);
    expectStripeShape(invoice.lines.data[0], 'line_item');
    expect(invoice).toMatchObject({
      status: 'paid', billing_reason: 'subscription_create', amount_due: 2_500, amount_paid: 2_500, amount_remaining: 0, attempt_count: 1,
      parent: { type: 'subscription_details', subscription_details: { subscription: sub.id, metadata: { gift: 'rg_1' } } },
    });
    const [payment] = invoice.payments!.data;
    expectStripeShape(payment, 'invoice_payment');
    expect(payment).toMatchObject({ status: 'paid', amount_paid: 2_500, payment: { type: 'payment_intent' } });
    const pi = await stripe.paymentIntents.retrieve(payment.payment.payment_intent as string, { expand: ['latest_charge.balance_transaction'] });
    expect(pi).toMatchObject({ status: 'succeeded', customer: customer.id, amount: 2_500 });
    // 2.9% of 25.00 = 0.725, rounded half up to 0.73, plus 0.30: a 1.03 fee, 23.97 net.
    expect(((pi.latest_charge as Stripe.Charge).balance_transaction as Stripe.BalanceTransaction)).toMatchObject({ amount: 2_500, fee: 103, net: 2_397, type: 'charge' });
    const listedPayments = await stripe.invoicePayments.list({ invoice: invoice.id });
    expect(listedPayments.data.map((p) => p.id)).toEqual([payment.id]);

    const portal = await stripe.billingPortal.sessions.create({ customer: customer.id, return_url: 'https://ataa.test/me' });
    expectStripeShape(portal, 'billing_portal.session');
    expect(portal.url).toMatch(new RegExp(`^${sandbox.url}/p/session/`));

    const updated = await stripe.customers.update(customer.id, { metadata: { donor: 'd_1' }, name: 'Dana D.' });
    expect(updated).toMatchObject({ name: 'Dana D.', metadata: { donor: 'd_1' } });
    expect((await stripe.customers.list({ email: 'donor@example.com', limit: 100 })).data.map((c) => c.id)).toContain(customer.id);
  });

  it('refuses parameters Stripe refuses, and ones the sandbox does not model, before changing anything', async () => {
    const { customer } = await clockCustomer();
    const before = (await stripe.subscriptions.list({ customer: customer.id, status: 'all' })).data.length;
    await expect(stripe.subscriptions.create({ customer: customer.id, items: [{ price: 'price_missing' }], colour: 'red' } as Stripe.SubscriptionCreateParams))
      .rejects.toMatchObject({ type: 'StripeInvalidRequestError', code: 'parameter_unknown', param: 'colour' });
    await expect(stripe.prices.create({ currency: 'usd', unit_amount: 500, product_data: { name: 'x' }, recurring: { interval: 'fortnight' as 'week' } }))
      .rejects.toMatchObject({ type: 'StripeInvalidRequestError', param: 'recurring[interval]' });
    await expect(stripe.prices.create({ currency: 'usd', unit_amount: 500, product_data: { name: 'x' }, recurring: { interval: 'month', interval_count: 13 } }))
      .rejects.toMatchObject({ param: 'recurring[interval_count]' });
    // price_data on a subscription item names a product (product_data is Checkout's).
    await expect(stripe.subscriptions.create({ customer: customer.id, items: [{ price_data: { currency: 'usd', unit_amount: 500, recurring: { interval: 'month' } } as Stripe.SubscriptionCreateParams.Item.PriceData }] }))
      .rejects.toMatchObject({ code: 'parameter_missing', param: 'items[0][price_data][product]' });
    await expect(stripe.subscriptions.create({ customer: customer.id, items: [{ price: 'price_missing' }] })).rejects.toMatchObject({ code: 'resource_missing', statusCode: 404 });
    const product = await stripe.products.create({ name: 'Gift' });
    // Below the currency's minimum charge (0.50 USD).
    await expect(stripe.subscriptions.create({ customer: customer.id, items: [{ price_data: { currency: 'usd', product: product.id, unit_amount: 40, recurring: { interval: 'month' } } }] }))
      .rejects.toMatchObject({ code: 'amount_too_small' });
    await expect(stripe.subscriptions.create({ customer: customer.id, trial_period_days: 7, items: [{ price_data: { currency: 'usd', product: product.id, unit_amount: 500, recurring: { interval: 'month' } } }] }))
      .rejects.toMatchObject({ type: 'StripeInvalidRequestError', param: 'trial_period_days' });
    expect((await stripe.subscriptions.list({ customer: customer.id, status: 'all' })).data).toHaveLength(before);
    const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price_data: { currency: 'usd', product: product.id, unit_amount: 500, recurring: { interval: 'month' } } }] });
    // A price change without proration_behavior=none would prorate, which the sandbox does not model.
    await expect(stripe.subscriptions.update(sub.id, { items: [{ id: sub.items.data[0].id, price_data: { currency: 'usd', product: product.id, unit_amount: 900, recurring: { interval: 'month' } } }] }))
      .rejects.toMatchObject({ param: 'proration_behavior' });
    await expect(stripe.subscriptions.update(sub.id, { cancel_at: 1_000 })).rejects.toMatchObject({ param: 'cancel_at' });
    await expect(stripe.checkout.sessions.create({ mode: 'setup', success_url: 'https://ataa.test/ok' })).rejects.toMatchObject({ code: 'parameter_missing', param: 'currency' });
    await expect(stripe.checkout.sessions.create({
      mode: 'subscription', success_url: 'https://ataa.test/ok',
      line_items: [{ quantity: 1, price_data: { currency: 'usd', unit_amount: 500, product_data: { name: 'x' } } }],
    })).rejects.toMatchObject({ code: 'parameter_missing', param: 'line_items[0][price_data][recurring]' });
  });

  it('subscription mode on the hosted page: a customer, a subscription and its paid first invoice, with the events Stripe sends', async () => {
    const session = await stripe.checkout.sessions.create({
      mode: 'subscription', success_url: 'https://ataa.test/thanks?session_id={CHECKOUT_SESSION_ID}', cancel_url: 'https://ataa.test/c/water', customer_email: 'monthly@example.com',
      line_items: [{ quantity: 1, price_data: { currency: 'usd', unit_amount: 1_000, recurring: { interval: 'week', interval_count: 2 }, product_data: { name: 'Gift every two weeks' } } }],
      subscription_data: { metadata: { gift: 'rg_2' } }, metadata: { campaign: 'camp_1' },
    });
    expectStripeShape(session, 'checkout.session');
    expect(session).toMatchObject({ mode: 'subscription', amount_total: 1_000, currency: 'usd', payment_status: 'unpaid', subscription: null, payment_intent: null });
    const page = await fetch(session.url!);
    expect(await page.text()).toContain('10.00 USD / 2 weeks');
    const declined = await fetch(session.url!, { method: 'POST', body: new URLSearchParams({ email: 'monthly@example.com', card_number: '4000 0000 0000 0002', card_expiry: '12 / 34', card_cvc: '123', name: 'Mo' }), redirect: 'manual' });
    expect(declined.status).toBe(402);
    expect(await declined.text()).toContain('Your card was declined.');
    expect((await stripe.checkout.sessions.retrieve(session.id)).status).toBe('open');
    const paid = await fetch(session.url!, { method: 'POST', body: new URLSearchParams({ email: 'monthly@example.com', card_number: '4242 4242 4242 4242', card_expiry: '12 / 34', card_cvc: '123', name: 'Mo' }), redirect: 'manual' });
    expect(paid.status).toBe(303);
    expect(paid.headers.get('location')).toBe(`https://ataa.test/thanks?session_id=${session.id}`);
    const done = await stripe.checkout.sessions.retrieve(session.id, { expand: ['subscription'] });
    expect(done).toMatchObject({ status: 'complete', payment_status: 'paid', payment_intent: null });
    const sub = done.subscription as Stripe.Subscription;
    expect(sub).toMatchObject({ status: 'active', customer: done.customer, metadata: { gift: 'rg_2' }, latest_invoice: done.invoice });
    expect(sub.items.data[0].price.recurring).toMatchObject({ interval: 'week', interval_count: 2 });
    expect(sub.items.data[0].current_period_end - sub.items.data[0].current_period_start).toBe(14 * DAY);
    await idle();
    const types = eventsFor([done.customer as string, sub.id, session.id, done.invoice as string]).map((e) => e.type);
    expect(types).toEqual([
      'customer.created', 'payment_method.attached', 'customer.subscription.created', 'invoice.created', 'invoice.finalized', 'payment_intent.created',
      'charge.succeeded', 'payment_intent.succeeded', 'invoice_payment.paid', 'invoice.paid', 'invoice.payment_succeeded', 'customer.subscription.updated',
      'checkout.session.completed', 'charge.updated',
    ]);
    const completed = receiver.events.find((e) => e.type === 'checkout.session.completed' && (e.data.object as Stripe.Checkout.Session).id === session.id)!;
    expect(completed.data.object).toMatchObject({ subscription: sub.id, customer: done.customer, invoice: done.invoice });
    const chargeUpdated = eventsFor([done.customer as string]).find((e) => e.type === 'charge.updated')!;
    expect((chargeUpdated.data.object as Stripe.Charge).balance_transaction).toMatch(/^txn_/);
    expect(receiver.rejected).toEqual([]);
  });

  it('setup mode on the hosted page: a SetupIntent and a card saved to the customer, nothing charged', async () => {
    const customer = await stripe.customers.create({ email: 'pledge@example.com' });
    const session = await stripe.checkout.sessions.create({
      mode: 'setup', currency: 'usd', customer: customer.id, success_url: 'https://ataa.test/pledged', setup_intent_data: { metadata: { pledge: 'pl_1' } },
    });
    expect(session).toMatchObject({ mode: 'setup', amount_total: null, payment_status: 'no_payment_required', customer: customer.id });
    const posted = await fetch(session.url!, { method: 'POST', body: new URLSearchParams({ card_number: '4000 0027 6000 3184', card_expiry: '12 / 34', card_cvc: '123', name: 'Pat' }), redirect: 'manual' });
    expect(posted.status).toBe(303);
    const done = await stripe.checkout.sessions.retrieve(session.id, { expand: ['setup_intent'] });
    const si = done.setup_intent as Stripe.SetupIntent;
    expect(si).toMatchObject({ status: 'succeeded', usage: 'off_session', customer: customer.id, metadata: { pledge: 'pl_1' } });
    expect((await stripe.paymentMethods.retrieve(si.payment_method as string)).customer).toBe(customer.id);
    expect((await stripe.charges.list({ limit: 100 })).data.filter((c) => c.customer === customer.id)).toEqual([]);
    await idle();
    expect(eventsFor([customer.id, si.id, session.id]).map((e) => e.type)).toEqual(['customer.created', 'setup_intent.created', 'payment_method.attached', 'setup_intent.succeeded', 'checkout.session.completed']);
  });

  it('off-session payments: succeed, decline (card_declined), or fail with authentication_required for the 3-D Secure card; replays under one key', async () => {
    const customer = await stripe.customers.create({ email: 'offsession@example.com' });
    const card = await stripe.paymentMethods.attach('pm_card_visa', { customer: customer.id });
    const params = { amount: 5_000, currency: 'usd', customer: customer.id, payment_method: card.id, off_session: true, confirm: true, metadata: { pledge: 'pl_9' } };
    const first = await stripe.paymentIntents.create(params, { idempotencyKey: 'pledge-pl_9' });
    expect(first).toMatchObject({ status: 'succeeded', amount_received: 5_000, customer: customer.id, payment_method: card.id });
    const replay = await stripe.paymentIntents.create(params, { idempotencyKey: 'pledge-pl_9' });
    expect(replay.id).toBe(first.id);
    expect(replay.lastResponse.headers['idempotent-replayed']).toBe('true');
    expect((await stripe.charges.list({ payment_intent: first.id })).data).toHaveLength(1);
    await expect(stripe.paymentIntents.create({ ...params, amount: 6_000 }, { idempotencyKey: 'pledge-pl_9' })).rejects.toMatchObject({ type: 'StripeIdempotencyError' });

    const declined = await stripe.paymentIntents.create({ ...params, payment_method: 'pm_card_chargeDeclined' }, { idempotencyKey: 'pledge-declined' }).catch((e: unknown) => e);
    expect(declined).toBeInstanceOf(Stripe.errors.StripeCardError);
    expect(declined).toMatchObject({ code: 'card_declined', decline_code: 'generic_decline', statusCode: 402 });
    expect((declined as Stripe.errors.StripeCardError).payment_intent).toMatchObject({ status: 'requires_payment_method', last_payment_error: { code: 'card_declined' } });
    // The decline is kept under its key: a retry answers the same error, with the same PaymentIntent, and charges nothing again.
    const again = await stripe.paymentIntents.create({ ...params, payment_method: 'pm_card_chargeDeclined' }, { idempotencyKey: 'pledge-declined' }).catch((e: unknown) => e) as Stripe.errors.StripeCardError;
    expect(again).toMatchObject({ code: 'card_declined', statusCode: 402 });
    expect(again.payment_intent!.id).toBe((declined as Stripe.errors.StripeCardError).payment_intent!.id);
    expect(again.headers?.['idempotent-replayed']).toBe('true');

    const strong = await stripe.paymentMethods.attach('pm_card_authenticationRequired', { customer: customer.id });
    const error = await stripe.paymentIntents.create({ ...params, payment_method: strong.id }, { idempotencyKey: 'pledge-3ds' }).catch((e: unknown) => e) as Stripe.errors.StripeCardError;
    expect(error).toBeInstanceOf(Stripe.errors.StripeCardError);
    expect(error).toMatchObject({ type: 'StripeCardError', code: 'authentication_required', decline_code: 'authentication_required', statusCode: 402 });
    const pi = error.payment_intent!;
    expect(pi).toMatchObject({ status: 'requires_payment_method', customer: customer.id, last_payment_error: { code: 'authentication_required', payment_method: { id: strong.id } } });
    expect((await stripe.paymentIntents.retrieve(pi.id)).status).toBe('requires_payment_method');
  });

  it('renews monthly on a test clock: 12 renewals a year on, each invoice paid, the events in order and signed', async () => {
    const { clock, customer, pm } = await clockCustomer();
    const product = await stripe.products.create({ name: 'Monthly gift' });
    // Ends after the 13th payment: cancel_at is the end of the 13th period (15 February 2028).
    const cancelAt = monthLater(clock.frozen_time, 13);
    const sub = await stripe.subscriptions.create({
      customer: customer.id, default_payment_method: pm.id, cancel_at: cancelAt, metadata: { gift: 'rg_3' },
      items: [{ price_data: { currency: 'usd', product: product.id, unit_amount: 2_500, recurring: { interval: 'month' } } }],
    }, { idempotencyKey: 'rg_3-create' });
    expect(sub).toMatchObject({ status: 'active', cancel_at: cancelAt });
    let now = clock.frozen_time;
    for (let month = 1; month <= 12; month++) {
      now = monthLater(clock.frozen_time, month);
      await advance(clock.id, now);
    }
    const invoices = await stripe.invoices.list({ subscription: sub.id, limit: 100 });
    // The first invoice and 12 renewals, each 25.00 USD, paid: 13 × 25.00 = 325.00.
    expect(invoices.data).toHaveLength(13);
    expect(invoices.data.every((i) => i.status === 'paid' && i.amount_paid === 2_500)).toBe(true);
    expect(invoices.data.map((i) => i.billing_reason)).toEqual([...Array(12).fill('subscription_cycle'), 'subscription_create']);
    expect(invoices.data.map((i) => i.created)).toEqual(Array.from({ length: 13 }, (_, k) => monthLater(clock.frozen_time, 12 - k)));
    const renewed = await stripe.subscriptions.retrieve(sub.id);
    expect(renewed).toMatchObject({ status: 'active' });
    expect(renewed.items.data[0]).toMatchObject({ current_period_start: now, current_period_end: monthLater(clock.frozen_time, 13) });
    // Fees: 13 charges of 25.00 at 1.03 each = 13.39; net 325.00 - 13.39 = 311.61.
    const txns = await stripe.balanceTransactions.list({ limit: 100 });
    const ours = [];
    for (const invoice of invoices.data) {
      const [payment] = (await stripe.invoicePayments.list({ invoice: invoice.id })).data;
      const charge = (await stripe.paymentIntents.retrieve(payment.payment.payment_intent as string)).latest_charge as string;
      ours.push(txns.data.find((t) => t.source === charge)!);
    }
    expect(ours.reduce((sum, t) => sum + t.fee, 0)).toBe(1_339);
    expect(ours.reduce((sum, t) => sum + t.net, 0)).toBe(31_161);

    await idle();
    const renewalEvents = receiver.events.filter((e) => e.created > clock.frozen_time && (
      (e.data.object as { customer?: string }).customer === customer.id || (e.data.object as { id: string }).id === sub.id
      || (e.type === 'invoice_payment.paid' && invoices.data.some((i) => i.id === (e.data.object as Stripe.InvoicePayment).invoice))));
    const oneRenewal = [
      'customer.subscription.updated', 'invoice.created', 'invoice.finalized', 'payment_intent.created', 'charge.succeeded', 'payment_intent.succeeded',
      'invoice_payment.paid', 'invoice.paid', 'invoice.payment_succeeded', 'charge.updated',
    ];
    expect(renewalEvents.map((e) => e.type)).toEqual(Array(12).fill(oneRenewal).flat());
    const paidEvents = renewalEvents.filter((e) => e.type === 'invoice.paid');
    expect(paidEvents.map((e) => e.created)).toEqual(Array.from({ length: 12 }, (_, k) => monthLater(clock.frozen_time, k + 1)));
    expect(receiver.rejected).toEqual([]);

    // The 13th period ends at cancel_at: the subscription ends instead of renewing.
    await advance(clock.id, monthLater(clock.frozen_time, 13));
    expect(await stripe.subscriptions.retrieve(sub.id)).toMatchObject({ status: 'canceled', ended_at: cancelAt, cancellation_details: { reason: 'cancellation_requested' } });
    expect((await stripe.invoices.list({ subscription: sub.id, limit: 100 })).data).toHaveLength(13);
    await idle();
    expect(receiver.events.filter((e) => e.type === 'customer.subscription.deleted' && (e.data.object as Stripe.Subscription).id === sub.id)).toHaveLength(1);
    // A second advance of more than two months at once is refused, as Stripe refuses it.
    const other = await clockCustomer();
    await stripe.subscriptions.create({ customer: other.customer.id, items: [{ price_data: { currency: 'usd', product: product.id, unit_amount: 2_500, recurring: { interval: 'month' } } }] });
    await expect(stripe.testHelpers.testClocks.advance(other.clock.id, { frozen_time: monthLater(other.clock.frozen_time, 3) })).rejects.toMatchObject({ param: 'frozen_time' });
  });

  it('a failed renewal: past_due, three retries 3, 5 and 7 days apart, then the subscription is deleted', async () => {
    const { clock, customer } = await clockCustomer();
    const product = await stripe.products.create({ name: 'Monthly gift' });
    const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price_data: { currency: 'usd', product: product.id, unit_amount: 2_000, recurring: { interval: 'month' } } }] });
    // The card is replaced by one that saves but declines every charge (4000 0000 0000 0341).
    const failing = await stripe.paymentMethods.attach('pm_card_chargeCustomerFail', { customer: customer.id });
    await stripe.subscriptions.update(sub.id, { default_payment_method: failing.id });
    const renewal = monthLater(clock.frozen_time, 1);
    await advance(clock.id, renewal);
    expect(await stripe.subscriptions.retrieve(sub.id)).toMatchObject({ status: 'past_due' });
    const invoice = (await stripe.invoices.list({ subscription: sub.id, status: 'open' })).data[0];
    expect(invoice).toMatchObject({ attempt_count: 1, next_payment_attempt: renewal + 3 * DAY, amount_remaining: 2_000 });
    const hosted = await fetch(invoice.hosted_invoice_url!);
    expect(hosted.status).toBe(200);
    expect(await hosted.text()).toContain('20.00 USD · due (the card is tried again automatically)');
    await advance(clock.id, renewal + 3 * DAY);
    expect(await stripe.invoices.retrieve(invoice.id)).toMatchObject({ attempt_count: 2, next_payment_attempt: renewal + 8 * DAY });
    await advance(clock.id, renewal + 8 * DAY);
    expect(await stripe.invoices.retrieve(invoice.id)).toMatchObject({ attempt_count: 3, next_payment_attempt: renewal + 15 * DAY });
    await advance(clock.id, renewal + 15 * DAY);
    expect(await stripe.invoices.retrieve(invoice.id)).toMatchObject({ status: 'open', attempt_count: 4, next_payment_attempt: null, amount_paid: 0 });
    expect(await stripe.subscriptions.retrieve(sub.id)).toMatchObject({ status: 'canceled', cancellation_details: { reason: 'payment_failed' }, ended_at: renewal + 15 * DAY });
    await idle();
    const types = receiver.events.filter((e) => e.created >= renewal && ((e.data.object as { id: string }).id === sub.id || (e.data.object as { id: string }).id === invoice.id)).map((e) => e.type);
    expect(types).toEqual([
      'customer.subscription.updated', 'invoice.created', 'invoice.finalized', 'invoice.payment_failed', 'customer.subscription.updated',
      'invoice.payment_failed', 'invoice.payment_failed', 'invoice.payment_failed', 'customer.subscription.deleted',
    ]);
    // One PaymentIntent for the invoice, tried four times: four failed charges.
    const intents = new Set((await stripe.charges.list({ limit: 100 })).data.filter((c) => c.customer === customer.id && c.status === 'failed').map((c) => c.payment_intent));
    expect(intents.size).toBe(1);
  });

  it('a past-due subscription is paid again when the donor puts a new card in the billing portal', async () => {
    const { clock, customer } = await clockCustomer();
    const product = await stripe.products.create({ name: 'Monthly gift' });
    const failing = await stripe.paymentMethods.attach('pm_card_chargeCustomerFail', { customer: customer.id });
    const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price_data: { currency: 'usd', product: product.id, unit_amount: 2_000, recurring: { interval: 'month' } } }] });
    await stripe.customers.update(customer.id, { invoice_settings: { default_payment_method: failing.id } });
    await advance(clock.id, monthLater(clock.frozen_time, 1));
    expect((await stripe.subscriptions.retrieve(sub.id)).status).toBe('past_due');
    const portal = await stripe.billingPortal.sessions.create({ customer: customer.id });
    const page = await fetch(`${portal.url}/payment_method`, { method: 'POST', body: new URLSearchParams({ card_number: '4242 4242 4242 4242', card_expiry: '12 / 34', card_cvc: '123' }) });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('Card updated.');
    expect(await stripe.subscriptions.retrieve(sub.id)).toMatchObject({ status: 'active' });
    const [renewal] = (await stripe.invoices.list({ subscription: sub.id })).data;
    // Two attempts on the one invoice: the failed renewal, then the new card.
    expect(renewal).toMatchObject({ status: 'paid', attempt_count: 2, amount_paid: 2_000, next_payment_attempt: null });
    // A card that fails Stripe's check when saved refuses the whole customer create.
    await expect(stripe.customers.create({ email: 'refused@example.com', payment_method: 'pm_card_chargeDeclined' })).rejects.toMatchObject({ type: 'StripeCardError', code: 'card_declined' });
    expect((await stripe.customers.list({ email: 'refused@example.com' })).data).toEqual([]);
  });

  it('renewals of a card that always asks for 3-D Secure fail with invoice.payment_action_required', async () => {
    const { clock, customer } = await clockCustomer('pm_card_authenticationRequired');
    const product = await stripe.products.create({ name: 'Weekly gift' });
    // Created through the API nobody is there to authenticate: the first invoice fails too, the subscription stays incomplete.
    const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price_data: { currency: 'usd', product: product.id, unit_amount: 1_000, recurring: { interval: 'week' } } }] });
    expect(sub.status).toBe('incomplete');
    await expect(stripe.subscriptions.create({ customer: customer.id, payment_behavior: 'error_if_incomplete', items: [{ price_data: { currency: 'usd', product: product.id, unit_amount: 1_000, recurring: { interval: 'week' } } }] }))
      .rejects.toMatchObject({ type: 'StripeCardError', code: 'authentication_required' });
    await idle();
    expect(receiver.events.filter((e) => (e.data.object as { id: string }).id === sub.latest_invoice).map((e) => e.type))
      .toEqual(['invoice.created', 'invoice.finalized', 'invoice.payment_action_required', 'invoice.payment_failed']);
    expect(clock.status).toBe('ready');
  });

  it('cancels, pauses and changes the amount of a subscription; the billing portal page lists it and cancels at period end', async () => {
    const { clock, customer } = await clockCustomer();
    const product = await stripe.products.create({ name: 'Monthly gift' });
    const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price_data: { currency: 'usd', product: product.id, unit_amount: 2_000, recurring: { interval: 'month' } } }] });
    // A new amount from the next period: 35.00 instead of 20.00.
    const changed = await stripe.subscriptions.update(sub.id, {
      proration_behavior: 'none', items: [{ id: sub.items.data[0].id, price_data: { currency: 'usd', product: product.id, unit_amount: 3_500, recurring: { interval: 'month' } } }],
    });
    expect(changed.items.data[0].price.unit_amount).toBe(3_500);
    await advance(clock.id, monthLater(clock.frozen_time, 1));
    expect((await stripe.invoices.list({ subscription: sub.id })).data[0]).toMatchObject({ status: 'paid', amount_paid: 3_500 });
    // Paused (invoices voided) for the next month.
    await stripe.subscriptions.update(sub.id, { pause_collection: { behavior: 'void' } });
    await advance(clock.id, monthLater(clock.frozen_time, 2));
    expect((await stripe.invoices.list({ subscription: sub.id })).data[0]).toMatchObject({ status: 'void', amount_paid: 0 });
    await stripe.subscriptions.update(sub.id, { pause_collection: '' });

    const portal = await stripe.billingPortal.sessions.create({ customer: customer.id, return_url: 'https://ataa.test/me' });
    const page = await (await fetch(portal.url)).text();
    expect(page).toContain('35.00 USD / month');
    expect(page).toContain('visa ending in 4242');
    const cancelled = await fetch(`${portal.url}/subscriptions/${sub.id}/cancel`, { method: 'POST', body: new URLSearchParams({}) });
    expect(cancelled.status).toBe(200);
    const periodEnd = monthLater(clock.frozen_time, 3);
    expect(await stripe.subscriptions.retrieve(sub.id)).toMatchObject({ status: 'active', cancel_at_period_end: true, cancel_at: periodEnd });
    await expect(fetch(`${portal.url}/subscriptions/sub_someone_else/cancel`, { method: 'POST', body: new URLSearchParams({}) }).then((r) => r.status)).resolves.toBe(404);
    await advance(clock.id, periodEnd);
    expect(await stripe.subscriptions.retrieve(sub.id)).toMatchObject({ status: 'canceled' });

    const other = await stripe.subscriptions.create({ customer: customer.id, items: [{ price_data: { currency: 'usd', product: product.id, unit_amount: 2_000, recurring: { interval: 'month' } } }] });
    const gone = await stripe.subscriptions.cancel(other.id, { cancellation_details: { comment: 'moving abroad' } });
    expect(gone).toMatchObject({ status: 'canceled', cancellation_details: { reason: 'cancellation_requested', comment: 'moving abroad' } });
    await expect(stripe.subscriptions.cancel(other.id)).rejects.toMatchObject({ type: 'StripeInvalidRequestError' });
    await idle();
    expect(receiver.events.filter((e) => e.type === 'customer.subscription.deleted' && [sub.id, other.id].includes((e.data.object as Stripe.Subscription).id))).toHaveLength(2);
  });

  it('renews subscriptions without a test clock when the sandbox clock moves (the demo path), and a 3-D Secure card saved by API needs action', async () => {
    // Stripe's recipe for test customers: the test id in both places names the one new PaymentMethod.
    const plain = await stripe.customers.create({ email: 'plain@example.com', payment_method: 'pm_card_visa', invoice_settings: { default_payment_method: 'pm_card_visa' } });
    const [card] = (await stripe.customers.listPaymentMethods(plain.id)).data;
    expect(card.id).not.toBe('pm_card_visa');
    expect(plain.invoice_settings.default_payment_method).toBe(card.id);
    await expect(stripe.customers.create({ payment_method: 'pm_card_visa', invoice_settings: { default_payment_method: 'pm_card_mastercard' } }))
      .rejects.toMatchObject({ code: 'resource_missing', param: 'invoice_settings[default_payment_method]' });
    const product = await stripe.products.create({ name: 'Weekly gift' });
    const sub = await stripe.subscriptions.create({ customer: plain.id, default_payment_method: card.id, items: [{ price_data: { currency: 'usd', product: product.id, unit_amount: 700, recurring: { interval: 'week' } } }] });
    // Three weeks on: three renewals, each dated at its period's end.
    await sandbox.control.advanceClock({ days: 21 });
    const invoices = (await stripe.invoices.list({ subscription: sub.id })).data;
    expect(invoices.map((i) => [i.status, i.billing_reason])).toEqual([['paid', 'subscription_cycle'], ['paid', 'subscription_cycle'], ['paid', 'subscription_cycle'], ['paid', 'subscription_create']]);
    expect(invoices[2].created - sub.created).toBe(7 * DAY);

    const si = await stripe.setupIntents.create({ customer: plain.id, payment_method: 'pm_card_authenticationRequired', confirm: true });
    expect(si).toMatchObject({ status: 'requires_action', next_action: { type: 'use_stripe_sdk' } });
    const declined = await stripe.setupIntents.create({ customer: plain.id, payment_method: 'pm_card_chargeDeclined', confirm: true }).catch((e: unknown) => e);
    expect(declined).toMatchObject({ type: 'StripeCardError', code: 'card_declined' });
    expect((await stripe.customers.listPaymentMethods(plain.id)).data).toHaveLength(1);
  });

  it('ends at a cancel_at inside a period without another invoice, and resumes a pause at resumes_at', async () => {
    const { clock, customer } = await clockCustomer();
    const product = await stripe.products.create({ name: 'Gift' });
    const price_data = { currency: 'usd', product: product.id, unit_amount: 1_000, recurring: { interval: 'month' as const } };
    // 15 January + 45 days = 1 March: after the February renewal, before the March one.
    const cancelAt = clock.frozen_time + 45 * DAY;
    const ending = await stripe.subscriptions.create({ customer: customer.id, cancel_at: cancelAt, items: [{ price_data }] });
    // Paused until 20 February: the 15 February invoice is voided, the 15 March one is charged.
    const paused = await stripe.subscriptions.create({ customer: customer.id, items: [{ price_data }] });
    await stripe.subscriptions.update(paused.id, { pause_collection: { behavior: 'void', resumes_at: clock.frozen_time + 36 * DAY } });
    await advance(clock.id, monthLater(clock.frozen_time, 1));
    expect((await stripe.subscriptions.retrieve(paused.id)).pause_collection).toEqual({ behavior: 'void', resumes_at: clock.frozen_time + 36 * DAY });
    await advance(clock.id, clock.frozen_time + 37 * DAY);
    expect((await stripe.subscriptions.retrieve(paused.id)).pause_collection).toBeNull();
    await advance(clock.id, monthLater(clock.frozen_time, 2));
    expect(await stripe.subscriptions.retrieve(ending.id)).toMatchObject({ status: 'canceled', ended_at: cancelAt });
    expect((await stripe.invoices.list({ subscription: ending.id })).data.map((i) => i.billing_reason)).toEqual(['subscription_cycle', 'subscription_create']);
    expect((await stripe.invoices.list({ subscription: paused.id })).data.map((i) => i.status)).toEqual(['paid', 'void', 'paid']);
  });

  it('charges a pledge once when the off-session payment\'s answer is lost: the client retries under its key and gets the saved PaymentIntent', async () => {
    const customer = await stripe.customers.create({ email: 'lost@example.com', payment_method: 'pm_card_visa', invoice_settings: { default_payment_method: 'pm_card_visa' } });
    const card = customer.invoice_settings.default_payment_method as string;
    await sandbox.control.timeOutNextResponse({ method: 'POST', path: '/v1/payment_intents' });
    // stripe-node retries the dropped request itself (maxNetworkRetries) with the same Idempotency-Key.
    const pi = await stripe.paymentIntents.create({ amount: 4_000, currency: 'usd', customer: customer.id, payment_method: card, off_session: true, confirm: true }, { idempotencyKey: 'pledge-lost-1' });
    expect(pi.status).toBe('succeeded');
    expect(pi.lastResponse.headers['idempotent-replayed']).toBe('true');
    expect((await stripe.paymentIntents.list({ limit: 100 })).data.filter((p) => p.customer === customer.id)).toHaveLength(1);
    expect((await stripe.charges.list({ limit: 100 })).data.filter((c) => c.customer === customer.id).map((c) => c.amount)).toEqual([4_000]);
  });

  it('replays a subscription create under the same idempotency key (one subscription, one charge)', async () => {
    const { customer } = await clockCustomer();
    const product = await stripe.products.create({ name: 'Gift' });
    const params: Stripe.SubscriptionCreateParams = { customer: customer.id, items: [{ price_data: { currency: 'eur', product: product.id, unit_amount: 1_500, recurring: { interval: 'month' } } }] };
    const first = await stripe.subscriptions.create(params, { idempotencyKey: 'rg_idem' });
    const second = await stripe.subscriptions.create(params, { idempotencyKey: 'rg_idem' });
    expect(second.id).toBe(first.id);
    expect((await stripe.subscriptions.list({ customer: customer.id })).data).toHaveLength(1);
    expect((await stripe.invoices.list({ customer: customer.id })).data).toHaveLength(1);
  });

  it('deleting a customer cancels its subscriptions; deleting a test clock deletes its customers', async () => {
    const { clock, customer } = await clockCustomer();
    const product = await stripe.products.create({ name: 'Gift' });
    const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price_data: { currency: 'usd', product: product.id, unit_amount: 1_500, recurring: { interval: 'month' } } }] });
    expect(await stripe.testHelpers.testClocks.del(clock.id)).toEqual({ id: clock.id, object: 'test_helpers.test_clock', deleted: true });
    expect(await stripe.customers.retrieve(customer.id)).toEqual({ id: customer.id, object: 'customer', deleted: true });
    expect(await stripe.subscriptions.retrieve(sub.id)).toMatchObject({ status: 'canceled' });
    await expect(stripe.testHelpers.testClocks.retrieve(clock.id)).rejects.toMatchObject({ code: 'resource_missing' });
  });
});
