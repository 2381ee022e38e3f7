import { jest } from '@jest/globals';
import request from 'supertest';
import type Stripe from 'stripe';
import { auditLedger } from '@ataa/ledger';
import { addMemberWithDetails, createCampaign, createOrganizationWithOwner, csrfOf, postDashboardForm, signInToDashboard, SmtpSink, startSmtpSink } from '@ataa/testing';
import { DonationWorld, eventually, settle } from '../donations/donation-test-kit.js';
import { startRecurringSeries, startWorldOnTestClock } from './recurring-test-kit.js';

jest.setTimeout(600_000);

/**
 * A closed campaign's recurring gifts move to the organization's general fund (issue 20, item 1),
 * through the Stripe sandbox with a test clock: the setting is validated; ending the campaign moves
 * its live series (Stripe's subscription metadata names the fund), the donor is e-mailed, the next
 * renewal is a gift to the fund while the first gift stays with the closed campaign; a series in
 * another currency than the fund's is cancelled as before.
 *
 *   Rami   12.00 USD monthly to "Winter coats": paid once (12.00 to Winter coats),
 *          moved to "General fund" when Winter coats ends, renewed a month later: 12.00 to the fund.
 */
describe('moving a closed campaign\'s recurring gifts to the general fund (sandbox test clock, API, worker, SMTP)', () => {
  let sink: SmtpSink;
  let world: DonationWorld;
  let stripe: Stripe;
  let org: Awaited<ReturnType<typeof createOrganizationWithOwner>>;
  let other: Awaited<ReturnType<typeof createOrganizationWithOwner>>;
  let fund: { id: string; slug: string };
  const owner = () => ({ authorization: `Bearer ${org.ownerToken}` });
  const put = (body: object) => request(world.apiUrl).put(`/api/v1/orgs/${org.orgId}/recurring/general-fund`).set(owner()).send(body);
  const seriesRow = async (id: string) => (await world.db.query(`SELECT * FROM recurring_gifts WHERE id = $1`, [id]))[0];
  const giftsOf = (id: string) => world.db.query(`SELECT campaign_id, amount::text, status FROM donations WHERE recurring_gift_id = $1 ORDER BY settled_at, id`, [id]);
  const mailsTo = (email: string) => sink.messages.filter((m) => m.envelope.to.includes(email));

  async function startSeries(slug: string, fields: Record<string, string>): Promise<string> {
    const id = await startRecurringSeries(world, slug, fields);
    await settle(world);
    return id;
  }

  beforeAll(async () => {
    sink = await startSmtpSink();
    world = await startWorldOnTestClock('general fund', { env: { SMTP_URL: sink.url } });
    stripe = world.sandbox.stripe();
    org = await createOrganizationWithOwner(world.api, { name: 'Hands & Hearts' });
    other = await createOrganizationWithOwner(world.api, { name: 'Another Org' });
    fund = await createCampaign(world.api, org, { title: 'General fund', currency: 'usd' });
  });
  afterAll(async () => {
    await world?.close();
    await sink?.close();
  });

  it('the setting: another organization\'s campaign is 404, a draft 422, a malformed id 400; the fund is named and read back', async () => {
    const foreign = await createCampaign(world.api, other, { title: 'Their fund', currency: 'usd' });
    expect((await put({ campaignId: foreign.id }).expect(404)).text).not.toContain('Their fund');
    const draft = await createCampaign(world.api, org, { title: 'Draft fund', currency: 'usd' }, { publish: false });
    expect((await put({ campaignId: draft.id }).expect(422)).body).toMatchObject({ code: 'general_fund_not_open' });
    expect((await put({ campaignId: 'nonsense' }).expect(400)).body).toMatchObject({ code: 'validation_failed' });
    expect((await put({}).expect(400)).body).toMatchObject({ code: 'validation_failed' });
    expect((await request(world.apiUrl).get(`/api/v1/orgs/${org.orgId}/recurring/general-fund`).set(owner()).expect(200)).body).toEqual({ campaignId: null, title: null, currency: null, status: null });
    expect((await put({ campaignId: fund.id }).expect(200)).body).toEqual({ campaignId: fund.id, title: 'General fund', currency: 'usd', status: 'published' });
    expect((await request(world.apiUrl).get(`/api/v1/orgs/${org.orgId}/recurring/general-fund`).set(owner()).expect(200)).body.campaignId).toBe(fund.id);
    // A flexible campaign takes no pledges: no pledge figures in its JSON.
    expect((await request(world.apiUrl).get(`/api/v1/orgs/${org.orgId}/campaigns/${fund.id}`).set(owner()).expect(200)).body.pledges).toBeNull();
    expect((await request(world.apiUrl).get(`/api/v1/public/campaigns/${fund.slug}`).expect(200)).body.pledges).toBeNull();
  });

  it('ending a campaign moves its series to the fund and tells the donor; the next renewal is a gift to the fund, the first stays', async () => {
    const coats = await createCampaign(world.api, org, { title: 'Winter coats', currency: 'usd' });
    const email = 'rami@example.org';
    const id = await startSeries(coats.slug, { customAmount: '12', frequency: 'monthly', donorName: 'Rami', donorEmail: email, locale: 'en' });
    const live = await seriesRow(id);
    expect(live).toMatchObject({ status: 'active', campaign_id: coats.id });

    await request(world.apiUrl).post(`/api/v1/orgs/${org.orgId}/campaigns/${coats.id}/end`).set(owner()).send({}).expect(200);
    const moved = await eventually(async () => {
      const row = await seriesRow(id);
      return row.campaign_id === fund.id ? row : false;
    }, 'the series moved by the close-out', 60_000);
    expect(moved).toMatchObject({ status: 'active', moved_from_campaign_id: coats.id, end_reason: null });
    expect(moved.moved_at).not.toBeNull();
    const sub = await stripe.subscriptions.retrieve(live.stripe_subscription_id);
    expect(sub.status).toBe('active');
    expect(sub.metadata).toEqual({ recurring_gift_id: id, campaign_id: fund.id, moved_from_campaign_id: coats.id });
    const notice = await eventually(async () => mailsTo(email).find((m) => m.parsed.subject === 'Your recurring gift now supports the general fund') ?? false, 'the moved notice');
    expect(notice.parsed.text).toContain('General fund');
    expect(notice.parsed.text).toContain('Winter coats');

    // A month on: the renewal is a 12.00 gift to the fund; the first gift stays with Winter coats.
    const clock = world.config.STRIPE_TEST_CLOCK!;
    await stripe.testHelpers.testClocks.advance(clock, { frozen_time: sub.items.data[0].current_period_end + 60 });
    await eventually(async () => (await stripe.testHelpers.testClocks.retrieve(clock)).status === 'ready', 'the test clock ready', 60_000);
    await settle(world);
    await eventually(async () => (await giftsOf(id)).length === 2, 'the renewal posted');
    expect(await giftsOf(id)).toEqual([
      { campaign_id: coats.id, amount: '1200', status: 'succeeded' },
      { campaign_id: fund.id, amount: '1200', status: 'succeeded' },
    ]);
    const [{ entries }] = await world.db.query(
      `SELECT count(*)::int AS entries FROM public_ledger_entries WHERE campaign_id = $1 AND kind = 'donation'`, [fund.id],
    );
    expect(entries).toBe(1);
    expect(await auditLedger(world.db.manager)).toEqual([]);
  });

  it('a series in another currency than the fund\'s is cancelled as without a fund', async () => {
    const euros = await createCampaign(world.api, org, { title: 'Euro appeal', currency: 'eur' });
    const id = await startSeries(euros.slug, { customAmount: '9', frequency: 'monthly', donorEmail: 'eva@example.org' });
    await request(world.apiUrl).post(`/api/v1/orgs/${org.orgId}/campaigns/${euros.id}/end`).set(owner()).send({}).expect(200);
    const stopped = await eventually(async () => {
      const row = await seriesRow(id);
      return row.status === 'cancelled' ? row : false;
    }, 'the series stopped', 60_000);
    expect(stopped).toMatchObject({ campaign_id: euros.id, end_reason: 'campaign_closed', moved_from_campaign_id: null });
  });

  it('the dashboard form: owners and admins choose (refusals said on the page), others only see it; each change is audited', async () => {
    const page = `/dashboard/o/${org.orgId}/recurring`;
    const ownerPages = await signInToDashboard(world.apiUrl, org.ownerEmail, org.ownerPassword);
    const shown = await ownerPages.get(page).expect(200);
    expect(shown.text).toContain('data-testid="fund-form"');
    expect(shown.text).toMatch(/data-testid="fund-current">Now: move to <bdi>General fund<\/bdi>/);
    const draft = await createCampaign(world.api, org, { title: 'Another draft', currency: 'usd' }, { publish: false });
    const refused = await postDashboardForm(ownerPages, page, `${page}/general-fund`, { campaignId: draft.id });
    expect(refused.status).toBe(422);
    expect(refused.text).toContain('That campaign is not taking gifts');
    const cleared = await postDashboardForm(ownerPages, page, `${page}/general-fund`, { campaignId: '' });
    expect([cleared.status, cleared.headers.location]).toEqual([303, `${page}?saved=fund`]);
    expect((await ownerPages.get(`${page}?saved=fund`).expect(200)).text).toMatch(/data-testid="fund-current">Now: are cancelled/);
    expect((await postDashboardForm(ownerPages, page, `${page}/general-fund`, { campaignId: fund.id })).status).toBe(303);
    // A forged form (no CSRF token) changes nothing.
    expect((await ownerPages.post(`${page}/general-fund`).type('form').send({ campaignId: '' })).status).toBe(403);

    const viewer = await addMemberWithDetails(world.api, org, 'viewer');
    const viewerPages = await signInToDashboard(world.apiUrl, viewer.email, viewer.password);
    const readOnly = await viewerPages.get(page).expect(200);
    expect(readOnly.text).not.toContain('data-testid="fund-form"');
    expect(readOnly.text).toContain('Only owners and admins can change this.');
    expect((await viewerPages.post(`${page}/general-fund`).type('form').send({ _csrf: csrfOf(readOnly.text), campaignId: '' })).status).toBe(403);
    expect((await request(world.apiUrl).put(`/api/v1/orgs/${org.orgId}/recurring/general-fund`).set({ authorization: `Bearer ${viewer.accessToken}` }).send({ campaignId: null })).status).toBe(403);

    const audit = await world.db.query(`SELECT details FROM audit_log WHERE organization_id = $1 AND action = 'recurring.general_fund' ORDER BY seq`, [org.orgId]);
    // API: null → fund; dashboard: fund → null → fund.
    expect(audit.map((r: { details: unknown }) => r.details)).toEqual([{ from: null, to: fund.id }, { from: fund.id, to: null }, { from: null, to: fund.id }]);
    expect((await request(world.apiUrl).get(`/api/v1/orgs/${org.orgId}/recurring/general-fund`).set(owner()).expect(200)).body.campaignId).toBe(fund.id);
  });
});
