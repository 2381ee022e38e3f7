import { jest } from '@jest/globals';
import request from 'supertest';
import { PledgesService, ScheduledGiftsService } from '@ataa/donations';
import { StripeGateway } from '@ataa/payments';
import { ErasureService } from '@ataa/privacy';
import { createCampaign, createOrganizationWithOwner, SmtpSink, startSmtpSink } from '@ataa/testing';
import { DonationWorld, eventually, settle, startDonationWorld, submitDonationForm } from '../donations/donation-test-kit.js';
import { startRecurringSeries } from '../recurring/recurring-test-kit.js';

jest.setTimeout(300_000);

type Json = Record<string, any>;

/**
 * Series and pledges in a donor's export and erasure (docs/privacy.md), through the Stripe sandbox:
 *
 *   Rania: a monthly series (first payment made), a pledge to an all-or-nothing campaign (card saved,
 *          not collected) and a Friday series before its first occurrence (card saved, no gift).
 *          Her export lists all three; the operator erases her address: the series is cancelled at
 *          the sandbox, the pledge is cancelled (a forced collect run charges nothing), the Friday
 *          series cancelled, their Customers deleted, and no row of recurring_gifts, pledges,
 *          scheduled_gifts or donations holds her address or name. Running the job again changes nothing.
 *   Sami:  only a pledge (no gift at all): he gets an export, and his own erasure link (not "nothing
 *          to erase") erases the pledge.
 */
