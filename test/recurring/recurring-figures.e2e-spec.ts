import { jest } from '@jest/globals';
import request from 'supertest';
import type Stripe from 'stripe';
import { RecurringGiftsService } from '@ataa/donations';
import { createCampaign, createOrganizationWithOwner, postDashboardForm, signInToDashboard, SmtpSink, startSmtpSink } from '@ataa/testing';
import { DonationWorld, eventually, settle } from '../donations/donation-test-kit.js';
import { startRecurringSeries, startWorldOnTestClock } from './recurring-test-kit.js';

jest.setTimeout(600_000);

/**
 * An organization's recurring figures (issue 20, item 5) end to end: series started on the hosted
 * form and paid on the Stripe sandbox, one renewal failed on a test clock, one series cancelled;
 * the figures, series and failed payments through the API and on the dashboard page.
 *
 *   amal   20.00 USD monthly   paid once, active
 *   amal    5.00 USD weekly    paid, renewed a week later (4242), active   — the same donor: counted once
 *   badr   10.00 USD weekly    paid, card replaced by one that declines: the renewal a week later fails → past_due
 *   dana    8.00 USD monthly   paid, then cancelled by the donor
 *
 * Recurring donors: amal, badr = 2 (dana's series ended). Series: 2 active, 1 past due.
 * MRR USD: monthly 2000 + weekly (500 + 1000) × 52 / 12 = 1500 × 52 / 12 = 6500 → 8500 (85.00 USD), 3 series.
 * Churn over the last 30 days: dana's series started and ended today: ended 1 (donor), live at the
 * period's start 0 (everything started today) → no rate.
 * Failed payments: 1 attempt (badr's renewal, 10.00 USD), 1 series, not recovered — also after
 * Stripe's invoice.payment_failed is delivered again.
 */
