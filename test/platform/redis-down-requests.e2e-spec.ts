import { jest } from '@jest/globals';
import request from 'supertest';
import { createCampaign, createOrganizationWithOwner, signUpUser, TEST_PASSWORD, TEST_REDIS_URL, TestOrganization, uniqueEmail } from '@ataa/testing';
import { DonationWorld, startDonationWorld } from '../donations/donation-test-kit.js';
import { startTcpProxy, TcpProxy } from '../notifications/tcp-proxy.js';

jest.setTimeout(90_000);

/**
 * Fails the request (an error, not a status) when it is not answered within this bound. Before the
 * fix a sign-up took 4.5 s and a sign-in 18.3 s while Redis was down (a reconnect wait per call);
 * now each Redis call gives up after 200 ms, and a request answers in well under a second on a quiet
 * machine. 3 s keeps that difference visible without failing on a CI machine saturated by other
 * test files (a sign-in alone spends a few hundred ms in argon2id there).
 */
const BOUND_MS = 3000;

/**
 * Issue 14, item 5: Redis unreachable without refusing (a stalled network: connections stay open,
 * nothing comes back). Every Redis call on a request path gives up within 200 ms and the limits go
 * on as their policy says (all fail open), so sign-in, sign-up, the donation form and the
 * invitation page each answer promptly (see BOUND_MS), none with a 5xx; readiness fails closed (503), as
 * stated; the donor page's sign-in link form, whose limits fail closed, answers a prompt 503 page. Bounded by supertest's per-request timeout (which fails the request), not by timing
 * assertions.
 */
describe('Redis stalled: request paths stay bounded (real API, sandbox Stripe, PostgreSQL)', () => {
  let proxy: TcpProxy;
  let world: DonationWorld;
  let org: TestOrganization;
  let campaign: { slug: string };
  const http = () => request(world.apiUrl);

  beforeAll(async () => {
    const redis = new URL(TEST_REDIS_URL);
    proxy = await startTcpProxy({ host: redis.hostname, port: Number(redis.port || 6379) });
    // The API reaches Redis (rate limits, queues, health) only through the proxy.
    world = await startDonationWorld({ worker: false, env: { REDIS_URL: proxy.url, REDIS_REQUEST_TIMEOUT_MS: '200' } });
    org = await createOrganizationWithOwner(world.api);
    campaign = await createCampaign(world.api, org, {});
  });
  afterEach(() => proxy.resume());
  afterAll(async () => {
    proxy?.resume(); // let BullMQ close cleanly
    await world?.close();
    await proxy?.close();
  });

  it('sign-in, sign-up, the donation form and the invitation page answer promptly while Redis is stalled, none with 5xx', async () => {
    const user = await signUpUser(world.api);
    const inviteeEmail = uniqueEmail('invitee');
    const invitation = await http().post(`/api/v1/orgs/${org.orgId}/invitations`).set('authorization', `Bearer ${org.ownerToken}`)
      .send({ email: inviteeEmail, role: 'viewer' }).expect(201);
    // The pages and their CSRF tokens, opened while Redis answers (opening them does not use Redis).
    const donor = request.agent(world.apiUrl);
    const page = await donor.get(`/c/${campaign.slug}`).expect(200);
    const donateCsrf = /name="_csrf" value="([^"]+)"/.exec(page.text)![1];
    const invitee = request.agent(world.apiUrl);
    const invitePage = await invitee.get(`/invitations/accept?token=${encodeURIComponent(invitation.body.token)}`).expect(200);
    const inviteCsrf = /name="_csrf" value="([^"]+)"/.exec(invitePage.text)![1];

    proxy.stall();

    const wrong = await http().post('/api/v1/auth/login').set('x-forwarded-for', '203.0.113.200').send({ email: user.email, password: 'wrong password!!' }).timeout(BOUND_MS);
    expect(wrong.status).toBe(401);
    const right = await http().post('/api/v1/auth/login').set('x-forwarded-for', '203.0.113.200').send({ email: user.email, password: user.password }).timeout(BOUND_MS);
    expect(right.status).toBe(200);
    const signUp = await http().post('/api/v1/auth/signup').set('x-forwarded-for', '203.0.113.201').send({ email: uniqueEmail(), password: TEST_PASSWORD }).timeout(BOUND_MS);
    expect(signUp.status).toBe(201);
    const donate = await donor.post(`/c/${campaign.slug}/donate`).type('form').timeout(BOUND_MS)
      .send({ _csrf: donateCsrf, amount: 'other', customAmount: '5.00', donorName: 'Outage Donor', donorEmail: 'donor@example.org' });
    expect(donate.status).toBe(303);
    const accept = await invitee.post('/invitations/accept').type('form').timeout(BOUND_MS)
      .send({ _csrf: inviteCsrf, token: invitation.body.token, mode: 'signup', email: inviteeEmail, displayName: 'Invitee', password: TEST_PASSWORD });
    expect(accept.status).toBe(200);
    const [row] = await world.db.query(`SELECT accepted_at FROM invitations WHERE id = $1`, [invitation.body.id]);
    expect(row.accepted_at).not.toBeNull();
  });

  it('the donor page\'s sign-in link form fails closed while Redis is stalled: a prompt 503 page, no link recorded, no e-mail queued', async () => {
    const agent = request.agent(world.apiUrl);
    const page = await agent.get('/donor').expect(200);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.text)![1];
    proxy.stall();
    const asked = await agent.post('/donor/sign-in-link').set('x-forwarded-for', '203.0.113.220').type('form').timeout(BOUND_MS)
      .send({ _csrf: csrf, email: 'outage-donor@example.org' });
    expect(asked.status).toBe(503);
    expect(asked.headers['content-type']).toMatch(/text\/html/);
    expect(asked.text).toContain('role="alert"');
    expect(await world.db.query(`SELECT 1 FROM donor_sign_in_links WHERE email = 'outage-donor@example.org'`)).toEqual([]);
    expect(await world.db.query(`SELECT 1 FROM outbox WHERE kind = 'donor_sign_in'`)).toEqual([]);
  });

  it('readiness fails closed promptly (503 naming Redis); liveness stays 200', async () => {
    proxy.stall();
    const ready = await http().get('/health/ready').timeout(BOUND_MS);
    expect(ready.status).toBe(503);
    expect(ready.body).toMatchObject({ checks: { redis: { status: 'down' } } });
    expect((await http().get('/health/live').timeout(BOUND_MS)).status).toBe(200);
  });

  it('once Redis answers again the limits count again', async () => {
    proxy.resume();
    const ip = '203.0.113.210';
    const email = uniqueEmail();
    // Default limit per address and e-mail: 10 failures, then 429.
    let status = 0;
    for (let i = 0; i < 11; i++) {
      status = (await http().post('/api/v1/auth/login').set('x-forwarded-for', ip).send({ email, password: `wrong-${i}-password` })).status;
    }
    expect(status).toBe(429);
  });
});
