import { jest } from '@jest/globals';
import { ModulesContainer } from '@nestjs/core';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { RouteOptions } from 'fastify';
import request from 'supertest';
import { createLogger } from '@ataa/observability';
import { createTestEnvironment, TestEnvironment } from '@ataa/testing';
import { API_PREFIX, createApiApp } from '../../apps/api/src/create-api-app.js';

// Jest reads testTimeout only from the top-level config, not from a project: set it here.
jest.setTimeout(60_000);

type Schema = { $ref?: string; type?: string; items?: unknown; properties?: Record<string, unknown> };
type OperationDoc = {
  operationId: string;
  summary?: string;
  description?: string;
  parameters?: { name: string; in: string; schema?: Schema }[];
  requestBody?: { content: Record<string, { schema: Schema }> };
  responses: Record<string, { description?: string; content?: Record<string, { schema?: Schema }> }>;
  security?: Record<string, unknown>[];
};
type OpenApiDoc = { paths: Record<string, Record<string, OperationDoc>>; components: { schemas: Record<string, unknown>; securitySchemes?: Record<string, unknown> } };

/** Nest metadata keys (@nestjs/common constants, @nestjs/swagger DECORATORS): read, never written. */
const METHOD_METADATA = 'method';
const ROUTE_ARGS_METADATA = '__routeArguments__';
const EXCLUDE_CONTROLLER = 'swagger/apiExcludeController';
const EXCLUDE_ENDPOINT = 'swagger/apiExcludeEndpoint';
const PARAMTYPE = { body: 3, query: 4, param: 5 } as const;
const HTTP_METHODS = ['get', 'post', 'put', 'patch', 'delete'];

/**
 * Routes that are deliberately not part of the OpenAPI document, by what they are. None of them is
 * under /api/v1: everything there must be documented.
 */
