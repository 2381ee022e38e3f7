import { jest } from '@jest/globals';
import request from 'supertest';
import { ScheduledGiftsService } from '@ataa/donations';
import { JobProducer, QUEUES } from '@ataa/queue';
import { createCampaign, createOrganizationWithOwner, SmtpSink, startSmtpSink } from '@ataa/testing';
import { donationRow, DonationWorld, eventually, settle, startDonationWorld, startGift, submitDonationForm } from '../donations/donation-test-kit.js';
import { startRecurringSeries, startWorldOnTestClock } from '../recurring/recurring-test-kit.js';

jest.setTimeout(300_000);

/**
 * The opt-in on the hosted donation form: an unticked box in the page's language; ticked, the gift
 * is stored with `updates_opt_in` (and the page's language); unticked, without; a value other than
 * the checkbox's is refused like any other bad field. Real sandbox and API.
 */
describe('updates opt-in at checkout', () => {
  let world: DonationWorld;
  let campaign: { slug: string };

  beforeAll(async () => {
    world = await startDonationWorld({ worker: false });
    const org = await createOrganizationWithOwner(world.api);
    campaign = await createCampaign(world.api, org, {});
  });
  afterAll(async () => world?.close());

  it('shows the box unticked, in English and Arabic', async () => {
    const en = await request(world.apiUrl).get(`/c/${campaign.slug}?lang=en`).expect(200);
    expect(en.text).toMatch(/<input type="checkbox" id="updatesOptIn" name="updatesOptIn" value="on"><label for="updatesOptIn">E-mail me this campaign&#x27;s updates/);
    const ar = await request(world.apiUrl).get(`/c/${campaign.slug}?lang=ar`).expect(200);
    expect(ar.text).toContain('<label for="updatesOptIn">أرسلوا لي تحديثات هذه الحملة');
  });

  it('stores the choice with the gift, in the language of the page', async () => {
    const ticked = await startGift(world, campaign.slug, { donorEmail: 'hala@example.org', updatesOptIn: 'on', locale: 'ar' });
    expect(await donationRow(world.db, ticked.donationId)).toMatchObject({ updates_opt_in: true, locale: 'ar' });
    const unticked = await startGift(world, campaign.slug, { donorEmail: 'sami@example.org' });
    expect(await donationRow(world.db, unticked.donationId)).toMatchObject({ updates_opt_in: false });
  });

  it('refuses another value for the box, recording nothing', async () => {
    const [{ n: before }] = await world.db.query(`SELECT count(*)::int AS n FROM donations`);
    const agent = request.agent(world.apiUrl);
    const page = await agent.get(`/c/${campaign.slug}`).expect(200);
    const token = /name="_csrf" value="([^"]+)"/.exec(page.text)![1];
    const refused = await agent.post(`/c/${campaign.slug}/donate`).type('form').send({ _csrf: token, amount: '25', donorEmail: 'x@example.org', updatesOptIn: 'yes please' });
    expect(refused.status).toBe(400);
    const [{ n: after }] = await world.db.query(`SELECT count(*)::int AS n FROM donations`);
    expect(after).toBe(before);
  });
});

/**
 * The same box on a monthly series, a scheduled series and a pledge (issue 21, item 1): stored on the
 * series (or pledge) and copied onto every gift it becomes, so a published update reaches those
 * donors; the per-campaign unsubscribe link still wins over the series' later payments. Real
 * sandbox (a test clock for the renewal), API, worker and SMTP:
 *
 *   "Wells" (keep-it-all): Amal 15.00 monthly, box ticked; Basim 15.00 monthly, unticked; Dana 15.00
 *   every Friday for 1 week, ticked (charged by the scheduled charger). The first update goes to
 *   Amal and Dana only. Amal unsubscribes with the link in her e-mail; a month later both series
 *   renew (Amal's renewal is opted in, as her series): the second update goes to Dana only.
 *   "All or nothing" (goal 10.00): Faris pledges 20.00 with the box ticked, Ghada 20.00 without; the
 *   goal met, both are collected: the update goes to Faris only.
 */
