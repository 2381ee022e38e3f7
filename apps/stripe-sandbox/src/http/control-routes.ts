import type { FastifyInstance, FastifyRequest } from 'fastify';
import { FinalFailure, SandboxBilling } from '../core/billing.js';
import { SandboxEngine } from '../core/engine.js';
import { ID_PREFIX, newId } from '../core/ids.js';
import { Params } from '../core/params.js';
import { StripeObject, WebhookEndpoint } from '../core/state-store.js';
import { invalidRequest, noSuch } from '../core/stripe-error.js';
import { WebhookDeliverer } from '../webhooks/webhook-deliverer.js';

export interface ResponseFault {
  method: string | null;
  pathPrefix: string | null;
  delayMs: number;
}

/**
 * Counts the /v1 API requests the sandbox receives, by method and route pattern
 * (`GET /v1/checkout/sessions/:id`; paths no route matches count as `GET (unmatched)`), since it
 * was created or last reset: how many Stripe calls a piece of the platform makes, for tests and benches.
 */
export class ApiRequestCounter {
  private counts = new Map<string, number>();
  private sinceMs = Date.now();

  record(method: string, route: string | undefined): void {
    const key = `${method} ${route ?? '(unmatched)'}`;
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
  }

  reset(): void {
    this.counts = new Map();
    this.sinceMs = Date.now();
  }

  /** `since` is wall-clock time (ISO 8601), not the sandbox clock: it dates a reset, not a Stripe object. */
  snapshot(): { object: 'api_request_counts'; since: string; total: number; requests: Record<string, number> } {
    const requests = Object.fromEntries([...this.counts.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    let total = 0;
    for (const n of this.counts.values()) total += n;
    return { object: 'api_request_counts', since: new Date(this.sinceMs).toISOString(), total, requests };
  }
}

export interface ControlContext {
  engine: SandboxEngine;
  billing: SandboxBilling;
  deliverer: WebhookDeliverer;
  responseFaults: ResponseFault[];
  apiRequests: ApiRequestCounter;
}

/** JSON bodies arrive typed; the Params reader wants strings, as from a form. */
function asParams(body: unknown): Params {
  const stringify = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(stringify);
    if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, stringify(v)]));
    if (typeof value === 'number' || typeof value === 'boolean') return String(value);
    return value;
  };
  return Params.of(stringify(body ?? {}));
}

const WEBHOOK_SECRET = /^whsec_[A-Za-z0-9_]+$/;

/**
 * The test control API (/_sandbox/...), registered only in test mode: moves the clock, pays
 * sessions without the page, opens and closes disputes, injects failures, and steers webhooks.
 */
