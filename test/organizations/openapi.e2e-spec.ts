import { jest } from '@jest/globals';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import request from 'supertest';
import { createTestEnvironment, startTestApi, TestEnvironment } from '@ataa/testing';

// Jest reads testTimeout only from the top-level config, not from a project: set it here.
jest.setTimeout(60_000);

type OperationDoc = {
  summary?: string;
  requestBody?: { content: Record<string, { schema: unknown }> };
  responses: Record<string, { content?: Record<string, { schema: { $ref?: string; type?: string; items?: unknown } }> }>;
  security?: unknown[];
};

const MINE = /^\/(api\/v1\/(auth|orgs|invitations)|operator\/campaigns)(\/|$)/;
const OTHER_FEATURES = /^\/api\/v1\/orgs\/\{orgId\}\/(donations|refunds|payouts|disputes)/;
const NO_BODY = new Set(['post /api/v1/auth/logout', 'post /api/v1/orgs/{orgId}/stripe/account-link', 'post /api/v1/orgs/{orgId}/stripe/account/sync']);

describe('OpenAPI document for accounts, organizations and campaigns', () => {
  let env: TestEnvironment;
  let app: NestFastifyApplication;
  let doc: { paths: Record<string, Record<string, OperationDoc>>; components: { schemas: Record<string, unknown> } };

  beforeAll(async () => {
    env = await createTestEnvironment();
    app = await startTestApi(env.config);
    doc = (await request(app.getHttpServer()).get('/docs/openapi.json').expect(200)).body;
  }, 60_000);
  afterAll(async () => {
    await app?.close();
    await env?.cleanup();
  }, 60_000);

  const operations = () => Object.entries(doc.paths)
    .filter(([path]) => MINE.test(path) && !OTHER_FEATURES.test(path))
    .flatMap(([path, item]) => Object.entries(item).map(([method, op]) => ({ key: `${method} ${path}`, method, path, op })));

  it('lists every endpoint of the feature', () => {
    expect(operations().length).toBeGreaterThanOrEqual(30);
  });

  it('describes each endpoint with a summary, its request shape, its response shape and its errors', () => {
    const problems: string[] = [];
    for (const { key, method, op } of operations()) {
      if (!op.summary) problems.push(`${key}: no summary`);
      if (['post', 'patch', 'put'].includes(method) && !NO_BODY.has(key)) {
        const schema = op.requestBody?.content?.['application/json']?.schema;
        if (!schema) problems.push(`${key}: no request body schema`);
      }
      const success = Object.entries(op.responses).filter(([status]) => status.startsWith('2'));
      if (success.length === 0) problems.push(`${key}: no success response`);
      for (const [status, response] of success) {
        if (status !== '204' && !response.content?.['application/json']?.schema) problems.push(`${key}: ${status} has no schema`);
      }
      const errors = Object.entries(op.responses).filter(([status]) => /^[45]/.test(status));
      if (errors.length === 0) problems.push(`${key}: no error responses`);
      for (const [status, response] of errors) {
        const ref = response.content?.['application/problem+json']?.schema?.$ref;
        if (ref !== '#/components/schemas/ProblemDto') problems.push(`${key}: ${status} is not a problem document`);
      }
    }
    expect(problems).toEqual([]);
    expect(doc.components.schemas.ProblemDto).toBeDefined();
  });

  it('documents amounts as strings and states that organization routes need credentials', () => {
    const create = doc.components.schemas.CreateCampaignDto as { properties: Record<string, { type: string }>; required: string[] };
    expect(create.properties.goal.type).toBe('string');
    expect(create.required).toEqual(expect.arrayContaining(['title', 'currency', 'goal']));
    expect(create.properties).not.toHaveProperty('platformFeeBps');
    expect(create.properties).not.toHaveProperty('status');
    const list = doc.paths['/api/v1/orgs/{orgId}/campaigns'].get;
    expect(list.security).toEqual(expect.arrayContaining([{ bearer: [] }, { apiKey: [] }]));
    expect(Object.keys(list.responses)).toEqual(expect.arrayContaining(['200', '401', '403', '404']));
  });
});
