import { jest } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import type Stripe from 'stripe';
import { DataSource } from 'typeorm';
import { AppConfig } from '@ataa/config';
import { TransactionRunner } from '@ataa/database';
import { CheckoutService, DonationSyncService } from '@ataa/donations';
import { LedgerService, refundEntry } from '@ataa/ledger';
import { payoutEntry, payoutReversalEntry } from '@ataa/payouts';
import { MetricsService } from '@ataa/observability';
import { StripeGateway } from '@ataa/payments';
import {
  createCampaign, createOrganizationWithOwner, createTestEnvironment, startTestApi, startTestSandbox, TestEnvironment, TestSandbox,
} from '@ataa/testing';
import { ReconciliationRepository } from './persistence/reconciliation.repository.js';
import { ReconciliationService } from './reconciliation.service.js';

jest.setTimeout(60_000);

/**
 * The reconciliation service against real PostgreSQL and the Stripe sandbox, without HTTP or a
 * worker: gifts are paid on the sandbox and synced directly (as the webhook path would), and
 * movements the platform never heard of are made with the Stripe client.
 */
describe('ReconciliationService (PostgreSQL + Stripe sandbox)', () => {
  let env: TestEnvironment;
  let sandbox: TestSandbox;
  let app: NestFastifyApplication;
  let db: DataSource;
  let service: ReconciliationService;
  let repo: ReconciliationRepository;
  let campaign: { id: string; slug: string };

  async function give(amount: string, card?: string): Promise<{ donationId: string; chargeId: string }> {
    const result = await app.get(CheckoutService).start(campaign.slug, { amount, coverFees: false, donorName: 'Omar', donorEmail: 'omar@example.org', anonymous: false, publicMessage: null });
    const [row] = await db.query(`SELECT stripe_checkout_session_id FROM donations WHERE id = $1`, [result.donationId]);
    expect((await sandbox.control.paySession(row.stripe_checkout_session_id, card ? { card } : {})).ok).toBe(true);
    await app.get(DonationSyncService).sync(result.donationId);
    const [after] = await db.query(`SELECT stripe_charge_id FROM donations WHERE id = $1`, [result.donationId]);
    return { donationId: result.donationId, chargeId: after.stripe_charge_id };
  }

  beforeAll(async () => {
    env = await createTestEnvironment();
    sandbox = await startTestSandbox();
    // No waiting: neither for a movement's entry nor for a gift's posting (every gift here is synced
    // at once), so a run's window starts where the previous one ended.
    app = await startTestApi(env.configWith({ ...sandbox.env(), RECONCILIATION_GRACE_MS: '0', RECONCILIATION_POSTING_DEADLINE_SECONDS: '0' }));
    db = app.get(DataSource);
    service = app.get(ReconciliationService);
    repo = app.get(ReconciliationRepository);
    const org = await createOrganizationWithOwner(app);
    campaign = await createCampaign(app, org, { offerCoverFees: false });
  });
  afterAll(async () => {
    await app?.close();
    await sandbox?.close();
    await env?.cleanup();
  });

  let gift: { donationId: string; chargeId: string };
  let strayRefund: Stripe.Refund;

  it('gifts and a refund posted the normal way reconcile with no difference', async () => {
    gift = await give('25.00');
    const other = await give('40.00');
    await sandbox.stripe().refunds.create({ charge: other.chargeId, amount: 1000 });
    await app.get(DonationSyncService).sync(other.donationId);
    const run = await service.run({ trigger: 'operator' });
    // two gifts (gross and Stripe fee each) and one refund; the platform fee never touches Stripe
    expect(run).toMatchObject({ status: 'succeeded', windowStart: null, stripeMovements: 5, matched: 5, inFlight: 0, differences: 0, newDifferences: 0 });
    expect(run.ledgerEntries).toBe(5);
    expect(await repo.countOpen()).toBe(0);
  });

  it('a refund made on Stripe and an entry Stripe does not know are reported once, and stay the same open differences', async () => {
    strayRefund = await sandbox.stripe().refunds.create({ charge: gift.chargeId, amount: 700 });
    // Posted late: its time is ten minutes old, before this run's window; it is found by when it was recorded.
    const ghostAt = new Date(Date.now() - 600_000);
    await app.get(TransactionRunner).run((m) => app.get(LedgerService).post(m, refundEntry({
      campaignId: campaign.id, currency: 'usd', occurredAt: ghostAt, sourceId: 're_not_on_stripe',
    }, 300n)));

    const warn = jest.spyOn(Logger.prototype, 'warn');
    const first = await service.run({ trigger: 'schedule' });
    expect(first).toMatchObject({ status: 'succeeded', differences: 2, newDifferences: 2, resolvedDifferences: 0 });
    // one warn line per new difference
    const lines = warn.mock.calls.map(([message]) => String(message)).filter((m) => m.startsWith('reconciliation difference'));
    expect(lines).toHaveLength(2);
    expect(lines).toEqual(expect.arrayContaining([expect.stringContaining(`missing_in_ledger: refund ${strayRefund.id}`), expect.stringContaining('missing_on_stripe: refund re_not_on_stripe')]));
    expect(first.windowStart!.getTime()).toBeGreaterThan(ghostAt.getTime());
    const open = await repo.openDifferences();
    expect(open).toEqual(expect.arrayContaining([
      expect.objectContaining({ kind: 'missing_in_ledger', ledgerKind: 'refund', stripeObjectId: strayRefund.id, stripeAmount: -700n, ledgerAmount: null, campaignId: campaign.id, resolvedAt: null }),
      expect.objectContaining({ kind: 'missing_on_stripe', ledgerKind: 'refund', stripeObjectId: 're_not_on_stripe', stripeAmount: null, ledgerAmount: -300n, campaignId: campaign.id }),
    ]));
    expect(open).toHaveLength(2);

    warn.mockClear();
    const second = await service.run({ trigger: 'schedule' });
    expect(second).toMatchObject({ differences: 2, newDifferences: 0, resolvedDifferences: 0 });
    expect(warn.mock.calls.filter(([message]) => String(message).startsWith('reconciliation difference'))).toEqual([]);
    warn.mockRestore();
    const again = await repo.openDifferences();
    expect(again.map((d) => d.id).sort()).toEqual(open.map((d) => d.id).sort());
    expect(again.every((d) => d.firstRunId === first.id && d.lastRunId === second.id)).toBe(true);
    const { body } = await app.get(MetricsService).render();
    expect(body).toMatch(/^ataa_reconciliation_open_differences 2$/m);
  });

  it('one run at a time: a run while another holds the lock is refused with reconciliation_running', async () => {
    const other = db.createQueryRunner();
    await other.connect();
    try {
      await other.query(`SELECT pg_advisory_lock(7286442011)`);
      await expect(service.run({ trigger: 'operator' })).rejects.toMatchObject({ code: 'reconciliation_running', status: 409 });
      await other.query(`SELECT pg_advisory_unlock(7286442011)`);
    } finally {
      await other.release();
    }
  });

  it('once the ledger has the refund, the next run resolves that difference and keeps the other open', async () => {
    await app.get(DonationSyncService).sync(gift.donationId);
    // A window that starts after both differences: they are re-read by id, the window is not widened for them.
    const run = await service.run({ trigger: 'operator', since: new Date((strayRefund.created + 1) * 1000) });
    expect(run.windowStart!.getTime()).toBeGreaterThan(strayRefund.created * 1000);
    expect(run).toMatchObject({ differences: 1, newDifferences: 0, resolvedDifferences: 1 });
    const [resolved] = await repo.findDifferences(strayRefund.id);
    expect(resolved.resolvedAt).toBeInstanceOf(Date);
    expect((await repo.openDifferences()).map((d) => d.stripeObjectId)).toEqual(['re_not_on_stripe']);
  });

  it('an entry recorded in the window for a Stripe object created before it (a late webhook) is matched, not missing on Stripe', async () => {
    const refund = await sandbox.stripe().refunds.create({ charge: gift.chargeId, amount: 200 });
    const windowStart = new Date((refund.created + 1) * 1000);
    // The webhook arrives after the window has begun: the entry is recorded inside it, its refund was created before.
    while (Date.now() <= windowStart.getTime()) await new Promise((resolve) => setTimeout(resolve, 50));
    await app.get(DonationSyncService).sync(gift.donationId);
    const run = await service.run({ trigger: 'operator', since: windowStart });
    expect(run).toMatchObject({ newDifferences: 0, resolvedDifferences: 0 });
    expect(await repo.findDifferences(refund.id)).toEqual([]);
    expect((await repo.openDifferences()).map((d) => d.stripeObjectId)).toEqual(['re_not_on_stripe']);
  });

  it('a movement or an entry younger than the grace window is in flight, not a difference, and leaves open ones open', async () => {
    const patient = new ReconciliationService(app.get(TransactionRunner), repo, app.get(MetricsService), app.get(StripeGateway),
      { ...app.get(AppConfig), RECONCILIATION_GRACE_MS: 3_600_000 } as AppConfig);
    const fresh = await sandbox.stripe().refunds.create({ charge: gift.chargeId, amount: 100 });
    const run = await patient.run({ trigger: 'schedule' });
    // the fresh refund, and the entry Stripe does not know (younger than an hour too): neither reported nor resolved
    expect(run).toMatchObject({ inFlight: 2, newDifferences: 0, resolvedDifferences: 0 });
    expect(await repo.findDifferences(fresh.id)).toEqual([]);
    expect((await repo.openDifferences()).map((d) => d.stripeObjectId)).toEqual(['re_not_on_stripe']);
  });
  it('a transfer recorded twice is a duplicate; a reversal recorded with another amount is an amount mismatch', async () => {
    await give('100.00', '4000000000000077'); // available at once, so it can be transferred
    const stripe = sandbox.stripe();
    const account = await stripe.accounts.create({ type: 'express', country: 'US' });
    await sandbox.control.completeOnboarding(account.id);
    const transfer = await stripe.transfers.create({ amount: 1500, currency: 'usd', destination: account.id, transfer_group: campaign.id });
    const reversal = await stripe.transfers.createReversal(transfer.id, { amount: 400 });
    const at = new Date(transfer.created * 1000);
    const base = () => ({ payoutId: randomUUID(), campaignId: campaign.id, currency: 'usd', occurredAt: at, metadata: { transfer_id: transfer.id } });
    await app.get(TransactionRunner).run((m) => app.get(LedgerService).postMany(m, [
      payoutEntry(base(), 1500n), payoutEntry(base(), 1500n), payoutReversalEntry(base(), reversal.id, 450n),
    ]));

    const run = await service.run({ trigger: 'operator' });
    // these two, and the refund the previous test left in flight (this service's grace window is zero)
    const open = await repo.openDifferences();
    expect(open.filter((d) => d.firstRunId === run.id).map((d) => `${d.kind} ${d.ledgerKind}`).sort())
      .toEqual(['amount_mismatch payout_reversal', 'duplicate payout', 'missing_in_ledger refund']);
    expect(run.newDifferences).toBe(3);
    expect(open.find((d) => d.stripeObjectId === transfer.id)).toMatchObject({
      kind: 'duplicate', ledgerKind: 'payout', stripeAmount: -1500n, ledgerAmount: -3000n, campaignId: campaign.id,
    });
    expect(open.find((d) => d.stripeObjectId === transfer.id)!.ledgerEntryIds).toHaveLength(2);
    expect(open.find((d) => d.stripeObjectId === reversal.id)).toMatchObject({
      kind: 'amount_mismatch', ledgerKind: 'payout_reversal', stripeAmount: 400n, ledgerAmount: 450n, details: expect.objectContaining({ difference: '50' }),
    });
  });
});
