import { jest } from '@jest/globals';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import pg from 'pg';
import request from 'supertest';
import {
  addMember, addMemberWithDetails, campaignInput, createApiKey, createCampaign, createOrganizationWithOwner, createTestEnvironment, startTestApi,
  startTestSandbox, TestEnvironment, TestOrganization, TestSandbox, uniqueEmail,
} from '@ataa/testing';

// Jest reads testTimeout only from the top-level config, not from a project: set it here.
jest.setTimeout(60_000);

type Role = 'owner' | 'admin' | 'finance' | 'viewer';
type Caller = { label: string; role: Role; headers: Record<string, string> };
type Call = { method: 'get' | 'post' | 'patch' | 'delete'; url: string; body?: object };

/**
 * Every endpoint of the feature against every role, as a user and as an API key: the roles the
 * endpoint allows get through (whatever the business answer), the others get 403 forbidden_role
 * and change nothing.
 */
describe('roles: who may do what', () => {
  let env: TestEnvironment;
  let sandbox: TestSandbox;
  let app: NestFastifyApplication;
  let db: pg.Client;
  let org: TestOrganization;
  const callers: Caller[] = [];
  const http = () => request(app.getHttpServer());
  const o = () => `/api/v1/orgs/${org.orgId}`;
  const asOwner = { authorization: '' };

  const newCampaign = async () => (await createCampaign(app, org, {}, { publish: false })).id as string;
  const newMember = async () => (await addMemberWithDetails(app, org, 'viewer')).membershipId;
  const newInvitation = async () => (await http().post(`${o()}/invitations`).set(asOwner).send({ email: uniqueEmail(), role: 'viewer' }).expect(201)).body.id as string;
  const newKey = async () => (await http().post(`${o()}/api-keys`).set(asOwner).send({ name: 'k', role: 'viewer' }).expect(201)).body.id as string;

  const ALL: Role[] = ['owner', 'admin', 'finance', 'viewer'];
  const rows: [string, Role[], () => Promise<Call>][] = [
    ['read the organization', ALL, async () => ({ method: 'get', url: o() })],
    ['change settings', ['owner'], async () => ({ method: 'patch', url: o(), body: { name: 'Renamed' } })],
    ['list members', ALL, async () => ({ method: 'get', url: `${o()}/members` })],
    ['change a role', ['owner'], async () => ({ method: 'patch', url: `${o()}/members/${await newMember()}`, body: { role: 'finance' } })],
    ['remove a member', ['owner'], async () => ({ method: 'delete', url: `${o()}/members/${await newMember()}` })],
    ['invite', ['owner'], async () => ({ method: 'post', url: `${o()}/invitations`, body: { email: uniqueEmail(), role: 'admin' } })],
    ['list invitations', ['owner'], async () => ({ method: 'get', url: `${o()}/invitations` })],
    ['revoke an invitation', ['owner'], async () => ({ method: 'delete', url: `${o()}/invitations/${await newInvitation()}` })],
    ['create an API key', ['owner'], async () => ({ method: 'post', url: `${o()}/api-keys`, body: { name: 'new', role: 'viewer' } })],
    ['list API keys', ['owner'], async () => ({ method: 'get', url: `${o()}/api-keys` })],
    ['revoke an API key', ['owner'], async () => ({ method: 'delete', url: `${o()}/api-keys/${await newKey()}` })],
    ['create the Stripe account', ['owner'], async () => ({ method: 'post', url: `${o()}/stripe/account`, body: {} })],
    ['get an onboarding link', ['owner'], async () => ({ method: 'post', url: `${o()}/stripe/account-link`, body: {} })],
    ['read the payout status', ALL, async () => ({ method: 'get', url: `${o()}/stripe/account` })],
    ['sync the Stripe account', ['owner', 'finance'], async () => ({ method: 'post', url: `${o()}/stripe/account/sync`, body: {} })],
    ['create a campaign', ['owner', 'admin'], async () => ({ method: 'post', url: `${o()}/campaigns`, body: campaignInput() })],
    ['list campaigns', ALL, async () => ({ method: 'get', url: `${o()}/campaigns` })],
    ['read a campaign', ALL, async () => ({ method: 'get', url: `${o()}/campaigns/${await newCampaign()}` })],
    ['edit a campaign', ['owner', 'admin'], async () => ({ method: 'patch', url: `${o()}/campaigns/${await newCampaign()}`, body: { version: 1, title: 'Edited' } })],
    ['publish a campaign', ['owner', 'admin'], async () => ({ method: 'post', url: `${o()}/campaigns/${await newCampaign()}/publish`, body: {} })],
    ['cancel a campaign', ['owner', 'admin'], async () => ({ method: 'post', url: `${o()}/campaigns/${await newCampaign()}/cancel`, body: {} })],
    ['read the audit log', ['owner', 'admin'], async () => ({ method: 'get', url: `${o()}/audit-log` })],
  ];

  const snapshot = async () => {
    const out: Record<string, string[]> = {};
    for (const table of ['organizations', 'memberships', 'invitations', 'api_keys', 'campaigns', 'audit_log']) {
      out[table] = (await db.query(`SELECT * FROM ${table}`)).rows.map((r) => JSON.stringify({ ...r, last_used_at: null })).sort();
    }
    return out;
  };

  beforeAll(async () => {
    sandbox = await startTestSandbox();
    env = await createTestEnvironment();
    app = await startTestApi(env.configWith(sandbox.env()));
    db = new pg.Client({ connectionString: env.database.url });
    await db.connect();
    org = await createOrganizationWithOwner(app);
    asOwner.authorization = `Bearer ${org.ownerToken}`;
    callers.push({ label: 'owner', role: 'owner', headers: asOwner });
    for (const role of ['admin', 'finance', 'viewer'] as const) {
      callers.push({ label: role, role, headers: { authorization: `Bearer ${await addMember(app, org, role)}` } });
      callers.push({ label: `${role} API key`, role, headers: { 'x-api-key': await createApiKey(app, org, role) } });
    }
  }, 60_000);
  afterAll(async () => {
    await db?.end();
    await app?.close();
    await sandbox?.close();
    await env?.cleanup();
  }, 60_000);

  it.each(rows)('%s: allowed for %j', async (_label, allowed, prepare) => {
    for (const caller of callers) {
      const call = await prepare();
      const before = allowed.includes(caller.role) ? null : await snapshot();
      let pending = (http() as unknown as Record<string, (url: string) => request.Test>)[call.method](call.url).set(caller.headers);
      if (call.body) pending = pending.send(call.body);
      const res = await pending;
      if (allowed.includes(caller.role)) {
        // allowed: the guard lets it through; the business answer (200, 201, 204, 409 ...) is not the point here
        const through = ![401, 403, 404].includes(res.status) && res.status < 500;
        expect({ caller: caller.label, status: res.status, through }).toEqual({ caller: caller.label, status: res.status, through: true });
      } else {
        expect({ caller: caller.label, status: res.status, code: res.body.code }).toEqual({ caller: caller.label, status: 403, code: 'forbidden_role' });
        expect(await snapshot()).toEqual(before);
      }
    }
  });
});
