import { jest } from '@jest/globals';
import request from 'supertest';
import {
  addMemberWithDetails, createCampaign, createOrganizationWithOwner, csrfOf, postDashboardForm, signInToDashboard, type DashboardAgent, type TestOrganization,
} from '@ataa/testing';
import { DonationWorld, eventually, expectLedgerSound, settle, startDonationWorld, startGift } from '../donations/donation-test-kit.js';

jest.setTimeout(180_000);

/**
 * The dashboard's Payouts section and close-out page over HTTP, with real gifts paid on the Stripe
 * sandbox's Checkout: Connect onboarding through the sandbox's hosted page back to the dashboard,
 * funds shown (available, pending with its date), a payout request (a double submit makes one payout,
 * refusals re-render the form and store nothing), cancel after its confirmation, roles as the API's
 * (viewer and finance refused with the 403 page), another organization's payout 404, CSRF refused,
 * and the close-out page of an ended campaign.
 */
describe('dashboard payouts (API, worker, Stripe sandbox, PostgreSQL, Redis)', () => {
  let world: DonationWorld;
  let org: TestOrganization;
  let owner: DashboardAgent;
  let finance: DashboardAgent;
  let viewer: DashboardAgent;
  let campaign: { id: string; slug: string; version: number };
  let payoutId: string;

  const base = () => `/dashboard/o/${org.orgId}/payouts`;
  const countPayouts = async () => Number((await world.db.query(`SELECT count(*) AS n FROM payouts WHERE organization_id = $1`, [org.orgId]))[0].n);
  const funds = async () => (await request(world.apiUrl).get(`/api/v1/orgs/${org.orgId}/campaigns/${campaign.id}/funds`).set('authorization', `Bearer ${org.ownerToken}`).expect(200)).body;
  /** Opens the request form and answers its CSRF token and request id (one per form opened). */
  const openForm = async (agent: DashboardAgent) => {
    const form = await agent.get(`${base()}/new?campaign=${campaign.id}`).expect(200);
    return { _csrf: csrfOf(form.text), requestId: /name="requestId" value="([^"]+)"/.exec(form.text)![1], html: form.text };
  };

  beforeAll(async () => {
    // PUBLIC_BASE_URL is the API's own address: Stripe's return and refresh URLs come back to it.
    world = await startDonationWorld({ publicUrl: true });
    org = await createOrganizationWithOwner(world.api, { name: 'Books for Mafraq' });
    const financeMember = await addMemberWithDetails(world.api, org, 'finance');
    const viewerMember = await addMemberWithDetails(world.api, org, 'viewer');
    campaign = await createCampaign(world.api, org, { offerCoverFees: false, title: 'School books' });
    owner = await signInToDashboard(world.apiUrl, org.ownerEmail, org.ownerPassword);
    finance = await signInToDashboard(world.apiUrl, financeMember.email, financeMember.password);
    viewer = await signInToDashboard(world.apiUrl, viewerMember.email, viewerMember.password);
    // Gift A, 100.00 on the "available at once" card: nets 94.80. Gift B, 50.00: available in two days, nets 47.25.
    const a = await startGift(world, campaign.slug, { amount: 'other', customAmount: '100.00' });
    expect((await world.sandbox.control.paySession(a.sessionId, { card: '4000000000000077' })).ok).toBe(true);
    const b = await startGift(world, campaign.slug, { amount: 'other', customAmount: '50.00' });
    expect((await world.sandbox.control.paySession(b.sessionId)).ok).toBe(true);
    await settle(world);
  }, 120_000);
  afterAll(async () => {
    await world?.close();
  }, 60_000);

  it('replaces the "coming soon" page with the section; any member sees the funds', async () => {
    const page = await finance.get(base()).expect(200);
    expect(page.text).not.toContain('data-testid="coming-soon"');
    expect(page.text).toContain('data-testid="account-none"');
    // available and pending (with the date it becomes available), as GET .../funds
    expect(await funds()).toMatchObject({ available: '9480', pending: '4725', reserved: '0', paidOut: '0' });
    expect(page.text).toMatch(/data-testid="available"><bdi>\$94\.80<\/bdi>/);
    expect(page.text).toMatch(/data-testid="pending"><ul class="plain"><li><time datetime="[^"]+">\$47\.25 on [A-Z][a-z]{2} \d{1,2}, \d{4}<\/time>/);
    expect(page.text).toContain('data-testid="request-payout"');
    const seen = await viewer.get(base()).expect(200);
    expect(seen.text).toMatch(/data-testid="available"><bdi>\$94\.80<\/bdi>/);
    expect(seen.text).not.toContain('data-testid="request-payout"');
    expect(seen.text).toContain('data-testid="viewer-note"');
  });

  it('connects payouts through the sandbox\u2019s onboarding and comes back to the dashboard with the account\u2019s state', async () => {
    const connectPath = `${base()}/connect`;
    // a viewer and a finance member see no button and are refused posting anyway (owner only, as the API)
    for (const agent of [viewer, finance]) {
      const shown = await agent.get(connectPath).expect(200);
      expect(shown.text).not.toContain('data-testid="connect"');
      expect(shown.text).toContain('data-testid="viewer-note"');
      const refused = await agent.post(connectPath).type('form').send({ _csrf: csrfOf(shown.text) });
      expect(refused.status).toBe(403);
      expect(refused.text).toContain('data-testid="error-403"');
    }
    // without its CSRF token: refused, no account created
    expect((await owner.post(connectPath).type('form').send({})).status).toBe(403);
    expect((await world.db.query(`SELECT stripe_account_id FROM organizations WHERE id = $1`, [org.orgId]))[0].stripe_account_id).toBeNull();

    const started = await postDashboardForm(owner, connectPath, connectPath, {});
    expect(started.status).toBe(303);
    const link = new URL(started.headers.location as string);
    expect(link.pathname).toMatch(/^\/c\/connect\/\w+$/);
    const [{ stripe_account_id: accountId }] = await world.db.query(`SELECT stripe_account_id FROM organizations WHERE id = $1`, [org.orgId]);
    expect(accountId).toMatch(/^acct_/);
    // Stripe's hosted onboarding page (the sandbox's), then "Agree and finish": back to the dashboard's return URL
    const stripe = request(link.origin);
    expect((await stripe.get(link.pathname)).status).toBe(200);
    const finished = await stripe.post(link.pathname);
    expect(finished.status).toBe(303);
    const back = new URL(finished.headers.location as string);
    expect(back.origin).toBe(world.apiUrl);
    expect(back.pathname).toBe(`${base()}/connect/return`);
    const returned = await owner.get(back.pathname).expect(200);
    expect(returned.text).toContain('data-testid="notice"');
    expect(returned.text).toContain('Payouts are enabled: you can request a payout.');
    expect(returned.text).toMatch(/data-testid="details-submitted">Yes</);
    expect(returned.text).toMatch(/data-testid="payouts-enabled">Yes</);
    expect(returned.text).toContain(accountId);
    // resuming: a second link for the same account (no second account), and the refresh URL's page offers it again
    const again = await postDashboardForm(owner, connectPath, connectPath, {});
    expect(again.status).toBe(303);
    expect((await world.db.query(`SELECT stripe_account_id FROM organizations WHERE id = $1`, [org.orgId]))[0].stripe_account_id).toBe(accountId);
    const refresh = await owner.get(`${base()}/connect/refresh`).expect(200);
    expect(refresh.text).toContain('The onboarding link expired or was already used.');
    expect(refresh.text).toContain('data-testid="connect"');
    await eventually(async () => (await world.db.query(`SELECT payouts_enabled FROM organizations WHERE id = $1`, [org.orgId]))[0].payouts_enabled === true, 'payouts enabled');
  });

  it('a refused request re-renders the form with field errors, the input kept, nothing stored', async () => {
    const path = `${base()}/new`;
    const noPurpose = await finance.post(path).type('form').send({ ...(await openForm(finance)), campaignId: campaign.id, amount: '12.345', purpose: '' });
    expect(noPurpose.status).toBe(400);
    expect(noPurpose.headers['content-type']).toMatch(/text\/html/);
    expect(noPurpose.text).toMatch(/id="amount-error">Too many decimals for this currency\./);
    expect(noPurpose.text).toMatch(/id="purpose-error">Say what this payout pays for\./);
    expect(noPurpose.text).toContain('value="12.345"');
    const noCampaign = await finance.post(path).type('form').send({ ...(await openForm(finance)), campaignId: '', amount: '10', purpose: 'Books' });
    expect(noCampaign.status).toBe(400);
    expect(noCampaign.text).toMatch(/id="campaignId-error">Choose a campaign\./);
    expect(noCampaign.text).toContain('value="Books"');
    // more than is available (94.80): the lib's refusal, on the amount field
    const over = await finance.post(path).type('form').send({ ...(await openForm(finance)), campaignId: campaign.id, amount: '94.81', purpose: 'Books' });
    expect(over.status).toBe(409);
    expect(over.text).toMatch(/id="amount-error">More than is available: \$94\.80 can be paid out now\./);
    // a split across designations: this campaign declared none (zakat unknown); parts not adding up; a malformed line
    const split = async (designations: string, amount = '10') =>
      finance.post(path).type('form').send({ ...(await openForm(finance)), campaignId: campaign.id, amount, purpose: 'Books', designations });
    const unknown = await split('zakat 5.00\ngeneral 5.00');
    expect(unknown.status).toBe(422);
    expect(unknown.text).toMatch(/id="designations-error">This campaign has no such designation\./);
    expect(unknown.text).toContain('zakat 5.00\ngeneral 5.00</textarea>');
    expect((await split('general 5.00', '20')).text).toMatch(/id="designations-error">The designations\u2019 amounts must add up to the payout\u2019s amount\./);
    expect((await split('general')).text).toMatch(/id="designations-error">Write one designation per line: its code and an amount, e\.g\. zakat 40\.00\./);
    // in Arabic
    expect((await postDashboardForm(finance, path, '/dashboard/language', { language: 'ar', next: path })).status).toBe(303);
    const arabic = await finance.post(path).type('form').send({ ...(await openForm(finance)), campaignId: campaign.id, amount: 'عشرة', purpose: '' });
    expect(arabic.status).toBe(400);
    expect(arabic.text).toMatch(/<html lang="ar" dir="rtl">/);
    expect(arabic.text).toContain('اذكر ما الذي يُدفع به هذا المبلغ.');
    expect((await postDashboardForm(finance, path, '/dashboard/language', { language: 'en', next: path })).status).toBe(303);
    // without its CSRF token; without its request id
    const { requestId } = await openForm(finance);
    const noToken = await finance.post(path).type('form').send({ requestId, campaignId: campaign.id, amount: '10', purpose: 'Books' });
    expect(noToken.status).toBe(403);
    expect(noToken.text).toContain('The form expired.');
    const noId = await finance.post(path).type('form').send({ _csrf: (await openForm(finance))._csrf, campaignId: campaign.id, amount: '10', purpose: 'Books' });
    expect(noId.status).toBe(400);
    expect(noId.text).toContain('The form expired. Open it again.');
    // a viewer: no form, and refused posting anyway
    expect((await viewer.get(path)).status).toBe(403);
    const token = csrfOf((await viewer.get(base()).expect(200)).text);
    const refused = await viewer.post(path).type('form').send({ _csrf: token, requestId, campaignId: campaign.id, amount: '10', purpose: 'Books' });
    expect(refused.status).toBe(403);
    expect(refused.text).toContain('data-testid="error-403"');
    expect(await countPayouts()).toBe(0);
    expect(await funds()).toMatchObject({ available: '9480', reserved: '0' });
  });

  it('requests a payout; the same form sent twice makes one payout', async () => {
    const form = await openForm(finance);
    expect(form.html).toMatch(/<option value="[^"]+" selected>School books — \$94\.80 available<\/option>/);
    const fields = { _csrf: form._csrf, requestId: form.requestId, campaignId: campaign.id, amount: '20', purpose: 'Books for term one' };
    const [first, second] = [await finance.post(`${base()}/new`).type('form').send(fields), await finance.post(`${base()}/new`).type('form').send(fields)];
    expect([first.status, second.status]).toEqual([303, 303]);
    expect(second.headers.location).toBe(first.headers.location);
    [, payoutId] = /\/payouts\/([0-9a-f-]{36})\?done=requested$/.exec(first.headers.location as string)!;
    expect(await countPayouts()).toBe(1);
    const [row] = await world.db.query(`SELECT amount::text, currency, purpose, status, requested_by FROM payouts WHERE id = $1`, [payoutId]);
    // no approval threshold set: the platform operator decides
    expect(row).toEqual({ amount: '2000', currency: 'usd', purpose: 'Books for term one', status: 'pending_approval', requested_by: expect.stringMatching(/^user:/) });
    const shown = await finance.get(first.headers.location as string).expect(200);
    expect(shown.text).toContain('The payout is requested and its amount reserved.');
    expect(shown.text).toMatch(/data-testid="payout-amount">\$20\.00</);
    expect(shown.text).toMatch(/data-testid="payout-status">Waiting for approval</);
    expect(shown.text).toMatch(/<li data-status="pending_approval"><strong>Waiting for approval<\/strong> · <time datetime="[^"]+">[^<]+<\/time> · by <bdi>/);
    expect(await funds()).toMatchObject({ available: '7480', reserved: '2000' });
    const list = await viewer.get(base()).expect(200);
    expect(list.text).toMatch(/data-status="pending_approval"/);
    expect(list.text).toMatch(/data-testid="reserved"><bdi>\$20\.00<\/bdi>/);
    await expectLedgerSound(world.db);
  });

  it('another organization\u2019s payout is 404; a bad id is 404', async () => {
    const other = await createOrganizationWithOwner(world.api);
    const stranger = await signInToDashboard(world.apiUrl, other.ownerEmail, other.ownerPassword);
    for (const path of [`/dashboard/o/${other.orgId}/payouts/${payoutId}`, `/dashboard/o/${other.orgId}/payouts/${payoutId}/cancel`, `/dashboard/o/${org.orgId}/payouts`, `/dashboard/o/${org.orgId}/payouts/${payoutId}`]) {
      const res = await stranger.get(path);
      expect([path, res.status]).toEqual([path, 404]);
      expect(res.text).toContain('data-testid="error-404"');
    }
    const token = csrfOf((await stranger.get(`/dashboard/o/${other.orgId}/payouts`).expect(200)).text);
    expect((await stranger.post(`/dashboard/o/${other.orgId}/payouts/${payoutId}/cancel`).type('form').send({ _csrf: token })).status).toBe(404);
    expect((await owner.get(`${base()}/not-a-payout`)).status).toBe(404);
    expect((await world.db.query(`SELECT status FROM payouts WHERE id = $1`, [payoutId]))[0].status).toBe('pending_approval');
  });

  it('only an owner cancels a payout, after its confirmation; the amount is available again', async () => {
    const path = `${base()}/${payoutId}`;
    const seenByFinance = await finance.get(path).expect(200);
    expect(seenByFinance.text).not.toContain('data-testid="cancel"');
    expect(seenByFinance.text).toContain('data-testid="cancel-note"');
    expect((await finance.get(`${path}/cancel`)).status).toBe(403);
    const refused = await finance.post(`${path}/cancel`).type('form').send({ _csrf: csrfOf(seenByFinance.text) });
    expect(refused.status).toBe(403);
    expect((await owner.post(`${path}/cancel`).type('form').send({})).status).toBe(403); // no CSRF token
    expect((await world.db.query(`SELECT status FROM payouts WHERE id = $1`, [payoutId]))[0].status).toBe('pending_approval');

    const seenByOwner = await owner.get(path).expect(200);
    expect(seenByOwner.text).toContain('data-testid="cancel"');
    const confirm = await owner.get(`${path}/cancel`).expect(200);
    expect(confirm.text).toContain('The reserved amount is released');
    const cancelled = await postDashboardForm(owner, `${path}/cancel`, `${path}/cancel`, {});
    expect(cancelled.status).toBe(303);
    expect(cancelled.headers.location).toBe(`${base()}?done=cancelled`);
    expect((await owner.get(cancelled.headers.location as string).expect(200)).text).toContain('The payout is cancelled; its amount is available again.');
    const after = await owner.get(path).expect(200);
    expect(after.text).toMatch(/data-testid="payout-status">Cancelled</);
    expect(after.text).toMatch(/<li data-status="cancelled"><strong>Cancelled<\/strong>/);
    expect(after.text).not.toContain('data-testid="cancel"');
    // once cancelled, the confirmation says so and a second post is refused by the lib
    const again = await owner.get(`${path}/cancel`).expect(200);
    expect(again.text).toContain('This payout can no longer be cancelled.');
    expect(again.text).not.toContain('data-testid="confirm"');
    expect(await funds()).toMatchObject({ available: '9480', reserved: '0' });
    await expectLedgerSound(world.db);
  });

  it('an ended campaign links to its close-out page: the decision, what remains, the public report and ledger', async () => {
    const campaignPath = `/dashboard/o/${org.orgId}/campaigns/${campaign.id}`;
    // before it ends: no link, and the page says when a close-out happens
    expect((await owner.get(campaignPath).expect(200)).text).not.toContain('data-testid="closeout-link"');
    expect((await owner.get(`${campaignPath}/closeout`).expect(200)).text).toContain('A campaign is closed out when it ends or is cancelled.');
    const form = await owner.get(`${campaignPath}/end`).expect(200);
    const ended = await owner.post(`${campaignPath}/end`).type('form').send({ _csrf: csrfOf(form.text), version: /name="version" value="(\d+)"/.exec(form.text)![1] });
    expect(ended.status).toBe(303);
    expect((await viewer.get(campaignPath).expect(200)).text).toContain(`href="${campaignPath}/closeout" data-testid="closeout-link"`);
    const page = await eventually(async () => {
      const res = await viewer.get(`${campaignPath}/closeout`).expect(200);
      return res.text.includes('data-testid="closeout-status">Done<') ? res.text : false;
    }, 'the close-out to finish', 60_000);
    expect(page).toContain('Keep what you raise: every gift is kept.');
    expect(page).toMatch(/data-testid="closeout-raised">\$150\.00</);
    expect(page).toContain('data-testid="closeout-funds"');
    expect(page).toContain(`href="/c/${campaign.slug}/report" data-testid="report-link"`);
    expect(page).toContain(`href="/c/${campaign.slug}/ledger" data-testid="ledger-link"`);
    expect(page).not.toContain('data-testid="closeout-refunds"');
    // another organization's close-out is 404
    const other = await createOrganizationWithOwner(world.api);
    const stranger = await signInToDashboard(world.apiUrl, other.ownerEmail, other.ownerPassword);
    expect((await stranger.get(`/dashboard/o/${other.orgId}/campaigns/${campaign.id}/closeout`)).status).toBe(404);
  });
});
