import Fastify, { FastifyBaseLogger, FastifyError, FastifyInstance } from 'fastify';
import qs from 'qs';
import type { AppLogger } from '@ataa/observability';
import { SandboxBilling } from './core/billing.js';
import { SandboxClock } from './core/clock.js';
import { SandboxEngine } from './core/engine.js';
import { EventBus } from './core/event-bus.js';
import { ID_PREFIX, newId } from './core/ids.js';
import { StateStore } from './core/state-store.js';
import { StripeApiError } from './core/stripe-error.js';
import { registerApiRoutes } from './http/api-routes.js';
import { ApiRequestCounter, registerControlRoutes, ResponseFault } from './http/control-routes.js';
import { registerPages } from './http/pages.js';
import { registerPortalPages } from './http/portal-pages.js';
import { Idempotency, QS_OPTIONS } from './http/wire.js';
import { DEFAULT_RETRY_POLICY, RetryPolicy, WebhookDeliverer } from './webhooks/webhook-deliverer.js';

export interface SandboxOptions {
  /** Enables the /_sandbox control API. Never on for a sandbox reachable by untrusted people. */
  testMode?: boolean;
  /** Persist state to this JSON file (and load it at start) so a demo survives a restart. */
  stateFile?: string;
  /** Endpoints to deliver events to (added at start unless one with the same URL is already known). */
  webhookEndpoints?: Array<{ url: string; secret: string; enabledEvents?: string[] }>;
  retry?: Partial<RetryPolicy>;
  /** Base URL people's browsers use to reach the sandbox (payment page links); default: the request's Host. */
  publicUrl?: string;
  /** Accept only these API keys (default: any test key, sk_test_...). */
  apiKeys?: string[];
  logger?: AppLogger;
  /** How often time-based changes run without a request (ms); 0 disables the timer. */
  tickIntervalMs?: number;
  bodyLimit?: number;
  /**
   * The platform account's settlement currency (SANDBOX_SETTLEMENT_CURRENCY): charges, refunds and
   * disputes in other currencies are converted to it at fixed test rates. Default: none, every
   * currency is kept as charged.
   */
  settlementCurrency?: string | null;
}

export interface Sandbox {
  app: FastifyInstance;
  engine: SandboxEngine;
  billing: SandboxBilling;
  store: StateStore;
  clock: SandboxClock;
  deliverer: WebhookDeliverer;
  /** Starts listening; returns the base URL (http://host:port). */
  listen(options?: { port?: number; host?: string }): Promise<string>;
  close(): Promise<void>;
}

function sendError(reply: import('fastify').FastifyReply, error: StripeApiError) {
  return reply.code(error.status).type('application/json').send(JSON.stringify(error.toJSON(), null, 2));
}

