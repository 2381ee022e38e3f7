import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { SandboxBilling } from '../core/billing.js';
import { SandboxEngine } from '../core/engine.js';
import { RequestInfo, SANDBOX_API_VERSION } from '../core/event-bus.js';
import { expand, SpecialExpander } from '../core/expand.js';
import { ID_PREFIX, newId } from '../core/ids.js';
import { PARAM_RULES } from '../core/generated/param-rules.js';
import { validateParams } from '../core/param-validator.js';
import { Params } from '../core/params.js';
import { StripeObject } from '../core/state-store.js';
import { invalidRequest, noSuch, StripeApiError } from '../core/stripe-error.js';
import { authenticate, fingerprint, Idempotency, LIST_PARAMS, paginate } from './wire.js';

export interface ApiContext {
  engine: SandboxEngine;
  billing: SandboxBilling;
  idempotency: Idempotency;
  apiKeys?: readonly string[];
  baseUrl(request: FastifyRequest): string;
  /** Consulted after an action is done: whether to drop the connection instead of answering. */
  takeResponseFault(method: string, path: string): { delayMs: number } | null;
}

interface HandlerInput {
  p: Params;
  path: Record<string, string>;
  request: RequestInfo;
  baseUrl: string;
}

type Handler = (input: HandlerInput) => StripeObject;

const lineItemsExpander = (engine: SandboxEngine): SpecialExpander => (owner, field) => {
  if (owner.object === 'checkout.session' && field === 'line_items') {
    return { object: 'list', data: structuredClone(engine.lineItemsOf(owner.id)), has_more: false, url: `/v1/checkout/sessions/${owner.id}/line_items` };
  }
  // An invoice's payments (invoice_payment objects: which PaymentIntent and charge paid it) come only when expanded.
  if (owner.object === 'invoice' && field === 'payments') {
    const payments = engine.store.all('invoice_payment', (ip) => ip.invoice === owner.id);
    return { object: 'list', data: payments.map((ip) => structuredClone(ip)), has_more: false, url: `/v1/invoice_payments?invoice=${owner.id}` };
  }
  return undefined;
};

