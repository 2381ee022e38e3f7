import Stripe from 'stripe';
import { PARAM_RULES, STRIPE_ERROR_CODES } from '../../../apps/stripe-sandbox/src/core/generated/param-rules.js';
import { expectStripeShape } from '../stripe-shape.js';
import { DOCUMENTED } from './documented-errors.js';
import { describeContract, stripeErrorOf } from './target.js';

/**
 * One contract, two targets (see target.ts): what the platform relies on from Stripe, checked against
 * the local sandbox and, with STRIPE_TEST_SECRET_KEY set, against Stripe's test mode. A difference
 * is a sandbox bug to fix before it hides a production failure.
 */
describeContract('Stripe contract: checkout sessions and parameter errors', (target, { sandboxOnly }) => {
  const session = (extra: Partial<Stripe.Checkout.SessionCreateParams> = {}) =>
    target().stripe.checkout.sessions.create({
      mode: 'payment',
      line_items: [{ quantity: 1, price_data: { currency: 'usd', unit_amount: 2_500, product_data: { name: 'Contract gift' } } }],
      success_url: 'https://ataa.test/thanks?session_id={CHECKOUT_SESSION_ID}',
      cancel_url: 'https://ataa.test/c/contract',
      customer_email: 'donor@example.com',
      metadata: { contract_run: target().runId },
      payment_intent_data: { metadata: { contract_run: target().runId }, transfer_group: target().runId, description: 'Gift to Contract' },
      ...extra,
    });
  const expectError = async (call: Promise<unknown>, expected: { type: string; code?: string; param: string; message: string }, status = 400) => {
    const error = await stripeErrorOf(call);
    expect({ status: error.statusCode, type: error.raw.type, code: error.code, param: error.param, message: error.message }).toEqual({ status, ...expected });
    if (expected.code) expect(STRIPE_ERROR_CODES).toContain(expected.code);
  };

  it('creates, retrieves, lists the line items of and expires a Checkout Session shaped like Stripe\'s', async () => {
    const created = await session({ locale: 'auto', submit_type: 'donate' });
    expect(created.id).toMatch(/^cs_test_/);
    expectStripeShape(created, 'checkout.session');
    expect(created).toMatchObject({ status: 'open', payment_status: 'unpaid', amount_total: 2_500, currency: 'usd', locale: 'auto', submit_type: 'donate', livemode: false });
    expect(created.url).toMatch(/^https?:\/\//);
    expect((await target().stripe.checkout.sessions.retrieve(created.id)).id).toBe(created.id);
    const items = await target().stripe.checkout.sessions.listLineItems(created.id);
    expect(items.data.map((i) => [i.amount_total, i.quantity, i.description])).toEqual([[2_500, 1, 'Contract gift']]);
    expect(await target().stripe.checkout.sessions.expire(created.id)).toMatchObject({ id: created.id, status: 'expired' });
  });

  it('takes every locale the platform sends: auto for an Arabic page, en for an English one', async () => {
    for (const locale of ['auto', 'en'] as const) expect((await session({ locale })).locale).toBe(locale);
  });

  it('refuses locale=ar (Checkout has no Arabic) naming the locales it has', async () => {
    // The locales the `stripe` package lists for its API version (Stripe sorts them the same way).
    const locale = PARAM_RULES['POST /v1/checkout/sessions'].params.locale;
    const locales = locale.type === 'enum' ? locale.values : [];
    expect(locales).toContain('auto');
    expect(locales).not.toContain('ar');
    await expectError(session({ locale: 'ar' as Stripe.Checkout.SessionCreateParams.Locale }), DOCUMENTED.enumValue('locale', locales));
  });

  it('refuses unknown parameters, at the top and nested, with parameter_unknown', async () => {
    await expectError(session({ surprise: 'yes' } as never), DOCUMENTED.unknown('surprise'));
    await expectError(session({ line_items: [{ quantity: 1, surprise: 'yes', price_data: { currency: 'usd', unit_amount: 100, product_data: { name: 'x' } } } as never] }), DOCUMENTED.unknown('line_items[0][surprise]'));
  });

  it('refuses missing required parameters with parameter_missing', async () => {
    await expectError(target().stripe.accountLinks.create({ type: 'account_onboarding' } as never), DOCUMENTED.missing('account'));
    await expectError(session({ line_items: [{ quantity: 1, price_data: { unit_amount: 100, product_data: { name: 'x' } } as never }] }), DOCUMENTED.missing('line_items[0][price_data][currency]'));
  });

  it('refuses an empty string where a value cannot be unset, a malformed integer and a value outside an enum', async () => {
    await expectError(target().stripe.refunds.create({ charge: 'ch_contract', amount: '' as never }), DOCUMENTED.empty('amount'));
    await expectError(target().stripe.refunds.create({ charge: 'ch_contract', amount: 'abc' as never }), DOCUMENTED.integer('amount', 'abc'));
    await expectError(target().stripe.refunds.create({ charge: 'ch_contract', reason: 'bored' as never }), DOCUMENTED.enumValue('reason', ['duplicate', 'fraudulent', 'requested_by_customer']));
  });

  it('answers an unknown id with 404 resource_missing naming the object type', async () => {
    const error = await stripeErrorOf(target().stripe.checkout.sessions.retrieve('cs_test_contract_nope'));
    expect({ status: error.statusCode, code: error.code, message: error.message }).toEqual({ status: 404, code: 'resource_missing', message: "No such checkout.session: 'cs_test_contract_nope'" });
  });

  it('reads the balance and lists balance transactions with expand[] and created ranges', async () => {
    expectStripeShape(await target().stripe.balance.retrieve(), 'balance');
    const since = Math.floor(Date.now() / 1000) - 86_400;
    const page = await target().stripe.balanceTransactions.list({ limit: 3, created: { gte: since }, expand: ['data.source'] });
    expect(page).toMatchObject({ object: 'list', url: '/v1/balance_transactions' });
    expect(page.data.length).toBeLessThanOrEqual(3);
  });

  sandboxOnly('a paid session expands to its payment intent, charge and balance transaction in one call', async () => {
    const created = await session();
    await target().control!.paySession(created.id);
    const full = await target().stripe.checkout.sessions.retrieve(created.id, { expand: ['payment_intent.latest_charge.balance_transaction'] });
    const charge = (full.payment_intent as Stripe.PaymentIntent).latest_charge as Stripe.Charge;
    expectStripeShape(charge, 'charge');
    expect(charge.balance_transaction).toMatchObject({ object: 'balance_transaction', amount: 2_500 });
  });
});
