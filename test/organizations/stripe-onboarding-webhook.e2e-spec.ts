import { jest } from '@jest/globals';
import type { INestApplicationContext } from '@nestjs/common';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import request from 'supertest';
import { baseUrlOf, createOrganizationWithOwner, createTestEnvironment, startTestApi, startTestSandbox, startTestWorker, TestEnvironment, TestSandbox } from '@ataa/testing';

// Jest reads testTimeout only from the top-level config, not from a project: set it here.
jest.setTimeout(60_000);

/**
 * The whole path with nothing called by hand: the sandbox signs and delivers `account.updated` to
 * the API's webhook endpoint, the worker processes the inbox, and the organization's payout
 * status follows the connected account.
 */
describe('Stripe onboarding driven by the account.updated webhook', () => {
  let env: TestEnvironment;
  let sandbox: TestSandbox;
  let app: NestFastifyApplication;
  let worker: INestApplicationContext;

  beforeAll(async () => {
    sandbox = await startTestSandbox();
    env = await createTestEnvironment();
    const config = env.configWith(sandbox.env());
    app = await startTestApi(config, { listen: true });
    await sandbox.control.setWebhookEndpoint(`${await baseUrlOf(app)}/webhooks/stripe`, sandbox.webhookSecret);
    worker = await startTestWorker(config);
  }, 60_000);
  afterAll(async () => {
    await worker?.close();
    await app?.close();
    await sandbox?.close();
    await env?.cleanup();
  }, 60_000);

  const payoutStatus = async (orgId: string, token: string) =>
    (await request(app.getHttpServer()).get(`/api/v1/orgs/${orgId}/stripe/account`).set({ authorization: `Bearer ${token}` }).expect(200)).body;

  const waitFor = async (check: () => Promise<boolean>, what: string) => {
    const deadline = Date.now() + 20_000;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };

  it('enables payouts when onboarding completes and disables them when Stripe pauses the account', async () => {
    const org = await createOrganizationWithOwner(app);
    const auth = { authorization: `Bearer ${org.ownerToken}` };
    const created = await request(app.getHttpServer()).post(`/api/v1/orgs/${org.orgId}/stripe/account`).set(auth).send({ country: 'US' }).expect(201);
    const link = await request(app.getHttpServer()).post(`/api/v1/orgs/${org.orgId}/stripe/account-link`).set(auth).send({}).expect(201);
    await request(sandbox.url).post(new URL(link.body.url).pathname).expect(303);
    await waitFor(async () => (await payoutStatus(org.orgId, org.ownerToken)).payoutsEnabled === true, 'payouts enabled');
    expect(await payoutStatus(org.orgId, org.ownerToken)).toMatchObject({ stripeAccountId: created.body.stripeAccountId, chargesEnabled: true, payoutsEnabled: true, detailsSubmitted: true });

    await sandbox.control.setAccountFlags(created.body.stripeAccountId, { payouts_enabled: false });
    await waitFor(async () => (await payoutStatus(org.orgId, org.ownerToken)).payoutsEnabled === false, 'payouts disabled');
    expect((await payoutStatus(org.orgId, org.ownerToken)).chargesEnabled).toBe(true);
  });
});
