import { jest } from '@jest/globals';
import { RequestMethod } from '@nestjs/common';
import { ModulesContainer } from '@nestjs/core';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import pg from 'pg';
import request from 'supertest';
import {
  addMemberWithDetails, createApiKey, createCampaign, createOrganizationWithOwner, csrfOf, signInToDashboard, SmtpSink, startSmtpSink, TestOrganization,
  uniqueEmail, type DashboardAgent,
} from '@ataa/testing';
import { DonationWorld, enablePayouts, eventually, settle, startDonationWorld, startGift } from '../donations/donation-test-kit.js';

// Jest reads testTimeout only from the top-level config, not from a project: set it here.
jest.setTimeout(60_000);

type Operation = { method: string; path: string; params: { name: string; in: string; schema?: { enum?: string[] } }[] };

/**
 * The cross-organization sweep. Every organization-scoped operation in the OpenAPI document (so a
 * new endpoint is covered the day it is added) is called by the owner of another organization and
 * by that organization's admin API key, with the victim's real ids (campaign, membership, invitation,
 * API key, a gift paid through the Stripe sandbox whose receipt was sent, and a payout waiting for an
 * operator): each answer is a 404 that carries none of the victim's data, and the database is
 * byte-for-byte unchanged afterwards.
 * Ids of objects the victim has none of (another feature's) get the victim's campaign id.
 * The dashboard's pages get the same sweep through the attacker's signed-in browser session: every
 * GET and POST route under /dashboard/o/:organizationId (read from the controllers' route metadata).
 */