describe('updates opt-in on series and pledges (sandbox test clock, worker, SMTP)', () => {
  let sink: SmtpSink;
  let world: DonationWorld;
  let org: Awaited<ReturnType<typeof createOrganizationWithOwner>>;
  let wells: { id: string; slug: string };
  let amal: string;
  let basim: string;
  const owner = () => ({ authorization: `Bearer ${org.ownerToken}` });
  const giftsOf = (seriesId: string) => world.db.query(
    `SELECT updates_opt_in, status FROM donations WHERE recurring_gift_id = $1 ORDER BY created_at, id`, [seriesId]) as Promise<{ updates_opt_in: boolean; status: string }[]>;
  const mailsOf = (updateId: string) => sink.messages.filter((m) => m.parsed.headers.get('x-ataa-update-id') === updateId);

  /** Publishes an update on the campaign and waits until every listed recipient's e-mail is out; answers the addresses it went to. */
  async function publish(campaignId: string, title: string): Promise<{ updateId: string; to: string[] }> {
    const created = await request(world.apiUrl).post(`/api/v1/orgs/${org.orgId}/campaigns/${campaignId}/updates`).set(owner())
      .send({ title, body: 'News from the field.', publish: true }).expect(201);
    const updateId = created.body.id as string;
    await eventually(async () => {
      const [row] = await world.db.query(`SELECT recipients_listed_at FROM campaign_updates WHERE id = $1`, [updateId]);
      if (!row.recipients_listed_at) return false;
      const [{ n }] = await world.db.query(`SELECT count(*)::int AS n FROM campaign_update_deliveries WHERE update_id = $1 AND status NOT IN ('sent', 'skipped')`, [updateId]);
      return n === 0;
    }, `the update "${title}" mailed`, 60_000);
    return { updateId, to: mailsOf(updateId).flatMap((m) => m.envelope.to).sort() };
  }

  beforeAll(async () => {
    sink = await startSmtpSink();
    world = await startWorldOnTestClock('updates opt-in', {
      env: { SMTP_URL: sink.url, MAIL_FROM: 'Ataa Updates <updates@ataa.test>', ALL_OR_NOTHING_PLEDGES: 'true' },
    });
    org = await createOrganizationWithOwner(world.api, { name: 'Well Diggers' });
    wells = await createCampaign(world.api, org, { title: 'Wells', currency: 'usd', offerCoverFees: false });
  });
  afterAll(async () => {
    await world?.close();
    await sink?.close();
  });

  it('a monthly series and a scheduled series with the box ticked get the update; one without does not', async () => {
    amal = await startRecurringSeries(world, wells.slug, { customAmount: '15', frequency: 'monthly', donorEmail: 'amal@example.org', locale: 'en', updatesOptIn: 'on' });
    basim = await startRecurringSeries(world, wells.slug, { customAmount: '15', frequency: 'monthly', donorEmail: 'basim@example.org', locale: 'en' });
    const scheduled = await submitDonationForm(world, wells.slug, {
      amount: 'other', customAmount: '15', frequency: 'fridays', weeks: '1', timeZone: 'Asia/Amman', donorEmail: 'dana@example.org', locale: 'ar', updatesOptIn: 'on',
    });
    expect(scheduled.status).toBe(303);
    const [dana] = await world.db.query(`SELECT id, stripe_checkout_session_id, updates_opt_in FROM scheduled_gifts WHERE donor_email = 'dana@example.org'`);
    expect(dana.updates_opt_in).toBe(true);
    expect((await world.sandbox.control.paySession(dana.stripe_checkout_session_id)).ok).toBe(true);
    await settle(world);
    const [friday] = await world.db.query(`SELECT charge_at FROM scheduled_charges WHERE scheduled_gift_id = $1`, [dana.id]);
    expect(await world.api.get(ScheduledGiftsService).chargeDue(new Date(new Date(friday.charge_at).getTime() + 1000))).toEqual({ charged: 1, failed: 0, unknown: 0 });
    await settle(world);
    const [danaGift] = await world.db.query(`SELECT d.updates_opt_in, d.status FROM scheduled_charges x JOIN donations d ON d.id = x.donation_id WHERE x.scheduled_gift_id = $1`, [dana.id]);
    expect(danaGift).toEqual({ updates_opt_in: true, status: 'succeeded' });

    expect(await world.db.query(`SELECT donor_email, updates_opt_in FROM recurring_gifts WHERE id = ANY($1::uuid[]) ORDER BY donor_email`, [[amal, basim]]))
      .toEqual([{ donor_email: 'amal@example.org', updates_opt_in: true }, { donor_email: 'basim@example.org', updates_opt_in: false }]);
    await eventually(async () => (await giftsOf(amal)).length === 1 && (await giftsOf(basim)).length === 1, 'the first payments');
    expect(await giftsOf(amal)).toEqual([{ updates_opt_in: true, status: 'succeeded' }]);
    expect(await giftsOf(basim)).toEqual([{ updates_opt_in: false, status: 'succeeded' }]);

    const first = await publish(wells.id, 'The first well');
    expect(first.to).toEqual(['amal@example.org', 'dana@example.org']);
    // Dana gave on the Arabic page: her e-mail is in Arabic.
    expect(mailsOf(first.updateId).find((m) => m.envelope.to.includes('dana@example.org'))!.parsed.html).toContain('<html lang="ar" dir="rtl">');
  });

  it('an unsubscribe wins over the series\' later payments: the renewal is opted in, its donor is not mailed again', async () => {
    const mail = sink.messages.find((m) => m.envelope.to.includes('amal@example.org') && m.parsed.headers.get('x-ataa-update-id'))!;
    const link = /^List-Unsubscribe: <([^>]+)>$/m.exec(mail.raw.toString('utf8').split(/\r?\n\r?\n/)[0].replace(/\r?\n[ \t]+/g, ' '))![1];
    await request(world.apiUrl).post(new URL(link).pathname + new URL(link).search).type('form').send('List-Unsubscribe=One-Click').expect(200);

    // A month later, both series renew.
    const stripe = world.sandbox.stripe();
    const [{ stripe_subscription_id: subscription }] = await world.db.query(`SELECT stripe_subscription_id FROM recurring_gifts WHERE id = $1`, [amal]);
    const sub = await stripe.subscriptions.retrieve(subscription);
    const clock = world.config.STRIPE_TEST_CLOCK!;
    await stripe.testHelpers.testClocks.advance(clock, { frozen_time: sub.items.data[0].current_period_end + 60 });
    await eventually(async () => (await stripe.testHelpers.testClocks.retrieve(clock)).status === 'ready', 'the test clock ready', 60_000);
    await settle(world);
    await eventually(async () => (await giftsOf(amal)).length === 2 && (await giftsOf(basim)).length === 2, 'the renewals', 60_000);
    expect(await giftsOf(amal)).toEqual([{ updates_opt_in: true, status: 'succeeded' }, { updates_opt_in: true, status: 'succeeded' }]);

    const second = await publish(wells.id, 'The second well');
    expect(second.to).toEqual(['dana@example.org']);
  });

  it('a pledge with the box ticked gets the update once collected; one without does not', async () => {
    const campaign = await createCampaign(world.api, org, { title: 'All or nothing', currency: 'usd', fundingModel: 'all_or_nothing', goal: '1000', endsAt: new Date(Date.now() + 3_600_000).toISOString() });
    for (const [email, ticked] of [['faris@example.org', true], ['ghada@example.org', false]] as const) {
      const res = await submitDonationForm(world, campaign.slug, { amount: 'other', customAmount: '20', donorEmail: email, ...(ticked ? { updatesOptIn: 'on' } : {}) });
      expect(res.status).toBe(303);
      const [row] = await world.db.query(`SELECT stripe_checkout_session_id, updates_opt_in FROM pledges WHERE donor_email = $1`, [email]);
      expect(row.updates_opt_in).toBe(ticked);
      expect((await world.sandbox.control.paySession(row.stripe_checkout_session_id)).ok).toBe(true);
    }
    await settle(world);
    // The end date passes; the close-out (the worker's sweep, run now) collects both.
    await world.db.query(`UPDATE campaigns SET ends_at = now() - interval '1 second' WHERE id = $1`, [campaign.id]);
    await world.worker!.get(JobProducer).enqueue(QUEUES.campaignCloseOut, {}, { jobId: 'test-sweep-opt-in', removeOnComplete: true });
    await eventually(async () => {
      const rows: { state: string }[] = await world.db.query(`SELECT state FROM pledges WHERE campaign_id = $1`, [campaign.id]);
      return rows.length === 2 && rows.every((r) => r.state === 'collected');
    }, 'both pledges collected', 90_000);
    await settle(world);
    expect(await world.db.query(
      `SELECT p.donor_email, d.updates_opt_in, d.status FROM pledges p JOIN donations d ON d.id = p.donation_id WHERE p.campaign_id = $1 ORDER BY p.donor_email`, [campaign.id],
    )).toEqual([
      { donor_email: 'faris@example.org', updates_opt_in: true, status: 'succeeded' },
      { donor_email: 'ghada@example.org', updates_opt_in: false, status: 'succeeded' },
    ]);

    const update = await publish(campaign.id, 'Funded');
    expect(update.to).toEqual(['faris@example.org']);
  });
});
