import Stripe from 'stripe';
import { startTestSandbox, TestSandbox } from '@ataa/testing';
import { expectStripeShape, fixtures, shapeDifferences } from './stripe-shape.js';

/** Contract tests for connected accounts, account links, transfers and reversals, and disputes. */
describe('Stripe sandbox: accounts, transfers, disputes', () => {
  let sandbox: TestSandbox;
  let stripe: Stripe;

  beforeAll(async () => {
    sandbox = await startTestSandbox();
    stripe = sandbox.stripe();
  });
  afterAll(async () => {
    await sandbox?.close();
  });

  /** A paid donation; returns its charge id. */
  const donate = async (amount: number, card = '4242424242424242') => {
    const session = await stripe.checkout.sessions.create({
      mode: 'payment', line_items: [{ quantity: 1, price_data: { currency: 'usd', unit_amount: amount, product_data: { name: 'Gift' } } }],
      payment_intent_data: { transfer_group: 'camp_9' },
    });
    await sandbox.control.paySession(session.id, { card });
    const pi = await stripe.paymentIntents.retrieve((await stripe.checkout.sessions.retrieve(session.id)).payment_intent as string);
    return pi.latest_charge as string;
  };

  const onboardedAccount = async () => {
    const account = await stripe.accounts.create({ type: 'express', country: 'US', email: 'org@example.org', capabilities: { transfers: { requested: true } } });
    await sandbox.control.completeOnboarding(account.id);
    return account.id;
  };

  it('creates an Express account that is not enabled until onboarding completes, then emits account.updated', async () => {
    const account = await stripe.accounts.create({ type: 'express', country: 'US', email: 'org@example.org', metadata: { org: 'o1' } });
    expect(account.id).toMatch(/^acct_/);
    expectStripeShape(account, 'account');
    expect(account).toMatchObject({ type: 'express', charges_enabled: false, payouts_enabled: false, details_submitted: false, metadata: { org: 'o1' } });
    expect(account.requirements?.currently_due?.length).toBeGreaterThan(0);

    const link = await stripe.accountLinks.create({ account: account.id, type: 'account_onboarding', refresh_url: 'https://ataa.test/refresh', return_url: 'https://ataa.test/return' });
    expect(shapeDifferences(link, fixtures.account_link)).toEqual([]);
    expect(link.url).toMatch(new RegExp(`^${sandbox.url}/c/connect/`));
    const page = await fetch(link.url);
    expect(await page.text()).toContain(account.id);
    const finish = await fetch(link.url, { method: 'POST', redirect: 'manual' });
    expect(finish.status).toBe(303);
    expect(finish.headers.get('location')).toBe('https://ataa.test/return');

    const after = await stripe.accounts.retrieve(account.id);
    expect(after).toMatchObject({ charges_enabled: true, payouts_enabled: true, details_submitted: true, capabilities: { transfers: 'active' } });
    expectStripeShape(after, 'account');
    const events = await stripe.events.list({ type: 'account.updated', limit: 1 });
    expectStripeShape(events.data[0], 'event');
    expect(events.data[0]).toMatchObject({ account: account.id, data: { object: { id: account.id, payouts_enabled: true }, previous_attributes: { payouts_enabled: false } } });
  });

  it('refuses account links for unknown accounts and without return URLs', async () => {
    expect(await stripe.accountLinks.create({ account: 'acct_nope', type: 'account_onboarding', refresh_url: 'https://a.test/r', return_url: 'https://a.test/x' }).catch((e: unknown) => e))
      .toMatchObject({ statusCode: 404, code: 'resource_missing' });
    expect(await stripe.accounts.create({} as never).catch((e: unknown) => e)).toMatchObject({ statusCode: 400, param: 'type' });
  });

  it('transfers available funds to a connected account, refuses when the balance is short, and reverses', async () => {
    const destination = await onboardedAccount();
    const short = await stripe.transfers.create({ amount: 1_000, currency: 'usd', destination }).catch((e: unknown) => e);
    expect(short).toMatchObject({ statusCode: 400, code: 'balance_insufficient' });
    await donate(10_000);
    await sandbox.control.advanceClock({ days: 3 });
    // 100.00 - 3.20 fee = 96.80 available.
    const available = (await stripe.balance.retrieve()).available.find((b) => b.currency === 'usd')!.amount;
    expect(available).toBe(9_680);
    const tooMuch = await stripe.transfers.create({ amount: 9_681, currency: 'usd', destination }).catch((e: unknown) => e);
    expect(tooMuch).toMatchObject({ statusCode: 400, code: 'balance_insufficient' });

    const transfer = await stripe.transfers.create({ amount: 5_000, currency: 'usd', destination, transfer_group: 'camp_9', metadata: { payout: 'p1' } }, { idempotencyKey: 'payout-p1' });
    expect(transfer.id).toMatch(/^tr_/);
    expectStripeShape(transfer, 'transfer');
    expect(transfer).toMatchObject({ amount: 5_000, destination, transfer_group: 'camp_9', amount_reversed: 0, reversed: false, metadata: { payout: 'p1' } });
    const replay = await stripe.transfers.create({ amount: 5_000, currency: 'usd', destination, transfer_group: 'camp_9', metadata: { payout: 'p1' } }, { idempotencyKey: 'payout-p1' });
    expect(replay.id).toBe(transfer.id);
    expect((await stripe.balanceTransactions.retrieve(transfer.balance_transaction as string))).toMatchObject({ amount: -5_000, fee: 0, type: 'transfer' });
    expect((await stripe.balance.retrieve()).available.find((b) => b.currency === 'usd')!.amount).toBe(4_680);

    const reversal = await stripe.transfers.createReversal(transfer.id, { amount: 2_000 });
    expect(reversal.id).toMatch(/^trr_/);
    expectStripeShape(reversal, 'transfer_reversal');
    expect((await stripe.balanceTransactions.retrieve(reversal.balance_transaction as string))).toMatchObject({ amount: 2_000, type: 'transfer_refund' });
    const over = await stripe.transfers.createReversal(transfer.id, { amount: 3_001 }).catch((e: unknown) => e);
    expect(over).toMatchObject({ statusCode: 400, code: 'amount_too_large' });
    const rest = await stripe.transfers.createReversal(transfer.id);
    const reversed = await stripe.transfers.retrieve(transfer.id);
    expectStripeShape(reversed, 'transfer');
    expect(reversed).toMatchObject({ amount_reversed: 5_000, reversed: true });
    expect(reversed.reversals.data).toHaveLength(2);

    // transfers.listReversals: a Stripe list, newest first, paged with starting_after; retrieve one by id.
    const listed = await stripe.transfers.listReversals(transfer.id);
    expect(listed).toMatchObject({ object: 'list', url: `/v1/transfers/${transfer.id}/reversals`, has_more: false });
    expect(listed.data.map((r) => [r.id, r.amount])).toEqual([[rest.id, 3_000], [reversal.id, 2_000]]);
    for (const r of listed.data) expectStripeShape(r, 'transfer_reversal');
    const firstPage = await stripe.transfers.listReversals(transfer.id, { limit: 1 });
    expect(firstPage).toMatchObject({ has_more: true, data: [{ id: rest.id }] });
    const secondPage = await stripe.transfers.listReversals(transfer.id, { limit: 1, starting_after: rest.id });
    expect(secondPage).toMatchObject({ has_more: false, data: [{ id: reversal.id, transfer: transfer.id, metadata: {} }] });
    expect(await stripe.transfers.listReversals(transfer.id).autoPagingToArray({ limit: 10 })).toHaveLength(2);
    expect(await stripe.transfers.retrieveReversal(transfer.id, reversal.id)).toMatchObject({ id: reversal.id, amount: 2_000 });
    expect(await stripe.transfers.listReversals('tr_nope').catch((e: unknown) => e)).toMatchObject({ statusCode: 404, code: 'resource_missing' });
    const types = (await stripe.events.list({ limit: 5 })).data.map((e) => e.type);
    expect(types.filter((t) => t === 'transfer.reversed')).toHaveLength(2);
    expect(types).toContain('transfer.created');
  });

  it('refuses transfers to accounts that have not finished onboarding, and fails the next transfer on demand', async () => {
    const pending = await stripe.accounts.create({ type: 'express' });
    expect(await stripe.transfers.create({ amount: 100, currency: 'usd', destination: pending.id }).catch((e: unknown) => e))
      .toMatchObject({ statusCode: 400, code: 'insufficient_capabilities_for_transfer' });
    expect(await stripe.transfers.create({ amount: 100, currency: 'usd', destination: 'acct_nope' }).catch((e: unknown) => e))
      .toMatchObject({ statusCode: 400, code: 'resource_missing', param: 'destination' });
    expect(await stripe.transfers.create({ amount: 100, currency: 'zzz', destination: pending.id }).catch((e: unknown) => e))
      .toMatchObject({ statusCode: 400, param: 'currency' });

    const destination = await onboardedAccount();
    await donate(2_000, '4000000000000077');
    await sandbox.control.failNextTransfer();
    const failed = await stripe.transfers.create({ amount: 500, currency: 'usd', destination }, { idempotencyKey: 'payout-fail-1' }).catch((e: unknown) => e);
    expect(failed).toMatchObject({ statusCode: 400, code: 'transfers_not_allowed' });
    // Nothing was saved for the failed attempt: the same key may be tried again.
    const ok = await stripe.transfers.create({ amount: 500, currency: 'usd', destination }, { idempotencyKey: 'payout-fail-1' });
    expect(ok.amount).toBe(500);

    // With source_transaction, pending funds of that charge can be transferred, up to what it brought in.
    const pendingCharge = await donate(3_000);
    const linked = await stripe.transfers.create({ amount: 3_000, currency: 'usd', destination, source_transaction: pendingCharge });
    expect(linked.source_transaction).toBe(pendingCharge);
    expect(await stripe.transfers.create({ amount: 1, currency: 'usd', destination, source_transaction: pendingCharge }).catch((e: unknown) => e))
      .toMatchObject({ statusCode: 400, code: 'balance_insufficient' });
  });

  it('opens a dispute on a charge (amount plus a 15.00 fee) and closes it won or lost', async () => {
    const won = await donate(6_000);
    const dispute = await sandbox.control.openDispute(won, { reason: 'product_not_received' });
    const retrieved = await stripe.disputes.retrieve(dispute.id);
    expect(retrieved.id).toMatch(/^dp_/);
    expectStripeShape(retrieved, 'dispute');
    expect(retrieved).toMatchObject({ charge: won, amount: 6_000, status: 'needs_response', reason: 'product_not_received' });
    expect(retrieved.balance_transactions[0]).toMatchObject({ amount: -6_000, fee: 1_500, net: -7_500, reporting_category: 'dispute' });
    expect((await stripe.charges.retrieve(won)).disputed).toBe(true);
    expect(await stripe.refunds.create({ charge: won }).catch((e: unknown) => e)).toMatchObject({ code: 'charge_disputed' });

    const closed = await sandbox.control.closeDispute(dispute.id, 'won');
    expect(closed.status).toBe('won');
    const afterWin = await stripe.disputes.retrieve(dispute.id);
    expect(afterWin.balance_transactions[1]).toMatchObject({ amount: 6_000, fee: -1_500, net: 7_500, reporting_category: 'dispute_reversal' });
    expectStripeShape(afterWin, 'dispute');
    const closedEvents = await stripe.events.list({ type: 'charge.dispute.closed', limit: 1 });
    expect(closedEvents.data[0].data.object).toMatchObject({ id: dispute.id, status: 'won' });
    expectStripeShape(closedEvents.data[0], 'event');
    // The comparison checks types, at depth: a number sent as a string, or a nested field of the wrong type, is caught.
    expect(shapeDifferences({ ...afterWin, amount: '6000' }, fixtures.dispute)).toEqual(['amount: string vs number']);
    expect(shapeDifferences({ ...afterWin, evidence_details: { ...afterWin.evidence_details, has_evidence: 'no' } }, fixtures.dispute)).toEqual(['evidence_details.has_evidence: string vs boolean']);
    expect(shapeDifferences({ ...afterWin, balance_transactions: [{ ...afterWin.balance_transactions[0], fee: null, net: '1' }] }, fixtures.dispute)).toEqual(['balance_transactions[0].net: string vs number']);

    const lost = await donate(3_000);
    const second = await sandbox.control.openDispute(lost);
    const accepted = await stripe.disputes.close(second.id);
    expect(accepted.status).toBe('lost');
    expect(await sandbox.control.closeDispute(second.id, 'won').catch((e: unknown) => e)).toMatchObject({ status: 400 });
    const list = await stripe.disputes.list({ charge: lost });
    expect(list.data.map((d) => d.id)).toEqual([second.id]);
  });

  it('disputes the 0259 card a minute after the payment', async () => {
    const charge = await donate(4_000, '4000000000000259');
    expect((await stripe.disputes.list({ charge })).data).toHaveLength(0);
    await sandbox.control.advanceClock({ seconds: 61 });
    const disputes = await stripe.disputes.list({ charge });
    expect(disputes.data).toHaveLength(1);
    expect(disputes.data[0]).toMatchObject({ reason: 'fraudulent', amount: 4_000 });
  });
});
