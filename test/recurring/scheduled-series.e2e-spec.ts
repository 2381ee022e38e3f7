import { jest } from '@jest/globals';
import request from 'supertest';
import { randomBytes, randomUUID } from 'node:crypto';
import { auditLedger } from '@ataa/ledger';
import { ScheduledGiftsService } from '@ataa/donations';
import { DonorPageService } from '@ataa/donors';
import { ErasureService } from '@ataa/privacy';
import { createCampaign, createOrganizationWithOwner, signInToDashboard, SmtpSink, startSmtpSink } from '@ataa/testing';
import { ScheduledGiftsRunner } from '../../apps/worker/src/scheduled/scheduled-gifts.runner.js';
import { DonationWorld, eventually, settle, startDonationWorld, submitDonationForm } from '../donations/donation-test-kit.js';

jest.setTimeout(600_000);

/**
 * Scheduled series from the campaign page to the last e-mail (issue 20), through the Stripe sandbox,
 * the API, the worker, PostgreSQL and SMTP: the form (every Friday for N weeks in the donor's time
 * zone), the card saved on Checkout's setup page, the thank-you page, each Friday charged
 * off-session and receipted with the series' one-click cancel link; a declined Friday e-mailed a
 * link to pay it, paid on it; the donor page's list and cancel; the close-out moving a series to the
 * general fund or cancelling it; the organization's figures; erasure and the data export.
 *
 * Every series here is on Fridays at 9:00 in Amman (6:00 UTC) unless said: the charger runs for every
 * series due at a moment, so each test asserts its own series' rows only.
 */
