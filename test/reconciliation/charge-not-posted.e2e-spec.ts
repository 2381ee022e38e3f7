import { jest } from '@jest/globals';
import { INestApplicationContext } from '@nestjs/common';
import request from 'supertest';
import { PendingFeesService } from '@ataa/donations';
import { createCampaign, createOrganizationWithOwner, startTestWorker } from '@ataa/testing';
import { DonationWorld, eventually, expectLedgerSound, settle, startDonationWorld, startGift } from '../donations/donation-test-kit.js';

jest.setTimeout(120_000);

const DEADLINE_SECONDS = 2;

/**
 * A paid gift always posts (issue 14): reconciliation checks that every succeeded charge has its
 * gift posted within RECONCILIATION_POSTING_DEADLINE_SECONDS (shortened here). A gift paid on the
 * sandbox while no worker runs (its webhooks wait in the inbox) is a `charge_not_posted` difference
 * and counted by a gauge; once the worker posts it, the next run resolves it.
 */
describe('reconciliation: a succeeded charge whose gift is not posted (API, Stripe sandbox, worker started late)', () => {
  let world: DonationWorld;
  let worker: INestApplicationContext | null = null;
  let campaign: { id: string; slug: string };
  let chargeId: string;
  let differenceId: string;
  const operator = { authorization: 'Bearer development-operator-token-000000' };
  const http = () => request(world.apiUrl);
  const runNow = () => eventually(async () => {
    const res = await http().post('/operator/reconciliation/runs').set(operator).send({});
    if (res.status === 409 && res.body.code === 'reconciliation_running') return false; // the worker's run at boot
    if (res.status !== 201) throw new Error(`run: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  }, 'a reconciliation run');
  const overview = async () => (await http().get('/operator/reconciliation').set(operator).expect(200)).body;
  const metrics = async () => (await http().get('/metrics').expect(200)).text;

  beforeAll(async () => {
    // No worker: the webhooks are stored in the inbox and nothing posts them. The grace window stays
    // long (the balance comparison counts the charge in flight); the posting deadline is 2 s.
    world = await startDonationWorld({ worker: false, env: { RECONCILIATION_POSTING_DEADLINE_SECONDS: String(DEADLINE_SECONDS), RECONCILIATION_GRACE_MS: '3600000' } });
    const org = await createOrganizationWithOwner(world.api);
    campaign = await createCampaign(world.api, org, { offerCoverFees: false });
  });
  afterAll(async () => {
    await worker?.close();
    await world?.close();
  });

  it('a charge paid on Stripe with its gift not posted past the deadline is one charge_not_posted difference, with its gauge', async () => {
    const gift = await startGift(world, campaign.slug, { amount: '30.00' });
    expect((await world.sandbox.control.paySession(gift.sessionId)).ok).toBe(true);
    await world.sandbox.control.waitForWebhooks(30_000);
    const charges = (await world.sandbox.stripe().charges.list({ limit: 10 })).data;
    expect(charges).toHaveLength(1);
    expect(charges[0].status).toBe('succeeded');
    chargeId = charges[0].id;
    // the charge's time as reconciliation reads it: its balance transaction's
    const bt = await world.sandbox.stripe().balanceTransactions.retrieve(charges[0].balance_transaction as string);
    expect(await world.db.query(`SELECT 1 FROM journal_entries WHERE source_id = $1`, [chargeId])).toEqual([]);

    await new Promise((resolve) => setTimeout(resolve, DEADLINE_SECONDS * 1000 + 1_100));
    const run = await runNow();
    expect(run).toMatchObject({ status: 'succeeded', differences: 1, newDifferences: 1, inFlight: 2, matched: 0 });
    const view = await overview();
    expect(view.openCount).toBe(1);
    expect(view.openDifferences).toEqual([expect.objectContaining({
      kind: 'charge_not_posted', ledgerKind: 'donation', stripeObjectId: chargeId, stripeAmount: '3000', ledgerAmount: null, ledgerEntryIds: [],
      currency: 'usd', campaignId: campaign.id, occurredAt: new Date(bt.created * 1000).toISOString(), resolvedAt: null,
    })]);
    differenceId = view.openDifferences[0].id;
    const text = await metrics();
    expect(text).toMatch(/^ataa_reconciliation_charges_not_posted 1$/m);
    expect(text).toMatch(/^ataa_reconciliation_open_differences 1$/m);

    // Seen again: the same open difference.
    expect(await runNow()).toMatchObject({ differences: 1, newDifferences: 0, resolvedDifferences: 0 });
    expect((await overview()).openDifferences.map((d: { id: string }) => d.id)).toEqual([differenceId]);
  });

  it('once the worker posts the gift, the next run resolves the difference and the gauge is back to 0', async () => {
    worker = await startTestWorker(world.config);
    await settle(world);
    // The gift's fee: from the worker's fee sweep (as its timer would run it).
    await worker.get(PendingFeesService).sweep();
    await eventually(async () => (await world.db.query(`SELECT 1 FROM journal_entries WHERE source_id = $1 AND kind = 'donation'`, [chargeId])).length === 1, 'the gift posted');

    const run = await runNow();
    // (the worker's own run at boot may have been the one to resolve it, if the gift was posted by then)
    expect(run).toMatchObject({ status: 'succeeded', differences: 0, matched: 2 });
    expect((await overview()).openCount).toBe(0);
    const [row] = await world.db.query(`SELECT resolved_at, resolved_run_id FROM reconciliation_differences WHERE id = $1`, [differenceId]);
    expect(row.resolved_at).toBeInstanceOf(Date);
    expect(row.resolved_run_id).not.toBeNull();
    expect(await metrics()).toMatch(/^ataa_reconciliation_charges_not_posted 0$/m);
    await expectLedgerSound(world.db);
  });
});
