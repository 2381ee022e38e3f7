import Stripe from 'stripe';
import { isAuthenticationRequired, StripeGateway } from '@ataa/payments';
import { startTestSandbox, TestSandbox } from '@ataa/testing';

/**
 * StripeGateway's billing methods (what recurring gifts and pledges call) against the sandbox with
 * the real `stripe` client: creates are replayed under their idempotency key, an invoice names the
 * PaymentIntent that paid it, a 3-D Secure card's off-session payment is recognised as
 * authentication_required.
 */
describe('StripeGateway: customers, saved cards, subscriptions, invoices, off-session payments', () => {
  let sandbox: TestSandbox;
  let gateway: StripeGateway;

  beforeAll(async () => {
    sandbox = await startTestSandbox();
    gateway = new StripeGateway(sandbox.stripe());
  });
  afterAll(async () => {
    await sandbox?.close();
  });

  it('makes a recurring gift: customer, card, price, subscription, its paid invoice; each create replayed under its key', async () => {
    const customer = await gateway.createCustomer({ email: 'donor@example.com', metadata: { donor: 'd_1' } }, 'customer-d_1');
    expect((await gateway.createCustomer({ email: 'donor@example.com', metadata: { donor: 'd_1' } }, 'customer-d_1')).id).toBe(customer.id);
    const card = await gateway.attachPaymentMethod('pm_card_visa', { customer: customer.id });
    await gateway.updateCustomer(customer.id, { invoice_settings: { default_payment_method: card.id } });
    expect((await gateway.listCustomerPaymentMethods(customer.id)).data.map((m) => m.id)).toEqual([card.id]);
    const product = await gateway.createProduct({ name: 'Monthly gift' }, 'product-camp_1');
    const price = await gateway.createPrice({ product: product.id, currency: 'eur', unit_amount: 1_000, recurring: { interval: 'month' } }, 'price-camp_1-eur-1000');
    expect(await gateway.retrievePrice(price.id)).toMatchObject({ unit_amount: 1_000, recurring: { interval: 'month' } });
    const sub = await gateway.createSubscription({ customer: customer.id, items: [{ price: price.id }], metadata: { gift: 'rg_1' } }, 'subscription-rg_1');
    expect((await gateway.createSubscription({ customer: customer.id, items: [{ price: price.id }], metadata: { gift: 'rg_1' } }, 'subscription-rg_1')).id).toBe(sub.id);
    expect((await gateway.listSubscriptions({ customer: customer.id })).data).toHaveLength(1);
    const invoice = await gateway.retrieveInvoice(sub.latest_invoice as string, { expand: ['payments'] });
    expect(invoice).toMatchObject({ status: 'paid', amount_paid: 1_000, currency: 'eur' });
    const intent = invoice.payments!.data[0].payment.payment_intent as string;
    expect((await gateway.listInvoicePayments({ payment: { type: 'payment_intent', payment_intent: intent } })).data.map((p) => p.invoice)).toEqual([invoice.id]);
    expect((await gateway.listInvoices({ subscription: sub.id })).data.map((i) => i.id)).toEqual([invoice.id]);

    const paused = await gateway.updateSubscription(sub.id, { pause_collection: { behavior: 'void' } }, 'pause-rg_1');
    expect(paused.pause_collection).toEqual({ behavior: 'void', resumes_at: null });
    const portal = await gateway.createBillingPortalSession({ customer: customer.id, return_url: 'https://ataa.test/me' });
    expect(portal.customer).toBe(customer.id);
    expect(await gateway.cancelSubscription(sub.id)).toMatchObject({ status: 'canceled' });
  });

  it('saves a card with a SetupIntent, then charges it off-session; a 3-D Secure card is authentication_required', async () => {
    const customer = await gateway.createCustomer({ email: 'pledger@example.com' }, 'customer-pledger');
    const si = await gateway.createSetupIntent({ customer: customer.id, payment_method: 'pm_card_authenticationRequired', usage: 'off_session' }, 'setup-pl_1');
    expect((await gateway.retrieveSetupIntent(si.id)).status).toBe('requires_confirmation');
    const card = await gateway.attachPaymentMethod('pm_card_authenticationRequired', { customer: customer.id });
    const error = await gateway.createPaymentIntent({ amount: 2_000, currency: 'usd', customer: customer.id, payment_method: card.id, off_session: true, confirm: true }, 'pledge-pl_1').catch((e: unknown) => e);
    expect(isAuthenticationRequired(error)).toBe(true);
    expect((error as Stripe.errors.StripeCardError).payment_intent?.status).toBe('requires_payment_method');
    const visa = await gateway.attachPaymentMethod('pm_card_visa', { customer: customer.id });
    const paid = await gateway.createPaymentIntent({ amount: 2_000, currency: 'usd', customer: customer.id, payment_method: visa.id, off_session: true, confirm: true }, 'pledge-pl_2');
    expect(paid.status).toBe('succeeded');
    expect(isAuthenticationRequired(new Error('x'))).toBe(false);
    expect((await gateway.detachPaymentMethod(visa.id)).customer).toBeNull();
    expect((await gateway.retrievePaymentMethod(visa.id)).customer).toBeNull();
  });
});