describe('erasure and export of series and pledges (sandbox, API, worker, SMTP)', () => {
  let sink: SmtpSink;
  let world: DonationWorld;
  let org: Awaited<ReturnType<typeof createOrganizationWithOwner>>;
  let monthly: { id: string; slug: string };
  let allOrNothing: { id: string; slug: string };
  const NAME = 'Rania Khoury';
  const EMAIL = 'rania.k@example.org';
  const MESSAGE = 'Every month for the clinic';
  const SAMI = 'sami.pledge@example.org';
  const ids: Record<'series' | 'pledge' | 'fridays' | 'samiPledge', string> = { series: '', pledge: '', fridays: '', samiPledge: '' };

  const http = () => request(world.apiUrl);
  const operator = () => ({ authorization: `Bearer ${world.config.OPERATOR_TOKEN}` });
  const mailsTo = (email: string) => sink.messages.filter((m) => m.envelope.to.includes(email));
  const csrfOf = (html: string) => /name="_csrf" value="([^"]+)"/.exec(html)![1];
  const one = async (sql: string, params: unknown[]) => (await world.db.query(sql, params))[0] as Json;

  /** Pledges through the campaign page and saves the card on the sandbox's setup page; waits for `pledged`. */
  const pledge = async (email: string, name: string, amount: string) => {
    expect((await submitDonationForm(world, allOrNothing.slug, { amount: 'other', customAmount: amount, donorName: name, donorEmail: email })).status).toBe(303);
    const row = await one(`SELECT id, stripe_checkout_session_id FROM pledges WHERE donor_email = $1 ORDER BY created_at DESC LIMIT 1`, [email]);
    expect((await world.sandbox.control.paySession(row.stripe_checkout_session_id, { card: '4242424242424242' })).ok).toBe(true);
    await eventually(async () => (await one(`SELECT state FROM pledges WHERE id = $1`, [row.id])).state === 'pledged', 'the pledge saved', 45_000);
    return row.id as string;
  };

  /** The export through the e-mailed link: the form, the mail, the link's page and its download. */
  const exportOf = async (email: string): Promise<Json> => {
    const agent = request.agent(world.apiUrl);
    const form = await agent.get('/privacy/export').expect(200);
    await agent.post('/privacy/export').type('form').send({ _csrf: csrfOf(form.text), email, lang: 'en' }).expect(200);
    const mail = await eventually(async () => mailsTo(email).find((m) => m.parsed.subject === 'Your data from Ataa'), `the export mail to ${email}`, 45_000);
    const link = new URL(/(http:\/\/\S+\/privacy\/export\/download\?token=\S+)/.exec(mail.parsed.text ?? '')![1]);
    const page = await agent.get(`${link.pathname}${link.search}`).expect(200);
    const download = await agent.post('/privacy/export/download').type('form').send({ _csrf: csrfOf(page.text), token: link.searchParams.get('token') }).expect(200);
    return JSON.parse(download.text);
  };

  const finished = (id: string) => eventually(async () => {
    const res = await http().get(`/operator/erasures/${id}`).set(operator()).expect(200);
    return res.body.state === 'completed' ? res.body : undefined;
  }, 'the erasure to complete', 60_000);

  /** Every row of the four tables that holds the address or the name (any case). */
  const traces = (email: string, name: string) => world.db.query(
    `SELECT 'recurring_gifts' AS t, id FROM recurring_gifts WHERE lower(donor_email) = lower($1) OR donor_name = $2
     UNION ALL SELECT 'pledges', id FROM pledges WHERE lower(donor_email) = lower($1) OR donor_name = $2
     UNION ALL SELECT 'scheduled_gifts', id FROM scheduled_gifts WHERE lower(donor_email) = lower($1) OR donor_name = $2
     UNION ALL SELECT 'donations', id FROM donations WHERE lower(donor_email) = lower($1) OR donor_name = $2`, [email, name]);

  beforeAll(async () => {
    sink = await startSmtpSink();
    world = await startDonationWorld({ env: { SMTP_URL: sink.url, MAIL_FROM: 'Ataa <no-reply@ataa.test>', ALL_OR_NOTHING_PLEDGES: 'true' } });
    org = await createOrganizationWithOwner(world.api, { name: 'Clinic Friends' });
    monthly = await createCampaign(world.api, org, { title: 'Clinic', currency: 'usd' });
    allOrNothing = await createCampaign(world.api, org, { title: 'New wing', fundingModel: 'all_or_nothing', goal: '1000', endsAt: new Date(Date.now() + 3_600_000).toISOString() });

    ids.series = await startRecurringSeries(world, monthly.slug, { customAmount: '15', frequency: 'monthly', donorName: NAME, donorEmail: EMAIL, publicMessage: MESSAGE, locale: 'en' });
    await settle(world);
    await eventually(async () => (await one(`SELECT count(*)::int AS n FROM donations WHERE recurring_gift_id = $1 AND status = 'succeeded'`, [ids.series])).n === 1, 'the first payment', 60_000);
    ids.pledge = await pledge(EMAIL, NAME, '40');
    ids.samiPledge = await pledge(SAMI, 'Sami Haddad', '25');
    const started = await world.api.get(ScheduledGiftsService).start(monthly.slug, {
      kind: 'fridays', weeks: 2, timeZone: 'Asia/Amman', amount: '10', donorName: NAME, donorEmail: EMAIL, anonymous: false, locale: 'en',
    });
    ids.fridays = started.scheduledGiftId;
    const session = await one(`SELECT stripe_checkout_session_id FROM scheduled_gifts WHERE id = $1`, [ids.fridays]);
    expect((await world.sandbox.control.paySession(session.stripe_checkout_session_id, { card: '4242424242424242' })).ok).toBe(true);
    await eventually(async () => (await one(`SELECT status FROM scheduled_gifts WHERE id = $1`, [ids.fridays])).status === 'active', 'the Friday series saved', 45_000);
  });
  afterAll(async () => {
    await world?.close();
    await sink?.close();
  });

  it('exports the series, the pledge and the scheduled series; an address with only a pledge gets an export', async () => {
    const doc = await exportOf(EMAIL);
    expect(doc.recurringSeries).toEqual([expect.objectContaining({
      id: ids.series, interval: 'month', amount: '1500', currency: 'usd', status: 'active', updatesOptIn: false, designation: null,
      campaign: expect.objectContaining({ id: monthly.id, organization: 'Clinic Friends' }), donor: expect.objectContaining({ name: NAME, email: EMAIL }), publicMessage: MESSAGE,
    })]);
    expect(doc.recurringSeries[0].stripe.subscriptionId).toMatch(/^sub_/);
    expect(doc.pledges).toEqual([expect.objectContaining({
      id: ids.pledge, amount: '4000', currency: 'usd', state: 'pledged', donationId: null, campaign: expect.objectContaining({ id: allOrNothing.id }),
      donor: expect.objectContaining({ name: NAME, email: EMAIL }),
    })]);
    expect(doc.scheduledSeries.map((s: Json) => [s.id, s.status, s.occurrences.map((o: Json) => o.status)])).toEqual([[ids.fridays, 'active', ['planned', 'planned']]]);

    // The download's audit line counts what it held, series and pledges included, never the data.
    const [audit] = await world.db.query(`SELECT details FROM audit_log WHERE action = 'privacy.data_exported' ORDER BY seq DESC LIMIT 1`);
    expect(audit.details).toEqual({ donations: doc.donations.length, offlineGifts: 0, recurringSeries: 1, scheduledSeries: 1, pledges: 1 });
    expect(JSON.stringify(audit)).not.toContain(EMAIL);

    const sami = await exportOf(SAMI);
    expect(sami.donations).toEqual([]);
    expect(sami.pledges.map((p: Json) => [p.id, p.state, p.amount])).toEqual([[ids.samiPledge, 'pledged', '2500']]);
  });

  it('erases by e-mail: series cancelled at the sandbox, pledge never charged, Friday series cancelled, no row keeps the address or name; a re-run changes nothing', async () => {
    const gateway = world.api.get(StripeGateway);
    const before = {
      series: await one(`SELECT stripe_subscription_id, stripe_customer_id FROM recurring_gifts WHERE id = $1`, [ids.series]),
      pledge: await one(`SELECT stripe_customer_id FROM pledges WHERE id = $1`, [ids.pledge]),
      fridays: await one(`SELECT stripe_customer_id FROM scheduled_gifts WHERE id = $1`, [ids.fridays]),
    };
    expect((await traces(EMAIL, NAME)).length).toBe(4);

    const asked = await http().post('/operator/erasures').set(operator()).send({ email: EMAIL.toUpperCase() }).expect(202);
    expect(asked.body).toMatchObject({ recurringGiftIds: [ids.series], scheduledGiftIds: [ids.fridays], pledgeIds: [ids.pledge] });
    await finished(asked.body.id);

    // The series: cancelled at the sandbox and here, for erasure; no name, address or message left.
    expect((await world.sandbox.stripe().subscriptions.retrieve(before.series.stripe_subscription_id)).status).toBe('canceled');
    expect(await one(`SELECT status, end_reason, donor_name, donor_email, public_message, erased_at IS NOT NULL AS erased FROM recurring_gifts WHERE id = $1`, [ids.series]))
      .toEqual({ status: 'cancelled', end_reason: 'erasure', donor_name: null, donor_email: null, public_message: null, erased: true });
    // The pledge: cancelled and empty; a collect run of its campaign (as if the goal were met) charges nothing.
    expect(await one(`SELECT state, donor_name, donor_email, erased_at IS NOT NULL AS erased FROM pledges WHERE id = $1`, [ids.pledge]))
      .toEqual({ state: 'cancelled', donor_name: null, donor_email: null, erased: true });
    await world.api.get(PledgesService).runCloseOutBatch(allOrNothing.id, 'collect', 10);
    expect(await one(`SELECT state, donation_id FROM pledges WHERE id = $1`, [ids.pledge])).toEqual({ state: 'cancelled', donation_id: null });
    // Sami's pledge (another donor) was charged by that run: the run did charge what it should.
    expect(await one(`SELECT state FROM pledges WHERE id = $1`, [ids.samiPledge])).toMatchObject({ state: expect.stringMatching(/^(charging|collected)$/) });
    // The Friday series: cancelled before its first occurrence, nothing charged.
    expect(await one(`SELECT status, end_reason, donor_name, donor_email FROM scheduled_gifts WHERE id = $1`, [ids.fridays]))
      .toEqual({ status: 'cancelled', end_reason: 'erasure', donor_name: null, donor_email: null });
    expect((await world.db.query(`SELECT status FROM scheduled_charges WHERE scheduled_gift_id = $1`, [ids.fridays])).map((r: Json) => r.status)).toEqual(['cancelled', 'cancelled']);
    // The saved cards' Customers are deleted.
    for (const customer of [before.series.stripe_customer_id, before.pledge.stripe_customer_id, before.fridays.stripe_customer_id]) {
      expect(await gateway.retrieveCustomer(customer)).toMatchObject({ id: customer, deleted: true });
    }
    // No row of the four tables holds the address or the name.
    expect(await traces(EMAIL, NAME)).toEqual([]);
    // The audit line counts them, without the data.
    const audit = (await http().get(`/api/v1/orgs/${org.orgId}/audit-log?action=donor.erased`).set('authorization', `Bearer ${org.ownerToken}`).expect(200)).body.items;
    expect(audit).toHaveLength(1);
    expect(audit[0].details).toMatchObject({
      recurringGiftIds: [ids.series], scheduledGiftIds: [ids.fridays], pledgeIds: [ids.pledge], counts: { recurringSeries: 1, pledges: 1, scheduledSeries: 1, donations: 1 },
    });
    expect(JSON.stringify(audit)).not.toMatch(/Rania|rania|clinic/);

    // The job again: nothing to do, nothing changes.
    const snapshot = () => world.db.query(
      `SELECT (SELECT json_agg(to_jsonb(g) ORDER BY id) FROM recurring_gifts g WHERE id = $1) AS r, (SELECT json_agg(to_jsonb(p) ORDER BY id) FROM pledges p WHERE id = $2) AS p,
              (SELECT json_agg(to_jsonb(s) ORDER BY id) FROM scheduled_gifts s WHERE id = $3) AS s, (SELECT count(*)::int FROM audit_log) AS audit`,
      [ids.series, ids.pledge, ids.fridays]);
    const then = await snapshot();
    expect(await world.api.get(ErasureService).process(asked.body.id)).toEqual({ outcome: 'already_completed', steps: [] });
    expect(await snapshot()).toEqual(then);
  });

  it('an address whose only record is a pledge asks for its erasure link and erases it', async () => {
    // Sami's pledge was decided by the collect run above; a second donor with a pledge not collected yet has nothing else.
    const LINA = 'lina.only@example.org';
    const linaPledge = await pledge(LINA, 'Lina Only', '30');
    const agent = request.agent(world.apiUrl);
    const form = await agent.get('/privacy/erase').expect(200);
    await agent.post('/privacy/erase').type('form').send({ _csrf: csrfOf(form.text), email: LINA, lang: 'en' }).expect(200);
    const mail = await eventually(async () => mailsTo(LINA).find((m) => m.parsed.subject === 'Confirm the erasure of your personal data'), 'the erasure link', 45_000);
    const link = new URL(/(https?:\/\/\S+\/privacy\/erase\/confirm\?token=\S+)/.exec(mail.parsed.text ?? '')![1]);
    const page = await agent.get(`${link.pathname}${link.search}`).expect(200);
    const done = await agent.post('/privacy/erase/confirm').type('form').send({ _csrf: csrfOf(page.text), token: link.searchParams.get('token'), lang: 'en' }).expect(202);
    const requestId = /data-request="([^"]+)"/.exec(done.text)![1];
    const view = await finished(requestId);
    expect(view).toMatchObject({ donationIds: [], pledgeIds: [linaPledge], recurringGiftIds: [], scheduledGiftIds: [] });
    expect(await one(`SELECT state, donor_email, donor_name FROM pledges WHERE id = $1`, [linaPledge])).toEqual({ state: 'cancelled', donor_email: null, donor_name: null });
    expect(await traces(LINA, 'Lina Only')).toEqual([]);
    // Nothing is left for the address: the operator is told so.
    expect((await http().post('/operator/erasures').set(operator()).send({ email: LINA }).expect(404)).body.code).toBe('donor_not_found');
  });
});