/** Stripe's REST API (the subset the platform uses), under /v1. */
export function registerApiRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const { engine, billing } = ctx;
  const store = engine.store;
  const special = lineItemsExpander(engine);

  const route = (method: 'GET' | 'POST' | 'DELETE', url: string, handler: Handler) => {
    // Every parameter is checked as Stripe checks it (rules generated from the `stripe` package's types).
    const rules = PARAM_RULES[`${method} ${url}`];
    if (!rules) throw new Error(`No parameter rules for ${method} ${url}: run npm run sandbox:rules`);
    app.route({
      method,
      url,
      handler: async (req: FastifyRequest, reply: FastifyReply) => {
        const requestId = newId(ID_PREFIX.request);
        void reply.header('request-id', requestId);
        const apiKey = authenticate(req.headers.authorization, ctx.apiKeys);
        void reply.header('stripe-version', typeof req.headers['stripe-version'] === 'string' ? req.headers['stripe-version'] : SANDBOX_API_VERSION);
        if (req.headers['stripe-account'] || req.headers['stripe-context']) {
          // Acting as a connected account is not modelled; failing loudly beats answering as the platform.
          throw invalidRequest('The Stripe sandbox does not support the Stripe-Account header: requests act on the platform account.', undefined, 'Stripe-Account');
        }
        const contentType = req.headers['content-type'];
        if (method === 'POST' && contentType && !contentType.startsWith('application/x-www-form-urlencoded')) {
          throw invalidRequest(`Invalid request: unsupported Content-Type ${contentType.split(';')[0]}. Stripe's API takes application/x-www-form-urlencoded bodies.`);
        }
        engine.tick();
        // stripe-node sends a DELETE's parameters in the query string, like a GET's.
        const raw = (method === 'POST' ? req.body : req.query) ?? {};
        if (typeof raw !== 'object' || Array.isArray(raw)) throw invalidRequest('Request bodies must be form-encoded (application/x-www-form-urlencoded).');
        validateParams(rules, raw as Record<string, unknown>);
        const p = Params.of(raw);
        const pathOnly = req.url.split('?')[0];
        const keyHeader = req.headers['idempotency-key'];
        const idempotencyKey = method === 'POST' && typeof keyHeader === 'string' && keyHeader !== '' ? keyHeader : null;
        const print = idempotencyKey ? fingerprint(method, pathOnly, raw) : '';
        if (idempotencyKey) {
          void reply.header('idempotency-key', idempotencyKey);
          const replay = ctx.idempotency.check(apiKey, idempotencyKey, print);
          if (replay) {
            return reply.code(replay.status).header('idempotent-replayed', 'true').type('application/json').send(replay.body);
          }
        }
        billing.rememberBaseUrl(ctx.baseUrl(req));
        let result: StripeObject;
        try {
          result = handler({ p, path: req.params as Record<string, string>, request: { id: requestId, idempotencyKey }, baseUrl: ctx.baseUrl(req) });
        } catch (error) {
          // A card error comes after the request ran (a PaymentIntent and a failed charge exist):
          // Stripe saves it under the key, so a retry answers the same error instead of charging again.
          if (idempotencyKey && error instanceof StripeApiError && error.status === 402) {
            ctx.idempotency.save(apiKey, idempotencyKey, print, 402, JSON.stringify(error.toJSON(), null, 2));
          }
          throw error;
        }
        const body = JSON.stringify(expand(structuredClone(result), p.expand(), (id) => store.get(id), special), null, 2);
        if (idempotencyKey) ctx.idempotency.save(apiKey, idempotencyKey, print, 200, body);
        const fault = ctx.takeResponseFault(method, pathOnly);
        if (fault) {
          // The action is done and saved; the client only sees its connection drop (a timeout).
          reply.hijack();
          setTimeout(() => req.raw.socket?.destroy(), fault.delayMs).unref();
          return reply;
        }
        return reply.code(200).type('application/json').send(body);
      },
    });
  };

  const retrieve = (type: string) => ({ p, path }: HandlerInput) => {
    p.allow(['expand']);
    return engine.find(type, path.id);
  };

  const listOf = (type: string, url: string, filters: Record<string, (value: string, item: StripeObject) => boolean> = {}, keep: (item: StripeObject) => boolean = () => true) =>
    ({ p }: HandlerInput) => {
      p.allow([...LIST_PARAMS, ...Object.keys(filters)]);
      const active = Object.entries(filters).filter(([key]) => p.has(key)).map(([key, test]) => [p.string(key)!, test] as const);
      return paginate(store.all(type, (item) => keep(item) && active.every(([value, test]) => test(value, item))), p, url);
    };

  const field = (name: string) => (value: string, item: StripeObject) => item[name] === value;

  // Checkout sessions
  route('POST', '/v1/checkout/sessions', ({ p, baseUrl }) => engine.createCheckoutSession(p, baseUrl));
  route('GET', '/v1/checkout/sessions', listOf('checkout.session', '/v1/checkout/sessions', { payment_intent: field('payment_intent'), status: field('status') }));
  route('GET', '/v1/checkout/sessions/:id', ({ p, path }) => {
    p.allow(['expand']);
    return engine.find('checkout.session', path.id, 'session');
  });
  route('POST', '/v1/checkout/sessions/:id/expire', ({ p, path, request }) => {
    p.allow(['expand']);
    return engine.expireSession(path.id, request);
  });
  route('GET', '/v1/checkout/sessions/:id/line_items', ({ p, path }) => {
    engine.find('checkout.session', path.id, 'session');
    p.allow(LIST_PARAMS);
    return paginate(engine.lineItemsOf(path.id), p, `/v1/checkout/sessions/${path.id}/line_items`);
  });

  // Payment intents, charges
  route('GET', '/v1/payment_intents', listOf('payment_intent', '/v1/payment_intents'));
  route('GET', '/v1/payment_intents/:id', retrieve('payment_intent'));
  route('GET', '/v1/charges', listOf('charge', '/v1/charges', { payment_intent: field('payment_intent'), transfer_group: field('transfer_group') }));
  route('GET', '/v1/charges/:id', retrieve('charge'));

  // Customers (created by Checkout with customer_creation=always; deleted on a donor's erasure)
  route('GET', '/v1/customers/:id', ({ p, path }) => {
    p.allow(['expand']);
    return engine.retrieveCustomer(path.id);
  });
  route('DELETE', '/v1/customers/:id', ({ p, path, request }) => {
    p.allow([]);
    return engine.deleteCustomer(path.id, request);
  });

  route('POST', '/v1/customers', ({ p, request }) => billing.createCustomer(p, request));
  route('POST', '/v1/customers/:id', ({ p, path, request }) => billing.updateCustomer(path.id, p, request));
  route('GET', '/v1/customers', listOf('customer', '/v1/customers', {
    email: field('email'), test_clock: field('test_clock'),
  }, (c) => c.deleted !== true));
  route('GET', '/v1/customers/:id/payment_methods', ({ p, path }) => {
    p.allow([...LIST_PARAMS, 'type', 'allow_redisplay']);
    p.string('type', { oneOf: ['card'] });
    engine.find('customer', path.id, 'customer');
    return paginate(store.all('payment_method', (pm) => pm.customer === path.id), p, `/v1/customers/${path.id}/payment_methods`);
  });

  // Payment methods (saved cards), setup intents, off-session payment intents
  route('GET', '/v1/payment_methods/:id', retrieve('payment_method'));
  route('GET', '/v1/payment_methods', ({ p }) => {
    p.allow([...LIST_PARAMS, 'customer', 'type']);
    p.string('type', { oneOf: ['card'] });
    const customer = p.string('customer');
    if (!customer) throw invalidRequest('The Stripe sandbox lists payment methods of a customer only: pass `customer`.', undefined, 'customer');
    return paginate(store.all('payment_method', (pm) => pm.customer === customer), p, '/v1/payment_methods');
  });
  route('POST', '/v1/payment_methods/:id/attach', ({ p, path, request }) => billing.attachPaymentMethod(path.id, p, request));
  route('POST', '/v1/payment_methods/:id/detach', ({ p, path, request }) => billing.detachPaymentMethod(path.id, p, request));
  route('POST', '/v1/setup_intents', ({ p, request }) => billing.createSetupIntent(p, request));
  route('GET', '/v1/setup_intents/:id', ({ p, path }) => {
    p.allow(['expand', 'client_secret']);
    return engine.find('setup_intent', path.id, 'intent');
  });
  route('POST', '/v1/setup_intents/:id/confirm', ({ p, path, request }) => billing.confirmSetupIntent(path.id, p, request));
  route('POST', '/v1/payment_intents', ({ p, request }) => billing.createPaymentIntent(p, request));
  route('POST', '/v1/payment_intents/:id/confirm', ({ p, path, request }) => billing.confirmPaymentIntent(path.id, p, request));

  // Products and prices
  route('POST', '/v1/products', ({ p, request }) => billing.createProduct(p, request));
  route('GET', '/v1/products/:id', retrieve('product'));
  route('GET', '/v1/products', listOf('product', '/v1/products', { active: (value, item) => String(item.active) === value }));
  route('POST', '/v1/prices', ({ p, request }) => billing.createPrice(p, request));
  route('GET', '/v1/prices/:id', retrieve('price'));
  route('GET', '/v1/prices', listOf('price', '/v1/prices', {
    product: field('product'), currency: field('currency'), type: field('type'), active: (value, item) => String(item.active) === value,
  }));

  // Subscriptions and their invoices
  route('POST', '/v1/subscriptions', ({ p, request }) => billing.createSubscription(p, request));
  route('GET', '/v1/subscriptions/:id', retrieve('subscription'));
  route('POST', '/v1/subscriptions/:id', ({ p, path, request }) => billing.updateSubscription(path.id, p, request));
  route('DELETE', '/v1/subscriptions/:id', ({ p, path, request }) => billing.cancelSubscription(path.id, p, request));
  route('GET', '/v1/subscriptions', ({ p }) => {
    p.allow([...LIST_PARAMS, 'customer', 'status', 'price', 'test_clock']);
    const status = p.string('status', { oneOf: ['active', 'all', 'canceled', 'ended', 'incomplete', 'incomplete_expired', 'past_due', 'paused', 'trialing', 'unpaid'] });
    const customer = p.string('customer');
    const price = p.string('price');
    const clock = p.string('test_clock');
    const statusMatches = (s: StripeObject) =>
      status === 'all' || (status === 'ended' ? ['canceled', 'incomplete_expired'].includes(s.status) : status ? s.status === status : s.status !== 'canceled');
    return paginate(store.all('subscription', (s) =>
      statusMatches(s) && (!customer || s.customer === customer) && (!clock || s.test_clock === clock)
      && (!price || s.items.data.some((i: StripeObject) => i.price.id === price))), p, '/v1/subscriptions');
  });
  route('GET', '/v1/invoices/:id', retrieve('invoice'));
  route('GET', '/v1/invoices', ({ p }) => {
    p.allow([...LIST_PARAMS, 'customer', 'subscription', 'status', 'collection_method']);
    const customer = p.string('customer');
    const subscription = p.string('subscription');
    const status = p.string('status');
    return paginate(store.all('invoice', (i) =>
      (!customer || i.customer === customer) && (!subscription || i.parent?.subscription_details?.subscription === subscription) && (!status || i.status === status)), p, '/v1/invoices');
  });
  route('GET', '/v1/invoice_payments', ({ p }) => {
    p.allow([...LIST_PARAMS, 'invoice', 'payment', 'status']);
    const invoice = p.string('invoice');
    const payment = p.object('payment')?.allow(['type', 'payment_intent', 'payment_record']);
    const intent = payment?.string('payment_intent');
    const status = p.string('status');
    return paginate(store.all('invoice_payment', (ip) =>
      (!invoice || ip.invoice === invoice) && (!intent || ip.payment.payment_intent === intent) && (!status || ip.status === status)), p, '/v1/invoice_payments');
  });
  route('GET', '/v1/invoice_payments/:id', retrieve('invoice_payment'));

  // Billing portal
  route('POST', '/v1/billing_portal/sessions', ({ p, baseUrl }) => billing.createPortalSession(p, baseUrl));

  // Test clocks
  route('POST', '/v1/test_helpers/test_clocks', ({ p, request }) => billing.createTestClock(p, request));
  route('GET', '/v1/test_helpers/test_clocks/:id', ({ p, path }) => {
    p.allow(['expand']);
    const found = engine.find('test_helpers.test_clock', path.id, 'test_clock');
    if (found.deleted) throw noSuch('test_helpers.test_clock', path.id, 'test_clock');
    return found;
  });
  route('GET', '/v1/test_helpers/test_clocks', listOf('test_helpers.test_clock', '/v1/test_helpers/test_clocks', {}, (c) => c.deleted !== true));
  route('DELETE', '/v1/test_helpers/test_clocks/:id', ({ p, path, request }) => billing.deleteTestClock(path.id, p, request));
  route('POST', '/v1/test_helpers/test_clocks/:id/advance', ({ p, path, request }) => billing.advanceTestClock(path.id, p, request));

  // Balance and balance transactions
  route('GET', '/v1/balance', ({ p }) => {
    p.allow(['expand']);
    return engine.balance();
  });
  route('GET', '/v1/balance_transactions', listOf('balance_transaction', '/v1/balance_transactions', {
    type: field('type'), source: field('source'), currency: field('currency'), payout: () => false,
  }));
  route('GET', '/v1/balance_transactions/:id', retrieve('balance_transaction'));

  // Refunds
  route('POST', '/v1/refunds', ({ p, request }) => engine.createRefund(p, request));
  route('GET', '/v1/refunds', listOf('refund', '/v1/refunds', { charge: field('charge'), payment_intent: field('payment_intent') }));
  route('GET', '/v1/refunds/:id', retrieve('refund'));

  // Disputes
  route('GET', '/v1/disputes', listOf('dispute', '/v1/disputes', { charge: field('charge'), payment_intent: field('payment_intent') }));
  route('GET', '/v1/disputes/:id', retrieve('dispute'));
  route('POST', '/v1/disputes/:id/close', ({ p, path, request }) => {
    p.allow(['expand']);
    return engine.closeDispute(path.id, 'lost', request);
  });

  // Transfers and reversals
  route('POST', '/v1/transfers', ({ p, request }) => engine.createTransfer(p, request));
  route('GET', '/v1/transfers', listOf('transfer', '/v1/transfers', { destination: field('destination'), transfer_group: field('transfer_group') }));
  route('GET', '/v1/transfers/:id', retrieve('transfer'));
  route('POST', '/v1/transfers/:id/reversals', ({ p, path, request }) => engine.createTransferReversal(path.id, p, request));
  route('GET', '/v1/transfers/:id/reversals', ({ p, path }) => {
    engine.find('transfer', path.id);
    p.allow(LIST_PARAMS);
    return paginate(store.all('transfer_reversal', (r) => r.transfer === path.id), p, `/v1/transfers/${path.id}/reversals`);
  });
  route('GET', '/v1/transfers/:id/reversals/:reversal', ({ path }) => {
    const reversal = store.getOf('transfer_reversal', path.reversal);
    if (!reversal || reversal.transfer !== path.id) throw noSuch('transfer_reversal', path.reversal);
    return reversal;
  });

  // Connected accounts
  route('POST', '/v1/accounts', ({ p }) => engine.createAccount(p));
  route('GET', '/v1/accounts', listOf('account', '/v1/accounts'));
  route('GET', '/v1/accounts/:id', ({ p, path }) => {
    p.allow(['expand']);
    return engine.find('account', path.id, 'account');
  });
  route('GET', '/v1/account', ({ p }) => {
    p.allow(['expand']);
    return engine.platformAccount();
  });
  route('POST', '/v1/account_links', ({ p, baseUrl }) => engine.createAccountLink(p, baseUrl));

  // Events
  route('GET', '/v1/events', ({ p }) => {
    p.allow([...LIST_PARAMS, 'type', 'types', 'delivery_success']);
    const type = p.string('type');
    const types = p.strings('types');
    const matches = (eventType: string) =>
      (!type || eventType === type || (type.endsWith('*') && eventType.startsWith(type.slice(0, -1)))) && (!types || types.includes(eventType));
    return paginate(store.all('event', (e) => matches(e.type)), p, '/v1/events');
  });
  route('GET', '/v1/events/:id', retrieve('event'));
}
