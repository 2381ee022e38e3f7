import { jest } from '@jest/globals';
import request from 'supertest';
import type Stripe from 'stripe';
import { auditLedger, LedgerService } from '@ataa/ledger';
import { randomBytes, randomUUID } from 'node:crypto';
import { DonorPageService } from '@ataa/donors';
import { createCampaign, createOrganizationWithOwner, SmtpSink, startSmtpSink } from '@ataa/testing';
import { DonationWorld, drainInbox, eventually, settle, startDonationWorld, submitDonationForm } from './donation-test-kit.js';

jest.setTimeout(600_000);

/**
 * Recurring gifts end to end: the hosted form (monthly), Checkout in subscription mode on the
 * Stripe sandbox, signed webhooks, the worker, PostgreSQL, Redis and SMTP; a Stripe test clock
 * moves the series a year on. Every paid invoice is one gift in the ledger and the public log with
 * one receipt; the receipt's one-click link cancels the series.
 */
describe('a monthly gift over a year (sandbox test clock, API, worker, SMTP)', () => {
  let sink: SmtpSink;
  let world: DonationWorld;
  let stripe: Stripe;
  let clockId: string;
  let org: Awaited<ReturnType<typeof createOrganizationWithOwner>>;
  let campaign: { id: string; slug: string };

  const mailsTo = (email: string) => sink.messages.filter((m) => m.envelope.to.includes(email));
  const receiptsTo = (email: string) => mailsTo(email).filter((m) => /receipt/i.test(m.parsed.subject ?? ''));

  /** Moves the test clock to `to` (unix seconds) and waits until Stripe has run what fell due, then until every event is settled. */
  async function advanceTo(to: number): Promise<void> {
    await stripe.testHelpers.testClocks.advance(clockId, { frozen_time: to });
    await eventually(async () => (await stripe.testHelpers.testClocks.retrieve(clockId)).status === 'ready', 'the test clock ready', 60_000);
    await settle(world);
  }

  const csrfOf = (html: string) => /name="_csrf" value="([^"]+)"/.exec(html)![1];
  const seriesRow = async (id: string) => (await world.db.query(`SELECT * FROM recurring_gifts WHERE id = $1`, [id]))[0];
  const giftsOf = (id: string) => world.db.query(`SELECT * FROM donations WHERE recurring_gift_id = $1 ORDER BY settled_at, id`, [id]);

  beforeAll(async () => {
    sink = await startSmtpSink();
    world = await startDonationWorld({
      env: { SMTP_URL: sink.url, MAIL_FROM: 'Ataa Receipts <receipts@ataa.test>' },
      // The donors' Customers go on a test clock made before the apps start (STRIPE_TEST_CLOCK).
      beforeApps: async (sandbox) => {
        const client = sandbox.stripe();
        const clock = await client.testHelpers.testClocks.create({ frozen_time: await sandbox.control.now(), name: 'a year of monthly gifts' });
        return { STRIPE_TEST_CLOCK: clock.id };
      },
    });
    stripe = world.sandbox.stripe();
    clockId = world.config.STRIPE_TEST_CLOCK!;
    org = await createOrganizationWithOwner(world.api, { name: 'Hands & Hearts' });
    campaign = await createCampaign(world.api, org, { title: 'Clean water', currency: 'usd' });
  });
  afterAll(async () => {
    await world?.close();
    await sink?.close();
  });

  it('refuses an interval not offered, an amount below the minimum and an end before the start, on the form, changing nothing', async () => {
    const before = await world.db.query(`SELECT count(*)::int AS n FROM recurring_gifts`);
    const daily = await submitDonationForm(world, campaign.slug, { amount: 'other', customAmount: '10', frequency: 'daily', donorEmail: 'x@example.org' });
    expect(daily.status).toBe(400);
    expect(daily.text).toContain('Choose to give once, monthly, weekly, every night of the last ten nights of Ramadan or every Friday.');
    // Stripe's minimum charge in USD is 0.50.
    const small = await submitDonationForm(world, campaign.slug, { amount: 'other', customAmount: '0.40', frequency: 'monthly', donorEmail: 'x@example.org' });
    expect(small.status).toBe(400);
    expect(small.text).toContain('The amount is below the minimum of $0.50.');
    const past = await submitDonationForm(world, campaign.slug, { amount: 'other', customAmount: '10', frequency: 'weekly', endDate: '2020-01-01', donorEmail: 'x@example.org' });
    expect(past.status).toBe(422);
    expect(past.text).toContain('The end date must be after today.');
    expect(past.text).toContain('value="2020-01-01"');
    const both = await submitDonationForm(world, campaign.slug, { amount: 'other', customAmount: '10', frequency: 'weekly', endDate: '2099-01-01', payments: '3', donorEmail: 'x@example.org' });
    expect(both.status).toBe(400);
    expect(await world.db.query(`SELECT count(*)::int AS n FROM recurring_gifts`)).toEqual(before);
  });

  it('12 monthly payments are 12 gifts in the ledger and the public log and 12 receipts, nothing twice; the receipt link cancels the series', async () => {
    const email = 'mona@example.org';
    const res = await submitDonationForm(world, campaign.slug, { amount: 'other', customAmount: '10', frequency: 'monthly', donorName: 'Mona', donorEmail: email });
    expect(res.status).toBe(303);
    const [series] = await world.db.query(`SELECT * FROM recurring_gifts WHERE donor_email = $1`, [email]);
    expect(series).toMatchObject({ status: 'pending', interval: 'month', amount: '1000', currency: 'usd' });
    expect(res.headers.location).toContain(series.stripe_checkout_session_id);
    const session = await stripe.checkout.sessions.retrieve(series.stripe_checkout_session_id);
    expect(session).toMatchObject({ mode: 'subscription', metadata: { recurring_gift_id: series.id, campaign_id: campaign.id } });

    expect((await world.sandbox.control.paySession(series.stripe_checkout_session_id)).ok).toBe(true);
    await settle(world);
    const started = await seriesRow(series.id);
    expect(started).toMatchObject({ status: 'active', payments_count: 1 });
    expect(started.stripe_subscription_id).toMatch(/^sub_/);
    const thanks = await request(world.apiUrl).get(`/c/${campaign.slug}/thanks?recurring=${series.id}`).expect(200);
    expect(thanks.text).toContain('Your monthly gift of $10.00 is set up.');

    // Eleven renewals, a month apart on the test clock: one advance each.
    const sub = await stripe.subscriptions.retrieve(started.stripe_subscription_id);
    let periodEnd = sub.items.data[0].current_period_end;
    for (let month = 2; month <= 12; month++) {
      await advanceTo(periodEnd + 60);
      expect(await giftsOf(series.id)).toHaveLength(month);
      periodEnd = (await stripe.subscriptions.retrieve(sub.id)).items.data[0].current_period_end;
    }

    const gifts = await giftsOf(series.id);
    // 12 gifts of $10.00 = 1000 cents each, each settled once from its own invoice, its fee posted by the sweep.
    expect(gifts).toHaveLength(12);
    expect(new Set(gifts.map((g: any) => g.stripe_invoice_id)).size).toBe(12);
    for (const g of gifts) expect(g).toMatchObject({ status: 'succeeded', amount: '1000', donor_name: 'Mona', anonymous: false });
    expect(gifts.every((g: any) => g.processing_fee !== null && g.public_leaf_index !== null)).toBe(true);
    const [{ entries }] = await world.db.query(
      `SELECT count(*)::int AS entries FROM journal_entries WHERE kind = 'donation' AND metadata->>'donation_id' = ANY($1::text[])`, [gifts.map((g: any) => g.id)],
    );
    expect(entries).toBe(12);
    const [{ leaves }] = await world.db.query(`SELECT count(*)::int AS leaves FROM public_ledger_entries WHERE campaign_id = $1 AND kind = 'donation'`, [campaign.id]);
    expect(leaves).toBe(12);
    // 12 x $10.00 = $120.00 raised; Stripe's fee on each is 2.9% + 0.30 = 0.29 + 0.30 = 0.59, 12 x 0.59 = 7.08.
    const totals = await world.api.get(LedgerService).campaignTotals(campaign.id);
    expect(totals).toMatchObject({ raised: 12_000n, processingFees: 708n, donationsCount: 12 });
    const page = await request(world.apiUrl).get(`/c/${campaign.slug}`).expect(200);
    expect(page.text).toMatch(/data-testid="raised">\$120\.00</);

    // 12 receipts over SMTP, one per gift, each with the series' one-click cancel link.
    const receipts = await eventually(async () => (receiptsTo(email).length >= 12 ? receiptsTo(email) : false), '12 receipts', 60_000);
    expect(receipts).toHaveLength(12);
    const [{ n: receiptRows }] = await world.db.query(`SELECT count(*)::int AS n FROM receipts WHERE donation_id::text = ANY($1::text[]) AND kind = 'donation_receipt'`, [gifts.map((g: any) => g.id)]);
    expect(receiptRows).toBe(12);
    const link = /\/recurring\/cancel\?token=[^\s"<>]+/.exec(receipts[11].parsed.text ?? '')?.[0];
    expect(link).toBeDefined();
    expect(String(receipts[11].parsed.html)).toContain('Cancel this recurring gift');

    // Redelivering every event of the year posts nothing more.
    const events = await stripe.events.list({ limit: 100 });
    for (const e of events.data.filter((x) => x.type.startsWith('invoice') || x.type.startsWith('charge.') || x.type.startsWith('customer.subscription'))) {
      await world.sandbox.control.resendEvent(e.id);
    }
    await settle(world);
    expect(await giftsOf(series.id)).toHaveLength(12);

    // The one-click cancel: a GET shows a confirmation (nothing changes), the POST cancels, again is harmless.
    const agent = request.agent(world.apiUrl);
    const confirm = await agent.get(link!).expect(200);
    expect(confirm.text).toContain('Cancel your recurring gift');
    expect((await seriesRow(series.id)).status).toBe('active');
    const csrf = /name="_csrf" value="([^"]+)"/.exec(confirm.text)![1];
    const token = decodeURIComponent(/token=([^&\s]+)/.exec(link!)![1]);
    const done = await agent.post('/recurring/cancel').type('form').send({ _csrf: csrf, token, lang: 'en' }).expect(200);
    expect(done.text).toContain('Your recurring gift is cancelled');
    await agent.post('/recurring/cancel').type('form').send({ _csrf: csrf, token, lang: 'en' }).expect(200);
    await settle(world);
    expect(await seriesRow(series.id)).toMatchObject({ status: 'cancelled', end_reason: 'donor' });
    expect((await stripe.subscriptions.retrieve(sub.id)).status).toBe('canceled');
    const stopped = await eventually(async () => mailsTo(email).find((m) => m.parsed.subject === 'Your recurring gift has stopped') ?? false, 'the stopped notice');
    expect(stopped.parsed.text).toContain('you cancelled it');
    expect(mailsTo(email).filter((m) => m.parsed.subject === 'Your recurring gift has stopped')).toHaveLength(1);
    // The link page now says it stopped; another month passes and nothing is charged.
    expect((await agent.get(link!).expect(200)).text).toContain('This recurring gift has already stopped');
    await advanceTo(periodEnd + 86_400 * 40);
    expect(await giftsOf(series.id)).toHaveLength(12);
    expect(await auditLedger(world.db.manager)).toEqual([]);
  });

  it('a campaign that the organization ends stops its recurring gifts and tells the donors', async () => {
    const closing = await createCampaign(world.api, org, { title: 'Winter coats', currency: 'usd' });
    const email = 'hadi@example.org';
    const res = await submitDonationForm(world, closing.slug, { amount: 'other', customAmount: '15', frequency: 'weekly', donorEmail: email });
    expect(res.status).toBe(303);
    const [series] = await world.db.query(`SELECT id, stripe_checkout_session_id FROM recurring_gifts WHERE donor_email = $1`, [email]);
    expect((await world.sandbox.control.paySession(series.stripe_checkout_session_id)).ok).toBe(true);
    await settle(world);
    const live = await seriesRow(series.id);
    expect(live.status).toBe('active');

    await request(world.apiUrl).post(`/api/v1/orgs/${org.orgId}/campaigns/${closing.id}/end`).set('authorization', `Bearer ${org.ownerToken}`).send({}).expect(200);
    const stopped = await eventually(async () => {
      const row = await seriesRow(series.id);
      return row.status === 'cancelled' ? row : false;
    }, 'the series stopped by the close-out', 60_000);
    expect(stopped.end_reason).toBe('campaign_closed');
    expect((await stripe.subscriptions.retrieve(live.stripe_subscription_id)).status).toBe('canceled');
    await settle(world);
    const notice = await eventually(async () => mailsTo(email).find((m) => m.parsed.subject === 'Your recurring gift has stopped') ?? false, 'the stopped notice');
    expect(notice.parsed.text).toContain('the campaign has closed');
    // The one gift made stays, once.
    expect(await giftsOf(series.id)).toHaveLength(1);
  });

  it('on the donor page, a donor pauses, resumes, changes the amount of and cancels their own series only', async () => {
    const email = 'rana@example.org';
    const res = await submitDonationForm(world, campaign.slug, { amount: 'other', customAmount: '8', frequency: 'monthly', donorEmail: email });
    expect(res.status).toBe(303);
    const [series] = await world.db.query(`SELECT id, stripe_checkout_session_id FROM recurring_gifts WHERE donor_email = $1`, [email]);
    expect((await world.sandbox.control.paySession(series.stripe_checkout_session_id)).ok).toBe(true);
    await settle(world);
    const subscriptionId = (await seriesRow(series.id)).stripe_subscription_id;

    // Signed in as this donor (a sign-in link made as the service makes them; the e-mail path is tested in test/donors).
    const id = randomUUID();
    const nonce = randomBytes(16).toString('hex');
    const requestedAt = new Date(Math.floor(Date.now() / 1000) * 1000);
    const expiresAt = new Date(requestedAt.getTime() + 900_000);
    await world.db.query(`INSERT INTO donor_sign_in_links (id, email, language, nonce, requested_at, expires_at) VALUES ($1, $2, 'en', $3, $4, $5)`, [id, email, nonce, requestedAt, expiresAt]);
    const agent = request.agent(world.apiUrl);
    const confirm = await agent.get(`/donor/sign-in?token=${encodeURIComponent(world.api.get(DonorPageService).linkToken({ id, nonce, expiresAt }))}`).expect(200);
    await agent.post('/donor/sign-in').type('form').send({ _csrf: csrfOf(confirm.text), token: world.api.get(DonorPageService).linkToken({ id, nonce, expiresAt }) }).expect(303);
    let page = await agent.get('/donor').expect(200);
    expect(page.text).toContain(`data-recurring-gift="${series.id}" data-status="active"`);
    const act = async (action: string, fields: Record<string, string> = {}) => {
      const res = await agent.post(`/donor/recurring/${series.id}/${action}`).type('form').send({ _csrf: csrfOf(page.text), lang: 'en', ...fields });
      page = res.status === 200 ? res : page;
      return res;
    };

    expect((await act('pause')).text).toContain('The recurring gift is paused.');
    expect((await stripe.subscriptions.retrieve(subscriptionId)).pause_collection).toMatchObject({ behavior: 'void' });
    expect(await seriesRow(series.id)).toMatchObject({ status: 'paused' });
    await act('resume').then((r) => expect(r.status).toBe(200));
    expect((await stripe.subscriptions.retrieve(subscriptionId)).pause_collection).toBeNull();
    expect(await seriesRow(series.id)).toMatchObject({ status: 'active' });

    // A new amount below the minimum is refused (nothing changes); a valid one applies from the next payment.
    const small = await act('amount', { amount: '0.10' });
    expect(small.status).toBe(400);
    expect(small.text).toContain('The amount is below the minimum of 0.50.');
    expect((await act('amount', { amount: '9.50' })).text).toContain('The amount is changed from the next payment.');
    expect((await stripe.subscriptions.retrieve(subscriptionId)).items.data[0].price.unit_amount).toBe(950);
    expect(await seriesRow(series.id)).toMatchObject({ amount: '950' });

    // Another donor's series is not found from this session (as an unknown one).
    expect((await submitDonationForm(world, campaign.slug, { amount: 'other', customAmount: '8', frequency: 'monthly', donorEmail: 'someone-else@example.org' })).status).toBe(303);
    const [other] = await world.db.query(`SELECT id FROM recurring_gifts WHERE donor_email = 'someone-else@example.org'`);
    await agent.post(`/donor/recurring/${other.id}/cancel`).type('form').send({ _csrf: csrfOf(page.text), lang: 'en' }).expect(404);

    expect((await act('cancel')).text).toContain('The recurring gift is cancelled.');
    expect((await stripe.subscriptions.retrieve(subscriptionId)).status).toBe('canceled');
    expect(await seriesRow(series.id)).toMatchObject({ status: 'cancelled', end_reason: 'donor' });
    const again = await act('pause');
    expect(again.status).toBe(409);
    expect(again.text).toContain('This recurring gift has already stopped.');
  });

  it('a cancel link works only for its own series, and a forged one is refused', async () => {
    const forged = await request(world.apiUrl).get('/recurring/cancel?token=l1.eyJwIjoicmVjdXJyaW5nLWNhbmNlbCJ9.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA').expect(404);
    expect(forged.text).toContain('This link does not work');
    const card = await request(world.apiUrl).get('/recurring/card?token=nonsense').expect(404);
    expect(card.text).toContain('data-code="link_invalid"');
  });
});
