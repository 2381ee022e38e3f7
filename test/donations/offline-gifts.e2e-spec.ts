import { jest } from '@jest/globals';
import request from 'supertest';
import { addMemberWithDetails, createCampaign, createOrganizationWithOwner, startSmtpSink, type SmtpSink, type TestOrganization } from '@ataa/testing';
import { verifyCampaign } from '../../apps/verifier/src/verifier.js';
import { DonationWorld, eventually, expectLedgerSound, settle, startDonationWorld, startGift } from './donation-test-kit.js';

jest.setTimeout(180_000);

/**
 * Offline gifts end to end (issue 21, item 5): recorded over HTTP by the owner or a finance member,
 * refused to admins and viewers and on bad input with nothing changed, recorded once per
 * idempotency key, voided by a public reversing entry, marked on the public ledger (page, JSON, CSV,
 * report), receipted by e-mail through the outbox and SMTP, accepted by the verifier, and left out
 * of reconciliation with Stripe.
 */
describe('offline gifts (API, worker, PostgreSQL, Redis, SMTP, Stripe sandbox)', () => {
  let smtp: SmtpSink;
  let world: DonationWorld;
  let org: TestOrganization;
  let other: TestOrganization;
  let finance: string;
  let admin: string;
  let viewer: string;
  let campaign: { id: string; slug: string };
  let otherCampaign: { id: string };
  const operator = { authorization: 'Bearer development-operator-token-000000' };
  const http = () => request(world.apiUrl);
  const path = (campaignId = campaign.id, orgId = org.orgId) => `/api/v1/orgs/${orgId}/campaigns/${campaignId}/offline-gifts`;
  const gift = (over: Record<string, unknown> = {}) => ({
    amount: '1,250.50', currency: 'usd', receivedOn: new Date(Date.now() - 86_400_000).toISOString().slice(0, 10), method: 'cheque', reference: 'Cheque 004512',
    donorName: 'Amal Haddad', donorEmail: 'amal@example.org', message: 'For the well', ...over,
  });
  const publicLedger = async () => (await http().get(`/api/v1/public/campaigns/${campaign.slug}/ledger?order=asc&limit=200`).expect(200)).body;
  const recorded = async () => (await http().get(path()).set('authorization', `Bearer ${finance}`).expect(200)).body.items as Record<string, any>[];
  const journalCount = async () => Number((await world.db.query(`SELECT count(*)::int AS n FROM journal_entries WHERE campaign_id = $1`, [campaign.id]))[0].n);

  beforeAll(async () => {
    smtp = await startSmtpSink();
    world = await startDonationWorld({ env: { SMTP_URL: smtp.url } });
    org = await createOrganizationWithOwner(world.api);
    finance = (await addMemberWithDetails(world.api, org, 'finance')).accessToken;
    admin = (await addMemberWithDetails(world.api, org, 'admin')).accessToken;
    viewer = (await addMemberWithDetails(world.api, org, 'viewer')).accessToken;
    campaign = await createCampaign(world.api, org, { offerCoverFees: false });
    other = await createOrganizationWithOwner(world.api);
    otherCampaign = await createCampaign(world.api, other);
    // One card gift first: 100.00 on the ordinary card (public entries 0-2: gift, fee, platform fee).
    const card = await startGift(world, campaign.slug, { amount: 'other', customAmount: '100.00' });
    expect((await world.sandbox.control.paySession(card.sessionId)).ok).toBe(true);
    await settle(world);
  });
  afterAll(async () => {
    await world?.close();
    await smtp?.close();
  });

  it('refuses admins and viewers (only owner/finance record offline gifts), and another organization\'s campaign is a 404', async () => {
    const before = await journalCount();
    for (const token of [admin, viewer]) {
      const res = await http().post(path()).set('authorization', `Bearer ${token}`).send(gift());
      expect(res.status).toBe(403);
    }
    // The other organization's campaign, through our organization: 404 whatever the body.
    const foreign = await http().post(path(otherCampaign.id)).set('authorization', `Bearer ${finance}`).send({ nonsense: true });
    expect(foreign.status).toBe(404);
    expect((await http().get(path(otherCampaign.id)).set('authorization', `Bearer ${finance}`)).status).toBe(404);
    expect(await journalCount()).toBe(before);
    expect(await recorded()).toEqual([]);
  });

  it('refuses another currency, negative, zero, over-precise amounts and future dates with clear problems, changing nothing', async () => {
    const before = await journalCount();
    const size = (await publicLedger()).entries.length;
    const cases: [Record<string, unknown>, number, string][] = [
      [{ currency: 'eur' }, 422, 'offline_gift_currency_mismatch'],
      [{ amount: '-25.00' }, 400, 'amount_not_positive'],
      [{ amount: '0' }, 400, 'amount_not_positive'],
      [{ amount: '12.345' }, 400, 'amount_wrong_precision'],
      [{ receivedOn: new Date(Date.now() + 3 * 86_400_000).toISOString().slice(0, 10) }, 400, 'received_on_in_future'],
      [{ receivedOn: '2026-02-30' }, 400, 'received_on_invalid'],
      [{ method: 'crypto' }, 400, 'validation_failed'],
      [{ reference: 'a\u0000b' }, 400, 'validation_failed'],
      [{ donorName: undefined }, 400, 'invalid_text'],
    ];
    for (const [over, status, code] of cases) {
      const res = await http().post(path()).set('authorization', `Bearer ${finance}`).send(gift(over));
      expect({ over, status: res.status, code: res.body.code }).toEqual({ over, status, code });
      expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    }
    expect(await journalCount()).toBe(before);
    expect((await publicLedger()).entries).toHaveLength(size);
    expect(await recorded()).toEqual([]);
  });

  let giftId: string;

  it('records a gift once when the form is submitted twice at the same time (one idempotency key)', async () => {
    const send = () => http().post(path()).set('authorization', `Bearer ${finance}`).set('idempotency-key', 'offline-e2e-1').send(gift());
    const [a, b] = await Promise.all([send(), send()]);
    expect([a.status, b.status].sort()).toEqual([200, 201]);
    expect(a.body.id).toBe(b.body.id);
    giftId = a.body.id;
    expect(a.body).toMatchObject({ amount: '125050', currency: 'usd', method: 'cheque', status: 'recorded', verification: 'recorded by the organization, not verified by the payment processor', publicIndex: 3 });
    // The same key with other facts is refused.
    const reused = await http().post(path()).set('authorization', `Bearer ${finance}`).set('idempotency-key', 'offline-e2e-1').send(gift({ amount: '5' }));
    expect(reused.status).toBe(409);
    expect(reused.body.code).toBe('idempotency_key_reused');
    expect(await recorded()).toHaveLength(1);
    // The owner records an anonymous cash gift with no e-mail: 200.00.
    const cash = await http().post(path()).set('authorization', `Bearer ${org.ownerToken}`).send(gift({ amount: '200', method: 'cash', anonymous: true, donorName: undefined, donorEmail: undefined, message: undefined, reference: 'Cash book line 12' }));
    expect(cash.status).toBe(201);
    expect(cash.body.publicIndex).toBe(4);
  });

  it('e-mails the donor a receipt that says the gift was received offline', async () => {
    const mail = await eventually(async () => smtp.messages.find((m) => m.parsed.headers.get('x-ataa-offline-gift') === giftId) ?? false, 'the offline receipt', 30_000);
    expect(mail.envelope.to.map((a) => a.toLowerCase())).toEqual(['amal@example.org']);
    expect(mail.parsed.text).toContain('recorded by the organization, not verified by the payment processor');
    expect(mail.parsed.text).toContain('$1,250.50');
    expect(mail.parsed.text).toContain(`/c/${campaign.slug}/ledger`);
    // Only one receipt for the double submission, none for the gift without an e-mail.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(smtp.messages.filter((m) => m.parsed.headers.get('x-ataa-offline-gift'))).toHaveLength(1);
  });

  it('voids a gift only by a public reversing entry with the reason; voiding again changes nothing', async () => {
    const res = await http().post(`${path()}/${giftId}/void`).set('authorization', `Bearer ${finance}`).send({ reason: 'Cheque bounced' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'voided', voidReason: 'Cheque bounced', voidPublicIndex: 5 });
    const again = await http().post(`${path()}/${giftId}/void`).set('authorization', `Bearer ${finance}`).send({ reason: 'Cheque bounced' });
    expect(again.status).toBe(200);
    const otherReason = await http().post(`${path()}/${giftId}/void`).set('authorization', `Bearer ${finance}`).send({ reason: 'Something else' });
    expect(otherReason.status).toBe(409);
    expect((await http().post(`${path()}/${giftId}/void`).set('authorization', `Bearer ${admin}`).send({ reason: 'x' })).status).toBe(403);
    // The row cannot be edited or deleted, even by SQL.
    await expect(world.db.query(`UPDATE offline_gifts SET amount = 1 WHERE id = $1`, [giftId])).rejects.toThrow(/never edited/);
    await expect(world.db.query(`DELETE FROM offline_gifts WHERE id = $1`, [giftId])).rejects.toThrow();
    const audit = (await http().get(`/api/v1/orgs/${org.orgId}/audit-log`).set('authorization', `Bearer ${org.ownerToken}`).expect(200)).body;
    const actions = JSON.stringify(audit);
    expect(actions).toContain('offline_gift.record');
    expect(actions).toContain('offline_gift.void');
  });

  it('shows the gifts on the public ledger marked "recorded by the organization, not verified by the payment processor" (JSON, CSV, pages, report)', async () => {
    const { entries } = await publicLedger();
    // 0-2: the card gift (10000, platform fee, processing fee); 3: the cheque; 4: the cash; 5: the cheque's void.
    expect(entries.map((e: any) => [e.kind, e.amount])).toEqual([
      ['donation', '10000'], ['platform_fee', expect.any(String)], ['fee', expect.any(String)],
      ['offline_gift', '125050'], ['offline_gift', '20000'], ['offline_gift_void', '-125050'],
    ]);
    expect(entries[3]).toMatchObject({ v: 3, purpose: 'cheque', donor: 'Amal Haddad', message: 'For the well', recordedBy: 'organization', notice: 'recorded by the organization, not verified by the payment processor' });
    expect(entries[4]).toMatchObject({ donor: 'Anonymous', donorHash: null, purpose: 'cash', recordedBy: 'organization' });
    expect(entries[5]).toMatchObject({ purpose: 'void of entry 3: Cheque bounced', donor: null, recordedBy: 'organization' });
    expect(entries[0].recordedBy).toBeUndefined();
    // Nothing private: no reference, no e-mail.
    expect(JSON.stringify(entries)).not.toMatch(/004512|amal@example/);

    const csv = (await http().get(`/c/${campaign.slug}/ledger.csv`).expect(200)).text.trim().split('\n');
    expect(csv[0].endsWith(',redacted,recorded_by')).toBe(true);
    const offlineLines = csv.filter((line) => /^\d+,[^,]+,offline_gift/.test(line));
    expect(offlineLines).toHaveLength(3);
    for (const line of offlineLines) expect(line.endsWith(',organization')).toBe(true);
    expect(csv.find((line) => /^\d+,[^,]+,donation,/.test(line))!.endsWith(',')).toBe(true);

    const page = (await http().get(`/c/${campaign.slug}/ledger?lang=en`).expect(200)).text;
    expect(page).toContain('Offline gift');
    expect(page.match(/Recorded by the organization, not verified by the payment processor/g)).toHaveLength(3);
    const arabic = (await http().get(`/c/${campaign.slug}/ledger?lang=ar`).expect(200)).text;
    expect(arabic).toContain('سجّلته المنظمة، ولم يتحقق منه معالج الدفع');

    const report = (await http().get(`/api/v1/public/campaigns/${campaign.slug}/report`).expect(200)).body;
    const r = report.report ?? report;
    // Card gifts apart: raised 100.00 from 1 gift; offline 1,250.50 + 200.00 recorded, 1,250.50 voided, net 200.00.
    expect(r.raised).toBe('10000');
    expect(r.gifts).toBe(1);
    expect(r.offline).toEqual({ recorded: { count: 2, amount: '145050' }, voided: { count: 1, amount: '-125050' }, net: '20000' });
    const reportPage = (await http().get(`/c/${campaign.slug}/report?lang=en`).expect(200)).text;
    expect(reportPage).toContain('id="total-offline"');
    expect(reportPage).toContain('Recorded by the organization, not verified by the payment processor');
  });

  it('passes the verifier, leaves payable funds and the ledger invariants alone, and is not a difference with Stripe', async () => {
    const lines: string[] = [];
    const result = await verifyCampaign(`${world.apiUrl}/c/${campaign.slug}`, { log: (line) => lines.push(line) });
    expect(result.entries).toBe(6);
    expect(result.report.offline.net).toBe('20000');
    expect(lines.some((l) => l.includes('2 offline gift(s), 1 voided') && l.includes('not verified by the payment processor'))).toBe(true);

    // Payable funds are the card gift's net only: offline money is never the platform's to pay out.
    const [{ funds }] = await world.db.query(`SELECT -balance AS funds FROM ledger_account_balances WHERE account_code = $1`, [`campaign:${campaign.id}:funds`]);
    const [{ net }] = await world.db.query(`SELECT (amount - platform_fee - processing_fee)::text AS net FROM donations WHERE campaign_id = $1`, [campaign.id]);
    expect(String(funds)).toBe(net);
    await expectLedgerSound(world.db);

    const run = await http().post('/operator/reconciliation/runs').set(operator).send({});
    expect(run.status).toBe(201);
    const overview = (await http().get('/operator/reconciliation').set(operator).expect(200)).body;
    expect(JSON.stringify(overview.openDifferences)).not.toMatch(/offline/);
    expect(overview.openCount).toBe(0);
  });
});
