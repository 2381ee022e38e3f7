import { jest } from '@jest/globals';
import request from 'supertest';
import {
  addMemberWithDetails, createCampaign, createOrganizationWithOwner, csrfOf, signInToDashboard, startSmtpSink, type DashboardAgent, type SmtpSink, type TestOrganization,
} from '@ataa/testing';
import { donationRow, DonationWorld, eventually, expectLedgerSound, settle, startDonationWorld, startGift } from '../donations/donation-test-kit.js';

jest.setTimeout(180_000);

/**
 * The dashboard's Donations section over HTTP, with real gifts paid on the Stripe sandbox (signed
 * webhooks, the worker posting the ledger and sending receipts to an SMTP sink): the list and its
 * filters, a gift's page (events, receipts, ledger entries with their public entry), refunds through
 * the form and its confirmation (bad amounts re-render with field errors and change nothing; the same
 * confirmation twice refunds once; partial, then the remainder), re-sending the receipt, the CSV,
 * roles (viewer, admin), another organization's gift, CSRF.
 */
describe('dashboard donations (sandbox, API, worker, PostgreSQL, Redis)', () => {
  let sink: SmtpSink;
  let world: DonationWorld;
  let org: TestOrganization;
  let owner: DashboardAgent;
  let water: { id: string; slug: string };
  let schools: { id: string; slug: string };
  const gifts: Record<'named' | 'anonymous' | 'kwd', string> = { named: '', anonymous: '', kwd: '' };

  const signIn = (email: string, password: string) => signInToDashboard(world.apiUrl, email, password);
  const path = (rest = '') => `/dashboard/o/${org.orgId}/donations${rest}`;
  const refundRows = async (donationId: string) => world.db.query(`SELECT amount::text, status, reason, requested_by FROM donation_refunds WHERE donation_id = $1 ORDER BY created_at`, [donationId]);
  const pay = async (slug: string, fields: Record<string, string>) => {
    const { donationId, sessionId } = await startGift(world, slug, fields);
    expect((await world.sandbox.control.paySession(sessionId)).ok).toBe(true);
    return donationId;
  };
  const confirmFields = (html: string) => ({
    _csrf: csrfOf(html),
    amount: /name="amount" value="(\d+)"/.exec(html)![1], reason: /name="reason" value="([a-z_]+)"/.exec(html)![1], key: /name="key" value="([0-9a-f-]{36})"/.exec(html)![1],
  });

  beforeAll(async () => {
    sink = await startSmtpSink();
    world = await startDonationWorld({ env: { SMTP_URL: sink.url, MAIL_FROM: 'Ataa Receipts <receipts@ataa.test>' } });
    org = await createOrganizationWithOwner(world.api, { name: 'Water Relief' });
    water = await createCampaign(world.api, org, { title: 'Clean water for Mafraq', allowAnonymous: true });
    schools = await createCampaign(world.api, org, { title: 'Schools in Irbid', currency: 'kwd', goal: '5000000', suggestedAmounts: ['5000', '10000'] });
    gifts.named = await pay(water.slug, { amount: 'other', customAmount: '40.00', donorName: '=HYPERLINK("http://evil")', donorEmail: 'layla@example.org', publicMessage: 'For the well' });
    gifts.anonymous = await pay(water.slug, { amount: 'other', customAmount: '100.00', donorName: 'Omar', donorEmail: 'omar@example.org', anonymous: 'on' });
    gifts.kwd = await pay(schools.slug, { amount: 'other', customAmount: '12.500', donorName: 'Huda', donorEmail: 'huda@example.org' });
    await settle(world);
    owner = await signIn(org.ownerEmail, org.ownerPassword);
  }, 150_000);
  afterAll(async () => {
    await world?.close();
    await sink?.close();
  }, 60_000);

  it('lists the gifts newest first with their amounts in each currency, and filters them', async () => {
    const list = await owner.get(path()).expect(200);
    expect(list.text).not.toContain('data-testid="coming-soon"');
    const order = [...list.text.matchAll(/href="\/dashboard\/o\/[0-9a-f-]+\/donations\/([0-9a-f-]{36})"/g)].map((m) => m[1]);
    expect(order).toEqual([gifts.kwd, gifts.anonymous, gifts.named]);
    expect(list.text).toContain('<bdi>$40.00</bdi>');
    expect(list.text).toContain('<bdi>$100.00</bdi>');
    expect(list.text).toMatch(/<bdi>KWD\s12\.500<\/bdi>/);
    expect(list.text).toContain(`href="${path('/export.csv')}"`);

    const only = async (query: string, expected: string[]) => {
      const res = await owner.get(path(query)).expect(200);
      const ids = [...res.text.matchAll(/href="\/dashboard\/o\/[0-9a-f-]+\/donations\/([0-9a-f-]{36})"/g)].map((m) => m[1]);
      expect([query, ids]).toEqual([query, expected]);
      return res;
    };
    await only(`?campaign=${water.id}`, [gifts.anonymous, gifts.named]);
    await only('?anonymous=yes', [gifts.anonymous]);
    await only('?anonymous=no', [gifts.kwd, gifts.named]);
    await only('?status=succeeded&currency=kwd', [gifts.kwd]);
    await only(`?campaign=${water.id}&min=50`, [gifts.anonymous]); // typed in the campaign's units
    await only('?currency=usd&max=40', [gifts.named]);
    await only('?currency=kwd&min=12.5&max=12.500', [gifts.kwd]);
    const today = new Date().toISOString().slice(0, 10);
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    await only(`?from=${today}&to=${today}`, [gifts.kwd, gifts.anonymous, gifts.named]);
    const none = await only(`?from=${tomorrow}`, []);
    expect(none.text).toContain('No donation matches these filters.');
    expect(none.text).toContain(`value="${tomorrow}"`);

    // Filters that cannot be read: marked on their fields, nothing listed.
    const bad = await owner.get(path('?min=abc&to=2026-02-30&status=lost')).expect(400);
    expect(bad.text).toMatch(/id="currency-error">Choose a currency \(or a campaign\) to filter by amount\./);
    expect(bad.text).toMatch(/id="to-error">Enter a day as YYYY-MM-DD\./);
    expect(bad.text).toMatch(/id="status-error">Choose one of the options\./);
    expect(bad.text).not.toContain('data-testid="donations"');
    expect(bad.text).toContain('value="abc"');
    const precision = await owner.get(path('?currency=usd&min=1.234&max=0.5')).expect(400);
    expect(precision.text).toMatch(/id="min-error">Too many decimals for this currency\./);
    const range = await owner.get(path('?currency=usd&min=50&max=10')).expect(400);
    expect(range.text).toMatch(/id="max-error">The largest amount must not be below the smallest\./);
  });

  it("a gift's page: facts, Stripe events, receipt delivery, ledger entries with their public entry and proof", async () => {
    await eventually(async () => (await world.db.query(`SELECT status FROM receipts WHERE donation_id = $1 AND kind = 'donation_receipt'`, [gifts.named]))[0]?.status === 'sent', 'the receipt sent');
    const page = await owner.get(path(`/${gifts.named}`)).expect(200);
    expect(page.text).toContain('<h1 id="page-title" class="dash-title">Gift of $40.00</h1>');
    expect(page.text).toContain('data-testid="charged">$40.00<');
    expect(page.text).toContain('layla@example.org');
    expect(page.text).toContain('For the well');
    expect(page.text).toContain('data-testid="refund"');
    expect(page.text).toContain('data-testid="resend"');
    expect(page.text).toMatch(/<code dir="ltr">checkout\.session\.completed<\/code>/);
    expect(page.text).toMatch(/<code dir="ltr">charge\.succeeded<\/code>/);
    expect(page.text).toMatch(/data-testid="receipts"[\s\S]*Receipt[\s\S]*R-\d{4}-\d+[\s\S]*Sent/);
    // The gift's journal entries with their postings; the gift's own entry is public, with a working proof link.
    expect(page.text).toMatch(/<code dir="ltr">campaign:[0-9a-f-]+:funds<\/code> <bdi dir="ltr">-4000 USD<\/bdi>/);
    const [leaf] = await world.db.query(`SELECT public_leaf_index::text AS idx FROM donations WHERE id = $1`, [gifts.named]);
    expect(page.text).toContain(`data-testid="public-index">No. ${leaf.idx}<`);
    // (Handlebars writes the "=" of an attribute as &#x3D;)
    expect(page.text).toMatch(new RegExp(`href="/c/${water.slug}/proof/inclusion\\?index(=|&#x3D;)${leaf.idx}"`));
    await request(world.apiUrl).get(`/c/${water.slug}/proof/inclusion?index=${leaf.idx}`).expect(200);
    expect(page.text).toContain(`href="/c/${water.slug}/ledger"`);
  });

  it('refunds part of a gift, then the rest, through the form and its confirmation; bad amounts change nothing; the same confirmation twice refunds once', async () => {
    const giftPath = path(`/${gifts.named}`);
    const form = await owner.get(`${giftPath}/refund`).expect(200);
    expect(form.text).toContain('$40.00');
    for (const [amount, message] of [['41', 'More than what can still be refunded.'], ['0', 'The amount must be greater than zero.'], ['abc', 'Enter an amount in figures'], ['', 'Enter an amount.'], ['1.234', 'Too many decimals']]) {
      const res = await owner.post(`${giftPath}/refund`).type('form').send({ _csrf: csrfOf(form.text), kind: 'partial', amount, reason: 'requested_by_customer' });
      expect([amount, res.status]).toEqual([amount, 400]);
      expect(res.text).toMatch(new RegExp(`id="amount-error">${message.replace(/[.]/g, '\\.')}`));
      expect(res.text).toContain(`value="${amount}"`);
    }
    expect(await refundRefunds()).toEqual([]);

    // Partial: the confirmation says what happens; nothing is refunded until it is confirmed.
    const review = await owner.post(`${giftPath}/refund`).type('form').send({ _csrf: csrfOf(form.text), kind: 'partial', amount: '15', reason: 'duplicate' });
    expect(review.status).toBe(200);
    expect(review.text).toContain('Refund <bdi>$15.00</bdi>?');
    expect(review.text).toContain('Afterwards <bdi>$25.00</bdi> of the gift remains with the campaign.');
    expect(review.text).toContain('The donor receives a refund notice by e-mail.');
    expect(await refundRefunds()).toEqual([]);
    const fields = confirmFields(review.text);
    expect(fields).toMatchObject({ amount: '1500', reason: 'duplicate' });
    const done = await owner.post(`${giftPath}/refund/confirm`).type('form').send(fields);
    expect(done.status).toBe(303);
    expect(done.headers.location).toBe(`${giftPath}?done=refunded`);
    // The same confirmation again (a double click, a reload): the same refund, not a second one.
    const again = await owner.post(`${giftPath}/refund/confirm`).type('form').send(fields);
    expect(again.status).toBe(303);
    expect(await refundRefunds()).toEqual([{ amount: '1500', status: expect.stringMatching(/pending|succeeded/), reason: 'duplicate', requested_by: `user:${org.ownerUserId}` }]);
    await settle(world);
    expect(await donationRow(world.db, gifts.named)).toMatchObject({ status: 'partially_refunded', refunded_amount: '1500' });

    // An over-refund posted straight to the confirmation: the lib refuses, the form says why, nothing changes.
    const over = await owner.post(`${giftPath}/refund/confirm`).type('form').send({ ...fields, amount: '2501', key: '5f0e7d2c-1111-4a2b-9c3d-000000000001' });
    expect(over.status).toBe(409);
    expect(over.text).toMatch(/id="amount-error">More than what can still be refunded\./);
    expect(over.text).toContain('value="25.01"');
    expect((await refundRefunds()).length).toBe(1);

    // The remainder, as "all of it".
    const shown = await owner.get(giftPath).expect(200);
    expect(shown.text).toContain('data-testid="refundable">$25.00<');
    const rest = await owner.post(`${giftPath}/refund`).type('form').send({ _csrf: csrfOf(shown.text), kind: 'full', reason: 'requested_by_customer' });
    expect(rest.text).toContain('Refund <bdi>$25.00</bdi>?');
    expect(rest.text).toContain('Afterwards nothing of the gift remains with the campaign.');
    expect((await owner.post(`${giftPath}/refund/confirm`).type('form').send(confirmFields(rest.text))).status).toBe(303);
    await settle(world);
    expect(await donationRow(world.db, gifts.named)).toMatchObject({ status: 'refunded', refunded_amount: '4000' });
    const after = await owner.get(giftPath).expect(200);
    expect(after.text).toContain('data-testid="refunded">$40.00<');
    expect(after.text).toContain('Nothing remains to be refunded.');
    expect(after.text).not.toContain('data-testid="refund"');
    expect(after.text).toMatch(/data-testid="refunds"[\s\S]*\$15\.00[\s\S]*Duplicate[\s\S]*\$25\.00/);
    const audited = await world.db.query(`SELECT actor, details->>'amount' AS amount FROM audit_log WHERE action = 'donation.refund' AND target_id = $1 ORDER BY seq`, [gifts.named]);
    expect(audited).toEqual([{ actor: `user:${org.ownerUserId}`, amount: '1500' }, { actor: `user:${org.ownerUserId}`, amount: '2500' }]);
    const refundEntries = await world.db.query(`SELECT count(*)::int AS n FROM journal_entries WHERE kind = 'refund' AND metadata->>'donation_id' = $1`, [gifts.named]);
    expect(refundEntries[0].n).toBe(2);
    // Refunding a refunded gift: the form says so and offers nothing to submit.
    const closed = await owner.get(`${giftPath}/refund`).expect(200);
    expect(closed.text).not.toContain('data-testid="review"');
    await expectLedgerSound(world.db);

    async function refundRefunds() {
      return refundRows(gifts.named);
    }
  });

  it('re-sends the receipt (a copy, audited); an erased donor gets a clear refusal', async () => {
    await eventually(async () => (await world.db.query(`SELECT status FROM receipts WHERE donation_id = $1 AND kind = 'donation_receipt'`, [gifts.kwd]))[0]?.status === 'sent', 'the receipt sent');
    const giftPath = path(`/${gifts.kwd}`);
    const page = await owner.get(giftPath).expect(200);
    const sent = await owner.post(`${giftPath}/receipt/resend`).type('form').send({ _csrf: csrfOf(page.text) });
    expect(sent.status).toBe(303);
    expect(sent.headers.location).toBe(`${giftPath}?done=resent`);
    expect(await world.db.query(`SELECT kind FROM outbox WHERE aggregate_id = $1 AND kind = 'receipt_copy'`, [gifts.kwd])).toHaveLength(1);
    expect(await world.db.query(`SELECT actor FROM audit_log WHERE action = 'receipt.resend' AND target_id = $1`, [gifts.kwd])).toEqual([{ actor: `user:${org.ownerUserId}` }]);
    expect((await owner.get(`${giftPath}?done=resent`).expect(200)).text).toContain('A copy of the receipt is queued for the donor.');

    // The donor's data erased (as the erasure job leaves the receipt: its number, no address).
    await world.db.query(`UPDATE receipts SET recipient = NULL WHERE donation_id = $1`, [gifts.anonymous]);
    const erasedPath = path(`/${gifts.anonymous}`);
    const erased = await owner.get(erasedPath).expect(200);
    const refused = await owner.post(`${erasedPath}/receipt/resend`).type('form').send({ _csrf: csrfOf(erased.text) });
    expect(refused.status).toBe(410);
    expect(refused.text).toContain('The donor’s personal data was erased at their request, so no copy of the receipt can be sent.');
    expect(await world.db.query(`SELECT 1 FROM outbox WHERE aggregate_id = $1 AND kind = 'receipt_copy'`, [gifts.anonymous])).toEqual([]);
  });

  it('exports the filtered gifts as CSV, text guarded against spreadsheet formulas', async () => {
    const res = await owner.get(path(`/export.csv?campaign=${water.id}`)).buffer(true).parse((r, done) => {
      let body = '';
      r.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      r.on('end', () => done(null, body));
    });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.headers['content-disposition']).toMatch(/^attachment; filename="donations-\d{4}-\d{2}-\d{2}\.csv"$/);
    const lines = (res.body as string).trim().split('\n');
    expect(lines[0]).toBe('id,created_at,settled_at,campaign_id,campaign_title,status,currency,amount_minor,chosen_amount_minor,covered_fees_minor,processing_fee_minor,platform_fee_minor,refunded_minor,disputed_minor,donor_name,donor_email,anonymous,public_message,public_entry_index');
    expect(lines).toHaveLength(3); // the two gifts to this campaign, newest first
    expect(lines[1]).toContain(`${gifts.anonymous},`);
    expect(lines[2]).toContain(`${gifts.named},`);
    expect(lines[2]).toContain(',"\'=HYPERLINK(""http://evil"")",layla@example.org,no,For the well,');
    expect(lines[2]).toContain(',usd,4000,4000,');
    expect(await world.db.query(`SELECT actor FROM audit_log WHERE action = 'donations.exported'`)).toEqual([{ actor: `user:${org.ownerUserId}` }]);
    await owner.get(path('/export.csv?min=zz&currency=usd')).expect(400);
  });

  it('a viewer sees the list and a gift but no refund or re-send, and is refused (403) posting anyway; an admin may re-send but not refund', async () => {
    const viewer = await addMemberWithDetails(world.api, org, 'viewer');
    const agent = await signIn(viewer.email, viewer.password);
    const list = await agent.get(path()).expect(200);
    expect(list.text).toContain(gifts.kwd);
    expect(list.text).not.toContain('data-testid="export-csv"');
    const giftPath = path(`/${gifts.kwd}`);
    const page = await agent.get(giftPath).expect(200);
    expect(page.text).toContain('data-testid="viewer-note"');
    expect(page.text).not.toContain('data-testid="refund"');
    expect(page.text).not.toContain('data-testid="resend"');
    for (const p of [`${giftPath}/refund`, path('/export.csv')]) {
      const refused = await agent.get(p);
      expect([p, refused.status]).toEqual([p, 403]);
      expect(refused.text).toContain('data-testid="error-403"');
    }
    const csrf = csrfOf(page.text);
    for (const [p, fields] of [
      [`${giftPath}/refund`, { kind: 'full', reason: 'requested_by_customer' }],
      [`${giftPath}/refund/confirm`, { amount: '1000', reason: 'requested_by_customer', key: '5f0e7d2c-2222-4a2b-9c3d-000000000002' }],
      [`${giftPath}/receipt/resend`, {}],
    ] as const) {
      const refused = await agent.post(p).type('form').send({ _csrf: csrf, ...fields });
      expect([p, refused.status]).toEqual([p, 403]);
      expect(refused.text).toContain('data-testid="error-403"');
    }
    expect(await refundRows(gifts.kwd)).toEqual([]);

    const admin = await addMemberWithDetails(world.api, org, 'admin');
    const adminAgent = await signIn(admin.email, admin.password);
    const adminPage = await adminAgent.get(giftPath).expect(200);
    expect(adminPage.text).toContain('data-testid="resend"');
    expect(adminPage.text).not.toContain('data-testid="refund"');
    expect((await adminAgent.post(`${giftPath}/refund/confirm`).type('form').send({ _csrf: csrfOf(adminPage.text), amount: '1000', reason: 'duplicate', key: '5f0e7d2c-3333-4a2b-9c3d-000000000003' })).status).toBe(403);
    expect(await refundRows(gifts.kwd)).toEqual([]);
  });

  it("another organization's gift, or a bad id, is a 404; forms without their CSRF token are refused (403), changing nothing", async () => {
    const other = await createOrganizationWithOwner(world.api, { name: 'Someone else' });
    const otherAgent = await signIn(other.ownerEmail, other.ownerPassword);
    const csrf = csrfOf((await otherAgent.get(`/dashboard/o/${other.orgId}/donations`).expect(200)).text);
    for (const p of [
      `/dashboard/o/${other.orgId}/donations/${gifts.kwd}`, `/dashboard/o/${other.orgId}/donations/${gifts.kwd}/refund`, `/dashboard/o/${org.orgId}/donations`,
      `/dashboard/o/${org.orgId}/donations/${gifts.kwd}`, `/dashboard/o/${other.orgId}/donations/not-a-uuid`,
    ]) {
      const res = await otherAgent.get(p);
      expect([p, res.status]).toEqual([p, 404]);
      expect(res.text).toContain('data-testid="error-404"');
      expect(res.text).not.toContain('huda@example.org');
    }
    for (const p of [`/dashboard/o/${other.orgId}/donations/${gifts.kwd}/refund/confirm`, `/dashboard/o/${other.orgId}/donations/${gifts.kwd}/receipt/resend`]) {
      const res = await otherAgent.post(p).type('form').send({ _csrf: csrf, amount: '1000', reason: 'duplicate', key: '5f0e7d2c-4444-4a2b-9c3d-000000000004' });
      expect([p, res.status]).toEqual([p, 404]);
    }

    const giftPath = path(`/${gifts.kwd}`);
    await owner.get(giftPath).expect(200);
    const noToken = await owner.post(`${giftPath}/refund/confirm`).type('form').send({ amount: '1000', reason: 'duplicate', key: '5f0e7d2c-5555-4a2b-9c3d-000000000005' });
    expect(noToken.status).toBe(403);
    expect(noToken.text).toContain('The form expired. Please try again.');
    const noTokenResend = await owner.post(`${giftPath}/receipt/resend`).type('form').send({});
    expect(noTokenResend.status).toBe(403);
    expect(await refundRows(gifts.kwd)).toEqual([]);
    expect(await world.db.query(`SELECT 1 FROM outbox WHERE aggregate_id = $1 AND kind = 'receipt_copy'`, [gifts.kwd])).toHaveLength(1); // the one re-send above
    expect(await donationRow(world.db, gifts.kwd)).toMatchObject({ status: 'succeeded', refunded_amount: '0' });
  });
});
