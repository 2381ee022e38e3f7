import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { INestApplicationContext } from '@nestjs/common';
import { createServer, AddressInfo } from 'node:net';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { AppConfig } from '@ataa/config';
import { PendingFeesService } from '@ataa/donations';
import { auditLedger } from '@ataa/ledger';
import { createLogger } from '@ataa/observability';
import { createApiApp } from '../../apps/api/src/create-api-app.js';
import { baseUrlOf, createTestEnvironment, startTestApi, startTestSandbox, startTestWorker, TestEnvironment, TestSandbox } from '@ataa/testing';

/** One API (listening), one worker and one Stripe sandbox delivering signed webhooks to the API. */
export interface DonationWorld {
  env: TestEnvironment;
  sandbox: TestSandbox;
  config: AppConfig;
  api: NestFastifyApplication;
  apiUrl: string;
  worker: INestApplicationContext | null;
  db: DataSource;
  close(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * With `publicUrl`, the API listens on a known port and PUBLIC_BASE_URL points at it, so Stripe
 * Checkout's return URLs lead a real browser back to the thank-you page.
 */
export async function startDonationWorld(options: {
  worker?: boolean; env?: Record<string, string>; publicUrl?: boolean;
  /** Runs once the sandbox is up, before the apps start; answers more configuration (e.g. a test clock made on the sandbox). */
  beforeApps?: (sandbox: TestSandbox) => Promise<Record<string, string>>;
} = {}): Promise<DonationWorld> {
  const env = await createTestEnvironment();
  const sandbox = await startTestSandbox();
  const extra = options.beforeApps ? await options.beforeApps(sandbox) : {};
  const port = options.publicUrl ? await freePort() : 0;
  // The worker's fee sweep runs when a test settles (`settle`), not on its own timer (unless a test sets FEE_SWEEP_SECONDS).
  // ALL_OR_NOTHING_PLEDGES off unless a test asks: these tests pay one-time gifts on all-or-nothing campaigns (the refund path); test/pledges turns it on.
  const config = env.configWith({ ...sandbox.env(), FEE_SWEEP_SECONDS: '0', ALL_OR_NOTHING_PLEDGES: 'false', ...(port ? { PUBLIC_BASE_URL: `http://127.0.0.1:${port}` } : {}), ...(options.env ?? {}), ...extra });
  let api: NestFastifyApplication;
  if (port) {
    api = await createApiApp(config, { logger: createLogger(config.LOG_LEVEL, 'api-test') });
    await api.listen({ port, host: '127.0.0.1' });
  } else {
    api = await startTestApi(config, { listen: true });
  }
  const apiUrl = await baseUrlOf(api);
  await sandbox.control.setWebhookEndpoint(`${apiUrl}/webhooks/stripe`, sandbox.webhookSecret);
  const worker = options.worker === false ? null : await startTestWorker(config);
  const db = api.get(DataSource);
  return {
    env, sandbox, config, api, apiUrl, worker, db,
    async close() {
      await worker?.close();
      await api.close();
      await sandbox.close();
      await env.cleanup();
    },
  };
}

/** Polls until `check` returns a value that is not undefined/false, or fails with the last value. */
export async function eventually<T>(check: () => Promise<T | undefined | false>, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value as T;
    last = value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what} (last: ${String(last)})`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export async function donationRow(db: DataSource, id: string): Promise<Record<string, any>> {
  const [row] = await db.query(`SELECT * FROM donations WHERE id = $1`, [id]);
  return row;
}

let lastInbox = '';

/**
 * Waits until no event is left unprocessed in the inbox (the sandbox has delivered everything),
 * then runs the worker's fee sweep once, as its timer would (posting the fees Stripe has listed).
 */
export async function settle(world: DonationWorld): Promise<void> {
  await drainInbox(world);
  if (world.worker) await eventually(async () => (await world.worker!.get(PendingFeesService).sweep()) !== null, 'the fee sweep lock', 30_000);
}

/** Waits until no event is left unprocessed in the inbox (the sandbox has delivered everything). */
export async function drainInbox(world: DonationWorld, timeoutMs = 30_000): Promise<void> {
  await world.sandbox.control.waitForWebhooks(Math.min(timeoutMs, 120_000));
  await eventually(async () => {
    const rows = await world.db.query(`SELECT id, type, attempts, last_error FROM stripe_events WHERE processed_at IS NULL LIMIT 3`);
    if (rows.length === 0) return true;
    lastInbox = JSON.stringify(rows);
    return false;
  }, 'the inbox to drain', timeoutMs).catch((error: Error) => {
    throw new Error(`${error.message}; unprocessed: ${lastInbox}`);
  });
}

export async function expectLedgerSound(db: DataSource): Promise<void> {
  expect(await auditLedger(db.manager)).toEqual([]);
}

/** Opens the campaign page, then posts the donation form with its CSRF cookie and token. */
export async function submitDonationForm(world: DonationWorld, slug: string, fields: Record<string, string>): Promise<request.Response> {
  const agent = request.agent(world.apiUrl);
  const page = await agent.get(`/c/${slug}`).expect(200);
  const token = /name="_csrf" value="([^"]+)"/.exec(page.text)?.[1];
  if (!token) throw new Error('no CSRF token on the page');
  return agent.post(`/c/${slug}/donate`).type('form').send({ _csrf: token, ...fields });
}

export async function startGift(world: DonationWorld, slug: string, fields: Record<string, string> = {}): Promise<{ donationId: string; sessionId: string }> {
  const res = await submitDonationForm(world, slug, { amount: '50.00', donorName: 'Layla', donorEmail: 'layla@example.org', ...fields });
  if (res.status !== 303) throw new Error(`donation form: ${res.status} ${res.text.slice(0, 500)}`);
  const [row] = await world.db.query(`SELECT id, stripe_checkout_session_id FROM donations ORDER BY created_at DESC LIMIT 1`);
  return { donationId: row.id, sessionId: row.stripe_checkout_session_id };
}

/**
 * The organization connects a Stripe account on the sandbox and finishes onboarding; once
 * `account.updated` has enabled its payouts, the operator sets its payout approval threshold
 * (minor units). Answers the connected account's id.
 */
export async function enablePayouts(world: DonationWorld, org: { orgId: string; ownerToken: string }, threshold: string): Promise<string> {
  const http = () => request(world.apiUrl);
  const owner = { authorization: `Bearer ${org.ownerToken}` };
  const accountId: string = (await http().post(`/api/v1/orgs/${org.orgId}/stripe/account`).set(owner).send({ country: 'US' }).expect(201)).body.stripeAccountId;
  await world.sandbox.control.completeOnboarding(accountId);
  await settle(world);
  await eventually(async () => (await http().get(`/api/v1/orgs/${org.orgId}/stripe/account`).set(owner).expect(200)).body.payoutsEnabled === true, 'payouts enabled');
  await http().put(`/operator/organizations/${org.orgId}/payout-threshold`).set({ authorization: `Bearer ${world.config.OPERATOR_TOKEN}` })
    .send({ amount: threshold }).expect(204);
  return accountId;
}

export { baseUrlOf };
