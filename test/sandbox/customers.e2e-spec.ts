import Stripe from 'stripe';
import { startTestSandbox, TestSandbox } from '@ataa/testing';
import { expectStripeShape } from './stripe-shape.js';

/**
 * Contract tests: Customers as Checkout makes them (customer_creation=always) and as an erasure
 * deletes them, through the real `stripe` package: the session, payment intent and charge name the
 * Customer; deleting answers the `deleted: true` stub, which retrieving answers from then on;
 * deleting again is `resource_missing`; without customer_creation no Customer is made.
 */
describe('Stripe sandbox: customers', () => {
  let sandbox: TestSandbox;
  let stripe: Stripe;

  beforeAll(async () => {
    sandbox = await startTestSandbox();
    stripe = sandbox.stripe();
  });
  afterAll(async () => {
    await sandbox?.close();
  });

  const pay = async (extra: Partial<Stripe.Checkout.SessionCreateParams>) => {
    const session = await stripe.checkout.sessions.create({
      mode: 'payment', line_items: [{ quantity: 1, price_data: { currency: 'usd', unit_amount: 2_500, product_data: { name: 'Gift' } } }],
      success_url: 'https://ataa.test/thanks', cancel_url: 'https://ataa.test/c/x', customer_email: 'donor@example.com', ...extra,
    });
    await sandbox.control.paySession(session.id, { name: 'Dana Donor' });
    return stripe.checkout.sessions.retrieve(session.id, { expand: ['payment_intent.latest_charge'] });
  };

  it('creates a Customer for customer_creation=always, named by the session, payment intent and charge', async () => {
    const session = await pay({ customer_creation: 'always' });
    expect(session.customer_creation).toBe('always');
    const customerId = session.customer as string;
    expect(customerId).toMatch(/^cus_/);
    const pi = session.payment_intent as Stripe.PaymentIntent;
    expect(pi.customer).toBe(customerId);
    expect((pi.latest_charge as Stripe.Charge).customer).toBe(customerId);
    const customer = await stripe.customers.retrieve(customerId) as Stripe.Customer;
    expectStripeShape(customer, 'customer');
    expect(customer).toMatchObject({ id: customerId, object: 'customer', email: 'donor@example.com', name: 'Dana Donor', livemode: false });
    const { data } = await stripe.events.list({ type: 'customer.created' });
    expect(data.map((e) => (e.data.object as { id: string }).id)).toContain(customerId);
  });

  it('deletes a Customer for good: the stub from then on, resource_missing on a second delete', async () => {
    const session = await pay({ customer_creation: 'always' });
    const customerId = session.customer as string;
    expect(await stripe.customers.del(customerId)).toEqual({ id: customerId, object: 'customer', deleted: true });
    expect(await stripe.customers.retrieve(customerId)).toEqual({ id: customerId, object: 'customer', deleted: true });
    await expect(stripe.customers.del(customerId)).rejects.toMatchObject({ type: 'StripeInvalidRequestError', code: 'resource_missing', statusCode: 404 });
    await expect(stripe.customers.retrieve('cus_doesnotexist')).rejects.toMatchObject({ code: 'resource_missing', statusCode: 404 });
    // The payment keeps its own copy (what no Stripe API call erases).
    expect(session.customer_details?.email).toBe('donor@example.com');
    const { data } = await stripe.events.list({ type: 'customer.deleted' });
    expect(data.map((e) => (e.data.object as { id: string }).id)).toContain(customerId);
  });

  it('makes no Customer without customer_creation (if_required, payment mode)', async () => {
    const session = await pay({});
    expect(session.customer_creation).toBe('if_required');
    expect(session.customer).toBeNull();
    await expect(stripe.checkout.sessions.create({
      mode: 'payment', line_items: [{ quantity: 1, price_data: { currency: 'usd', unit_amount: 2_500, product_data: { name: 'Gift' } } }],
      success_url: 'https://ataa.test/thanks', customer_creation: 'sometimes' as 'always',
    })).rejects.toMatchObject({ type: 'StripeInvalidRequestError', param: 'customer_creation' });
  });
});
