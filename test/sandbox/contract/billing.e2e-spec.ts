import Stripe from 'stripe';
import { expectStripeShape } from '../stripe-shape.js';
import { describeContract, stripeErrorOf } from './target.js';

/**
 * One contract, two targets (see target.ts): what recurring gifts and pledges rely on from Stripe
 * (customers with Stripe's test cards, subscriptions from price_data, the invoice and the payment
 * that paid it, renewals on a test clock, off-session payments failing for 3-D Secure and declines),
 * checked against the local sandbox and, with STRIPE_TEST_SECRET_KEY set, against Stripe's test mode.
 */
describeContract('Stripe contract: subscriptions, invoices, test clocks, off-session payments', (target) => {
  const advanceTo = async (stripe: Stripe, clockId: string, frozenTime: number) => {
    await stripe.testHelpers.testClocks.advance(clockId, { frozen_time: frozenTime });
    for (let i = 0; i < 120; i++) {
      const clock = await stripe.testHelpers.testClocks.retrieve(clockId);
      if (clock.status === 'ready') return clock;
      // Stripe advances in the background; the sandbox on its next request.
      if (target().name === 'stripe') await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
    throw new Error('the test clock did not become ready');
  };

  it('bills a subscription made from price_data at once and again after a month on a test clock', async () => {
    const { stripe, runId } = target();
    const start = Math.floor(Date.now() / 1000);
    const clock = await stripe.testHelpers.testClocks.create({ frozen_time: start, name: runId });
    try {
      const customer = await stripe.customers.create({
        email: 'contract@example.com', test_clock: clock.id, metadata: { contract_run: runId },
        payment_method: 'pm_card_visa', invoice_settings: { default_payment_method: 'pm_card_visa' },
      });
      expectStripeShape(customer, 'customer');
      const product = await stripe.products.create({ name: 'Contract monthly gift', metadata: { contract_run: runId } });
      const sub = await stripe.subscriptions.create({
        customer: customer.id, metadata: { contract_run: runId }, expand: ['latest_invoice.payments'],
        items: [{ price_data: { currency: 'usd', product: product.id, unit_amount: 1_200, recurring: { interval: 'month' } } }],
      });
      expectStripeShape(sub, 'subscription');
      expect(sub).toMatchObject({ status: 'active', customer: customer.id, test_clock: clock.id, metadata: { contract_run: runId } });
      const first = sub.latest_invoice as Stripe.Invoice;
      expect(first).toMatchObject({ status: 'paid', billing_reason: 'subscription_create', amount_paid: 1_200, parent: { subscription_details: { subscription: sub.id } } });
      expect(first.payments!.data[0]).toMatchObject({ status: 'paid', payment: { type: 'payment_intent' } });
      const pi = await stripe.paymentIntents.retrieve(first.payments!.data[0].payment.payment_intent as string);
      expect(pi).toMatchObject({ status: 'succeeded', amount: 1_200, customer: customer.id });

      await advanceTo(stripe, clock.id, sub.items.data[0].current_period_end + 3_600);
      const invoices = await stripe.invoices.list({ subscription: sub.id });
      expect(invoices.data.map((i) => [i.billing_reason, i.status, i.amount_paid])).toEqual([['subscription_cycle', 'paid', 1_200], ['subscription_create', 'paid', 1_200]]);
      const renewed = await stripe.subscriptions.retrieve(sub.id);
      expect(renewed.items.data[0].current_period_start).toBe(sub.items.data[0].current_period_end);
      const canceled = await stripe.subscriptions.cancel(sub.id);
      expect(canceled.status).toBe('canceled');
    } finally {
      await stripe.testHelpers.testClocks.del(clock.id);
    }
  });

  it('fails an off-session payment with authentication_required for the 3-D Secure card, and with card_declined for a declining one', async () => {
    const { stripe, runId } = target();
    const customer = await stripe.customers.create({ email: 'contract-pledge@example.com', metadata: { contract_run: runId } });
    const card = await stripe.paymentMethods.attach('pm_card_authenticationRequired', { customer: customer.id });
    const error = await stripeErrorOf(stripe.paymentIntents.create({
      amount: 3_000, currency: 'usd', customer: customer.id, payment_method: card.id, off_session: true, confirm: true, metadata: { contract_run: runId },
    }));
    expect({ type: error.type, status: error.statusCode, code: error.code }).toEqual({ type: 'StripeCardError', status: 402, code: 'authentication_required' });
    expect(error.raw.payment_intent).toMatchObject({ status: 'requires_payment_method', customer: customer.id });
    const declined = await stripeErrorOf(stripe.paymentIntents.create({
      amount: 3_000, currency: 'usd', customer: customer.id, payment_method: 'pm_card_chargeDeclined', off_session: true, confirm: true, metadata: { contract_run: runId },
    }));
    expect({ type: declined.type, status: declined.statusCode, code: declined.code }).toEqual({ type: 'StripeCardError', status: 402, code: 'card_declined' });
    // Saving the declining card fails Stripe's check.
    const refused = await stripeErrorOf(stripe.paymentMethods.attach('pm_card_chargeDeclined', { customer: customer.id }));
    expect({ type: refused.type, code: refused.code }).toEqual({ type: 'StripeCardError', code: 'card_declined' });
    await stripe.customers.del(customer.id);
  });
});