export function registerControlRoutes(app: FastifyInstance, ctx: ControlContext): void {
  const { engine, deliverer } = ctx;
  const store = engine.store;
  type Req = FastifyRequest<{ Params: Record<string, string> }>;
  const body = (req: Req) => asParams(req.body);
  // Events are emitted synchronously by the engine: while `capturing` is set, a route collects
  // the events its action caused (the pay route returns them when asked).
  let capturing: StripeObject[] | null = null;
  engine.events.onEvent((event) => capturing?.push(event));
  const capture = <T>(action: () => T): { result: T; events: StripeObject[] } => {
    const events: StripeObject[] = [];
    capturing = events;
    try {
      return { result: action(), events };
    } finally {
      capturing = null;
    }
  };

  app.get('/_sandbox/state', async () => {
    engine.tick();
    return { now: engine.clock.now(), clock_offset: engine.clock.offset, delivery_mode: deliverer.getMode(), webhook_endpoints: store.endpoints.map(({ secret: _s, ...rest }) => rest), pending_deliveries: deliverer.pending };
  });

  app.post('/_sandbox/clock/advance', async (req: Req) => {
    const p = body(req).allow(['seconds', 'minutes', 'hours', 'days']);
    const seconds = (p.integer('seconds', { min: 0 }) ?? 0) + (p.integer('minutes', { min: 0 }) ?? 0) * 60
      + (p.integer('hours', { min: 0 }) ?? 0) * 3_600 + (p.integer('days', { min: 0 }) ?? 0) * 86_400;
    return { now: engine.advanceClock(seconds) };
  });

  // Back to a moment after everything the sandbox holds (400 parameter_invalid_integer otherwise).
  app.post('/_sandbox/clock/rewind', async (req: Req) => {
    const p = body(req).allow(['to']);
    const to = p.integer('to', { min: 0 });
    if (to === undefined) throw invalidRequest('Missing required param: to.', 'parameter_missing', 'to');
    return { now: engine.rewindClock(to) };
  });

  // With `include_events`, the answer also lists the events the payment emitted, in order (what a
  // webhook endpoint subscribed to everything would be sent), so a bench can sign and post them itself.
  app.post('/_sandbox/checkout/sessions/:id/pay', async (req: Req) => {
    const p = body(req).allow(['card', 'exp_month', 'exp_year', 'cvc', 'bank_account', 'email', 'name', 'include_events']);
    engine.tick();
    const email = p.string('email');
    const name = p.string('name');
    const { result, events } = capture(() => p.has('bank_account')
      ? engine.paySession(req.params.id, { method: 'bank_debit', accountNumber: p.string('bank_account')!, email, name })
      : engine.paySession(req.params.id, {
        method: 'card', number: p.string('card') ?? '4242424242424242', expMonth: p.integer('exp_month'), expYear: p.integer('exp_year'), cvc: p.string('cvc'), email, name,
      }));
    const emitted = p.boolean('include_events') ? { events } : {};
    return result.ok ? { ok: true, session: result.session, ...emitted } : { ok: false, session: result.session, error: result.error.toJSON().error, ...emitted };
  });

  app.get('/_sandbox/api_requests', async () => ctx.apiRequests.snapshot());
  app.delete('/_sandbox/api_requests', async () => {
    ctx.apiRequests.reset();
    return ctx.apiRequests.snapshot();
  });

  app.post('/_sandbox/charges/:id/dispute', async (req: Req) => {
    const p = body(req).allow(['reason', 'amount']);
    engine.tick();
    return engine.openDispute(req.params.id, {
      reason: p.string('reason', { oneOf: ['general', 'fraudulent', 'duplicate', 'product_not_received', 'product_unacceptable', 'subscription_canceled', 'unrecognized', 'credit_not_processed'] }),
      amount: p.integer('amount', { min: 1 }),
    });
  });

  app.post('/_sandbox/disputes/:id/close', async (req: Req) => {
    const p = body(req).allow(['outcome']);
    engine.tick();
    return engine.closeDispute(req.params.id, p.string('outcome', { required: true, oneOf: ['won', 'lost'] }) as 'won' | 'lost');
  });

  app.post('/_sandbox/transfers/fail_next', async (req: Req) => {
    const p = body(req).allow(['status', 'code', 'message']);
    const status = p.integer('status', { min: 400, max: 599 });
    engine.failNextTransfer({ status, code: p.string('code'), message: p.string('message') });
    return { ok: true };
  });

  app.post('/_sandbox/transfer_reversals/fail_next', async (req: Req) => {
    const p = body(req).allow(['status', 'code', 'message']);
    const status = p.integer('status', { min: 400, max: 599 });
    engine.failNextTransferReversal({ status, code: p.string('code'), message: p.string('message') });
    return { ok: true };
  });

  // What happens to a subscription when the last retry of a renewal's payment fails (Stripe's
  // "Manage failed payments" setting): cancel (default), unpaid, or leave it past_due.
  app.post('/_sandbox/billing/settings', async (req: Req) => {
    const p = body(req).allow(['after_final_failure']);
    const value = p.string('after_final_failure', { required: true, oneOf: ['cancel', 'unpaid', 'past_due'] }) as FinalFailure;
    ctx.billing.setFinalFailure(value);
    return { ok: true, after_final_failure: ctx.billing.finalFailure };
  });

  app.post('/_sandbox/balance_transactions/delay_next', async (req: Req) => {
    const p = body(req).allow(['seconds']);
    engine.delayNextBalanceTransaction(p.integer('seconds', { required: true, min: 1, max: 30 * 86_400 }));
    return { ok: true };
  });

  app.post('/_sandbox/settlement_currency', async (req: Req) => {
    const p = body(req).allow(['currency']);
    const currency = p.string('currency') ?? '';
    engine.setSettlementCurrency(currency === '' ? null : currency.toLowerCase());
    return { ok: true, settlement_currency: engine.settlementCurrency };
  });

  app.post('/_sandbox/responses/time_out_next', async (req: Req) => {
    const p = body(req).allow(['method', 'path', 'delay_ms']);
    ctx.responseFaults.push({
      method: p.string('method', { oneOf: ['GET', 'POST'] }) ?? null,
      pathPrefix: p.string('path') ?? null,
      delayMs: p.integer('delay_ms', { min: 0, max: 120_000 }) ?? 0,
    });
    return { ok: true };
  });

  app.post('/_sandbox/accounts/:id/complete_onboarding', async (req: Req) => {
    engine.tick();
    return engine.completeOnboarding(req.params.id);
  });

  app.post('/_sandbox/accounts/:id/flags', async (req: Req) => {
    const p = body(req).allow(['charges_enabled', 'payouts_enabled']);
    return engine.setAccountFlags(req.params.id, { charges_enabled: p.boolean('charges_enabled'), payouts_enabled: p.boolean('payouts_enabled') });
  });

  app.get('/_sandbox/webhook_endpoints', async () => store.endpoints.map(({ secret: _s, ...rest }) => rest));

  app.post('/_sandbox/webhook_endpoints', async (req: Req) => {
    const p = body(req).allow(['url', 'secret', 'enabled_events', 'replace']);
    const url = p.string('url', { required: true });
    if (!/^https?:\/\/\S+$/.test(url)) throw invalidRequest('Not a valid URL', 'url_invalid', 'url');
    const secret = p.string('secret', { required: true });
    if (!WEBHOOK_SECRET.test(secret)) throw invalidRequest('The secret must look like whsec_...', undefined, 'secret');
    const endpoint: WebhookEndpoint = { id: newId(ID_PREFIX.webhookEndpoint), url, secret, enabledEvents: p.strings('enabled_events') ?? ['*'] };
    store.endpoints = p.boolean('replace') ? [endpoint] : [...store.endpoints, endpoint];
    store.markDirty();
    return { id: endpoint.id, url, enabled_events: endpoint.enabledEvents };
  });

  app.delete('/_sandbox/webhook_endpoints/:id', async (req: Req) => {
    const before = store.endpoints.length;
    store.endpoints = store.endpoints.filter((e) => e.id !== req.params.id);
    if (store.endpoints.length === before) throw noSuch('webhook_endpoint', req.params.id);
    store.markDirty();
    return { id: req.params.id, deleted: true };
  });

  app.post('/_sandbox/webhooks/mode', async (req: Req) => {
    const p = body(req).allow(['chaos', 'seed']);
    return deliverer.setMode({ chaos: p.boolean('chaos') ?? false, seed: p.integer('seed') ?? 1 });
  });

  app.get('/_sandbox/webhooks/attempts', async () => deliverer.attempts());
  app.delete('/_sandbox/webhooks/attempts', async () => {
    deliverer.clearLog();
    return { ok: true };
  });

  app.post('/_sandbox/webhooks/idle', async (req: Req) => {
    const p = body(req).allow(['timeout_ms']);
    return { idle: await deliverer.idle(p.integer('timeout_ms', { min: 0, max: 120_000 }) ?? 30_000), pending: deliverer.pending };
  });

  app.post('/_sandbox/events/:id/resend', async (req: Req) => {
    const event = engine.find('event', req.params.id);
    return { queued: deliverer.enqueue(event) };
  });
}