describe('tenant isolation: the cross-organization sweep', () => {
  let world: DonationWorld;
  let sink: SmtpSink;
  let app: NestFastifyApplication;
  let db: pg.Client;
  let victim: TestOrganization;
  let attacker: TestOrganization;
  let attackerKey: string;
  const ids: Record<string, string> = {};
  const secrets: string[] = [];
  const http = () => request(app.getHttpServer());

  /** Everything in the database, except the attacker's own key usage stamp and the sessions it touches. */
  const snapshot = async () => {
    const tables = (await db.query(`SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'schema_migrations' ORDER BY 1`)).rows.map((r) => r.tablename as string);
    const out: Record<string, unknown[]> = {};
    for (const table of tables) {
      const rows = (await db.query(`SELECT * FROM ${table}`)).rows.map((r) => ('last_used_at' in r ? { ...r, last_used_at: null } : r));
      out[table] = rows.map((r) => JSON.stringify(r)).sort();
    }
    return out;
  };

  const operations = async (): Promise<Operation[]> => {
    const doc = (await http().get('/docs/openapi.json').expect(200)).body;
    const result: Operation[] = [];
    for (const [path, item] of Object.entries<Record<string, { parameters?: Operation['params'] }>>(doc.paths)) {
      // Member routes of an organization; /operator/... routes take the operator token instead (401 for members).
      if (!path.startsWith('/api/v1/orgs/{orgId}')) continue;
      for (const [method, op] of Object.entries(item)) {
        if (!['get', 'post', 'put', 'patch', 'delete'].includes(method)) continue;
        result.push({ method, path, params: (op.parameters ?? []).filter((p) => p.in === 'path') });
      }
    }
    return result;
  };

  const PARAM_VALUES: Record<string, () => string> = {
    campaignId: () => ids.campaign,
    membershipId: () => ids.membership,
    invitationId: () => ids.invitation,
    apiKeyId: () => ids.apiKey,
    donationId: () => ids.donation,
    payoutId: () => ids.payout,
  };

  const urlFor = (op: Operation, orgId: string) => op.path.replace(/\{(\w+)\}/g, (_m, name: string) => {
    if (name === 'orgId') return orgId;
    if (PARAM_VALUES[name]) return PARAM_VALUES[name]();
    const param = op.params.find((p) => p.name === name);
    // unknown ids (other features' objects) get a well-formed id that is not the caller's
    return param?.schema?.enum?.[0] ?? ids.campaign;
  });

  // Valid bodies, so that a refusal cannot come from validation instead of the ownership check.
  const BODIES: Record<string, object> = {
    'patch /api/v1/orgs/{orgId}': { name: 'Pwned' },
    'patch /api/v1/orgs/{orgId}/campaigns/{campaignId}': { version: 2, title: 'Pwned' },
    'post /api/v1/orgs/{orgId}/campaigns': { title: 'Pwned', currency: 'usd', goal: '100000' },
    'patch /api/v1/orgs/{orgId}/members/{membershipId}': { role: 'owner' },
    'post /api/v1/orgs/{orgId}/invitations': { email: 'attacker@example.org', role: 'owner' },
    'post /api/v1/orgs/{orgId}/api-keys': { name: 'backdoor', role: 'admin' },
    'post /api/v1/orgs/{orgId}/stripe/account': {},
    'post /api/v1/orgs/{orgId}/donations/{donationId}/refunds': { amount: '100', reason: 'requested_by_customer' },
    'post /api/v1/orgs/{orgId}/campaigns/{campaignId}/payouts': { amount: '100', currency: 'usd', purpose: 'Pwned' },
  };

  const send = (op: Operation, url: string, headers: Record<string, string>) => {
    const call = (http() as unknown as Record<string, (u: string) => request.Test>)[op.method](url).set(headers);
    return op.method === 'get' || op.method === 'delete' ? call : call.send(BODIES[`${op.method} ${op.path}`] ?? {});
  };

  const assertNoLeak = (res: request.Response) => {
    const text = res.text ?? '';
    for (const value of [...Object.values(ids), ...secrets]) expect(text).not.toContain(value);
  };

  /**
   * Every dashboard route of an organization, read from the controllers' own route metadata (the pages are not
   * in the OpenAPI document), so that a page is swept the day it is added.
   */
  const dashboardRoutes = (): { method: 'get' | 'post'; path: string }[] => {
    const routes: { method: 'get' | 'post'; path: string }[] = [];
    const join = (...parts: string[]) => `/${parts.map((p) => p.replace(/^\/+|\/+$/g, '')).filter(Boolean).join('/')}`;
    for (const module of app.get(ModulesContainer).values()) {
      for (const wrapper of module.controllers.values()) {
        const controller = wrapper.metatype as (new (...args: unknown[]) => unknown) | null;
        if (!controller) continue;
        const prefixes = [Reflect.getMetadata('path', controller) ?? ''].flat() as string[];
        for (const name of Object.getOwnPropertyNames(controller.prototype)) {
          const handler = controller.prototype[name];
          if (name === 'constructor' || typeof handler !== 'function' || Reflect.getMetadata('path', handler) === undefined) continue;
          const method = Reflect.getMetadata('method', handler) as RequestMethod;
          for (const prefix of prefixes) {
            for (const sub of [Reflect.getMetadata('path', handler)].flat() as string[]) {
              const path = join(prefix, sub);
              if (!path.startsWith('/dashboard/o/:organizationId')) continue;
              if (method !== RequestMethod.GET && method !== RequestMethod.POST) throw new Error(`dashboard routes are GET or POST: ${path}`);
              routes.push({ method: method === RequestMethod.GET ? 'get' : 'post', path });
            }
          }
        }
      }
    }
    return routes;
  };
  // Ids in dashboard routes; names not listed (another page's objects) get the victim's campaign id.
  const DASHBOARD_PARAMS: Record<string, () => string> = {
    campaignId: () => ids.campaign, donationId: () => ids.donation, payoutId: () => ids.payout, membershipId: () => ids.membership,
    memberId: () => ids.membership, invitationId: () => ids.invitation, apiKeyId: () => ids.apiKey, keyId: () => ids.apiKey,
    action: () => 'publish', section: () => 'donations',
  };
  const dashboardUrl = (path: string, orgId: string) =>
    path.replace(/:(\w+)/g, (_m, name: string) => (name === 'organizationId' ? orgId : (DASHBOARD_PARAMS[name] ?? (() => ids.campaign))()));
  // Plausible form fields, so that a refusal cannot come from the form instead of the organization check.
  const dashboardForm = (csrf: string) => ({
    _csrf: csrf, version: '1', title: 'Pwned', name: 'Pwned', email: 'attacker@example.org', role: 'owner', amount: '1.00', reason: 'requested_by_customer',
    purpose: 'Pwned', currency: 'usd', goal: '100', fundingModel: 'flexible', language: 'en', confirm: 'yes',
  });
  const attackerDashboard = async (): Promise<{ agent: DashboardAgent; csrf: string }> => {
    const agent = await signInToDashboard(app.getHttpServer(), attacker.ownerEmail, attacker.ownerPassword);
    const own = await agent.get(`/dashboard/o/${attacker.orgId}`).expect(200);
    return { agent, csrf: csrfOf(own.text) };
  };

  const expectVictimPayoutUntouched = async () =>
    expect((await db.query(`SELECT status, amount::text, cancelled_by FROM payouts WHERE id = $1`, [ids.payout])).rows)
      .toEqual([{ status: 'pending_approval', amount: '1000', cancelled_by: null }]);

  beforeAll(async () => {
    // A real API, worker and Stripe sandbox: the victim has a settled gift with its receipt sent.
    sink = await startSmtpSink();
    world = await startDonationWorld({ env: { SMTP_URL: sink.url } });
    app = world.api;
    db = new pg.Client({ connectionString: world.env.database.url });
    await db.connect();
    victim = await createOrganizationWithOwner(app, { name: 'Victim Org' });
    attacker = await createOrganizationWithOwner(app, { name: 'Attacker Org' });
    attackerKey = await createApiKey(app, attacker, 'admin');
    const campaign = await createCampaign(app, victim, { title: 'Victim campaign' });
    ids.campaign = campaign.id;
    ids.victimOrg = victim.orgId;
    const member = await addMemberWithDetails(app, victim, 'finance');
    ids.membership = member.membershipId;
    const invitation = await http().post(`/api/v1/orgs/${victim.orgId}/invitations`).set({ authorization: `Bearer ${victim.ownerToken}` }).send({ email: uniqueEmail(), role: 'viewer' }).expect(201);
    ids.invitation = invitation.body.id;
    secrets.push(invitation.body.token, victim.ownerEmail, member.email, 'Victim campaign', 'Victim Org');
    const key = await http().post(`/api/v1/orgs/${victim.orgId}/api-keys`).set({ authorization: `Bearer ${victim.ownerToken}` }).send({ name: 'victim key', role: 'viewer' }).expect(201);
    ids.apiKey = key.body.id;
    secrets.push(key.body.key);
    const gift = await startGift(world, campaign.slug, { amount: 'other', customAmount: '42.00', donorName: 'Victim Donor', donorEmail: 'victim-donor@example.org' });
    // The card whose funds are available at once: the victim can request a payout below.
    await world.sandbox.control.paySession(gift.sessionId, { card: '4000000000000077' });
    await settle(world);
    ids.donation = gift.donationId;
    await eventually(async () => (await db.query(`SELECT 1 FROM receipts WHERE donation_id = $1 AND status = 'sent'`, [gift.donationId])).rowCount === 1, 'the victim\'s receipt');
    secrets.push('victim-donor@example.org', 'Victim Donor');
    // A real payout of the victim's, above its approval threshold: it waits for an operator and is never executed.
    const owner = { authorization: `Bearer ${victim.ownerToken}` };
    const account = await enablePayouts(world, victim, '500');
    const payout = await http().post(`/api/v1/orgs/${victim.orgId}/campaigns/${campaign.id}/payouts`).set(owner).send({ amount: '1000', currency: 'usd', purpose: 'Victim payout purpose' }).expect(201);
    expect(payout.body.status).toBe('pending_approval');
    ids.payout = payout.body.id;
    secrets.push(account, 'Victim payout purpose');
    await eventually(async () => (await db.query(`SELECT 1 FROM outbox WHERE aggregate_id = $1 AND status = 'sent'`, [ids.payout])).rowCount === 1, 'the victim\'s payout notice');
    // Nothing may change in the background while the database is compared: the worker stops here.
    await world.worker?.close();
    world.worker = null;
  }, 90_000);
  afterAll(async () => {
    await db?.end();
    await world?.close();
    await sink?.close();
  }, 60_000);

  it('covers the organization endpoints of this feature', async () => {
    const paths = (await operations()).map((o) => `${o.method} ${o.path}`);
    expect(paths).toEqual(expect.arrayContaining([
      'get /api/v1/orgs/{orgId}', 'patch /api/v1/orgs/{orgId}', 'get /api/v1/orgs/{orgId}/members', 'patch /api/v1/orgs/{orgId}/members/{membershipId}',
      'delete /api/v1/orgs/{orgId}/members/{membershipId}', 'post /api/v1/orgs/{orgId}/invitations', 'get /api/v1/orgs/{orgId}/invitations',
      'delete /api/v1/orgs/{orgId}/invitations/{invitationId}', 'post /api/v1/orgs/{orgId}/api-keys', 'get /api/v1/orgs/{orgId}/api-keys',
      'delete /api/v1/orgs/{orgId}/api-keys/{apiKeyId}', 'post /api/v1/orgs/{orgId}/stripe/account', 'post /api/v1/orgs/{orgId}/stripe/account-link',
      'get /api/v1/orgs/{orgId}/stripe/account', 'post /api/v1/orgs/{orgId}/stripe/account/sync', 'post /api/v1/orgs/{orgId}/campaigns',
      'get /api/v1/orgs/{orgId}/campaigns', 'get /api/v1/orgs/{orgId}/campaigns/{campaignId}', 'patch /api/v1/orgs/{orgId}/campaigns/{campaignId}',
      'post /api/v1/orgs/{orgId}/campaigns/{campaignId}/{action}', 'get /api/v1/orgs/{orgId}/audit-log',
      'get /api/v1/orgs/{orgId}/donations', 'get /api/v1/orgs/{orgId}/donations/{donationId}', 'post /api/v1/orgs/{orgId}/donations/{donationId}/refunds',
      'get /api/v1/orgs/{orgId}/receipts', 'post /api/v1/orgs/{orgId}/donations/{donationId}/receipt/resend',
      'get /api/v1/orgs/{orgId}/payouts/{payoutId}', 'post /api/v1/orgs/{orgId}/payouts/{payoutId}/cancel',
    ]));
  });

  it("another organization's owner and API key get 404 on every endpoint of the victim, and nothing changes", async () => {
    const ops = await operations();
    const before = await snapshot();
    const failures: string[] = [];
    for (const op of ops) {
      const url = urlFor(op, victim.orgId);
      for (const [who, headers] of [['owner', { authorization: `Bearer ${attacker.ownerToken}` }], ['api key', { 'x-api-key': attackerKey }]] as const) {
        const res = await send(op, url, headers);
        if (res.status !== 404) failures.push(`${who} ${op.method.toUpperCase()} ${url} -> ${res.status}`);
        assertNoLeak(res);
      }
    }
    expect(failures).toEqual([]);
    expect(await snapshot()).toEqual(before);
    await expectVictimPayoutUntouched();
  });

  it("the victim's object ids under the attacker's own organization are 404 too (object-level checks)", async () => {
    const ops = (await operations()).filter((op) => op.params.some((p) => p.name !== 'orgId' && !p.schema?.enum));
    expect(ops.length).toBeGreaterThan(5);
    const before = await snapshot();
    const failures: string[] = [];
    for (const op of ops) {
      const url = urlFor(op, attacker.orgId);
      const res = await send(op, url, { authorization: `Bearer ${attacker.ownerToken}` });
      if (res.status !== 404) failures.push(`${op.method.toUpperCase()} ${url} -> ${res.status} ${res.body?.code ?? ''}`);
      assertNoLeak(res);
    }
    expect(failures).toEqual([]);
    expect(await snapshot()).toEqual(before);
    await expectVictimPayoutUntouched();
  });

  it('lists only ever show the caller\'s own organization', async () => {
    const headers = { authorization: `Bearer ${attacker.ownerToken}` };
    for (const path of ['campaigns', 'members', 'invitations', 'api-keys', 'audit-log', 'donations', 'receipts']) {
      const res = await http().get(`/api/v1/orgs/${attacker.orgId}/${path}`).set(headers).expect(200);
      assertNoLeak(res);
    }
    const orgs = await http().get('/api/v1/orgs').set(headers).expect(200);
    expect(orgs.body.map((o: { id: string }) => o.id)).toEqual([attacker.orgId]);
  });

  it('an unknown or malformed organization id is the same 404 as a foreign one', async () => {
    const headers = { authorization: `Bearer ${attacker.ownerToken}` };
    const foreign = await http().get(`/api/v1/orgs/${victim.orgId}/campaigns`).set(headers).expect(404);
    const unknown = await http().get('/api/v1/orgs/00000000-0000-4000-8000-000000000000/campaigns').set(headers).expect(404);
    const malformed = await http().get('/api/v1/orgs/not-a-uuid/campaigns').set(headers).expect(404);
    expect(foreign.body.code).toBe('not_found');
    expect(unknown.body).toEqual(foreign.body);
    expect(malformed.body).toEqual(foreign.body);
    // unauthenticated: 401 before anything is looked up
    await http().get(`/api/v1/orgs/${victim.orgId}/campaigns`).expect(401);
  });

  it("the dashboard: every page of the victim's organization, and the victim's objects under the attacker's own, are 404 pages; nothing changes", async () => {
    const routes = dashboardRoutes();
    // the sections built so far must be among them (a broken metadata read would sweep nothing)
    expect(routes.map((r) => `${r.method} ${r.path}`)).toEqual(expect.arrayContaining([
      'get /dashboard/o/:organizationId', 'get /dashboard/o/:organizationId/campaigns', 'post /dashboard/o/:organizationId/campaigns/new',
      'get /dashboard/o/:organizationId/campaigns/:campaignId', 'post /dashboard/o/:organizationId/campaigns/:campaignId/edit',
      'post /dashboard/o/:organizationId/campaigns/:campaignId/:action',
    ]));
    const { agent, csrf } = await attackerDashboard();
    const before = await snapshot();
    const failures: string[] = [];
    for (const route of routes) {
      const urls = [dashboardUrl(route.path, victim.orgId)];
      // object-level: the victim's ids under the attacker's own organization
      if (/:(?!organizationId)\w+/.test(route.path)) urls.push(dashboardUrl(route.path, attacker.orgId));
      for (const url of urls) {
        if (url === `/dashboard/o/${attacker.orgId}/donations` || url === `/dashboard/o/${attacker.orgId}`) continue; // the attacker's own pages
        const res = route.method === 'get' ? await agent.get(url) : await agent.post(url).type('form').send(dashboardForm(csrf));
        if (res.status !== 404) failures.push(`${route.method.toUpperCase()} ${url} -> ${res.status}`);
        expect(res.headers['content-type']).toMatch(/^text\/html/);
        // the page may name its own address (the language switch comes back to it): the ids the attacker typed are no leak
        assertNoLeak({ text: res.text.split(url).join('') } as request.Response);
      }
    }
    expect(failures).toEqual([]);
    expect(await snapshot()).toEqual(before);
    await expectVictimPayoutUntouched();
  });
});