/** Builds the Stripe sandbox: state, behaviour, webhook delivery and the HTTP server in front. */
export async function createSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const store = new StateStore(options.stateFile);
  store.load();
  const clock = new SandboxClock(store.clockOffset);
  const events = new EventBus(store, clock);
  const engine = new SandboxEngine(store, clock, events);
  const billing = new SandboxBilling(engine);
  if (options.settlementCurrency !== undefined) engine.setSettlementCurrency(options.settlementCurrency);

  for (const endpoint of options.webhookEndpoints ?? []) {
    if (!store.endpoints.some((e) => e.url === endpoint.url)) {
      store.endpoints.push({ id: newId(ID_PREFIX.webhookEndpoint), url: endpoint.url, secret: endpoint.secret, enabledEvents: endpoint.enabledEvents ?? ['*'] });
      store.markDirty();
    }
  }

  const markDone = (eventId: string, endpointId: string) => {
    const waiting = (store.undelivered.get(eventId) ?? []).filter((id) => id !== endpointId);
    if (waiting.length === 0) store.undelivered.delete(eventId);
    else store.undelivered.set(eventId, waiting);
    const event = store.get(eventId);
    if (event) event.pending_webhooks = waiting.length;
    store.markDirty();
    store.save();
  };
  const deliverer = new WebhookDeliverer(() => store.endpoints, { ...DEFAULT_RETRY_POLICY, ...options.retry }, { delivered: markDone, gaveUp: markDone });
  events.onEvent((event) => {
    const targets = store.endpoints.filter((e) => e.enabledEvents.some((p) => p === '*' || p === event.type || (p.endsWith('.*') && event.type.startsWith(p.slice(0, -1)))));
    event.pending_webhooks = targets.length;
    if (targets.length > 0) store.undelivered.set(event.id, targets.map((e) => e.id));
    deliverer.enqueue(event);
  });
  // Deliveries cut short by a restart go out again, as Stripe keeps retrying.
  for (const [eventId, endpointIds] of store.undelivered) {
    const event = store.get(eventId);
    if (event) deliverer.enqueue(event, endpointIds);
  }

  const app: FastifyInstance = Fastify({
    ...(options.logger ? { loggerInstance: options.logger as FastifyBaseLogger } : { logger: false }),
    bodyLimit: options.bodyLimit ?? 1_048_576,
    routerOptions: { querystringParser: (text: string) => qs.parse(text, QS_OPTIONS) as Record<string, unknown> },
  });
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, text, done) => {
    try {
      done(null, qs.parse(String(text), QS_OPTIONS));
    } catch (error) {
      done(error as Error, undefined);
    }
  });
  app.addHook('onResponse', async () => {
    store.save();
  });
  app.setErrorHandler((error: FastifyError | StripeApiError, request, reply) => {
    if (error instanceof StripeApiError) return sendError(reply, error);
    const status = (error as FastifyError).statusCode;
    if (status && status >= 400 && status < 500) {
      return sendError(reply, new StripeApiError(status, { type: 'invalid_request_error', message: (error as Error).message }));
    }
    request.log.error({ err: error }, 'sandbox error');
    return sendError(reply, new StripeApiError(500, { type: 'api_error', message: 'An unknown error occurred in the Stripe sandbox.' }));
  });
  app.setNotFoundHandler((request, reply) =>
    sendError(reply, new StripeApiError(404, {
      type: 'invalid_request_error',
      message: `Unrecognized request URL (${request.method}: ${request.url.split('?')[0]}). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.`,
    })));

  // In test mode, Stripe API requests are counted by route for the control API (how many calls the platform makes).
  const apiRequests = options.testMode ? new ApiRequestCounter() : null;
  if (apiRequests) {
    app.addHook('onRequest', async (request) => {
      if (request.url.startsWith('/v1/')) apiRequests.record(request.method, request.routeOptions.url);
    });
  }
  const responseFaults: ResponseFault[] = [];
  const idempotency = new Idempotency(store);
  registerApiRoutes(app, {
    engine,
    billing,
    idempotency,
    apiKeys: options.apiKeys,
    baseUrl: (req) => options.publicUrl?.replace(/\/$/, '') ?? `${req.protocol}://${req.headers.host ?? req.hostname}`,
    takeResponseFault: (method, path) => {
      const index = responseFaults.findIndex((f) => (!f.method || f.method === method) && (!f.pathPrefix || path.startsWith(f.pathPrefix)));
      return index < 0 ? null : responseFaults.splice(index, 1)[0];
    },
  });
  registerPages(app, engine);
  registerPortalPages(app, engine, billing);
  if (apiRequests) registerControlRoutes(app, { engine, billing, deliverer, responseFaults, apiRequests });
  app.get('/', async () => ({ object: 'sandbox', name: 'Ataa Stripe sandbox', livemode: false, test_mode_controls: options.testMode === true }));

  let timer: NodeJS.Timeout | null = null;
  const tickEvery = options.tickIntervalMs ?? 1_000;
  if (tickEvery > 0) {
    timer = setInterval(() => {
      try {
        if (engine.tick() > 0) store.save();
      } catch (error) {
        app.log.error({ err: error }, 'sandbox tick failed');
      }
    }, tickEvery);
    timer.unref();
  }

  await app.ready();
  return {
    app, engine, billing, store, clock, deliverer,
    async listen({ port = 0, host = '127.0.0.1' } = {}) {
      await app.listen({ port, host });
      const address = app.server.address();
      const actualPort = typeof address === 'object' && address ? address.port : port;
      return `http://${host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host}:${actualPort}`;
    },
    async close() {
      if (timer) clearInterval(timer);
      deliverer.close();
      store.save();
      await app.close();
    },
  };
}
