import { jest } from '@jest/globals';
import { createHash } from 'node:crypto';
import request from 'supertest';
import { OperatorProvisioning } from '@ataa/operators';
import {
  addMemberWithDetails, createCampaign, createOrganizationWithOwner, csrfOf, postDashboardForm, setAuthRateLimits, signInToDashboard, TEST_PASSWORD, uniqueEmail,
  type DashboardAgent, type TestOrganization,
} from '@ataa/testing';
import { DonationWorld, enablePayouts, eventually, expectLedgerSound, settle, startDonationWorld, startGift } from '../donations/donation-test-kit.js';

jest.setTimeout(180_000);

const OPERATOR_PASSWORD = 'operator password 1234';

/**
 * The operator console end to end: operator accounts and their own sessions, payouts awaiting
 * approval made the real way (gifts paid on the sandbox's Checkout, a finance member's request
 * above the organization's threshold) approved and rejected from the console's forms, the worker
 * paying the approved one on the sandbox, thresholds changed with the operator in the audit log,
 * the queue dashboard opened by the console's session, and every refusal (no CSRF, an organization
 * user, a wrong password, too many of them).
 */
describe('operator console (/console) end to end', () => {
  let world: DonationWorld;
  let org: TestOrganization;
  let financeToken: string;
  let campaign: { id: string; slug: string };
  let operatorEmail: string;
  let operatorId: string;
  let operator: DashboardAgent;
  let operatorToken: string;

  const http = () => request(world.apiUrl);
  const requestPayout = async (amount: string, purpose: string) => {
    const res = await http().post(`/api/v1/orgs/${org.orgId}/campaigns/${campaign.id}/payouts`).set('authorization', `Bearer ${financeToken}`)
      .send({ amount, currency: 'usd', purpose });
    expect([res.status, res.body.status]).toEqual([201, 'pending_approval']);
    return res.body as { id: string };
  };
  const payoutRow = async (id: string) => (await world.db.query(`SELECT status, decided_by, rejection_reason FROM payouts WHERE id = $1`, [id]))[0];
  const auditOf = async (action: string, targetId: string) =>
    world.db.query(`SELECT actor, organization_id, details FROM audit_log WHERE action = $1 AND target_id = $2 ORDER BY seq`, [action, targetId]);
  const cookiesOf = (res: request.Response): string[] => [res.headers['set-cookie'] ?? []].flat();
  const post = (agent: DashboardAgent, formPath: string, action: string, fields: Record<string, string>) => postDashboardForm(agent, formPath, action, fields);

  beforeAll(async () => {
    world = await startDonationWorld();
    operatorEmail = uniqueEmail('operator');
    operatorId = (await world.api.get(OperatorProvisioning).create(operatorEmail, OPERATOR_PASSWORD)).id;
    org = await createOrganizationWithOwner(world.api, { name: 'Console Water Trust' });
    financeToken = (await addMemberWithDetails(world.api, org, 'finance')).accessToken;
    campaign = await createCampaign(world.api, org, { offerCoverFees: false });
    // Up to 1.00 approved automatically: every request below needs an operator.
    await enablePayouts(world, org, '100');
    const gift = await startGift(world, campaign.slug, { amount: 'other', customAmount: '100.00' });
    expect((await world.sandbox.control.paySession(gift.sessionId, { card: '4000000000000077' })).ok).toBe(true);
    await settle(world);
  });
  afterAll(async () => {
    await world?.close();
  });

  it('sends a visitor to the sign-in page, and refuses a wrong password, a missing CSRF token and an organization user', async () => {
    const visitor = request.agent(world.apiUrl);
    await visitor.get('/console').expect(303).expect('location', '/console/sign-in');
    await visitor.get('/console/payouts').expect(303).expect('location', '/console/sign-in');
    const form = await visitor.get('/console/sign-in').expect(200);
    expect(form.headers['content-type']).toMatch(/text\/html/);
    expect(form.text).not.toMatch(/<script/i);

    const wrong = await post(visitor, '/console/sign-in', '/console/sign-in', { email: operatorEmail, password: 'not the password at all' });
    expect(wrong.status).toBe(401);
    expect(wrong.text).toContain('data-testid="form-error"');
    expect(wrong.text).toContain(`value="${operatorEmail}"`);
    expect(cookiesOf(wrong).some((c) => c.startsWith('ataa_operator='))).toBe(false);

    const noCsrf = await visitor.post('/console/sign-in').type('form').send({ email: operatorEmail, password: OPERATOR_PASSWORD });
    expect(noCsrf.status).toBe(403);
    expect(cookiesOf(noCsrf).some((c) => c.startsWith('ataa_operator='))).toBe(false);

    // An organization's owner: signed in to the dashboard, the console still asks for an operator; their password opens nothing here.
    const owner = await signInToDashboard(world.apiUrl, org.ownerEmail, TEST_PASSWORD);
    await owner.get('/dashboard').expect(303);
    await owner.get('/console').expect(303).expect('location', '/console/sign-in');
    expect((await post(owner, '/console/sign-in', '/console/sign-in', { email: org.ownerEmail, password: TEST_PASSWORD })).status).toBe(401);
    await owner.get('/operator/queues').expect(401);
  });

  it('signs an operator in with a session of its own: HttpOnly SameSite=Lax cookies, only a hash stored, the sign-in audited', async () => {
    operator = request.agent(world.apiUrl);
    const res = await post(operator, '/console/sign-in', '/console/sign-in', { email: operatorEmail.toUpperCase(), password: OPERATOR_PASSWORD });
    expect([res.status, res.headers.location]).toEqual([303, '/console']);
    const sessionCookies = cookiesOf(res).filter((c) => c.startsWith('ataa_operator='));
    expect(sessionCookies.map((c) => /Path=([^;]+)/.exec(c)![1]).sort()).toEqual(['/console', '/operator/queues']);
    for (const cookie of sessionCookies) expect(cookie).toMatch(/; HttpOnly; SameSite=Lax/);
    operatorToken = /^ataa_operator=([^;]+)/.exec(sessionCookies[0])![1];
    expect(operatorToken).toMatch(/^ataa_os_/);
    const [stored] = await world.db.query(`SELECT token_hash FROM operator_sessions WHERE operator_id = $1`, [operatorId]);
    expect(stored.token_hash).toBe(createHash('sha256').update(operatorToken).digest('hex'));
    expect(JSON.stringify(await world.db.query(`SELECT * FROM operator_sessions`))).not.toContain(operatorToken);
    expect(await auditOf('operator.signed_in', operatorId)).toEqual([{ actor: `operator:${operatorId}`, organization_id: null, details: {} }]);

    const home = await operator.get('/console').expect(200);
    expect(home.text).toContain(operatorEmail);
    expect(home.text).toContain('href="/operator/queues"');
    expect(home.text).not.toMatch(/<script/i);
    // No secret in any address the pages link to.
    expect(home.text).not.toContain(operatorToken);
    expect(home.text).not.toContain(world.config.OPERATOR_TOKEN!);
  });

  it("an operator's session does not open an organization's dashboard, and a dashboard session does not open the console", async () => {
    await request(world.apiUrl).get('/dashboard').set('cookie', `ataa_session=${operatorToken}`).expect(303).expect('location', '/dashboard/sign-in');
    const owner = await signInToDashboard(world.apiUrl, org.ownerEmail, TEST_PASSWORD);
    const signIn = await postDashboardForm(request.agent(world.apiUrl), '/dashboard/sign-in', '/dashboard/sign-in', { email: org.ownerEmail, password: TEST_PASSWORD });
    const dashboardToken = /ataa_session=([^;]+)/.exec(cookiesOf(signIn).join('\n'))![1];
    await request(world.apiUrl).get('/console').set('cookie', `ataa_operator=${dashboardToken}`).expect(303).expect('location', '/console/sign-in');
    await request(world.apiUrl).get('/operator/queues').set('cookie', `ataa_operator=${dashboardToken}`).expect(401);
    await owner.get('/dashboard').expect(303);
  });

  it('approves a payout awaiting approval after its confirmation; no CSRF changes nothing; a double submit decides once; the worker pays it', async () => {
    const p = await requestPayout('1500', 'Pump parts');
    const home = await operator.get('/console').expect(200);
    expect(home.text).toMatch(/data-testid="awaiting-count">1</);
    const list = await operator.get('/console/payouts').expect(200);
    expect(list.text).toContain(`data-payout="${p.id}"`);
    expect(list.text).toContain('Console Water Trust');
    expect(list.text).toContain('$15.00');

    const page = await operator.get(`/console/payouts/${p.id}`).expect(200);
    expect(page.text).toContain(`href="/console/payouts/${p.id}/approve"`);
    const confirm = await operator.get(`/console/payouts/${p.id}/approve`).expect(200);
    expect(confirm.text).toContain(`action="/console/payouts/${p.id}/approve"`);

    const forged = await operator.post(`/console/payouts/${p.id}/approve`).type('form').send({});
    expect(forged.status).toBe(403);
    expect(forged.text).toContain('data-testid="form-error"');
    expect((await payoutRow(p.id)).status).toBe('pending_approval');

    const csrf = csrfOf(confirm.text);
    const first = await operator.post(`/console/payouts/${p.id}/approve`).type('form').send({ _csrf: csrf });
    expect([first.status, first.headers.location]).toEqual([303, `/console/payouts/${p.id}?done=approved`]);
    const second = await operator.post(`/console/payouts/${p.id}/approve`).type('form').send({ _csrf: csrf });
    expect([second.status, second.headers.location]).toEqual([303, `/console/payouts/${p.id}?done=approved`]);
    expect(await payoutRow(p.id)).toMatchObject({ decided_by: `operator:${operatorId}` });
    expect(await auditOf('payout.approved', p.id)).toEqual([{ actor: `operator:${operatorId}`, organization_id: org.orgId, details: { amount: '1500' } }]);

    await eventually(async () => (await payoutRow(p.id)).status === 'paid', 'the approved payout to be paid', 30_000);
    const done = await operator.get(`/console/payouts/${p.id}?done=approved`).expect(200);
    expect(done.text).toContain('data-testid="notice"');
    expect(done.text).toContain('data-status="paid"');
    expect(done.text).toContain(operatorEmail);
    expect(done.text).not.toContain('data-testid="payout-actions"');
    // A later submit of the same approval is still the same decision.
    const late = await operator.post(`/console/payouts/${p.id}/approve`).type('form').send({ _csrf: csrf });
    expect(late.status).toBe(303);
    expect(await auditOf('payout.approved', p.id)).toHaveLength(1);
    await expectLedgerSound(world.db);
  });

  it('rejects a payout with a reason (required); the reserved amount is released; rejecting it again changes nothing', async () => {
    const p = await requestPayout('2000', 'Office chairs');
    const empty = await post(operator, `/console/payouts/${p.id}/reject`, `/console/payouts/${p.id}/reject`, { reason: '   ' });
    expect(empty.status).toBe(400);
    expect(empty.text).toContain('data-testid="form-error"');
    expect((await payoutRow(p.id)).status).toBe('pending_approval');

    const res = await post(operator, `/console/payouts/${p.id}/reject`, `/console/payouts/${p.id}/reject`, { reason: 'The purpose is not part of this campaign' });
    expect([res.status, res.headers.location]).toEqual([303, `/console/payouts/${p.id}?done=rejected`]);
    expect(await payoutRow(p.id)).toEqual({ status: 'rejected', decided_by: `operator:${operatorId}`, rejection_reason: 'The purpose is not part of this campaign' });
    const again = await operator.post(`/console/payouts/${p.id}/reject`).type('form').send({ _csrf: csrfOf((await operator.get('/console/payouts').expect(200)).text), reason: 'The purpose is not part of this campaign' });
    expect(again.status).toBe(303);
    expect(await auditOf('payout.rejected', p.id)).toEqual([{ actor: `operator:${operatorId}`, organization_id: org.orgId, details: { reason: 'The purpose is not part of this campaign' } }]);
    // Approving a rejected payout is refused on the payout's page.
    const approve = await operator.post(`/console/payouts/${p.id}/approve`).type('form').send({ _csrf: csrfOf((await operator.get('/console').expect(200)).text) });
    expect(approve.status).toBe(409);
    expect(approve.text).toContain('data-status="rejected"');
    const funds = (await http().get(`/api/v1/orgs/${org.orgId}/campaigns/${campaign.id}/funds`).set('authorization', `Bearer ${financeToken}`).expect(200)).body;
    expect(funds.reserved).toBe('0');
    await expectLedgerSound(world.db);
  });

  it("changes an organization's threshold through the form, audited with the operator; bad input changes nothing", async () => {
    const list = await operator.get(`/console/organizations?q=${encodeURIComponent('water trust')}`).expect(200);
    expect(list.text).toContain(`href="/console/organizations/${org.orgId}"`);
    const formPath = `/console/organizations/${org.orgId}`;
    const bad = await post(operator, formPath, `${formPath}/threshold`, { threshold: '12.50' });
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('value="12.50"');
    const noCsrf = await operator.post(`${formPath}/threshold`).type('form').send({ threshold: '9' });
    expect(noCsrf.status).toBe(403);
    expect((await world.db.query(`SELECT payout_approval_threshold::text AS t FROM organizations WHERE id = $1`, [org.orgId]))[0].t).toBe('100');

    const res = await post(operator, formPath, `${formPath}/threshold`, { threshold: '50000' });
    expect([res.status, res.headers.location]).toEqual([303, `${formPath}?saved=1`]);
    expect((await world.db.query(`SELECT payout_approval_threshold::text AS t FROM organizations WHERE id = $1`, [org.orgId]))[0].t).toBe('50000');
    const audit = await auditOf('payout.threshold_set', org.orgId);
    expect(audit[audit.length - 1]).toEqual({ actor: `operator:${operatorId}`, organization_id: org.orgId, details: { threshold: '50000' } });
    const page = await operator.get(`${formPath}?saved=1`).expect(200);
    expect(page.text).toContain('data-testid="threshold-history"');
    expect(page.text).toContain(operatorEmail);
    expect(page.text).toContain('$500.00');
    // Emptied: an operator approves every payout.
    expect((await post(operator, formPath, `${formPath}/threshold`, { threshold: '' })).status).toBe(303);
    expect((await world.db.query(`SELECT payout_approval_threshold FROM organizations WHERE id = $1`, [org.orgId]))[0].payout_approval_threshold).toBeNull();
  });

  it('lists reconciliation runs and open differences, with a page per run', async () => {
    const run = await eventually(async () => {
      const res = await http().post('/operator/reconciliation/runs').set('authorization', `Bearer ${world.config.OPERATOR_TOKEN}`).send({});
      return res.status === 201 ? res.body : false;
    }, 'a reconciliation run');
    const overview = await operator.get('/console/reconciliation').expect(200);
    expect(overview.text).toContain(`data-run="${run.id}"`);
    expect(overview.text).toContain('data-testid="open-count"');
    const page = await operator.get(`/console/reconciliation/runs/${run.id}`).expect(200);
    expect(page.text).toContain('data-testid="run-status"');
    await operator.get(`/console/reconciliation/differences/${run.id}`).expect(404);
  });

  it('opens the queue dashboard with the console session only (the operator token keeps working); signing out closes both', async () => {
    const board = await operator.get('/operator/queues').expect(200);
    expect(board.text).toContain('<div id="root">');
    const api = await operator.get('/operator/queues/api/queues').expect(200);
    expect(api.body.queues.map((q: { name: string }) => q.name)).toEqual(expect.arrayContaining(['payouts']));
    await request(world.apiUrl).get('/operator/queues').expect(401);
    await request(world.apiUrl).get('/operator/queues').set('authorization', `Bearer ${world.config.OPERATOR_TOKEN}`).expect(200);

    const out = await post(operator, '/console', '/console/sign-out', {});
    expect(out.status).toBe(200);
    expect(cookiesOf(out).filter((c) => c.startsWith('ataa_operator=;')).length).toBe(2);
    expect(await auditOf('operator.signed_out', operatorId)).toHaveLength(1);
    // The old secret is dead even when a copy of it is sent.
    await request(world.apiUrl).get('/console').set('cookie', `ataa_operator=${operatorToken}`).expect(303);
    await request(world.apiUrl).get('/operator/queues').set('cookie', `ataa_operator=${operatorToken}`).expect(401);
  });

  it("answers unknown console pages and payouts with its own 404 page, never JSON", async () => {
    const agent = request.agent(world.apiUrl);
    expect((await post(agent, '/console/sign-in', '/console/sign-in', { email: operatorEmail, password: OPERATOR_PASSWORD })).status).toBe(303);
    for (const path of ['/console/no-such-page', '/console/payouts/not-a-uuid', `/console/payouts/${org.orgId}`, `/console/organizations/${campaign.id}`, `/console/payouts/${org.orgId}/approve`]) {
      const page = await agent.get(path).expect(404);
      expect([path, page.headers['content-type']]).toEqual([path, expect.stringMatching(/text\/html/)]);
      expect(page.text).toContain('data-testid="error-404"');
      expect(page.text).toContain('/assets/console.css');
    }
  });

  it('limits wrong passwords per address and e-mail (429 with Retry-After), counted apart from organization accounts', async () => {
    setAuthRateLimits(world.api, { loginFailuresPerIpAndEmail: { limit: 2, windowSeconds: 600 } });
    try {
      const email = uniqueEmail('locked-operator');
      await world.api.get(OperatorProvisioning).create(email, OPERATOR_PASSWORD);
      const agent = request.agent(world.apiUrl);
      for (let i = 0; i < 2; i++) expect((await post(agent, '/console/sign-in', '/console/sign-in', { email, password: `wrong password ${i}` })).status).toBe(401);
      const locked = await post(agent, '/console/sign-in', '/console/sign-in', { email, password: OPERATOR_PASSWORD });
      expect(locked.status).toBe(429);
      expect(Number(locked.headers['retry-after'])).toBeGreaterThan(0);
      // The dashboard's counters for the same address are another matter.
      await signInToDashboard(world.apiUrl, org.ownerEmail, TEST_PASSWORD);
    } finally {
      setAuthRateLimits(world.api, { loginFailuresPerIpAndEmail: { limit: 10, windowSeconds: 60 } });
    }
  });
});
