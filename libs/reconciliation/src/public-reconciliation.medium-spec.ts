import { jest } from '@jest/globals';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import type Stripe from 'stripe';
import { DataSource } from 'typeorm';
import { CheckoutService, DonationSyncService } from '@ataa/donations';
import {
  createCampaign, createOrganizationWithOwner, createTestEnvironment, startTestApi, startTestSandbox, TestEnvironment, TestSandbox,
} from '@ataa/testing';
import { PublicReconciliationService } from './public-reconciliation.service.js';
import { ReconciliationService } from './reconciliation.service.js';

jest.setTimeout(60_000);

/**
 * The public reconciliation statement of a campaign (issue 21, item 7) read from real runs against
 * PostgreSQL and the Stripe sandbox: a refund made on Stripe that the ledger never heard of is an
 * open difference of its campaign only, shown without any Stripe id; once the ledger has it, the
 * next run resolves it and the statement names the public entry that now carries it.
 */
describe('PublicReconciliationService (PostgreSQL + Stripe sandbox)', () => {
  let env: TestEnvironment;
  let sandbox: TestSandbox;
  let app: NestFastifyApplication;
  let db: DataSource;
  let runs: ReconciliationService;
  let statements: PublicReconciliationService;
  let campaign: { id: string; slug: string };
  let otherCampaign: { id: string; slug: string };
  let gift: { donationId: string; chargeId: string };
  let strayRefund: Stripe.Refund;

  async function give(slug: string, amount: string): Promise<{ donationId: string; chargeId: string }> {
    const result = await app.get(CheckoutService).start(slug, { amount, coverFees: false, donorName: 'Omar', donorEmail: 'omar@example.org', anonymous: false, publicMessage: null });
    const [row] = await db.query(`SELECT stripe_checkout_session_id FROM donations WHERE id = $1`, [result.donationId]);
    expect((await sandbox.control.paySession(row.stripe_checkout_session_id)).ok).toBe(true);
    await app.get(DonationSyncService).sync(result.donationId);
    const [after] = await db.query(`SELECT stripe_charge_id FROM donations WHERE id = $1`, [result.donationId]);
    return { donationId: result.donationId, chargeId: after.stripe_charge_id };
  }
  /** Nothing a campaign's public statement shows may name a Stripe object or a donor. */
  const expectNothingPrivate = (statement: unknown) => {
    const text = JSON.stringify(statement);
    expect(text).not.toMatch(/\b(ch|re|py|txn|dp|tr|trr|pi|cs)_[A-Za-z0-9]+/);
    expect(text).not.toContain('omar@example.org');
    expect(text).not.toContain('Omar');
    expect(text).not.toMatch(/sk_|whsec_/);
  };

  beforeAll(async () => {
    env = await createTestEnvironment();
    sandbox = await startTestSandbox();
    app = await startTestApi(env.configWith({ ...sandbox.env(), RECONCILIATION_GRACE_MS: '0', RECONCILIATION_POSTING_DEADLINE_SECONDS: '0' }));
    db = app.get(DataSource);
    runs = app.get(ReconciliationService);
    statements = app.get(PublicReconciliationService);
    const org = await createOrganizationWithOwner(app);
    campaign = await createCampaign(app, org, { offerCoverFees: false });
    otherCampaign = await createCampaign(app, org, { offerCoverFees: false });
  });
  afterAll(async () => {
    await app?.close();
    await sandbox?.close();
    await env?.cleanup();
  });

  it('never reconciled: the statement says so, with nothing open', async () => {
    expect(await statements.statusOf(campaign.id)).toEqual({ reconciledUpTo: null, lastRunAt: null, openCount: 0, open: [], resolved: [] });
    expect(await statements.version()).toBe('none');
  });

  it('a refund made on Stripe only is one open difference of its campaign: kind, movement, amounts, age; no Stripe id', async () => {
    gift = await give(campaign.slug, '25.00');
    await give(otherCampaign.slug, '10.00');
    strayRefund = await sandbox.stripe().refunds.create({ charge: gift.chargeId, amount: 700 });
    const run = await runs.run({ trigger: 'operator' });
    expect(run).toMatchObject({ status: 'succeeded', differences: 1, newDifferences: 1 });

    const statement = await statements.statusOf(campaign.id);
    // Grace window 0: reconciled up to the run's window end itself.
    expect(statement.reconciledUpTo).toBe(run.windowEnd.toISOString());
    expect(statement.lastRunAt).toBe(run.finishedAt!.toISOString());
    expect(statement.openCount).toBe(1);
    expect(statement.open).toEqual([{
      id: expect.any(String), kind: 'missing_in_ledger', movement: 'refund',
      // -700: the refund takes 7.00 out, as the public ledger signs it; the ledger has nothing
      processorAmount: '-700', ledgerAmount: null, currency: 'usd',
      occurredAt: new Date(strayRefund.created * 1000).toISOString(), openedAt: expect.any(String), ageSeconds: expect.any(Number),
      entries: [], resolution: null,
    }]);
    expect(statement.open[0].ageSeconds).toBeGreaterThanOrEqual(0);
    expect(statement.resolved).toEqual([]);
    expectNothingPrivate(statement);

    // The other campaign is reconciled up to the same time, with nothing of this one's.
    expect(await statements.statusOf(otherCampaign.id)).toMatchObject({ reconciledUpTo: statement.reconciledUpTo, openCount: 0, open: [], resolved: [] });
  });

  it('a difference naming ledger entries links to their public entries', async () => {
    // An amount mismatch on the gift itself (made up here: Stripe and the ledger agree on it), as a run would store it.
    const [entry] = await db.query(`SELECT id FROM journal_entries WHERE source_id = $1 AND kind = 'donation'`, [gift.chargeId]);
    const [publicEntry] = await db.query(`SELECT idx FROM public_ledger_entries WHERE campaign_id = $1 AND source_ref = $2`, [campaign.id, entry.id]);
    const [{ id: runId }] = await db.query(`SELECT id FROM reconciliation_runs WHERE status = 'succeeded' ORDER BY started_at DESC LIMIT 1`);
    await db.query(
      `INSERT INTO reconciliation_differences (key, kind, ledger_kind, stripe_object_id, ledger_entry_id, ledger_entry_ids, stripe_amount, ledger_amount, currency, campaign_id, occurred_at, details, first_run_id, last_run_id)
       VALUES ($1, 'amount_mismatch', 'donation', $2, $3, ARRAY[$3]::uuid[], 2500, 2600, 'usd', $4, now(), $5, $6, $6)`,
      [`amount_mismatch|donation|${gift.chargeId}`, gift.chargeId, entry.id, campaign.id, JSON.stringify({ chargeId: gift.chargeId }), runId],
    );
    const statement = await statements.statusOf(campaign.id);
    expect(statement.openCount).toBe(2);
    expect(statement.open.find((d) => d.kind === 'amount_mismatch')).toMatchObject({
      movement: 'donation', processorAmount: '2500', ledgerAmount: '2600', entries: [Number(publicEntry.idx)], resolution: null,
    });
    expectNothingPrivate(statement);
    await db.query(`DELETE FROM reconciliation_differences WHERE kind = 'amount_mismatch'`);
  });

  it('once the ledger has the refund, the next run resolves it: the resolution names the public entry now posted; the version moves', async () => {
    const before = await statements.version();
    await app.get(DonationSyncService).sync(gift.donationId);
    const run = await runs.run({ trigger: 'operator' });
    expect(run).toMatchObject({ status: 'succeeded', differences: 0, resolvedDifferences: 1 });

    const [refundEntry] = await db.query(
      `SELECT pe.idx FROM journal_entries j JOIN public_ledger_entries pe ON pe.source_ref = j.id::text WHERE j.source_id = $1 AND j.kind = 'refund'`, [strayRefund.id],
    );
    const statement = await statements.statusOf(campaign.id);
    expect(statement).toMatchObject({ reconciledUpTo: run.windowEnd.toISOString(), openCount: 0, open: [] });
    expect(statement.resolved).toEqual([expect.objectContaining({
      kind: 'missing_in_ledger', movement: 'refund', processorAmount: '-700', ledgerAmount: null,
      resolution: { at: expect.any(String), entries: [Number(refundEntry.idx)] },
    })]);
    expectNothingPrivate(statement);
    // The version is the latest succeeded run's id, read again once a second.
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const after = await statements.version();
    expect(after).toBe(run.id);
    expect(after).not.toBe(before);
  });
});
