import { jest } from '@jest/globals';
import request from 'supertest';
import { PayoutExecutionService } from '@ataa/payouts';
import { addMember, addMemberWithDetails, createCampaign, createOrganizationWithOwner, startSmtpSink, type SmtpSink, type TestOrganization } from '@ataa/testing';
import { DonationWorld, enablePayouts, eventually, expectLedgerSound, settle, startDonationWorld, startGift } from '../donations/donation-test-kit.js';

jest.setTimeout(120_000);

/**
 * Payouts end to end: gifts paid on the sandbox's Checkout, the API reserving funds, the worker
 * making Stripe transfers on the sandbox, transfer.reversed coming back as a signed webhook, and
 * the organization's notices leaving through the receipts pipeline to an SMTP server.
 */
describe('payouts end to end (API, worker, Stripe sandbox, PostgreSQL, Redis, SMTP)', () => {
  let smtp: SmtpSink;
  let world: DonationWorld;
  let org: TestOrganization;
  let financeToken: string;
  /** Who payout notices go to: the owners and finance members (not the viewer added below). */
  let noticeRecipients: string[];
  let campaign: { id: string; slug: string };
  let accountId: string;
  const operator = { authorization: 'Bearer development-operator-token-000000' };

  const http = () => request(world.apiUrl);
  const funds = async () =>
    (await http().get(`/api/v1/orgs/${org.orgId}/campaigns/${campaign.id}/funds`).set('authorization', `Bearer ${financeToken}`).expect(200)).body;
  const requestPayout = async (amount: string, purpose: string) => {
    const res = await http().post(`/api/v1/orgs/${org.orgId}/campaigns/${campaign.id}/payouts`).set('authorization', `Bearer ${financeToken}`)
      .send({ amount, currency: 'usd', purpose });
    if (res.status !== 201) throw new Error(`payout request: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body as { id: string; status: string };
  };
  const payout = async (id: string) =>
    (await http().get(`/api/v1/orgs/${org.orgId}/payouts/${id}`).set('authorization', `Bearer ${financeToken}`).expect(200)).body;
  const until = (id: string, status: string) => eventually(async () => {
    const p = await payout(id);
    return p.status === status ? p : false;
  }, `payout ${id} to be ${status}`, 30_000);
  /** The notices of one payout and event that reached the SMTP server, parsed. */
  const notices = (payoutId: string, event: string, count: number) => eventually(async () => {
    const mine = smtp.messages.filter((m) => m.parsed.headers.get('x-ataa-payout-id') === payoutId && m.parsed.headers.get('x-ataa-payout-event') === event);
    return mine.length >= count ? mine : false;
  }, `${count} "${event}" notice(s) of payout ${payoutId}`, 30_000);
  const recipientsOf = (mail: SmtpSink['messages'][number]) => mail.envelope.to.map((a) => a.toLowerCase()).sort();
  const transfers = async () => (await world.sandbox.stripe().transfers.list({ transfer_group: campaign.id, limit: 100 })).data;

  beforeAll(async () => {
    smtp = await startSmtpSink();
    world = await startDonationWorld({ env: { SMTP_URL: smtp.url } });
    org = await createOrganizationWithOwner(world.api);
    const finance = await addMemberWithDetails(world.api, org, 'finance');
    financeToken = finance.accessToken;
    await addMember(world.api, org, 'viewer');
    noticeRecipients = [org.ownerEmail, finance.email].map((e) => e.toLowerCase()).sort();
    campaign = await createCampaign(world.api, org, { offerCoverFees: false });
    // Connect a Stripe account and finish onboarding: account.updated enables payouts.
    accountId = await enablePayouts(world, org, '1000000');

    // Gift A, 100.00 on the "available at once" card: nets 94.80 (3.20 Stripe fee, 2.00 platform fee).
    const a = await startGift(world, campaign.slug, { amount: 'other', customAmount: '100.00' });
    expect((await world.sandbox.control.paySession(a.sessionId, { card: '4000000000000077' })).ok).toBe(true);
    // Gift B, 50.00 on the ordinary card: available in two days, nets 47.25 (1.75 + 1.00).
    const b = await startGift(world, campaign.slug, { amount: 'other', customAmount: '50.00' });
    expect((await world.sandbox.control.paySession(b.sessionId)).ok).toBe(true);
    await settle(world);
  });
  afterAll(async () => {
    await world?.close();
    await smtp?.close();
  });

  it('shows available funds next to pending funds with the date they become available', async () => {
    const f = await funds();
    expect(f).toMatchObject({ currency: 'usd', available: '9480', pending: '4725', reserved: '0', paidOut: '0' });
    expect(f.pendingByDate).toHaveLength(1);
    expect(f.pendingByDate[0].amount).toBe('4725');
    expect(Date.parse(f.pendingByDate[0].availableOn)).toBeGreaterThan(Date.now() - 60_000);
    await expectLedgerSound(world.db);
  });

  it('an auto-approved payout becomes one Stripe transfer, a payout entry and a public entry with its purpose', async () => {
    const p = await requestPayout('2000', 'School books for term one');
    expect(p.status).toBe('approved');
    const paid = await until(p.id, 'paid');
    const list = await transfers();
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ id: paid.stripeTransferId, amount: 2000, currency: 'usd', destination: accountId, transfer_group: campaign.id });
    expect(list[0].metadata.payout_id).toBe(p.id);
    const [entry] = await world.db.query(`SELECT kind, amount::text, payout_purpose FROM public_ledger_entries WHERE campaign_id = $1 AND kind = 'payout'`, [campaign.id]);
    expect(entry).toEqual({ kind: 'payout', amount: '-2000', payout_purpose: 'School books for term one' });
    // 94.80 - 20.00 = 74.80 available, 20.00 paid out, nothing held
    expect(await funds()).toMatchObject({ available: '7480', reserved: '0', paidOut: '2000' });
    await expectLedgerSound(world.db);
  });

  it('a transfer call that times out after the sandbox made it is retried with the same key: one transfer', async () => {
    await world.sandbox.control.timeOutNextResponse({ method: 'POST', path: '/v1/transfers', delayMs: 50 });
    const p = await requestPayout('1000', 'Teacher salaries');
    const paid = await until(p.id, 'paid');
    const list = await transfers();
    expect(list).toHaveLength(2);
    expect(list.filter((t) => t.metadata.payout_id === p.id).map((t) => t.id)).toEqual([paid.stripeTransferId]);
    const [{ n }] = await world.db.query(`SELECT count(*)::int AS n FROM journal_entries WHERE kind = 'payout' AND source_id = $1`, [p.id]);
    expect(n).toBe(1);
    expect(await funds()).toMatchObject({ available: '6480', paidOut: '3000' });
    await expectLedgerSound(world.db);
  });

  it('a transfer the sandbox refuses fails the payout and releases its hold', async () => {
    await world.sandbox.control.failNextTransfer();
    const p = await requestPayout('500', 'Chalk');
    const failed = await until(p.id, 'failed');
    expect(failed.failureCode).toBe('transfers_not_allowed');
    expect(failed.stripeTransferId).toBeNull();
    expect(await transfers()).toHaveLength(2);
    expect(await funds()).toMatchObject({ available: '6480', reserved: '0', paidOut: '3000' });
    const [{ n }] = await world.db.query(`SELECT count(*)::int AS n FROM public_ledger_entries WHERE campaign_id = $1 AND kind = 'payout'`, [campaign.id]);
    expect(n).toBe(2);
    // The failed notice reaches the owners and finance over SMTP, with the amount and Stripe's reason.
    const [mail] = await notices(p.id, 'failed', 1);
    expect(recipientsOf(mail)).toEqual(noticeRecipients);
    expect(mail.parsed.subject).toMatch(/^Payout failed: \$5\.00 — /);
    expect(mail.parsed.text).toContain('Amount: $5.00');
    expect(mail.parsed.text).toContain('Reason: Transfers to this account are not allowed right now');
    await expectLedgerSound(world.db);
  });

  it('transfer.reversed reverses the payout entry (partly, then fully) and puts it on the public ledger', async () => {
    const [first] = (await http().get(`/api/v1/orgs/${org.orgId}/campaigns/${campaign.id}/payouts`).set('authorization', `Bearer ${financeToken}`).expect(200))
      .body.items.filter((p: { purpose: string }) => p.purpose === 'School books for term one');
    // No retries here: had the timed-out response above not been the payout's, this POST under
    // /v1/transfers would take it and fail with a dropped connection.
    const stripe = world.sandbox.stripe({ maxNetworkRetries: 0 });
    await stripe.transfers.createReversal(first.stripeTransferId, { amount: 500 });
    await settle(world);
    const partly = await eventually(async () => {
      const p = await payout(first.id);
      return p.amountReversed === '500' ? p : false;
    }, 'the partial reversal');
    expect(partly.status).toBe('paid');
    await stripe.transfers.createReversal(first.stripeTransferId);
    await settle(world);
    const reversed = await until(first.id, 'reversed');
    expect(reversed.amountReversed).toBe('2000');
    const entries = await world.db.query(
      `SELECT amount::text FROM public_ledger_entries WHERE campaign_id = $1 AND kind = 'payout_reversal' ORDER BY idx`, [campaign.id],
    );
    expect(entries.map((e: { amount: string }) => e.amount)).toEqual(['500', '1500']);
    // One reversed notice per reversal over SMTP, each with its own amount (not the payout's 20.00).
    const mails = await notices(first.id, 'reversed', 2);
    const bySubject = mails.map((m) => ({ subject: m.parsed.subject!.split(' — ')[0], to: recipientsOf(m), text: m.parsed.text! }))
      .sort((a, b) => a.subject.localeCompare(b.subject));
    expect(bySubject.map((m) => m.subject)).toEqual(['Payout reversed: $15.00 of $20.00', 'Payout reversed: $5.00 of $20.00']);
    for (const m of bySubject) expect(m.to).toEqual(noticeRecipients);
    expect(bySubject[1].text).toMatch(/Amount: \$5\.00\nPayout amount: \$20\.00\nReversed so far: \$5\.00\nStill paid out: \$15\.00\n/);
    expect(bySubject[0].text).toMatch(/Amount: \$15\.00\nPayout amount: \$20\.00\nReversed so far: \$20\.00\nStill paid out: \$0\.00\n/);
    // the 20.00 is back: 64.80 + 20.00 = 84.80 available, 10.00 paid out
    expect(await funds()).toMatchObject({ available: '8480', paidOut: '1000' });
    // a replayed event changes nothing
    const [event] = await world.db.query(`SELECT id FROM stripe_events WHERE type = 'transfer.reversed' ORDER BY received_at LIMIT 1`);
    await world.sandbox.control.resendEvent(event.id);
    await settle(world);
    expect((await payout(first.id)).amountReversed).toBe('2000');
    expect(await world.db.query(`SELECT count(*)::int AS n FROM outbox WHERE aggregate_id = $1 AND payload->>'event' = 'reversed'`, [first.id])).toEqual([{ n: 2 }]);
    await expectLedgerSound(world.db);
  });

  it('a payout above the threshold waits for the operator; the organization is e-mailed along the way', async () => {
    await http().put(`/operator/organizations/${org.orgId}/payout-threshold`).set(operator).send({ amount: '100' }).expect(204);
    const p = await requestPayout('1500', 'Roof repairs');
    expect(p.status).toBe('pending_approval');
    await http().post(`/operator/payouts/${p.id}/approve`).set(operator).send({}).expect(200);
    await until(p.id, 'paid');
    const mails = await eventually(async () => {
      const mine = smtp.messages.filter((m) => m.parsed.headers.get('x-ataa-payout-id') === p.id);
      return mine.length >= 3 ? mine : false;
    }, 'the payout notices', 30_000);
    const subjects = mails.map((m) => m.parsed.subject).sort();
    expect(subjects).toEqual(['Payout approved: $15.00 — ' + mails[0].parsed.subject!.split(' — ')[1], 'Payout requested: $15.00 — ' + mails[0].parsed.subject!.split(' — ')[1], 'Payout sent: $15.00 — ' + mails[0].parsed.subject!.split(' — ')[1]].sort());
    expect(mails[0].envelope.to).toEqual(expect.arrayContaining([org.ownerEmail]));
    expect(mails.find((m) => m.parsed.subject?.startsWith('Payout sent'))!.parsed.text).toContain('Roof repairs');
    await expectLedgerSound(world.db);
  });

  it('pending funds become available when Stripe makes them available (balance.available)', async () => {
    // before: 84.80 - 15.00 (roof) = 69.80 available, gift B's 47.25 pending
    expect(await funds()).toMatchObject({ available: '6980', pending: '4725' });
    await world.sandbox.control.advanceClock({ days: 3 });
    await settle(world);
    const f = await eventually(async () => {
      const current = await funds();
      return current.pending === '0' ? current : false;
    }, 'gift B to become available');
    expect(f).toMatchObject({ available: '11705', pending: '0', pendingByDate: [] });
    await expectLedgerSound(world.db);
  });

  it('a payout approved after the account lost payouts fails at execution and releases its hold', async () => {
    const p = await requestPayout('1000', 'Desks');
    expect(p.status).toBe('pending_approval');
    const auth = { authorization: `Bearer ${org.ownerToken}` };
    await world.sandbox.control.setAccountFlags(accountId, { payouts_enabled: false });
    await settle(world);
    await eventually(async () => (await http().get(`/api/v1/orgs/${org.orgId}/stripe/account`).set(auth).expect(200)).body.payoutsEnabled === false, 'payouts disabled');
    await http().post(`/operator/payouts/${p.id}/approve`).set(operator).send({}).expect(200);
    const failed = await until(p.id, 'failed');
    expect(failed.failureCode).toBe('payouts_not_enabled');
    expect(await transfers()).toHaveLength(3);
    const refused = await http().post(`/api/v1/orgs/${org.orgId}/campaigns/${campaign.id}/payouts`).set('authorization', `Bearer ${financeToken}`)
      .send({ amount: '100', currency: 'usd', purpose: 'Pens' });
    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe('payouts_not_enabled');
    expect(await funds()).toMatchObject({ available: '11705', reserved: '0' });
    await expectLedgerSound(world.db);
  });

  it('a worker that died after Stripe made the transfer: the retry (and the transfer.created event) record that one transfer', async () => {
    const auth = { authorization: `Bearer ${org.ownerToken}` };
    await world.sandbox.control.setAccountFlags(accountId, { payouts_enabled: true });
    await settle(world);
    await eventually(async () => (await http().get(`/api/v1/orgs/${org.orgId}/stripe/account`).set(auth).expect(200)).body.payoutsEnabled === true, 'payouts enabled again');
    const p = await requestPayout('700', 'Water tank');
    expect(p.status).toBe('pending_approval');
    // The worker had taken it (processing) and made the transfer, then died before recording it.
    await world.db.query(`UPDATE payouts SET status = 'approved', approval = 'operator', decided_by = 'operator', decided_at = now() WHERE id = $1`, [p.id]);
    await world.db.query(`UPDATE payouts SET status = 'processing', attempts = 1 WHERE id = $1`, [p.id]);
    const made = await world.sandbox.stripe().transfers.create(
      { amount: 700, currency: 'usd', destination: accountId, transfer_group: campaign.id, description: `Ataa payout ${p.id}`,
        metadata: { payout_id: p.id, campaign_id: campaign.id, organization_id: org.orgId } },
      { idempotencyKey: p.id },
    );
    // The retried job (as the sweep would start it) gets the same transfer back from Stripe.
    const outcome = await world.worker!.get(PayoutExecutionService).execute(p.id);
    expect(['paid', 'already_done']).toContain(outcome);
    await settle(world);
    const paid = await until(p.id, 'paid');
    expect(paid.stripeTransferId).toBe(made.id);
    expect((await transfers()).filter((t) => t.metadata.payout_id === p.id)).toHaveLength(1);
    const [{ n }] = await world.db.query(`SELECT count(*)::int AS n FROM journal_entries WHERE kind = 'payout' AND source_id = $1`, [p.id]);
    expect(n).toBe(1);
    await expectLedgerSound(world.db);
  });
});
