import { jest } from '@jest/globals';
import request from 'supertest';
import type Stripe from 'stripe';
import { auditLedger } from '@ataa/ledger';
import { createCampaign, createOrganizationWithOwner } from '@ataa/testing';
import { DonationWorld, eventually, settle, submitDonationForm } from '../donations/donation-test-kit.js';
import { startRecurringSeries, startWorldOnTestClock } from './recurring-test-kit.js';

jest.setTimeout(600_000);

/**
 * A recurring series keeps the designation the donor chose on the campaign page (issue 21, item 2),
 * through the Stripe sandbox with a test clock:
 *
 *   Huda  15.00 USD monthly to "Zakat and relief", designation zakat: the first payment and the
 *         renewal a month later are both zakat gifts (their donation, fee and platform-fee entries
 *         post to zakat; public entries format 4, zakat); general gets nothing from them.
 *   A forged designation on the form is refused (422, the form again), no series written.
 *   When the campaign ends and the organization's general fund declares no zakat, the series is
 *   not moved there (zakat is never turned into general money): it is stopped, campaign_closed.
 */
describe('a recurring series carries its designation to every renewal (sandbox test clock, API, worker)', () => {
  let world: DonationWorld;
  let stripe: Stripe;
  let org: Awaited<ReturnType<typeof createOrganizationWithOwner>>;
  let campaign: { id: string; slug: string };
  let seriesId: string;
  const owner = () => ({ authorization: `Bearer ${org.ownerToken}` });
  const giftsOf = (id: string) => world.db.query(
    `SELECT d.designation, d.amount::text, d.status, p.leaf_format, p.designation AS leaf FROM donations d
     LEFT JOIN public_ledger_entries p ON p.campaign_id = d.campaign_id AND p.idx = d.public_leaf_index
     WHERE d.recurring_gift_id = $1 ORDER BY d.settled_at, d.id`, [id],
  );

  beforeAll(async () => {
    world = await startWorldOnTestClock('designated series');
    stripe = world.sandbox.stripe();
    org = await createOrganizationWithOwner(world.api, { name: 'Zakat House' });
    campaign = await createCampaign(world.api, org, {
      title: 'Zakat and relief', currency: 'usd', offerCoverFees: false,
      designations: [{ code: 'general', labelEn: 'Where most needed', labelAr: 'حيث الحاجة أكبر' }, { code: 'zakat', labelEn: 'Zakat', labelAr: 'الزكاة', zakat: true }],
    });
  });
  afterAll(async () => {
    await world?.close();
  });

  it('refuses a designation the campaign did not declare, writing no series', async () => {
    const res = await submitDonationForm(world, campaign.slug, { amount: 'other', customAmount: '15', frequency: 'monthly', donorEmail: 'forged@example.org', designation: 'school' });
    expect(res.status).toBe(422);
    expect(res.text).toContain('Choose what your gift is for from the list.');
    const [{ n }] = await world.db.query(`SELECT count(*)::int AS n FROM recurring_gifts WHERE donor_email = 'forged@example.org'`);
    expect(n).toBe(0);
  });

  it('the first payment and the renewal a month later are zakat gifts', async () => {
    seriesId = await startRecurringSeries(world, campaign.slug, { customAmount: '15', frequency: 'monthly', donorName: 'Huda', donorEmail: 'huda@example.org', locale: 'en', designation: 'zakat' });
    await settle(world);
    const [series] = await world.db.query(`SELECT designation, stripe_subscription_id FROM recurring_gifts WHERE id = $1`, [seriesId]);
    expect(series.designation).toBe('zakat');
    await eventually(async () => (await giftsOf(seriesId)).length === 1, 'the first payment posted');
    const sub = await stripe.subscriptions.retrieve(series.stripe_subscription_id);
    expect(sub.metadata).toMatchObject({ recurring_gift_id: seriesId, designation: 'zakat' });

    const clock = world.config.STRIPE_TEST_CLOCK!;
    await stripe.testHelpers.testClocks.advance(clock, { frozen_time: sub.items.data[0].current_period_end + 60 });
    await eventually(async () => (await stripe.testHelpers.testClocks.retrieve(clock)).status === 'ready', 'the test clock ready', 60_000);
    await settle(world);
    await eventually(async () => (await giftsOf(seriesId)).length === 2, 'the renewal posted', 60_000);
    expect(await giftsOf(seriesId)).toEqual([
      { designation: 'zakat', amount: '1500', status: 'succeeded', leaf_format: 4, leaf: 'zakat' },
      { designation: 'zakat', amount: '1500', status: 'succeeded', leaf_format: 4, leaf: 'zakat' },
    ]);
    // Every posting of the two gifts to the campaign's funds moved zakat: 2 x 15.00 gross, less their fees; general untouched.
    const rows: { designation: string; gifts: string }[] = await world.db.query(
      `SELECT p.designation, sum(p.amount) FILTER (WHERE e.kind = 'donation')::text AS gifts FROM postings p JOIN journal_entries e ON e.id = p.entry_id
       WHERE p.account_code = $1 GROUP BY p.designation ORDER BY p.designation`, [`campaign:${campaign.id}:funds`],
    );
    expect(rows).toEqual([{ designation: 'zakat', gifts: '-3000' }]);
    expect(await auditLedger(world.db.manager)).toEqual([]);
  });

  it('ending the campaign does not move zakat into a general fund that declares no zakat: the series stops', async () => {
    const fund = await createCampaign(world.api, org, { title: 'General fund', currency: 'usd' });
    await request(world.apiUrl).put(`/api/v1/orgs/${org.orgId}/recurring/general-fund`).set(owner()).send({ campaignId: fund.id }).expect(200);
    await request(world.apiUrl).post(`/api/v1/orgs/${org.orgId}/campaigns/${campaign.id}/end`).set(owner()).send({}).expect(200);
    const stopped = await eventually(async () => {
      const [row] = await world.db.query(`SELECT status, end_reason, campaign_id, designation FROM recurring_gifts WHERE id = $1`, [seriesId]);
      return row.status === 'cancelled' ? row : false;
    }, 'the series stopped by the close-out', 60_000);
    expect(stopped).toEqual({ status: 'cancelled', end_reason: 'campaign_closed', campaign_id: campaign.id, designation: 'zakat' });
  });
});
