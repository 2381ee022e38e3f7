import { Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { createServer, type IncomingMessage, type RequestListener, type ServerResponse } from 'node:http';
import { AppConfig } from '@ataa/config';
import { AppLogger, createLogger, lazyRequestLogger, MetricsService, NestPinoLogger, RequestLogController } from '@ataa/observability';
import { ApiModule } from './api.module.js';
import { csrfStateOf, registerCsrf } from './campaign-pages/csrf.setup.js';
import { registerCompression } from './http/compression.js';
import { parseCookies, registerCookies } from './http/cookies.js';
import { registerMultipart } from './http/multipart.js';
import { ProblemFilter } from './http/problem.filter.js';
import { contentSecurityPolicyDirectives } from './http/content-security-policy.js';
import { sendProblem } from './http/send-problem.js';
import { createValidationPipe } from './http/validation.js';
import { trustProxyOption } from './http/trust-proxy.js';
import { securityHeaders } from './http/security-headers.js';
import { registerViews } from './http/views.js';
import { PublicLedgerHttp, registerTileRoute } from './transparency/public-ledger.http.js';
import { createLedgerPageFastPath } from './transparency/ledger-page-fast-path.js';
import { createTileFastPath } from './transparency/tile-fast-path.js';
import { createCampaignPageFastPath } from './campaign-pages/campaign-page-fast-path.js';
import { CampaignPagesController } from './campaign-pages/campaign-pages.controller.js';
import { firstFastPath, type FastPath } from './http/fast-path.js';
import { requestIdOf } from './http/request-id.js';

export const API_PREFIX = 'api/v1';
const PUBLIC_API_PATH = `/${API_PREFIX}/public/`;
/** A campaign log's tlog-tiles resources (`/c/<slug>/checkpoint`, `/c/<slug>/tile/…`): readable from any origin too (mirrors, verifiers). */
const TLOG_PATH = /^\/c\/[^/?]+\/(?:tile\/|checkpoint(?:$|\?))/;
/** CORS headers of the public API and the logs' tiles. */
const PUBLIC_READ_HEADERS = { 'access-control-allow-origin': '*', 'access-control-expose-headers': 'etag, x-request-id' };
/** What Fastify passes a server factory (its defaults filled in). */
interface ServerOptions { http?: object; keepAliveTimeout: number; requestTimeout: number; connectionTimeout: number; maxRequestsPerSocket: number }
/**
 * Routes outside /api/v1: operations, Stripe webhooks and the public pages. Exclusions match the
 * routes' declared paths: `invitations/{*path}` would also take the JSON API's `invitations/accept`
 * out of /api/v1, so the accept page is declared as `invitations/:page` and excluded by that
 * literal path (the backslash makes `:page` literal text here, not a parameter).
 */
const UNPREFIXED = ['health/{*path}', 'metrics', 'webhooks/{*path}', 'c/{*path}', '.well-known/{*path}', 'operator/{*path}', 'invitations/\\:page', 'privacy/{*path}', 'donor', 'donor/{*path}', 'recurring/{*path}', 'scheduled/{*path}', 'dashboard', 'dashboard/{*path}', 'console', 'console/{*path}', 'media/{*path}', '/', 'campaigns', 'robots.txt', 'sitemap.xml', 'embed/{*path}'];

export interface ApiAppOptions {
  logger?: AppLogger;
  /** Extra modules (the feature modules register themselves through ApiModule; tests may add more). */
  imports?: Type[];
}

/** Builds the API application: the same code path for `npm start`, the e2e tests and the benchmarks. */
export async function createApiApp(config: AppConfig, options: ApiAppOptions = {}): Promise<NestFastifyApplication> {
  const logger = options.logger ?? createLogger(config.LOG_LEVEL, 'api');
  const security = securityHeaders({
    contentSecurityPolicy: { directives: contentSecurityPolicyDirectives(config) },
    crossOriginEmbedderPolicy: false,
  });
  const { 'content-security-policy': _csp, ...securityWithoutCsp } = security;
  const logController = new RequestLogController({ sampleRate: config.LOG_REQUEST_SAMPLE_PERCENT / 100, slowMs: config.LOG_SLOW_REQUEST_MS });
  // Requests the fast paths answer (immutable tiles in memory, cached campaign pages) never reach Fastify; set once the app is built.
  let fastPath: FastPath | undefined;
  const adapter = new FastifyAdapter({
    // The HTTP server Fastify would make, with the fast path in front of its handler.
    serverFactory: ((handler: RequestListener, options: ServerOptions) => {
      // never a crashed process for an optimisation: the route answers (or, if bytes went out, the socket ends)
      const faulted = (req: IncomingMessage, res: ServerResponse) => {
        if (res.headersSent) res.destroy();
        else handler(req, res);
      };
      const server = createServer(options.http ?? {}, (req, res) => {
        let answered: boolean | Promise<boolean> = false;
        try {
          answered = fastPath !== undefined && fastPath(req, res);
        } catch {
          faulted(req, res);
          return;
        }
        if (answered === false) handler(req, res);
        else if (answered !== true) answered.then((done) => { if (!done) handler(req, res); }, () => faulted(req, res));
      });
      server.keepAliveTimeout = options.keepAliveTimeout;
      server.requestTimeout = options.requestTimeout;
      server.setTimeout(options.connectionTimeout);
      if (options.maxRequestsPerSocket > 0) server.maxRequestsPerSocket = options.maxRequestsPerSocket;
      return server;
    }) as never,
    // The app binds no Nest middleware (guards, hooks and the fast paths do that work), so no request
    // walks an empty middleware chain (@fastify/middie's hook); binding one would fail at boot, not silently.
    skipMiddie: true,
    loggerInstance: logger,
    bodyLimit: config.BODY_LIMIT_BYTES,
    // request.ip keys the rate limits: X-Forwarded-For is believed only from configured proxies.
    trustProxy: trustProxyOption(config.TRUST_PROXY),
    requestIdHeader: false,
    // One line per request, when it completes (errors, 5xx and slow requests always; others sampled),
    // through a request logger made only when something is logged.
    logController,
    childLoggerFactory: lazyRequestLogger,
    genReqId: requestIdOf,
    // The router refuses a path that does not percent-decode to UTF-8 (400) or an over-long parameter
    // (414) before any hook or filter runs: those answers are problem documents too, with our headers.
    frameworkErrors: (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
      void reply.headers(security).header('x-request-id', request.id);
      sendProblem(error, request, reply);
    },
  });
  const app = await NestFactory.create<NestFastifyApplication>(ApiModule.forRoot(config, options.imports ?? []), adapter, {
    logger: new NestPinoLogger(logger),
    rawBody: true,
    bufferLogs: false,
    abortOnError: false,
  });
  const fastify = app.getHttpAdapter().getInstance();

  // Our only global hooks: this one (headers, set before any answer is made: the request id echoed)
  // and the metrics' fallback for unmatched requests below; a route's metrics are its own hook.
  fastify.addHook('onRequest', (request, reply, done) => {
    // Swagger UI ships inline scripts; its page is the only one without our strict CSP.
    void reply.headers(request.url.startsWith('/docs') ? securityWithoutCsp : security).header('x-request-id', request.id);
    // The public API (published campaigns, ledgers, proofs) is readable from any origin; nothing else is.
    if ((request.url.startsWith(PUBLIC_API_PATH) || TLOG_PATH.test(request.url)) && (request.method === 'GET' || request.method === 'HEAD' || request.method === 'OPTIONS')) {
      void reply.headers(PUBLIC_READ_HEADERS);
    }
    done();
  });
  // Each route counts its own requests with metrics made once, when it is registered.
  const metrics = app.get(MetricsService);
  fastify.addHook('onRoute', (route) => {
    if (typeof route.method !== 'string') return;
    const own = metrics.httpRoute(route.method, route.url);
    const routeMethod = route.method;
    const url = route.url;
    const hook = (request: FastifyRequest, reply: FastifyReply, done: () => void) => {
      (request.method === routeMethod ? own : metrics.httpRoute(request.method, url)).record(reply.statusCode, reply.elapsedTime / 1000);
      done();
    };
    route.onResponse = route.onResponse === undefined ? [hook] : [...(Array.isArray(route.onResponse) ? route.onResponse : [route.onResponse]), hook];
  });

  // CORS preflight of the public API (a conditional GET from a page sends If-None-Match): GET and HEAD only.
  fastify.options(`${PUBLIC_API_PATH}*`, (_request, reply) => {
    void reply.status(204).header('access-control-allow-methods', 'GET, HEAD').header('access-control-allow-headers', 'if-none-match, accept')
      .header('access-control-max-age', '86400').send();
  });

  await registerCompression(app);
  registerCookies(fastify);
  await registerCsrf(app, config);
  // multipart/form-data for image uploads (the dashboard's campaign and update forms, the REST update
  // image upload; read by http/upload-form.ts) and spending evidence (its own limits). Nothing is parsed
  // until a handler asks (request.parts()); one file, of at most COVER_IMAGE_MAX_BYTES (a longer one is
  // cut and marked truncated rather than thrown, so the form's other fields are still read).
  await registerMultipart(fastify, {
    throwFileSizeLimit: false,
    limits: { fileSize: config.COVER_IMAGE_MAX_BYTES, files: 1, fields: 40, parts: 41, fieldSize: 256 * 1024, fieldNameSize: 64 },
  });
  await registerViews(app, config.NODE_ENV === 'production');
  const ledgerHttp = app.get(PublicLedgerHttp, { strict: false });
  registerTileRoute(fastify, ledgerHttp);
  const tiles = createTileFastPath({ ledger: ledgerHttp, headers: { ...security, ...PUBLIC_READ_HEADERS }, metrics, logs: logController, log: fastify.log });
  const csrf = csrfStateOf(fastify);
  const ledgerPages = createLedgerPageFastPath({ ledger: ledgerHttp, headers: { ...security, ...PUBLIC_READ_HEADERS }, metrics, logs: logController, log: fastify.log });
  fastPath = csrf === undefined ? firstFastPath(tiles, ledgerPages) : firstFastPath(tiles, ledgerPages, createCampaignPageFastPath({
    pages: app.get(CampaignPagesController, { strict: false }), csrf, parseCookie: parseCookies,
    headers: security, metrics, logs: logController, log: fastify.log,
  }));

  fastify.addHook('onResponse', (request, reply, done) => {
    if (request.is404) metrics.httpRoute(request.method, 'unmatched').record(reply.statusCode, reply.elapsedTime / 1000);
    done();
  });
  // Errors raised by Fastify itself (malformed JSON, oversized bodies) leave as problems too.

  app.setGlobalPrefix(API_PREFIX, { exclude: UNPREFIXED });
  app.useGlobalPipes(createValidationPipe());
  app.useGlobalFilters(new ProblemFilter());
  // No enableShutdownHooks: main.ts owns SIGTERM/SIGINT (in-flight work first, SHUTDOWN_GRACE_SECONDS).

  // Built when first asked for (the documented factory form): scanning every route and DTO costs a
  // quarter of a CPU-second, paid by every API start (each e2e test file boots one) for a page few read.
  const document = () => SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Ataa API')
      .setDescription('Crowdfunding and donations with a verifiable public ledger. Errors are RFC 9457 problem documents with a stable `code`.')
      .setVersion('1')
      .addBearerAuth()
      .addApiKey({ type: 'apiKey', in: 'header', name: 'x-api-key' }, 'apiKey')
      .build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs/openapi.json' });
  return app;
}