describe('recurring figures for an organization (sandbox test clock, API, dashboard)', () => {
  let sink: SmtpSink;
  let world: DonationWorld;
  let stripe: Stripe;
  let clockId: string;
  let org: Awaited<ReturnType<typeof createOrganizationWithOwner>>;
  let other: Awaited<ReturnType<typeof createOrganizationWithOwner>>;
  let campaign: { id: string; slug: string };
  const ids: Record<string, string> = {};

  const api = (path: string, token = org.ownerToken) => request(world.apiUrl).get(`/api/v1/orgs/${token === org.ownerToken ? org.orgId : other.orgId}/recurring/${path}`).set({ authorization: `Bearer ${token}` });
  const seriesRow = async (id: string) => (await world.db.query(`SELECT * FROM recurring_gifts WHERE id = $1`, [id]))[0];

  const start = (fields: Record<string, string>) => startRecurringSeries(world, campaign.slug, fields);

  beforeAll(async () => {
    sink = await startSmtpSink();
    world = await startWorldOnTestClock('recurring figures', { env: { SMTP_URL: sink.url } });
    stripe = world.sandbox.stripe();
    clockId = world.config.STRIPE_TEST_CLOCK!;
    org = await createOrganizationWithOwner(world.api, { name: 'Hands & Hearts' });
    other = await createOrganizationWithOwner(world.api, { name: 'Another Org' });
    campaign = await createCampaign(world.api, org, { title: 'Clean water', currency: 'usd' });

    ids.amalMonthly = await start({ customAmount: '20', frequency: 'monthly', donorName: 'Amal', donorEmail: 'amal@example.org' });
    ids.amalWeekly = await start({ customAmount: '5', frequency: 'weekly', donorName: 'Amal', donorEmail: 'amal@example.org' });
    ids.badr = await start({ customAmount: '10', frequency: 'weekly', donorName: 'Badr', donorEmail: 'badr@example.org' });
    ids.dana = await start({ customAmount: '8', frequency: 'monthly', donorName: 'Dana', donorEmail: 'dana@example.org' });
    await settle(world);
    for (const id of Object.values(ids)) expect(await seriesRow(id)).toMatchObject({ status: 'active', payments_count: 1 });

    // Badr's card now declines; a week on the clock renews both weekly series.
    const badr = await seriesRow(ids.badr);
    const failing = await stripe.paymentMethods.attach('pm_card_chargeCustomerFail', { customer: badr.stripe_customer_id });
    await stripe.subscriptions.update(badr.stripe_subscription_id, { default_payment_method: failing.id });
    const periodEnd = (await stripe.subscriptions.retrieve(badr.stripe_subscription_id)).items.data[0].current_period_end;
    await stripe.testHelpers.testClocks.advance(clockId, { frozen_time: periodEnd + 60 });
    await eventually(async () => (await stripe.testHelpers.testClocks.retrieve(clockId)).status === 'ready', 'the test clock ready', 60_000);
    await settle(world);
    expect(await seriesRow(ids.badr)).toMatchObject({ status: 'past_due', payments_count: 1 });
    expect(await seriesRow(ids.amalWeekly)).toMatchObject({ status: 'active', payments_count: 2 });

    await world.api.get(RecurringGiftsService).stopByPlatform(ids.dana, 'donor');
    await settle(world);
    expect(await seriesRow(ids.dana)).toMatchObject({ status: 'cancelled', end_reason: 'donor' });
  });
  afterAll(async () => {
    await world?.close();
    await sink?.close();
  });

  it('the figures: 2 recurring donors, 85.00 USD a month, churn 1 ended of 0 live, 1 failed payment of 10.00 USD', async () => {
    const res = await api('figures').expect(200);
    const today = new Date().toISOString().slice(0, 10);
    expect(res.body).toEqual({
      period: { from: new Date(Date.parse(`${today}T00:00:00Z`) - 29 * 86_400_000).toISOString().slice(0, 10), to: today },
      recurringDonors: 2,
      series: { active: 2, pastDue: 1, paused: 0 },
      monthlyRecurringRevenue: [{ currency: 'usd', amount: '8500', series: 3 }],
      churn: { ended: 1, endedByReason: { donor: 1 }, liveAtStart: 0, rateBasisPoints: null },
      failedPayments: { attempts: 1, series: 1, recovered: 0, amounts: [{ currency: 'usd', amount: '1000' }] },
      // No scheduled series (Ramadan nights, Fridays) here: test/recurring/scheduled-series.e2e-spec.ts counts them.
      scheduled: {
        donors: 0, active: { ramadanLastTen: 0, fridays: 0 }, cancelled: 0, cancelledByReason: {}, stillPlanned: [],
        paid: { occurrences: 0, amounts: [] }, failed: { occurrences: 0, recovered: 0, amounts: [] },
      },
    });
  });

  it('a redelivered invoice.payment_failed records nothing twice', async () => {
    const events = await stripe.events.list({ limit: 100, type: 'invoice.payment_failed' });
    expect(events.data).toHaveLength(1);
    await world.sandbox.control.resendEvent(events.data[0].id);
    await world.sandbox.control.resendEvent(events.data[0].id);
    await settle(world);
    expect((await api('figures').expect(200)).body.failedPayments).toMatchObject({ attempts: 1, series: 1 });
    const failures = (await api('failed-payments').expect(200)).body.items;
    expect(failures).toEqual([expect.objectContaining({
      recurringGiftId: ids.badr, campaignId: campaign.id, donorName: 'Badr', donorEmail: 'badr@example.org', seriesStatus: 'past_due', attempt: 1,
      amount: '1000', currency: 'usd', willRetry: true, recovered: false,
    })]);
  });

  it('lists the series newest first, by status, a page at a time', async () => {
    const all = (await api('series').expect(200)).body;
    expect(all.items.map((s: { id: string }) => s.id)).toEqual([ids.dana, ids.badr, ids.amalWeekly, ids.amalMonthly]);
    expect(all.items[0]).toMatchObject({ donorEmail: 'dana@example.org', amount: '800', interval: 'month', status: 'cancelled', endReason: 'donor', paymentsCount: 1, campaignTitle: 'Clean water' });
    expect((await api('series?status=past_due').expect(200)).body.items.map((s: { id: string }) => s.id)).toEqual([ids.badr]);
    const first = (await api('series?limit=3').expect(200)).body;
    expect(first.items).toHaveLength(3);
    const second = (await api(`series?limit=3&cursor=${first.nextCursor}`).expect(200)).body;
    expect(second).toEqual({ items: [expect.objectContaining({ id: ids.amalMonthly })], nextCursor: null });
  });

  it('refuses a wrong period or filter with a 400 problem naming the field', async () => {
    const backwards = await api('figures?from=2026-12-01&to=2026-11-01').expect(400);
    expect(backwards.body).toMatchObject({ code: 'period_invalid', field: 'from' });
    expect((await api('failed-payments?to=2026-02-30').expect(400)).body).toMatchObject({ code: 'period_invalid' });
    expect((await api('figures?from=2024-01-01&to=2026-01-01').expect(400)).body).toMatchObject({ code: 'period_invalid' });
    expect((await api('series?status=pending').expect(400)).body).toMatchObject({ code: 'invalid_parameter', field: 'status' });
    expect((await api('series?cursor=nonsense').expect(400)).body).toMatchObject({ code: 'invalid_parameter', field: 'cursor' });
  });

  it('another organization sees none of it, and cannot read this one\'s', async () => {
    expect((await api('figures', other.ownerToken).expect(200)).body).toMatchObject({ recurringDonors: 0, monthlyRecurringRevenue: [], failedPayments: { attempts: 0 } });
    expect((await api('series', other.ownerToken).expect(200)).body).toEqual({ items: [], nextCursor: null });
    const foreign = await request(world.apiUrl).get(`/api/v1/orgs/${org.orgId}/recurring/series`).set({ authorization: `Bearer ${other.ownerToken}` });
    expect(foreign.status).toBe(404);
    expect(foreign.text).not.toContain('badr@example.org');
  });

  it('the dashboard page shows the same figures, in English and Arabic; a wrong period is said and not applied (400)', async () => {
    const agent = await signInToDashboard(world.apiUrl, org.ownerEmail, org.ownerPassword);
    const page = await agent.get(`/dashboard/o/${org.orgId}/recurring`).expect(200);
    expect(page.text).toMatch(/data-testid="recurring-donors">2</);
    expect(page.text).toContain('$85.00');
    expect(page.text).toMatch(/data-testid="churn-rate">—</);
    expect(page.text).toContain('Cancelled by the donor: 1');
    expect(page.text).toContain('badr@example.org');
    expect(page.text).toContain('Stripe will retry');
    expect((page.text.match(/<tr data-status=/g) ?? [])).toHaveLength(4);
    const bad = await agent.get(`/dashboard/o/${org.orgId}/recurring?from=2026-13-01`).expect(400);
    expect(bad.text).toContain('data-testid="refused"');
    expect(bad.text).toMatch(/data-testid="recurring-donors">2</);
    const switched = await postDashboardForm(agent, `/dashboard/o/${org.orgId}/recurring`, '/dashboard/language', { language: 'ar', next: `/dashboard/o/${org.orgId}/recurring` });
    expect(switched.status).toBe(303);
    const arabic = await agent.get(`/dashboard/o/${org.orgId}/recurring`).expect(200);
    expect(arabic.text).toContain('lang="ar"');
    expect(arabic.text).toContain('المتبرعون المنتظمون');
    // Another organization's member: 404.
    const intruder = await signInToDashboard(world.apiUrl, other.ownerEmail, other.ownerPassword);
    await intruder.get(`/dashboard/o/${org.orgId}/recurring`).expect(404);
  });
});
