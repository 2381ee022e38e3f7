import { jest } from '@jest/globals';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { TransactionRunner } from '@ataa/database';
import { auditLedger, donationEntry, LedgerService, platformFeeEntry, processingFeeEntry } from '@ataa/ledger';
import { addMember, createCampaign, createOrganizationWithOwner, createTestEnvironment, startTestApi, TestEnvironment, TestOrganization } from '@ataa/testing';

jest.setTimeout(60_000);

/**
 * Payout requests against the real API and PostgreSQL: reservation under contention, idempotency,
 * bad input, roles, tenant isolation, approval, rejection and cancellation. The campaign's funds
 * come straight from ledger entries (no gift rows: nothing is pending on Stripe), so no Stripe
 * call is made here; execution is covered by test/payouts/*.e2e-spec.ts through the sandbox.
 */
describe('payout requests (API + PostgreSQL)', () => {
  let env: TestEnvironment;
  let app: NestFastifyApplication;
  let db: DataSource;
  let org: TestOrganization;
  let financeToken: string;
  const operator = { authorization: 'Bearer development-operator-token-000000' };

  /** A campaign funded with one 100.00 gift: 3.20 Stripe fee, 2.00 platform fee -> 94.80 available. */
  async function fundedCampaign(owner: TestOrganization, net = { gross: 10_000n, fee: 320n, platform: 200n }) {
    const campaign = await createCampaign(app, owner);
    const ledger = app.get(LedgerService);
    await app.get(TransactionRunner).run((m) => {
      const base = (sourceId: string) => ({ campaignId: campaign.id, currency: 'usd', occurredAt: new Date(), sourceId: `${sourceId}_${campaign.id}` });
      return ledger.postMany(m, [donationEntry(base('ch'), net.gross), processingFeeEntry(base('txn'), net.fee), platformFeeEntry(base('ch'), net.platform)]);
    });
    return campaign as { id: string; slug: string };
  }

  const enablePayouts = (orgId: string) => db.query(`UPDATE organizations SET payouts_enabled = true, stripe_account_id = 'acct_' || replace($1::text, '-', '') WHERE id = $1`, [orgId]);
  const funds = async (orgId: string, campaignId: string, token: string) =>
    (await request(app.getHttpServer()).get(`/api/v1/orgs/${orgId}/campaigns/${campaignId}/funds`).set('authorization', `Bearer ${token}`).expect(200)).body;
  const ask = (orgId: string, campaignId: string, token: string, body: Record<string, unknown>, key?: string) => {
    const r = request(app.getHttpServer()).post(`/api/v1/orgs/${orgId}/campaigns/${campaignId}/payouts`).set('authorization', `Bearer ${token}`);
    if (key) r.set('idempotency-key', key);
    return r.send({ currency: 'usd', purpose: 'Water pump for the village well', ...body });
  };
  const expectLedgerSound = async () => expect(await auditLedger(db.manager)).toEqual([]);

  beforeAll(async () => {
    env = await createTestEnvironment();
    app = await startTestApi(env.config);
    db = app.get(DataSource);
    org = await createOrganizationWithOwner(app);
    financeToken = await addMember(app, org, 'finance');
    await enablePayouts(org.orgId);
  });
  afterAll(async () => {
    await app?.close();
    await env?.cleanup();
  });

  it('shows the funds: everything available, nothing pending, reserved or paid', async () => {
    const campaign = await fundedCampaign(org);
    expect(await funds(org.orgId, campaign.id, financeToken)).toEqual({
      campaignId: campaign.id, currency: 'usd', available: '9480', pending: '0', pendingByDate: [], reserved: '0', paidOut: '0',
    });
  });

  it('twenty concurrent requests exceeding the funds: exactly the ones that fit succeed', async () => {
    const campaign = await fundedCampaign(org);
    // 94.80 available, twenty requests of 10.00: nine fit (90.00), eleven are refused, 4.80 is left.
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => ask(org.orgId, campaign.id, financeToken, { amount: '1000', purpose: `Request ${i}` })));
    const statuses = answers.map((a) => a.status).sort();
    expect(statuses.filter((s) => s === 201)).toHaveLength(9);
    expect(statuses.filter((s) => s === 409)).toHaveLength(11);
    for (const a of answers.filter((x) => x.status === 409)) {
      expect(a.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(a.body.code).toBe('insufficient_funds');
    }
    expect(await funds(org.orgId, campaign.id, financeToken)).toMatchObject({ available: '480', reserved: '9000' });
    const [{ n, total }] = await db.query(`SELECT count(*)::int AS n, sum(amount)::text AS total FROM payouts WHERE campaign_id = $1`, [campaign.id]);
    expect({ n, total }).toEqual({ n: 9, total: '9000' });
    await expectLedgerSound();
  });

  it('a double-submitted request (same Idempotency-Key, concurrently) reserves once', async () => {
    const campaign = await fundedCampaign(org);
    const [a, b] = await Promise.all([
      ask(org.orgId, campaign.id, financeToken, { amount: '5000' }, 'double-submit-1'),
      ask(org.orgId, campaign.id, financeToken, { amount: '5000' }, 'double-submit-1'),
    ]);
    expect([a.status, b.status].sort()).toEqual([200, 201]);
    expect(a.body.id).toBe(b.body.id);
    // The body's clientRequestId works the same way.
    const c1 = await ask(org.orgId, campaign.id, financeToken, { amount: '1000', clientRequestId: 'form-42' });
    const c2 = await ask(org.orgId, campaign.id, financeToken, { amount: '1000', clientRequestId: 'form-42' });
    expect([c1.status, c2.status]).toEqual([201, 200]);
    expect(c2.body.id).toBe(c1.body.id);
    // The same key for a different request is refused.
    const reused = await ask(org.orgId, campaign.id, financeToken, { amount: '2000' }, 'double-submit-1');
    expect(reused.status).toBe(422);
    expect(reused.body.code).toBe('idempotency_key_reused');
    const [{ n }] = await db.query(`SELECT count(*)::int AS n FROM payouts WHERE campaign_id = $1`, [campaign.id]);
    expect(n).toBe(2);
    expect(await funds(org.orgId, campaign.id, financeToken)).toMatchObject({ available: '3480', reserved: '6000' });
    await expectLedgerSound();
  });

  it('refuses above available, zero, negative, another currency and no purpose, reserving nothing', async () => {
    const campaign = await fundedCampaign(org);
    const cases: [Record<string, unknown>, number, string][] = [
      [{ amount: '9481' }, 409, 'insufficient_funds'],
      [{ amount: '0' }, 400, 'payout_amount_invalid'],
      [{ amount: '-500' }, 400, 'validation_failed'],
      [{ amount: '12.50' }, 400, 'validation_failed'],
      [{ amount: '500', currency: 'eur' }, 400, 'currency_mismatch'],
      [{ amount: '500', purpose: '   ' }, 400, 'validation_failed'], // blank after trimming: the text policy's field error
      [{ amount: '500', unexpected: true }, 400, 'validation_failed'],
    ];
    for (const [body, status, code] of cases) {
      const res = await ask(org.orgId, campaign.id, financeToken, body);
      expect({ body, status: res.status, code: res.body.code }).toEqual({ body, status, code });
    }
    expect(await funds(org.orgId, campaign.id, financeToken)).toMatchObject({ available: '9480', reserved: '0' });
    await expectLedgerSound();
  });

  it('"all" reserves everything available; then nothing is left', async () => {
    const campaign = await fundedCampaign(org);
    const all = await ask(org.orgId, campaign.id, financeToken, { amount: 'all' });
    expect(all.status).toBe(201);
    expect(all.body.amount).toBe('9480');
    const again = await ask(org.orgId, campaign.id, financeToken, { amount: 'all' });
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('insufficient_funds');
    await expectLedgerSound();
  });

  it('records a request in one step: its payout row (as answered), hold, totals, audit record and notice, with or without a key; a refused one leaves none', async () => {
    const campaign = await fundedCampaign(org);
    // Two requests racing for more than is left (94.80): one holds 60.00, the other is refused with 409 and leaves nothing.
    const [first, second] = await Promise.all([
      ask(org.orgId, campaign.id, financeToken, { amount: '6000', purpose: 'Racing request A' }),
      ask(org.orgId, campaign.id, financeToken, { amount: '6000', purpose: 'Racing request B' }, 'race-key-b'),
    ]);
    expect([first.status, second.status].sort()).toEqual([201, 409]);
    const won = first.status === 201 ? first : second;
    const lost = first.status === 201 ? second : first;
    expect(lost.body.code).toBe('insufficient_funds');
    // A keyed request (its notice written with the hold, under the lock) records the same.
    const keyed = await ask(org.orgId, campaign.id, financeToken, { amount: '1500', privateNote: 'invoice 9' }, 'one-step-key');
    expect(keyed.status).toBe(201);
    for (const res of [won, keyed]) {
      const id: string = res.body.id;
      const [row] = await db.query(`SELECT amount::text, status, purpose, private_note, designation, created_at FROM payouts WHERE id = $1`, [id]);
      expect(res.body).toMatchObject({ amount: row.amount, status: row.status, purpose: row.purpose, privateNote: row.private_note, designation: 'general' });
      expect(new Date(res.body.createdAt).toISOString()).toBe(new Date(row.created_at).toISOString());
      const postings = await db.query(
        `SELECT p.account_code, p.amount::text, p.designation FROM journal_entries e JOIN postings p ON p.entry_id = e.id
          WHERE e.kind = 'payout_hold' AND e.source_id = $1 AND e.metadata->>'payout_id' = $1 ORDER BY p.account_code`, [id]);
      expect(postings).toEqual([
        { account_code: `campaign:${campaign.id}:funds`, amount: row.amount, designation: 'general' },
        { account_code: `campaign:${campaign.id}:payouts_pending`, amount: `-${row.amount}`, designation: 'general' },
      ]);
      const audit = await db.query(`SELECT details FROM audit_log WHERE target_id = $1 AND action = 'payout.requested'`, [id]);
      expect(audit).toEqual([{ details: { campaignId: campaign.id, amount: row.amount, currency: 'usd', approval: 'operator', designation: 'general' } }]);
      const notices = await db.query(`SELECT dedupe_key FROM outbox WHERE kind = 'payout_notice' AND aggregate_id = $1`, [id]);
      expect(notices).toEqual([{ dedupe_key: `payout_notice:requested:${id}` }]);
    }
    // The refused request left no payout, no hold, no audit record, no notice.
    const [{ payouts, holds, audits }] = await db.query(
      `SELECT (SELECT count(*)::int FROM payouts WHERE campaign_id = $1) AS payouts,
              (SELECT count(*)::int FROM journal_entries WHERE campaign_id = $1 AND kind = 'payout_hold') AS holds,
              (SELECT count(*)::int FROM audit_log WHERE action = 'payout.requested' AND details->>'campaignId' = $1::text) AS audits`, [campaign.id]);
    expect({ payouts, holds, audits }).toEqual({ payouts: 2, holds: 2, audits: 2 });
    // The campaign totals moved by the holds only (the hold is "other" from the campaign's point of view).
    const [{ other }] = await db.query(`SELECT other::text FROM campaign_ledger_totals WHERE campaign_id = $1`, [campaign.id]);
    expect(other).toBe('-7500');
    expect(await funds(org.orgId, campaign.id, financeToken)).toMatchObject({ available: '1980', reserved: '7500' });
    await expectLedgerSound();
  });

  it('only owners and finance may request; another organization\'s campaign is a 404', async () => {
    const campaign = await fundedCampaign(org);
    for (const role of ['viewer', 'admin'] as const) {
      const token = await addMember(app, org, role);
      const res = await ask(org.orgId, campaign.id, token, { amount: '100' });
      expect(res.status).toBe(403);
      expect(res.body.code).toBe('forbidden_role');
      // they may still read the funds
      expect((await funds(org.orgId, campaign.id, token)).available).toBe('9480');
    }
    const other = await createOrganizationWithOwner(app);
    await enablePayouts(other.orgId);
    const theirs = await fundedCampaign(other);
    const res = await ask(org.orgId, theirs.id, financeToken, { amount: '100' });
    expect(res.status).toBe(404);
    await request(app.getHttpServer()).get(`/api/v1/orgs/${org.orgId}/campaigns/${theirs.id}/funds`).set('authorization', `Bearer ${financeToken}`).expect(404);
    // ...also under their own organization id, with our token
    expect((await ask(other.orgId, theirs.id, financeToken, { amount: '100' })).status).toBe(404);
    const [{ n }] = await db.query(`SELECT count(*)::int AS n FROM payouts WHERE campaign_id = ANY($1::uuid[])`, [[campaign.id, theirs.id]]);
    expect(n).toBe(0);
  });

  it('needs a connected account with payouts enabled', async () => {
    const other = await createOrganizationWithOwner(app);
    const campaign = await fundedCampaign(other);
    const res = await ask(other.orgId, campaign.id, other.ownerToken, { amount: '100' });
    expect(res.status).toBe(409);
    expect(res.body.code).toBe('payouts_not_enabled');
  });

  it('an all-or-nothing campaign pays out only after its close-out kept the money', async () => {
    const campaign = await createCampaign(app, org, { fundingModel: 'all_or_nothing', goal: '5000', endsAt: new Date(Date.now() + 3_600_000).toISOString() });
    const ledger = app.get(LedgerService);
    await app.get(TransactionRunner).run((m) => ledger.post(m, donationEntry({ campaignId: campaign.id, currency: 'usd', occurredAt: new Date(), sourceId: `ch_${campaign.id}` }, 10_000n)));
    const closeOut = (decision: string) => db.query(
      `INSERT INTO campaign_closeouts (campaign_id, organization_id, funding_model, decision, reason, goal_amount, raised_amount, currency, status, total, finished_at)
       VALUES ($1, $2, 'all_or_nothing', $3, $4, 5000, 10000, 'usd', 'done', 0, now())
       ON CONFLICT (campaign_id) DO UPDATE SET decision = EXCLUDED.decision, reason = EXCLUDED.reason`,
      [campaign.id, org.orgId, decision, decision === 'keep' ? 'goal_met' : 'goal_missed'],
    );
    // Running: every gift may still have to be refunded.
    const early = await ask(org.orgId, campaign.id, financeToken, { amount: '100' });
    expect({ status: early.status, code: early.body.code }).toEqual({ status: 409, code: 'campaign_not_closed_out' });
    // Ended having missed its goal: the money goes back to the donors.
    await closeOut('refund_all');
    const missed = await ask(org.orgId, campaign.id, financeToken, { amount: 'all' });
    expect({ status: missed.status, code: missed.body.code }).toEqual({ status: 409, code: 'campaign_not_closed_out' });
    expect(await funds(org.orgId, campaign.id, financeToken)).toMatchObject({ available: '10000', reserved: '0' });
    // Ended having reached it: the organization may take the money.
    await closeOut('keep');
    const kept = await ask(org.orgId, campaign.id, financeToken, { amount: '100' });
    expect(kept.status).toBe(201);
    await expectLedgerSound();
  });

  it('auto-approves at or under the threshold; above it the operator approves or rejects; owners cancel', async () => {
    const other = await createOrganizationWithOwner(app);
    await enablePayouts(other.orgId);
    const finance = await addMember(app, other, 'finance');
    const campaign = await fundedCampaign(other);
    await request(app.getHttpServer()).put(`/operator/organizations/${other.orgId}/payout-threshold`).send({ amount: '2000' }).expect(401);
    await request(app.getHttpServer()).put(`/operator/organizations/${other.orgId}/payout-threshold`).set(operator).send({ amount: '2000' }).expect(204);

    const small = await ask(other.orgId, campaign.id, finance, { amount: '2000' });
    expect(small.body).toMatchObject({ status: 'approved', approval: 'automatic' });
    const big = await ask(other.orgId, campaign.id, finance, { amount: '3000', privateNote: 'invoice 17' });
    expect(big.body).toMatchObject({ status: 'pending_approval', approval: null, privateNote: 'invoice 17' });
    const queue = await request(app.getHttpServer()).get('/operator/payouts').set(operator).expect(200);
    expect(queue.body.items.map((p: { id: string }) => p.id)).toContain(big.body.id);

    const approved = await request(app.getHttpServer()).post(`/operator/payouts/${big.body.id}/approve`).set(operator).send({}).expect(200);
    expect(approved.body).toMatchObject({ status: 'approved', approval: 'operator' });

    const third = await ask(other.orgId, campaign.id, finance, { amount: '4000' });
    await request(app.getHttpServer()).post(`/operator/payouts/${third.body.id}/reject`).set(operator).send({ reason: '' }).expect(400);
    const rejected = await request(app.getHttpServer()).post(`/operator/payouts/${third.body.id}/reject`).set(operator).send({ reason: 'Purpose does not match the campaign' }).expect(200);
    expect(rejected.body).toMatchObject({ status: 'rejected', rejectionReason: 'Purpose does not match the campaign' });
    // A rejected payout cannot be approved afterwards.
    const late = await request(app.getHttpServer()).post(`/operator/payouts/${third.body.id}/approve`).set(operator).send({});
    expect(late.status).toBe(409);
    expect(late.body.code).toBe('invalid_payout_transition');

    // Finance may not cancel; the owner may, before execution (the approved ones are still queued: no worker runs here).
    await request(app.getHttpServer()).post(`/api/v1/orgs/${other.orgId}/payouts/${small.body.id}/cancel`).set('authorization', `Bearer ${finance}`).send({}).expect(403);
    const cancelled = await request(app.getHttpServer()).post(`/api/v1/orgs/${other.orgId}/payouts/${small.body.id}/cancel`).set('authorization', `Bearer ${other.ownerToken}`).send({}).expect(200);
    expect(cancelled.body.status).toBe('cancelled');
    // Another organization cannot see or cancel it.
    await request(app.getHttpServer()).post(`/api/v1/orgs/${org.orgId}/payouts/${big.body.id}/cancel`).set('authorization', `Bearer ${org.ownerToken}`).send({}).expect(404);
    await request(app.getHttpServer()).get(`/api/v1/orgs/${org.orgId}/payouts/${big.body.id}`).set('authorization', `Bearer ${org.ownerToken}`).expect(404);

    // 94.80 - 30.00 still held (approved) = 64.80; the rejected 40.00 and cancelled 20.00 are released.
    expect(await funds(other.orgId, campaign.id, finance)).toMatchObject({ available: '6480', reserved: '3000' });
    const notices = await db.query(`SELECT payload->>'event' AS event FROM outbox WHERE kind = 'payout_notice' AND aggregate_id = ANY($1) ORDER BY created_at`, [[small.body.id, big.body.id, third.body.id]]);
    expect(notices.map((n: { event: string }) => n.event).sort()).toEqual(['approved', 'cancelled', 'rejected', 'requested', 'requested', 'requested']);
    const audit = await db.query(`SELECT action FROM audit_log WHERE target_id = ANY($1) ORDER BY seq`, [[small.body.id, big.body.id, third.body.id]]);
    expect(audit.map((a: { action: string }) => a.action)).toEqual(expect.arrayContaining(['payout.requested', 'payout.approved', 'payout.rejected', 'payout.cancelled']));
    await expectLedgerSound();
  });
});
