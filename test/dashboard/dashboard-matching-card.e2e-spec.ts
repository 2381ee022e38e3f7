import { jest } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import {
  addMemberWithDetails, createCampaign, createOrganizationWithOwner, csrfOf, signInToDashboard, type DashboardAgent, type TestOrganization,
} from '@ataa/testing';
import { DonationWorld, eventually, settle, startDonationWorld } from '../donations/donation-test-kit.js';

jest.setTimeout(180_000);

/**
 * The dashboard's card collection of a matching pledge (docs/matching.md "Collection by card") over
 * HTTP with the worker and the Stripe sandbox: the owner or a finance member opens a card payment
 * page for what the sponsor owes and gets its link to send; the same form sent twice opens one
 * session; a bad e-mail or a missing CSRF token changes nothing; a viewer sees no form and is
 * refused; paying the link collects the pledge.
 */
describe('dashboard: a matching pledge collected by card (API, worker, Stripe sandbox)', () => {
  let world: DonationWorld;
  let org: TestOrganization;
  let finance: DashboardAgent;
  let viewer: DashboardAgent;
  let campaign: { id: string; slug: string };
  let offerId: string;
  const page = () => `/dashboard/o/${org.orgId}/campaigns/${campaign.id}/matching`;
  const sessions = async () => Number((await world.db.query(`SELECT count(*)::int AS n FROM matching_card_requests WHERE offer_id = $1`, [offerId]))[0].n);
  const cardForm = async (agent: DashboardAgent) => {
    const html = (await agent.get(page()).expect(200)).text;
    const form = new RegExp(`action="${page()}/${offerId}/collect-by-card">[\\s\\S]*?name="requestId" value="([^"]+)"`).exec(html);
    return { html, _csrf: csrfOf(html), requestId: form?.[1] };
  };

  beforeAll(async () => {
    world = await startDonationWorld();
    org = await createOrganizationWithOwner(world.api, { name: 'Wells for Mafraq' });
    const financeMember = await addMemberWithDetails(world.api, org, 'finance');
    const viewerMember = await addMemberWithDetails(world.api, org, 'viewer');
    campaign = await createCampaign(world.api, org, { title: 'Village well' });
    finance = await signInToDashboard(world.apiUrl, financeMember.email, financeMember.password);
    viewer = await signInToDashboard(world.apiUrl, viewerMember.email, viewerMember.password);
    const created = await request(world.apiUrl).post(`/api/v1/orgs/${org.orgId}/campaigns/${campaign.id}/matching-offers`).set('authorization', `Bearer ${org.ownerToken}`)
      .send({ sponsorName: 'Cedar Foundation', ratioNumerator: 1, ratioDenominator: 1, cap: '1000.00', currency: 'usd', endsAt: '2099-01-01T00:00:00Z' });
    expect(created.status).toBe(201);
    offerId = created.body.id;
    // A 40.00 gift accrued 40.00 of the sponsor's pledge.
    await world.db.query(`INSERT INTO matching_accruals (offer_id, donation_id, gift_amount, accrued, settled_at) VALUES ($1, $2, 4000, 4000, now())`, [offerId, randomUUID()]);
  }, 120_000);
  afterAll(async () => {
    await world?.close();
  }, 60_000);

  it('shows a viewer no card form and refuses their post; refuses a bad e-mail and a missing CSRF token, opening nothing', async () => {
    const seen = await cardForm(viewer);
    expect(seen.requestId).toBeUndefined();
    expect(seen.html).not.toContain('data-testid="collect-by-card"');
    const own = await cardForm(finance);
    const refused = await viewer.post(`${page()}/${offerId}/collect-by-card`).type('form').send({ _csrf: seen._csrf, requestId: randomUUID(), sponsorEmail: '' });
    expect(refused.status).toBe(403);
    const badEmail = await finance.post(`${page()}/${offerId}/collect-by-card`).type('form').send({ _csrf: own._csrf, requestId: own.requestId, sponsorEmail: 'not an address' });
    expect(badEmail.status).toBe(400);
    expect(badEmail.text).toContain('data-testid="form-error"');
    expect(badEmail.text).toContain('Enter the sponsor&#x27;s e-mail address');
    const noCsrf = await finance.post(`${page()}/${offerId}/collect-by-card`).type('form').send({ requestId: own.requestId, sponsorEmail: 'giving@cedar.example' });
    expect(noCsrf.status).toBe(403);
    expect(await sessions()).toBe(0);
  });

  it('opens a card payment page for what is owed and shows its link; the same form twice opens one; paying it collects the pledge', async () => {
    const form = await cardForm(finance);
    expect(form.html).toContain('Open a card payment page for $40.00');
    const send = () => finance.post(`${page()}/${offerId}/collect-by-card`).type('form').send({ _csrf: form._csrf, requestId: form.requestId, sponsorEmail: 'giving@cedar.example' });
    const [first, again] = [await send(), await send()];
    expect([first.status, again.status]).toEqual([200, 200]);
    const link = (html: string) => /data-testid="card-link">([^<]+)</.exec(html)?.[1];
    expect(first.text).toContain('A card payment page for $40.00 is open.');
    expect(link(first.text)).toMatch(/^https?:\/\//);
    expect(link(again.text)).toBe(link(first.text));
    expect(await sessions()).toBe(1);
    const [opened] = await world.db.query(`SELECT r.donation_id, d.stripe_checkout_session_id AS session FROM matching_card_requests r JOIN donations d ON d.id = r.donation_id WHERE r.offer_id = $1`, [offerId]);
    expect((await world.sandbox.control.paySession(opened.session)).ok).toBe(true);
    await settle(world);
    await eventually(async () => (await world.db.query(`SELECT collected::text FROM matching_offers WHERE id = $1`, [offerId]))[0].collected === '4000', 'the pledge collected by card');
    // nothing owed any more: no collection forms
    const after = (await finance.get(page()).expect(200)).text;
    expect(after).not.toContain('data-testid="collect-by-card"');
  });
});
