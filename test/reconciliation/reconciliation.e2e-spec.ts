import { jest } from '@jest/globals';
import request from 'supertest';
import { JobProducer, QUEUES } from '@ataa/queue';
import { addMember, createCampaign, createOrganizationWithOwner, type TestOrganization } from '@ataa/testing';
import { DonationWorld, enablePayouts, eventually, expectLedgerSound, settle, startDonationWorld, startGift } from '../donations/donation-test-kit.js';

jest.setTimeout(120_000);

/**
 * Reconciliation end to end: gifts paid on the sandbox's Checkout, a refund through the API and a
 * payout made by the worker reconcile with nothing to report; a refund made on Stripe while no
 * webhook reaches the platform is reported as missing in the ledger until its event is delivered.
 */
describe('reconciliation end to end (API, worker, Stripe sandbox, PostgreSQL, Redis)', () => {
  let world: DonationWorld;
  let org: TestOrganization;
  let financeToken: string;
  let campaign: { id: string; slug: string };
  let chargeA: string;
  // Whole seconds, like Stripe's times: a run's window starts at a whole second.
  const startedAt = new Date(Math.floor(Date.now() / 1000) * 1000 - 1_000);
  const operator = { authorization: 'Bearer development-operator-token-000000' };

  const http = () => request(world.apiUrl);
  const runNow = (body: Record<string, string> = {}) => eventually(async () => {
    const res = await http().post('/operator/reconciliation/runs').set(operator).send(body);
    if (res.status === 409 && res.body.code === 'reconciliation_running') return false; // the worker's scheduled run
    if (res.status !== 201) throw new Error(`run: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  }, 'a reconciliation run');
  const overview = async () => (await http().get('/operator/reconciliation').set(operator).expect(200)).body;
  const ledgerEntriesOf = async (sourceId: string) => world.db.query(`SELECT kind FROM journal_entries WHERE source_id = $1 ORDER BY kind`, [sourceId]);

  beforeAll(async () => {
    world = await startDonationWorld({ env: { RECONCILIATION_GRACE_MS: '0' } });
    org = await createOrganizationWithOwner(world.api);
    financeToken = await addMember(world.api, org, 'finance');
    campaign = await createCampaign(world.api, org, { offerCoverFees: false });
    const auth = { authorization: `Bearer ${org.ownerToken}` };
    await enablePayouts(world, org, '1000000');

    // Gift A on the "available at once" card (so it can be paid out), gift B on the ordinary card.
    const a = await startGift(world, campaign.slug, { amount: 'other', customAmount: '100.00' });
    expect((await world.sandbox.control.paySession(a.sessionId, { card: '4000000000000077' })).ok).toBe(true);
    const b = await startGift(world, campaign.slug, { amount: 'other', customAmount: '50.00' });
    expect((await world.sandbox.control.paySession(b.sessionId)).ok).toBe(true);
    await settle(world);
    [{ stripe_charge_id: chargeA }] = await world.db.query(`SELECT stripe_charge_id FROM donations WHERE id = $1`, [a.donationId]);

    // A refund through the API, a payout through the worker: the normal ways.
    await http().post(`/api/v1/orgs/${org.orgId}/donations/${b.donationId}/refunds`).set(auth).send({ amount: '1000' }).expect(201);
    const payout = (await http().post(`/api/v1/orgs/${org.orgId}/campaigns/${campaign.id}/payouts`).set('authorization', `Bearer ${financeToken}`)
      .send({ amount: '2000', currency: 'usd', purpose: 'School books' }).expect(201)).body;
    await eventually(async () => (await http().get(`/api/v1/orgs/${org.orgId}/payouts/${payout.id}`).set('authorization', `Bearer ${financeToken}`).expect(200)).body.status === 'paid', 'the payout to be paid', 30_000);
    await settle(world);
    await eventually(async () => (await world.db.query(`SELECT 1 FROM journal_entries WHERE kind = 'refund' AND campaign_id = $1`, [campaign.id])).length === 1, 'the refund in the ledger');
  });
  afterAll(async () => {
    await world?.close();
  });

  it('gifts, a refund and a payout made the normal way reconcile with no difference', async () => {
    const run = await runNow({ since: startedAt.toISOString() });
    // two gifts (gross and Stripe fee each), one refund, one transfer
    expect(run).toMatchObject({ trigger: 'operator', status: 'succeeded', stripeMovements: 6, matched: 6, inFlight: 0, differences: 0, newDifferences: 0, error: null });
    expect(run.windowStart).toBe(startedAt.toISOString());
    const view = await overview();
    expect(view.openCount).toBe(0);
    expect(view.openDifferences).toEqual([]);
    expect(view.runs).toContainEqual(run);
    await expectLedgerSound(world.db);
  });

  let refundId: string;
  let differenceId: string;

  it('a refund made on Stripe while no webhook is delivered is missing in the ledger: one open difference across two runs', async () => {
    // The sandbox delivers to the endpoints it has when an event happens: with none, nothing arrives.
    const endpoint = await world.sandbox.control.setWebhookEndpoint(`${world.apiUrl}/webhooks/stripe`, world.sandbox.webhookSecret);
    await world.sandbox.control.removeWebhookEndpoint(endpoint.id);
    refundId = (await world.sandbox.stripe().refunds.create({ charge: chargeA, amount: 500 })).id;

    const first = await runNow();
    expect(first).toMatchObject({ status: 'succeeded', differences: 1, newDifferences: 1, resolvedDifferences: 0 });
    const view = await overview();
    expect(view.openCount).toBe(1);
    expect(view.openDifferences).toEqual([expect.objectContaining({
      kind: 'missing_in_ledger', ledgerKind: 'refund', stripeObjectId: refundId, stripeAmount: '-500', ledgerAmount: null, ledgerEntryIds: [],
      currency: 'usd', campaignId: campaign.id, resolvedAt: null,
    })]);
    differenceId = view.openDifferences[0].id;
    const metrics = await http().get('/metrics').expect(200);
    expect(metrics.text).toMatch(/^ataa_reconciliation_open_differences 1$/m);

    const second = await runNow();
    expect(second).toMatchObject({ differences: 1, newDifferences: 0, resolvedDifferences: 0 });
    const again = await overview();
    expect(again.openDifferences.map((d: { id: string }) => d.id)).toEqual([differenceId]);
    expect(Date.parse(again.openDifferences[0].lastSeenAt)).toBeGreaterThanOrEqual(Date.parse(again.openDifferences[0].firstSeenAt));
    expect(await ledgerEntriesOf(refundId)).toEqual([]);
  });

  it('once the webhook is delivered and the ledger has the refund, the next run resolves the difference', async () => {
    await world.sandbox.control.setWebhookEndpoint(`${world.apiUrl}/webhooks/stripe`, world.sandbox.webhookSecret);
    const events = (await world.sandbox.stripe().events.list({ type: 'refund.created', limit: 100 })).data
      .filter((e) => (e.data.object as { id: string }).id === refundId);
    expect(events).toHaveLength(1);
    await world.sandbox.control.resendEvent(events[0].id);
    await settle(world);
    await eventually(async () => (await ledgerEntriesOf(refundId)).some((e: { kind: string }) => e.kind === 'refund'), 'the refund in the ledger');

    const run = await runNow();
    expect(run).toMatchObject({ status: 'succeeded', differences: 0, newDifferences: 0, resolvedDifferences: 1 });
    const view = await overview();
    expect(view.openCount).toBe(0);
    const [row] = await world.db.query(`SELECT resolved_at, resolved_run_id FROM reconciliation_differences WHERE id = $1`, [differenceId]);
    expect(row.resolved_at).toBeInstanceOf(Date);
    expect(row.resolved_run_id).toBe(run.id);
    expect((await http().get('/metrics').expect(200)).text).toMatch(/^ataa_reconciliation_open_differences 0$/m);
    await expectLedgerSound(world.db);
  });

  it('the worker runs reconciliation on its schedule (at boot, then every RECONCILIATION_INTERVAL_MS) and on demand from the queue', async () => {
    await eventually(async () => (await overview()).runs.some((r: { trigger: string; status: string }) => r.trigger === 'schedule' && r.status === 'succeeded'), 'the scheduled run');
    await world.api.get(JobProducer).enqueue(QUEUES.reconciliation, { since: startedAt.toISOString() }, { jobId: `reconcile-e2e-${Date.now()}` });
    const run = await eventually(async () => (await overview()).runs.find((r: { trigger: string; status: string }) => r.trigger === 'job' && r.status !== 'running') ?? false, 'the queued run');
    // the whole test's window again: every movement so far, still nothing open
    expect(run).toMatchObject({ status: 'succeeded', windowStart: startedAt.toISOString(), stripeMovements: 7, matched: 7, differences: 0 });
  });

  it('only the operator sees or runs reconciliation (401 otherwise), and both endpoints are in the OpenAPI document', async () => {
    for (const auth of [{}, { authorization: `Bearer ${org.ownerToken}` }, { authorization: 'Bearer not-the-operator-token-0000000' }]) {
      const get = await http().get('/operator/reconciliation').set(auth);
      expect(get.status).toBe(401);
      expect(get.headers['content-type']).toContain('application/problem+json');
      expect(get.body.code).toBe('unauthorized');
      expect((await http().post('/operator/reconciliation/runs').set(auth).send({})).status).toBe(401);
    }
    const bad = await http().post('/operator/reconciliation/runs').set(operator).send({ since: 'yesterday' });
    expect(bad.status).toBe(400);
    const doc = (await http().get('/docs/openapi.json').expect(200)).body;
    expect(doc.paths['/operator/reconciliation'].get).toBeDefined();
    expect(doc.paths['/operator/reconciliation/runs'].post).toBeDefined();
  });
});
