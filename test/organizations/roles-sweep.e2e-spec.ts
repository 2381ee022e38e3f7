import { jest } from '@jest/globals';
import { ModulesContainer } from '@nestjs/core';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import pg from 'pg';
import request from 'supertest';
import { Role, roleAllows, ROLES, ROLES_KEY } from '@ataa/organizations';
import { addMember, createApiKey, createOrganizationWithOwner, createTestEnvironment, startTestApi, TestEnvironment, TestOrganization } from '@ataa/testing';

// Jest reads testTimeout only from the top-level config, not from a project: set it here.
jest.setTimeout(90_000);

type Operation = { key: string; method: string; path: string; summary: string; operationId: string };

/** What an operation's summary says about who may call it, e.g. "(owner, admin)", "(any member)", "(owner only)". */
function rolesInSummary(summary: string): Role[] | null {
  if (/\(any member\)/i.test(summary)) return [...ROLES];
  const match = /\((owner only|(?:owner|admin|finance|viewer)(?:, (?:owner|admin|finance|viewer))*)\)/.exec(summary);
  if (!match) return null;
  return match[1] === 'owner only' ? ['owner'] : (match[1].split(', ') as Role[]);
}

/**
 * Roles, for every organization endpoint there is (from the OpenAPI document, so endpoints added by
 * any feature are included): the roles the guard enforces (@Roles metadata) are the roles the
 * endpoint's summary promises, and every role, as a user and as an API key, gets exactly that: the
 * others get 403 `forbidden_role` and change nothing.
 */
describe('roles sweep: every organization endpoint enforces the roles it documents', () => {
  let env: TestEnvironment;
  let app: NestFastifyApplication;
  let db: pg.Client;
  let org: TestOrganization;
  let operations: Operation[];
  const enforced = new Map<string, Role[]>();
  const callers: { label: string; role: Role; headers: Record<string, string> }[] = [];
  const http = () => request(app.getHttpServer());

  const snapshot = async () => {
    const tables = (await db.query(`SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1`)).rows.map((r) => r.tablename as string);
    const out: Record<string, string[]> = {};
    for (const table of tables) out[table] = (await db.query(`SELECT * FROM ${table}`)).rows.map((r) => JSON.stringify('last_used_at' in r ? { ...r, last_used_at: null } : r)).sort();
    return out;
  };

  beforeAll(async () => {
    env = await createTestEnvironment();
    app = await startTestApi(env.config);
    db = new pg.Client({ connectionString: env.database.url });
    await db.connect();
    const doc = (await http().get('/docs/openapi.json').expect(200)).body as { paths: Record<string, Record<string, { summary?: string; operationId: string }>> };
    operations = Object.entries(doc.paths)
      .filter(([path]) => path.startsWith('/api/v1/orgs/{orgId}'))
      .flatMap(([path, item]) => Object.entries(item).map(([method, op]) => ({ key: `${method.toUpperCase()} ${path}`, method, path, summary: op.summary ?? '', operationId: op.operationId })));
    // The roles the guard enforces, read from the same metadata it reads (no @Roles: owners only).
    for (const module of app.get(ModulesContainer).values()) {
      for (const wrapper of module.controllers.values()) {
        const type = wrapper.metatype as (new (...args: never[]) => unknown) | null;
        if (!type) continue;
        for (const key of Object.getOwnPropertyNames(type.prototype)) {
          const handler = (type.prototype as Record<string, unknown>)[key];
          if (typeof handler !== 'function') continue;
          const declared: Role[] | undefined = Reflect.getMetadata(ROLES_KEY, handler) ?? Reflect.getMetadata(ROLES_KEY, type);
          enforced.set(`${type.name}_${key}`, ROLES.filter((role) => roleAllows(role, declared ?? ['owner'])));
        }
      }
    }
    org = await createOrganizationWithOwner(app);
    callers.push({ label: 'owner', role: 'owner', headers: { authorization: `Bearer ${org.ownerToken}` } });
    for (const role of ['admin', 'finance', 'viewer'] as const) {
      callers.push({ label: role, role, headers: { authorization: `Bearer ${await addMember(app, org, role)}` } });
      callers.push({ label: `${role} API key`, role, headers: { 'x-api-key': await createApiKey(app, org, role) } });
    }
  }, 90_000);
  afterAll(async () => {
    await db?.end();
    await app?.close();
    await env?.cleanup();
  }, 60_000);

  it('finds the organization endpoints of every feature', () => {
    expect(operations.length).toBeGreaterThanOrEqual(20);
    expect(operations.map((o) => o.key)).toEqual(expect.arrayContaining([
      'POST /api/v1/orgs/{orgId}/campaigns', 'POST /api/v1/orgs/{orgId}/api-keys', 'POST /api/v1/orgs/{orgId}/donations/{donationId}/refunds',
      'POST /api/v1/orgs/{orgId}/donations/{donationId}/receipt/resend',
    ]));
  });

  it('each summary states who may call the endpoint, and the guard enforces exactly that', () => {
    const problems: string[] = [];
    for (const op of operations) {
      const promised = rolesInSummary(op.summary);
      const actual = enforced.get(op.operationId);
      if (!actual) problems.push(`${op.key}: no handler ${op.operationId}`);
      else if (!promised) problems.push(`${op.key}: the summary does not say who may call it ("${op.summary}")`);
      else if (JSON.stringify([...promised].sort()) !== JSON.stringify([...actual].sort())) {
        problems.push(`${op.key}: summary says ${promised.join(', ')}; the guard allows ${actual.join(', ')}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('every role, as a user and as an API key, passes exactly where allowed; refused calls are 403 forbidden_role and change nothing', async () => {
    const unknownId = '00000000-0000-4000-8000-0000000000ff';
    const problems: string[] = [];
    const before = await snapshot();
    for (const op of operations) {
      const allowed = enforced.get(op.operationId) ?? [];
      const url = op.path.replace('{orgId}', org.orgId).replace('{action}', 'publish').replace(/\{\w+\}/g, unknownId);
      for (const caller of callers.filter((c) => !allowed.includes(c.role))) {
        const call = (http() as unknown as Record<string, (u: string) => request.Test>)[op.method](url).set(caller.headers);
        const res = op.method === 'get' || op.method === 'delete' ? await call : await call.send({});
        if (res.status !== 403 || res.body.code !== 'forbidden_role') problems.push(`${caller.label} ${op.key}: ${res.status} ${res.body?.code ?? ''}, expected 403 forbidden_role`);
      }
    }
    expect(problems).toEqual([]);
    // Refused calls left no trace (the audit log included).
    expect(await snapshot()).toEqual(before);

    // Allowed callers get past the guard (reads of the organization's own lists answer 200).
    for (const op of operations.filter((o) => o.method === 'get' && !/\{(?!orgId)\w+\}/.test(o.path))) {
      for (const caller of callers.filter((c) => (enforced.get(op.operationId) ?? []).includes(c.role))) {
        const res = await http().get(op.path.replace('{orgId}', org.orgId)).set(caller.headers);
        if (res.status !== 200) problems.push(`${caller.label} ${op.key}: ${res.status} ${res.body?.code ?? ''}, expected 200`);
      }
    }
    expect(problems).toEqual([]);
  });
});
