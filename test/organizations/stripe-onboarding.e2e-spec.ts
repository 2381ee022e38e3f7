import { jest } from '@jest/globals';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import request from 'supertest';
import { OrganizationsService } from '@ataa/organizations';
import { addMember, createOrganizationWithOwner, createTestEnvironment, startTestApi, startTestSandbox, TestEnvironment, TestOrganization, TestSandbox } from '@ataa/testing';

// Jest reads testTimeout only from the top-level config, not from a project: set it here.
jest.setTimeout(60_000);

/** Stripe Connect onboarding against the sandbox: the real stripe package, real HTTP, no stubs. */
describe('Stripe Connect onboarding through the sandbox', () => {
  let env: TestEnvironment;
  let sandbox: TestSandbox;
  let app: NestFastifyApplication;
  let org: TestOrganization;
  const http = () => request(app.getHttpServer());
  const auth = (token: string) => ({ authorization: `Bearer ${token}` });

  beforeAll(async () => {
    sandbox = await startTestSandbox();
    env = await createTestEnvironment();
    app = await startTestApi(env.configWith(sandbox.env()));
    org = await createOrganizationWithOwner(app, { name: 'Amal Relief' });
  }, 60_000);
  afterAll(async () => {
    await app?.close();
    await sandbox?.close();
    await env?.cleanup();
  }, 60_000);

  it('creates one Express account, links to onboarding, and records charges and payouts once onboarding completes', async () => {
    const created = await http().post(`/api/v1/orgs/${org.orgId}/stripe/account`).set(auth(org.ownerToken)).send({ country: 'US' }).expect(201);
    expect(created.body).toMatchObject({ stripeAccountId: expect.stringMatching(/^acct_/), chargesEnabled: false, payoutsEnabled: false });
    const accountId: string = created.body.stripeAccountId;

    // idempotent: asking again returns the same account, and Stripe has exactly one for this organization
    const again = await http().post(`/api/v1/orgs/${org.orgId}/stripe/account`).set(auth(org.ownerToken)).send({}).expect(201);
    expect(again.body.stripeAccountId).toBe(accountId);
    const accounts = await sandbox.stripe().accounts.list({ limit: 100 });
    expect(accounts.data.filter((a) => a.metadata?.organization_id === org.orgId).map((a) => a.id)).toEqual([accountId]);
    const account = await sandbox.stripe().accounts.retrieve(accountId);
    expect(account.type).toBe('express');

    const link = await http().post(`/api/v1/orgs/${org.orgId}/stripe/account-link`).set(auth(org.ownerToken)).send({}).expect(201);
    expect(link.body.url.startsWith(sandbox.url)).toBe(true);
    expect(new Date(link.body.expiresAt).getTime()).toBeGreaterThan(Date.now() - 60_000);

    // the organization's person goes through Stripe's hosted onboarding
    const linkPath = new URL(link.body.url).pathname;
    const form = await request(sandbox.url).get(linkPath).expect(200);
    expect(form.text).toContain('Agree and finish');
    const finished = await request(sandbox.url).post(linkPath).expect(303);
    expect(finished.headers.location).toContain('stripe_onboarding=return');

    // the redirect proves nothing; the account's state does
    let status = await http().get(`/api/v1/orgs/${org.orgId}/stripe/account`).set(auth(org.ownerToken)).expect(200);
    expect(status.body.payoutsEnabled).toBe(false);
    const synced = await http().post(`/api/v1/orgs/${org.orgId}/stripe/account/sync`).set(auth(org.ownerToken)).send({}).expect(200);
    expect(synced.body).toMatchObject({ stripeAccountId: accountId, chargesEnabled: true, payoutsEnabled: true, detailsSubmitted: true });
    status = await http().get(`/api/v1/orgs/${org.orgId}/stripe/account`).set(auth(org.ownerToken)).expect(200);
    expect(status.body.payoutsEnabled).toBe(true);
  });

  it('applyStripeAccountUpdate (account.updated) is idempotent and ignores older data', async () => {
    const organizations = app.get(OrganizationsService);
    const { stripeAccountId } = (await http().get(`/api/v1/orgs/${org.orgId}/stripe/account`).set(auth(org.ownerToken))).body;
    await sandbox.control.setAccountFlags(stripeAccountId, { payouts_enabled: false });
    const paused = await sandbox.stripe().accounts.retrieve(stripeAccountId);
    const now = new Date();
    expect((await organizations.applyStripeAccountUpdate(paused, now))?.payoutsEnabled).toBe(false);
    expect((await organizations.applyStripeAccountUpdate(paused, now))?.payoutsEnabled).toBe(false);
    // an older event that still said "enabled" arrives late: it must not win
    const stale = { ...paused, payouts_enabled: true };
    expect((await organizations.applyStripeAccountUpdate(stale, new Date(now.getTime() - 60_000)))?.payoutsEnabled).toBe(false);
    // an account no organization owns is ignored
    expect(await organizations.applyStripeAccountUpdate({ ...paused, id: 'acct_unknown' }, now)).toBeNull();
    const log = await http().get(`/api/v1/orgs/${org.orgId}/audit-log?action=stripe_account.updated`).set(auth(org.ownerToken)).expect(200);
    expect(log.body.items[0]).toMatchObject({ actor: 'stripe', details: { payoutsEnabled: false } });
  });

  it('only owners onboard; members can read the status', async () => {
    const admin = await addMember(app, org, 'admin');
    const viewer = await addMember(app, org, 'viewer');
    expect((await http().post(`/api/v1/orgs/${org.orgId}/stripe/account-link`).set(auth(admin)).send({}).expect(403)).body.code).toBe('forbidden_role');
    await http().post(`/api/v1/orgs/${org.orgId}/stripe/account`).set(auth(admin)).send({}).expect(403);
    await http().get(`/api/v1/orgs/${org.orgId}/stripe/account`).set(auth(viewer)).expect(200);
    const fresh = await createOrganizationWithOwner(app);
    expect((await http().post(`/api/v1/orgs/${fresh.orgId}/stripe/account-link`).set(auth(fresh.ownerToken)).send({}).expect(409)).body.code).toBe('stripe_account_missing');
  });
});