describe('scheduled series: form, e-mails, donor page, close-out, figures, privacy (sandbox, SMTP)', () => {
  let sink: SmtpSink;
  let world: DonationWorld;
  let service: ScheduledGiftsService;
  let org: Awaited<ReturnType<typeof createOrganizationWithOwner>>;
  let campaign: { id: string; slug: string };

  const mailsTo = (email: string) => sink.messages.filter((m) => m.envelope.to.includes(email));
  const csrfOf = (html: string) => /name="_csrf" value="([^"]+)"/.exec(html)![1];
  const series = async (id: string) => (await world.db.query(`SELECT * FROM scheduled_gifts WHERE id = $1`, [id]))[0];
  const charges = (id: string) => world.db.query(`SELECT occurrence, status, donation_id, failure_code, charge_at, completion_session_id FROM scheduled_charges WHERE scheduled_gift_id = $1 ORDER BY occurrence`, [id]);
  const after = (chargeAt: Date | string) => new Date(new Date(chargeAt).getTime() + 1000);
  const entriesOf = async (donationIds: string[]) => (await world.db.query(
    `SELECT count(*)::int AS n FROM journal_entries WHERE kind = 'donation' AND metadata->>'donation_id' = ANY($1::text[])`, [donationIds],
  ))[0].n;
  const seriesCount = async () => (await world.db.query(`SELECT count(*)::int AS n FROM scheduled_gifts`))[0].n;

  /** The form: every Friday for `weeks` weeks; the card saved on the sandbox's setup page. */
  async function startFridays(slug: string, email: string, fields: Record<string, string> = {}, card = '4242424242424242'): Promise<string> {
    const res = await submitDonationForm(world, slug, {
      amount: 'other', customAmount: '15', frequency: 'fridays', weeks: '4', timeZone: 'Asia/Amman', donorName: 'Huda', donorEmail: email, locale: 'en', ...fields,
    });
    expect(res.status).toBe(303);
    const [row] = await world.db.query(`SELECT id, stripe_checkout_session_id, status FROM scheduled_gifts WHERE donor_email = $1 ORDER BY created_at DESC LIMIT 1`, [email]);
    expect(row.status).toBe('pending');
    expect(res.headers.location).toContain(row.stripe_checkout_session_id);
    expect((await world.sandbox.control.paySession(row.stripe_checkout_session_id, { card })).ok).toBe(true);
    await settle(world);
    expect((await series(row.id)).status).toBe('active');
    return row.id;
  }

  async function signInAsDonor(email: string) {
    const id = randomUUID();
    const nonce = randomBytes(16).toString('hex');
    const requestedAt = new Date(Math.floor(Date.now() / 1000) * 1000);
    const expiresAt = new Date(requestedAt.getTime() + 900_000);
    await world.db.query(`INSERT INTO donor_sign_in_links (id, email, language, nonce, requested_at, expires_at) VALUES ($1, $2, 'en', $3, $4, $5)`, [id, email, nonce, requestedAt, expiresAt]);
    const agent = request.agent(world.apiUrl);
    const token = world.api.get(DonorPageService).linkToken({ id, nonce, expiresAt });
    const confirm = await agent.get(`/donor/sign-in?token=${encodeURIComponent(token)}`).expect(200);
    await agent.post('/donor/sign-in').type('form').send({ _csrf: csrfOf(confirm.text), token }).expect(303);
    return agent;
  }

  beforeAll(async () => {
    sink = await startSmtpSink();
    world = await startDonationWorld({ env: { SMTP_URL: sink.url, MAIL_FROM: 'Ataa Receipts <receipts@ataa.test>' } });
    service = world.api.get(ScheduledGiftsService);
    org = await createOrganizationWithOwner(world.api, { name: 'Friday Givers' });
    campaign = await createCampaign(world.api, org, { title: 'Friday meals', currency: 'usd' });
  });
  afterAll(async () => {
    await world?.close();
    await sink?.close();
  });

  it('the form refuses weeks not offered, a schedule not offered, a small amount, an end, an unknown zone and a schedule past the campaign\'s end, writing nothing', async () => {
    const base = { amount: 'other', customAmount: '10', frequency: 'fridays', weeks: '4', timeZone: 'Asia/Amman', donorEmail: 'x@example.org' };
    const zero = await submitDonationForm(world, campaign.slug, { ...base, weeks: '0' });
    expect(zero.status).toBe(422);
    expect(zero.text).toContain('Choose every Friday for 1 to 52 weeks.');
    expect(zero.text).toContain('id="weeks" name="weeks" inputmode="numeric" autocomplete="off" value="0"');
    expect((await submitDonationForm(world, campaign.slug, { ...base, weeks: '53' })).status).toBe(422);
    expect((await submitDonationForm(world, campaign.slug, { ...base, weeks: 'four' })).status).toBe(422);
    const daily = await submitDonationForm(world, campaign.slug, { ...base, frequency: 'daily' });
    expect(daily.status).toBe(400);
    expect(daily.text).toContain('every night of the last ten nights of Ramadan or every Friday.');
    // Stripe's minimum charge in USD is 0.50.
    const small = await submitDonationForm(world, campaign.slug, { ...base, customAmount: '0.40' });
    expect(small.status).toBe(400);
    expect(small.text).toContain('The amount is below the minimum of $0.50.');
    const ended = await submitDonationForm(world, campaign.slug, { ...base, endDate: '2020-01-01' });
    expect(ended.status).toBe(400);
    expect(ended.text).toContain('Scheduled gifts end by themselves');
    const zone = await submitDonationForm(world, campaign.slug, { ...base, timeZone: 'Mars/Olympus' });
    expect(zone.status).toBe(400);
    expect(zone.text).toContain('Choose a time zone from the list.');
    // The zone sent back stays chosen (even one the list does not have).
    expect(zone.text).toContain('<option value="Mars/Olympus" selected>');
    // A campaign ending in 10 days cannot take 4 Fridays (its end is before the last).
    const soon = await createCampaign(world.api, org, { title: 'Ten days', currency: 'usd', endsAt: new Date(Date.now() + 10 * 86_400_000).toISOString() });
    const late = await submitDonationForm(world, soon.slug, base);
    expect(late.status).toBe(422);
    expect(late.text).toContain('The campaign ends before the last of these gifts');
    expect(await seriesCount()).toBe(0);
  });

  it('the form saves the card (Checkout setup mode); each Friday is a gift with a receipt carrying the cancel link, which cancels the rest of this series only', async () => {
    const email = 'huda@example.org';
    // The page offers the schedules, the weeks and a time zone select (no script needed to post it).
    const page = await request(world.apiUrl).get(`/c/${campaign.slug}`).expect(200);
    expect(page.text).toContain('value="fridays"');
    expect(page.text).toContain('value="ramadan_last_ten"');
    expect(page.text).toMatch(/<select id="timeZone" name="timeZone"[^>]*data-prefill="browser"/);
    const id = await startFridays(campaign.slug, email);
    const row = await series(id);
    expect(row).toMatchObject({ kind: 'fridays', weeks: 4, time_zone: 'Asia/Amman', amount: '1500', currency: 'usd', stripe_payment_method_id: expect.stringMatching(/^pm_/) });
    const session = await world.sandbox.stripe().checkout.sessions.retrieve(row.stripe_checkout_session_id);
    expect(session).toMatchObject({ mode: 'setup', metadata: { scheduled_gift_id: id, campaign_id: campaign.id } });
    expect(session.success_url).toContain(`/c/${campaign.slug}/thanks?scheduled=${id}`);

    // The thank-you page: what the webhook recorded, and the four Fridays (Amman's days).
    const planned = await charges(id);
    const thanks = await request(world.apiUrl).get(`/c/${campaign.slug}/thanks?scheduled=${id}&lang=en`).expect(200);
    expect(thanks.text).toContain('Your gifts of $15.00 are scheduled: every Friday for 4 weeks.');
    expect((thanks.text.match(/<li data-status="planned">/g) ?? []).length).toBe(4);
    const ar = await request(world.apiUrl).get(`/c/${campaign.slug}/thanks?scheduled=${id}&lang=ar`).expect(200);
    expect(ar.text).toContain('كل جمعة لمدة 4 أسابيع');
    await request(world.apiUrl).get(`/c/${campaign.slug}/thanks?scheduled=${randomUUID()}`).expect(404);

    // Two Fridays charged (the worker's runner), each a gift with its receipt.
    await world.worker!.get(ScheduledGiftsRunner).runOnce(after(planned[0].charge_at));
    await world.worker!.get(ScheduledGiftsRunner).runOnce(after(planned[1].charge_at));
    await settle(world);
    expect((await charges(id)).map((c: { status: string }) => c.status)).toEqual(['paid', 'paid', 'planned', 'planned']);
    const receipts = await eventually(async () => {
      const r = mailsTo(email).filter((m) => /receipt/i.test(m.parsed.subject ?? ''));
      return r.length >= 2 ? r : false;
    }, 'two receipts', 60_000);
    expect(String(receipts[0].parsed.text)).toContain('part of your scheduled recurring gift');
    const link = /\/scheduled\/cancel\?token=[^\s"<>]+/.exec(receipts[1].parsed.text ?? '')?.[0];
    expect(link).toBeDefined();

    // Another donor's series on the same campaign: the link does not touch it.
    const other = await startFridays(campaign.slug, 'other@example.org', { weeks: '2' });

    // A GET shows a confirmation (nothing changes; mail scanners open links); the POST cancels; again is harmless.
    const agent = request.agent(world.apiUrl);
    const confirm = await agent.get(link!).expect(200);
    expect(confirm.text).toContain('Cancel your scheduled gifts');
    expect((await series(id)).status).toBe('active');
    const token = decodeURIComponent(/token=([^&\s]+)/.exec(link!)![1]);
    const done = await agent.post('/scheduled/cancel').type('form').send({ _csrf: csrfOf(confirm.text), token, lang: 'en' }).expect(200);
    expect(done.text).toContain('Your scheduled gifts are cancelled');
    await agent.post('/scheduled/cancel').type('form').send({ _csrf: csrfOf(confirm.text), token, lang: 'en' }).expect(200);
    expect(await series(id)).toMatchObject({ status: 'cancelled', end_reason: 'donor' });
    expect((await charges(id)).map((c: { status: string }) => c.status)).toEqual(['paid', 'paid', 'cancelled', 'cancelled']);
    expect((await series(other)).status).toBe('active');
    const stopped = await eventually(async () => {
      const found = mailsTo(email).filter((m) => m.parsed.subject === 'Your scheduled gifts have stopped');
      return found.length > 0 ? found : false;
    }, 'the stopped notice', 60_000);
    expect(stopped).toHaveLength(1);
    expect(stopped[0].parsed.text).toContain('you cancelled them');
    // The last two Fridays pass: nothing more is charged for this series (the other donor's is).
    await service.chargeDue(after(planned[3].charge_at));
    await settle(world);
    expect((await charges(id)).map((c: { status: string }) => c.status)).toEqual(['paid', 'paid', 'cancelled', 'cancelled']);
    expect((await charges(other)).map((c: { status: string }) => c.status)).toEqual(['paid', 'paid']);
    const paid = (await charges(id)).map((c: { donation_id: string }) => c.donation_id).filter(Boolean);
    expect(await entriesOf(paid)).toBe(2);
    expect((await agent.get(link!).expect(200)).text).toContain('These scheduled gifts have already stopped');
    // A forged or other-purpose token opens nothing.
    expect((await request(world.apiUrl).get(`/scheduled/cancel?token=${encodeURIComponent(token.slice(0, -2))}AA`).expect(404)).text).toContain('data-code="link_invalid"');
    await request(world.apiUrl).get(`/scheduled/pay?token=${encodeURIComponent(token)}`).expect(404);
    expect(await auditLedger(world.db.manager)).toEqual([]);
  });

  it('a declined Friday is e-mailed a link to pay it (outbox); paid on it, it is a gift once; the next Friday is still tried', async () => {
    const email = 'omar@example.org';
    // 4000 0000 0000 0341 saves, and every off-session charge with it is declined.
    const id = await startFridays(campaign.slug, email, { weeks: '2', customAmount: '20', donorName: 'Omar' }, '4000000000000341');
    const planned = await charges(id);
    await service.chargeDue(after(planned[0].charge_at));
    const [first] = await charges(id);
    expect(first).toMatchObject({ status: 'failed', failure_code: 'card_declined' });
    const [outbox] = await world.db.query(`SELECT kind, dedupe_key FROM outbox WHERE aggregate_id = $1 AND kind = 'scheduled_notice'`, [id]);
    expect(outbox).toEqual({ kind: 'scheduled_notice', dedupe_key: `scheduled_notice:failed:${id}:1` });
    const notice = await eventually(async () => mailsTo(email).find((m) => m.parsed.subject === 'A scheduled gift could not be charged') ?? false, 'the failure e-mail', 60_000);
    expect(notice.parsed.text).toContain('We could not charge your card for the gift of $20.00 to');
    const payLink = /https?:\/\/\S+\/scheduled\/pay\?token=\S+/.exec(notice.parsed.text ?? '')?.[0];
    expect(payLink).toBeDefined();
    expect(notice.parsed.text).toMatch(/\/scheduled\/cancel\?token=/);
    const url = new URL(payLink!);

    // A forged token opens nothing; the real one opens the page, whose button (a POST) opens Checkout for this gift.
    await request(world.apiUrl).get(url.pathname).query({ token: `${url.searchParams.get('token')!.slice(0, -2)}AA` }).expect(404);
    const agent = request.agent(world.apiUrl);
    const open = await agent.get(`${url.pathname}${url.search}`).expect(200);
    expect(open.text).toContain('Pay a scheduled gift');
    expect(open.text).toContain('data-testid="scheduled-pay"');
    await agent.post('/scheduled/pay').type('form').send({ _csrf: 'wrong', token: url.searchParams.get('token') }).expect(403);
    const started = await agent.post('/scheduled/pay').type('form').send({ _csrf: csrfOf(open.text), token: url.searchParams.get('token'), lang: 'en' }).expect(303);
    const [{ completion_session_id: sessionId }] = await charges(id);
    expect(started.headers.location).toContain(sessionId);
    const checkout = await world.sandbox.stripe().checkout.sessions.retrieve(sessionId);
    expect(checkout).toMatchObject({ mode: 'payment', amount_total: 2000, metadata: { donation_id: first.donation_id, scheduled_gift_id: id, occurrence: '1' } });
    // The same button again reuses the open session.
    expect((await agent.post('/scheduled/pay').type('form').send({ _csrf: csrfOf(open.text), token: url.searchParams.get('token'), lang: 'en' }).expect(303)).headers.location).toBe(started.headers.location);
    expect((await world.sandbox.control.paySession(sessionId)).ok).toBe(true);
    await settle(world);
    const [gift] = await world.db.query(`SELECT status, amount::text, campaign_id FROM donations WHERE id = $1`, [first.donation_id]);
    expect(gift).toEqual({ status: 'succeeded', amount: '2000', campaign_id: campaign.id });
    expect(await entriesOf([first.donation_id])).toBe(1);

    // The next pass marks it paid, and tries the second Friday (declined again: its own e-mail).
    await service.chargeDue(after(planned[1].charge_at));
    expect((await charges(id)).map((c: { status: string }) => c.status)).toEqual(['paid', 'failed']);
    await eventually(async () => mailsTo(email).filter((m) => m.parsed.subject === 'A scheduled gift could not be charged').length === 2, 'the second failure e-mail', 60_000);
    // Paid: the first link's page says so, and its button is refused.
    const again = await agent.get(`${url.pathname}${url.search}`).expect(200);
    expect(again.text).toContain('This gift can no longer be paid here');
    expect(again.text).not.toContain('data-testid="scheduled-pay"');
    await agent.post('/scheduled/pay').type('form').send({ _csrf: csrfOf(open.text), token: url.searchParams.get('token'), lang: 'en' }).expect(409);
    expect(await entriesOf([first.donation_id])).toBe(1);
    expect(await auditLedger(world.db.manager)).toEqual([]);
  });

  it('the donor page lists the address\'s series and cancels its own only; gifts.json and the data export carry them', async () => {
    const email = 'rana@example.org';
    const id = await startFridays(campaign.slug, email, { weeks: '3', customAmount: '12', donorName: 'Rana' });
    const stranger = await startFridays(campaign.slug, 'stranger@example.org', { weeks: '3' });
    const agent = await signInAsDonor(email);
    const page = await agent.get('/donor').expect(200);
    expect(page.text).toContain(`data-scheduled-gift="${id}" data-status="active"`);
    expect(page.text).toContain('every Friday for 3 weeks');
    expect(page.text).not.toContain(stranger);
    const json = await agent.get('/donor/gifts.json').expect(200);
    expect(JSON.parse(json.text).scheduledGifts).toEqual([expect.objectContaining({ id, amount: '1200', currency: 'usd', schedule: 'fridays', weeks: 3, timeZone: 'Asia/Amman', status: 'active', planned: 3 })]);
    const exported = await agent.post('/donor/export').type('form').send({ _csrf: csrfOf(page.text), lang: 'en' }).expect(200);
    const document = JSON.parse(exported.text);
    expect(document.scheduledSeries).toEqual([expect.objectContaining({ id, schedule: 'fridays', weeks: 3, amount: '1200', donor: expect.objectContaining({ email }), occurrences: expect.any(Array) })]);
    expect(document.scheduledSeries[0].occurrences).toHaveLength(3);

    // Another address's series is not found from this session (as an unknown one).
    await agent.post(`/donor/scheduled/${stranger}/cancel`).type('form').send({ _csrf: csrfOf(page.text), lang: 'en' }).expect(404);
    await agent.post(`/donor/scheduled/${id}/cancel`).type('form').send({ _csrf: 'forged', lang: 'en' }).expect(403);
    const done = await agent.post(`/donor/scheduled/${id}/cancel`).type('form').send({ _csrf: csrfOf(page.text), lang: 'en' }).expect(200);
    expect(done.text).toContain('The scheduled gifts are cancelled: nothing more will be charged.');
    expect(done.text).toContain(`data-scheduled-gift="${id}" data-status="cancelled"`);
    expect(await series(id)).toMatchObject({ status: 'cancelled', end_reason: 'donor' });
    expect((await series(stranger)).status).toBe('active');
  });

  it('the close-out moves a closed campaign\'s series to the general fund, or cancels them, and tells the donors', async () => {
    const other = await createOrganizationWithOwner(world.api, { name: 'Closing Org' });
    const closing = await createCampaign(world.api, other, { title: 'Winter coats', currency: 'usd' });
    const fund = await createCampaign(world.api, other, { title: 'General fund', currency: 'usd' });
    const euros = await createCampaign(world.api, other, { title: 'Euro coats', currency: 'eur' });
    await request(world.apiUrl).put(`/api/v1/orgs/${other.orgId}/recurring/general-fund`).set('authorization', `Bearer ${other.ownerToken}`).send({ campaignId: fund.id }).expect(200);
    const moving = await startFridays(closing.slug, 'sami@example.org', { weeks: '2', donorName: 'Sami' });
    const stopping = await startFridays(euros.slug, 'eva@example.org', { weeks: '2', donorName: 'Eva' });
    // A series whose card was never saved (still on Checkout's page) is cancelled.
    expect((await submitDonationForm(world, closing.slug, { amount: 'other', customAmount: '15', frequency: 'fridays', weeks: '2', timeZone: 'Asia/Amman', donorEmail: 'late@example.org' })).status).toBe(303);
    const [unsaved] = await world.db.query(`SELECT id FROM scheduled_gifts WHERE donor_email = 'late@example.org'`);

    for (const c of [closing, euros]) {
      await request(world.apiUrl).post(`/api/v1/orgs/${other.orgId}/campaigns/${c.id}/end`).set('authorization', `Bearer ${other.ownerToken}`).send({}).expect(200);
    }
    await eventually(async () => (await series(stopping)).status === 'cancelled' && (await series(unsaved.id)).status === 'cancelled' && (await series(moving)).campaign_id === fund.id, 'the close-out', 60_000);
    expect(await series(moving)).toMatchObject({ status: 'active', campaign_id: fund.id, moved_from_campaign_id: closing.id });
    expect(await series(stopping)).toMatchObject({ status: 'cancelled', end_reason: 'campaign_closed' });
    const movedMail = await eventually(async () => mailsTo('sami@example.org').find((m) => m.parsed.subject === 'Your scheduled gifts now support the general fund') ?? false, 'the moved notice', 60_000);
    expect(movedMail.parsed.text).toContain('General fund');
    const stoppedMail = await eventually(async () => mailsTo('eva@example.org').find((m) => m.parsed.subject === 'Your scheduled gifts have stopped') ?? false, 'the stopped notice', 60_000);
    expect(stoppedMail.parsed.text).toContain('the campaign has closed');

    // The moved series' next Friday is a gift to the fund; the cancelled one is not charged.
    const planned = await charges(moving);
    await service.chargeDue(after(planned[0].charge_at));
    await settle(world);
    const [first] = await charges(moving);
    expect(first.status).toBe('paid');
    expect((await world.db.query(`SELECT campaign_id FROM donations WHERE id = $1`, [first.donation_id]))[0].campaign_id).toBe(fund.id);
    expect((await charges(stopping)).map((c: { status: string }) => c.status)).toEqual(['cancelled', 'cancelled']);
  });

  it('the organization\'s figures count its scheduled series, and another organization sees none of them', async () => {
    const figures = await request(world.apiUrl).get(`/api/v1/orgs/${org.orgId}/recurring/figures`).set('authorization', `Bearer ${org.ownerToken}`).expect(200);
    // "Friday meals": huda@ and rana@ cancelled by the donor; other@ (2 Fridays, both paid) and omar@ (both due: one paid on its link,
    // one failed) completed; stranger@ (3 Fridays of 15.00) active, its first paid with the close-out test's Friday: 2 left = 30.00.
    expect(figures.body.scheduled).toMatchObject({
      active: { ramadanLastTen: 0, fridays: 1 }, donors: 1, cancelled: 2, cancelledByReason: { donor: 2 },
      stillPlanned: [{ currency: 'usd', amount: '3000', occurrences: 2 }],
    });
    expect(figures.body.scheduled.failed).toMatchObject({ occurrences: 2, recovered: 1 });
    expect(figures.body.recurringDonors).toBe(1);
    // The dashboard's recurring page shows them in a card of their own.
    const dashboard = await (await signInToDashboard(world.apiUrl, org.ownerEmail, org.ownerPassword)).get(`/dashboard/o/${org.orgId}/recurring`).expect(200);
    expect(dashboard.text).toContain('Scheduled gifts (Ramadan nights, Fridays)');
    expect(dashboard.text).toContain('data-testid="scheduled-fridays">1<');
    expect(dashboard.text).toMatch(/Still planned \(USD\)<\/dt><dd><bdi>\$30\.00<\/bdi> \(2\)/);
    const stranger = await createOrganizationWithOwner(world.api, { name: 'Someone Else' });
    const theirs = await request(world.apiUrl).get(`/api/v1/orgs/${stranger.orgId}/recurring/figures`).set('authorization', `Bearer ${stranger.ownerToken}`).expect(200);
    expect(theirs.body.scheduled).toMatchObject({ active: { ramadanLastTen: 0, fridays: 0 }, donors: 0, stillPlanned: [] });
  });

  it('erasure cancels the donor\'s series (no e-mail: no one to write to) and removes the name and address from it', async () => {
    const email = 'erase-me@example.org';
    const id = await startFridays(campaign.slug, email, { weeks: '2', donorName: 'Nour' });
    const planned = await charges(id);
    await service.chargeDue(after(planned[0].charge_at));
    await settle(world);
    // Its receipt sent first (a receipt being sent keeps its address until then: the erasure would wait for it).
    const [paid] = await charges(id);
    await eventually(async () => (await world.db.query(`SELECT count(*)::int AS n FROM receipts WHERE donation_id::text = $1 AND status = 'sent'`, [paid.donation_id]))[0].n === 1, 'the receipt sent', 60_000);
    const erasures = world.api.get(ErasureService);
    const requested = await erasures.requestByOperator({ email });
    await erasures.process(requested.id);
    expect(await series(id)).toMatchObject({ status: 'cancelled', end_reason: 'erasure', donor_email: null, donor_name: null, erased_at: expect.any(Date) });
    expect((await charges(id)).map((c: { status: string }) => c.status)).toEqual(['paid', 'cancelled']);
    expect(await world.db.query(`SELECT count(*)::int AS n FROM outbox WHERE aggregate_id = $1 AND kind = 'scheduled_notice'`, [id])).toEqual([{ n: 0 }]);
    // The Stripe Customer made for the series (it holds the saved card and the address) is deleted.
    const customer = await world.sandbox.stripe().customers.retrieve((await series(id)).stripe_customer_id);
    expect(customer.deleted).toBe(true);
  });
});