const NOT_API: [RegExp, string][] = [
  [/^\/docs(\/|$)/, 'the OpenAPI document and its UI'],
  [/^\/webhooks\//, 'Stripe webhooks: Stripe-signed, not for API clients'],
  [/^\/c\//, 'server-rendered public pages (HTML)'],
  [/^\/(campaigns)?$/, 'the home page and campaign discovery (HTML; the JSON API is /api/v1/public/campaigns; docs/discovery.md)'],
  [/^\/embed\/c\/\{slug\}$/, 'the embeddable donate widget (HTML for an <iframe>; docs/sharing.md)'],
  [/^\/invitations\/\{page\}$/, 'the invitation accept page (HTML; the JSON API is /api/v1/invitations/accept)'],
  [/^\/privacy\/export(\/download)?$/, 'the donor\'s data-export pages (HTML forms; the download is a POST of the page\'s form)'],
  [/^\/privacy\/erase(\/confirm)?$/, "the donor's erasure pages (HTML forms; the operator's endpoint is /operator/erasures)"],
  [/^\/recurring\/(cancel|card)$/, "a recurring gift's signed single-purpose links: one-click cancel and the card update (HTML; docs/recurring.md)"],
  [/^\/scheduled\/(cancel|pay)$/, "a scheduled series' signed single-purpose links: one-click cancel and a failed occurrence's payment page (HTML; docs/recurring.md)"],
  [/^\/donor(\/|$)/, "the donor's own pages (magic-link sign-in, gifts, receipts and statements, HTML and the session's gifts.json; docs/donor-page.md)"],
  [/^\/dashboard(\/|$)/, 'the organization dashboard (server-rendered HTML pages and their forms; docs/dashboard.md)'],
  [/^\/console(\/|$)/, 'the operator console (server-rendered HTML pages and their forms; docs/dashboard.md)'],
  [/^\/media\/covers\/\{key\}$/, 'uploaded campaign cover images (the bytes, for the pages; set through the dashboard\'s campaign form)'],
  [/^\/media\/evidence\/\{key\}$/, 'public spending evidence files by their SHA-256 (the bytes the public log commits to; attached through the documented evidence API)'],
  [/^\/metrics$/, 'Prometheus exposition'],
  [/^\/(robots\.txt|sitemap\.xml)$/, 'for search engines: robots.txt and the sitemap of the public pages (docs/public-pages.md)'],
  [/^\/operator\/queues(\/|$)/, 'the operators\' queue dashboard (Bull Board)'],
  [/^\/public\/assets\//, 'static files for the pages'],
  [/^\/assets\//, 'static files for the pages'],
];

interface Handler {
  operationId: string;
  controller: string;
  method: string;
  body: boolean;
  query: boolean;
  params: string[];
  excluded: boolean;
}

/** Every route handler of every controller the application registered, from Nest's own metadata. */
function handlersOf(app: NestFastifyApplication): Handler[] {
  const handlers: Handler[] = [];
  const seen = new Set<unknown>();
  for (const module of app.get(ModulesContainer).values()) {
    for (const wrapper of module.controllers.values()) {
      const type = wrapper.metatype as (new (...args: never[]) => unknown) | null;
      if (!type || seen.has(type)) continue;
      seen.add(type);
      const controllerExcluded = Boolean(Reflect.getMetadata(EXCLUDE_CONTROLLER, type)?.[0]);
      for (const key of Object.getOwnPropertyNames(type.prototype)) {
        if (key === 'constructor') continue;
        const fn = (type.prototype as Record<string, unknown>)[key];
        if (typeof fn !== 'function' || Reflect.getMetadata(METHOD_METADATA, fn) === undefined) continue;
        const args: Record<string, { data?: unknown }> = Reflect.getMetadata(ROUTE_ARGS_METADATA, type, key) ?? {};
        const kinds = Object.entries(args).map(([k, v]) => ({ type: Number(k.split(':')[0]), data: v.data }));
        handlers.push({
          operationId: `${type.name}_${key}`,
          controller: type.name,
          method: key,
          body: kinds.some((k) => k.type === PARAMTYPE.body),
          query: kinds.some((k) => k.type === PARAMTYPE.query),
          params: kinds.filter((k) => k.type === PARAMTYPE.param && typeof k.data === 'string').map((k) => k.data as string),
          excluded: controllerExcluded || Boolean(Reflect.getMetadata(EXCLUDE_ENDPOINT, fn)?.disable),
        });
      }
    }
  }
  return handlers;
}

/**
 * The OpenAPI document against the application itself. Nothing here names an endpoint: the routes
 * come from Fastify's route table and Nest's controller metadata, so an endpoint added by any
 * feature later is held to the same rules the day it is added.
 */
describe('OpenAPI document: every endpoint, its request and response shapes and its errors', () => {
  let env: TestEnvironment;
  let app: NestFastifyApplication;
  let doc: OpenApiDoc;
  let handlers: Handler[];
  const routes: { method: string; url: string }[] = [];

  const operations = () => Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.entries(item).filter(([method]) => HTTP_METHODS.includes(method)).map(([method, op]) => ({ key: `${method.toUpperCase()} ${path}`, method, path, op })));

  beforeAll(async () => {
    env = await createTestEnvironment();
    app = await createApiApp(env.config, { logger: createLogger(env.config.LOG_LEVEL, 'api-test') });
    // Routes are registered when the application initializes: record every one of them.
    app.getHttpAdapter().getInstance().addHook('onRoute', (route: RouteOptions) => {
      for (const method of [route.method].flat()) routes.push({ method: String(method).toLowerCase(), url: route.url });
    });
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
    doc = (await request(app.getHttpServer()).get('/docs/openapi.json').expect(200)).body;
    handlers = handlersOf(app);
  }, 60_000);
  afterAll(async () => {
    await app?.close();
    await env?.cleanup();
  }, 60_000);

  it('documents every route under /api/v1, and every other route either is documented or is a known non-API surface', () => {
    const documented = new Set(operations().map((o) => o.key));
    const toOpenApi = (url: string) => url.replace(/:(\w+)/g, '{$1}').replace(/\/$/, '') || '/';
    const missing: string[] = [];
    for (const route of routes) {
      if (!HTTP_METHODS.includes(route.method)) continue; // HEAD (automatic for GET), OPTIONS
      const key = `${route.method.toUpperCase()} ${toOpenApi(route.url)}`;
      if (documented.has(key)) continue;
      const path = toOpenApi(route.url);
      if (path.startsWith(`/${API_PREFIX}/`) || !NOT_API.some(([re]) => re.test(path))) missing.push(key);
    }
    expect(missing).toEqual([]);
    // and the reverse: nothing is documented that the server does not serve
    const served = new Set(routes.map((r) => `${r.method.toUpperCase()} ${toOpenApi(r.url)}`));
    expect(operations().map((o) => o.key).filter((key) => !served.has(key))).toEqual([]);
    expect(operations().filter((o) => o.path.startsWith(`/${API_PREFIX}/`)).length).toBeGreaterThanOrEqual(30);
  });

  it('every controller handler is in the document unless it is deliberately excluded, and no /api/v1 handler is', () => {
    const byId = new Map(operations().map((o) => [o.op.operationId, o]));
    const problems: string[] = [];
    for (const h of handlers) {
      const op = byId.get(h.operationId);
      if (h.excluded && op) problems.push(`${h.operationId}: excluded, yet documented`);
      if (!h.excluded && !op) problems.push(`${h.operationId}: not in the document`);
    }
    expect(problems).toEqual([]);
    expect(handlers.length).toBeGreaterThanOrEqual(operations().length);
  });

  it('describes each endpoint: a summary, its parameters, its request body, its success shape and its errors as problem documents', () => {
    const byId = new Map(handlers.map((h) => [h.operationId, h]));
    const problems: string[] = [];
    for (const { key, method, path, op } of operations()) {
      const handler = byId.get(op.operationId);
      if (!handler) {
        problems.push(`${key}: no controller handler behind operation ${op.operationId}`);
        continue;
      }
      if (!op.summary?.trim()) problems.push(`${key}: no summary`);

      // Path parameters: every {name} in the path is declared, and the handler's @Param names match.
      const pathParams = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
      const declared = (op.parameters ?? []).filter((p) => p.in === 'path').map((p) => p.name).sort();
      if (JSON.stringify(pathParams) !== JSON.stringify(declared)) problems.push(`${key}: path parameters ${JSON.stringify(declared)}, path has ${JSON.stringify(pathParams)}`);
      for (const name of handler.params) if (!pathParams.includes(name)) problems.push(`${key}: handler reads :${name}, which the path does not have`);

      // Query: a handler reading a query DTO documents its fields.
      if (handler.query && !(op.parameters ?? []).some((p) => p.in === 'query')) problems.push(`${key}: reads a query, documents no query parameters`);

      // Request body: documented exactly when the handler reads one, with a schema that has properties.
      const bodySchemas = Object.values(op.requestBody?.content ?? {}).map((c) => c.schema).filter(Boolean);
      if (handler.body && bodySchemas.length === 0) problems.push(`${key}: reads a body, documents none`);
      if (!handler.body && bodySchemas.length > 0) problems.push(`${key}: documents a body it never reads`);
      for (const schema of bodySchemas) {
        const resolved = schema.$ref ? doc.components.schemas[schema.$ref.replace('#/components/schemas/', '')] as Schema | undefined : schema;
        if (!resolved) problems.push(`${key}: request schema ${schema.$ref} is not in components`);
        else if (resolved.type === 'object' && resolved.properties === undefined && handler.body) problems.push(`${key}: request schema has no properties`);
      }

      // Success: at least one 2xx/3xx; anything but 204 and redirects says what it returns.
      const success = Object.entries(op.responses).filter(([status]) => /^[23]/.test(status));
      if (success.length === 0) problems.push(`${key}: no success response`);
      for (const [status, response] of success) {
        if (status === '204' || status.startsWith('3')) continue;
        const media = Object.entries(response.content ?? {});
        if (media.length === 0) problems.push(`${key}: ${status} has no content type`);
        for (const [type, content] of media) {
          if (!content.schema) problems.push(`${key}: ${status} ${type} has no schema`);
          else if (type.includes('json') && !content.schema.$ref && !content.schema.type && !('oneOf' in content.schema) && !('allOf' in content.schema)) {
            problems.push(`${key}: ${status} ${type} schema says nothing`);
          }
        }
      }

      // Errors: at least one, each a problem document; anything taking input can answer 400.
      const errors = Object.entries(op.responses).filter(([status]) => /^[45]/.test(status));
      if (errors.length === 0) problems.push(`${key}: no error responses`);
      for (const [status, response] of errors) {
        const schema = response.content?.['application/problem+json']?.schema;
        const ref = schema?.$ref ?? (schema as { allOf?: Schema[] } | undefined)?.allOf?.[0]?.$ref;
        if (ref !== '#/components/schemas/ProblemDto') problems.push(`${key}: ${status} is not a problem document`);
      }
      const takesInput = handler.body || handler.query || pathParams.length > 0;
      if (takesInput && !op.responses['400'] && !op.responses['404']) problems.push(`${key}: takes input but documents neither 400 nor 404`);

      // Authenticated endpoints say how to authenticate, and that they can answer 401.
      if (op.security?.length && !op.responses['401']) problems.push(`${key}: needs credentials, documents no 401`);
      if (/^\/api\/v1\/orgs\/\{orgId\}/.test(path) && !op.security?.length) problems.push(`${key}: organization route without security`);
      if (method === 'post' && !success.some(([s]) => ['200', '201', '202', '204', '303'].includes(s))) problems.push(`${key}: POST without a usual success status`);
    }
    expect(problems).toEqual([]);
    expect(doc.components.schemas.ProblemDto).toBeDefined();
    expect(Object.keys(doc.components.securitySchemes ?? {})).toEqual(expect.arrayContaining(['bearer', 'apiKey']));
  });

  it('every schema the document references exists', () => {
    const refs = new Set([...JSON.stringify(doc.paths).matchAll(/"#\/components\/schemas\/([^"]+)"/g), ...JSON.stringify(doc.components).matchAll(/"#\/components\/schemas\/([^"]+)"/g)].map((m) => m[1]));
    expect([...refs].filter((name) => !(name in doc.components.schemas))).toEqual([]);
    expect(refs.size).toBeGreaterThan(10);
  });

  it('documents amounts as strings, keeps platform-set fields out of inputs, and states that organization routes need credentials', () => {
    const create = doc.components.schemas.CreateCampaignDto as { properties: Record<string, { type: string }>; required: string[] };
    expect(create.properties.goal.type).toBe('string');
    expect(create.required).toEqual(expect.arrayContaining(['title', 'currency', 'goal']));
    for (const forbidden of ['platformFeeBps', 'status', 'raised', 'organizationId']) expect(create.properties).not.toHaveProperty(forbidden);
    const list = doc.paths['/api/v1/orgs/{orgId}/campaigns'].get;
    expect(list.security).toEqual(expect.arrayContaining([{ bearer: [] }, { apiKey: [] }]));
    expect(Object.keys(list.responses)).toEqual(expect.arrayContaining(['200', '401', '403', '404']));
  });
});
