import { jest } from '@jest/globals';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import request from 'supertest';
import type Stripe from 'stripe';
import { DataSource } from 'typeorm';
import { TransactionRunner } from '@ataa/database';
import {
  auditLedger, campaignFundsAccount, donationEntry, LedgerService, LedgerWriter, platformFeeEntry, processingFeeEntry, refundEntry, type EntryInput, type PlannedEntry,
} from '@ataa/ledger';
import { createCampaign, createOrganizationWithOwner, createTestEnvironment, startTestApi, TestEnvironment, TestOrganization } from '@ataa/testing';
import { DonorPageService } from '@ataa/donors';
import { DesignationReplay, publicLeafHash, reportFromEntries, toLeaf, type PublicEntryKind } from '@ataa/transparency';
import { PayoutExecutionService } from './payout-execution.service.js';

jest.setTimeout(90_000);

/*
 * Scenario: designated (restricted) funds, zakat included, against the API and PostgreSQL.
 * The campaign declares general, zakat (zakat-eligible) and a water well. Its public log (USD, minor units):
 *   #0 donation  +10000 zakat     #1 fee -320 zakat   #2 platform_fee -200 zakat   -> zakat 9480
 *   #3 donation  +5000 general                                                      -> general 5000
 *   #4 donation  +4000 zakat                                                        -> zakat 13480
 *   #5 refund    -1000 zakat (of #4: refunds reduce the designation they came from) -> zakat 12480
 * The water well has nothing: a payout from it is refused, whatever the other designations hold.
 */
describe('scenario: designated funds — gifts, a refund, payouts within each designation, FIFO draws', () => {
  let env: TestEnvironment;
  let app: NestFastifyApplication;
  let db: DataSource;
  let org: TestOrganization;
  let campaign: { id: string; slug: string; version: number };
  const declared = [
    { code: 'general', labelEn: 'Where most needed', labelAr: 'حيث الحاجة أكبر' },
    { code: 'zakat', labelEn: 'Zakat', labelAr: 'الزكاة', zakat: true },
    { code: 'water-well', labelEn: 'Water well in Al-Mafraq', labelAr: 'بئر ماء في المفرق' },
  ];

  const api = () => request(app.getHttpServer());
  const auth = () => ({ authorization: `Bearer ${org.ownerToken}` });
  const ask = (body: Record<string, unknown>) => api().post(`/api/v1/orgs/${org.orgId}/campaigns/${campaign.id}/payouts`).set(auth()).send({ currency: 'usd', purpose: 'Food parcels', ...body });

  /** Records entries with their public entries, as the settlement writer does (one designation each). */
  async function post(items: { input: EntryInput; kind: PublicEntryKind; amount: bigint }[]) {
    const entries: PlannedEntry[] = items.map(({ input, kind, amount }) => ({
      input,
      public: { campaignId: campaign.id, kind, amount, currency: 'usd', occurredAt: input.occurredAt, donorDisplayName: null, donorCommitment: null, publicMessage: null, payoutPurpose: null, designation: input.designation ?? null },
    }));
    await app.get(TransactionRunner).run((m) => app.get(LedgerWriter).record(m, [{ entries, outbox: [] }]));
  }
  const base = (sourceId: string, designation: string) => ({ campaignId: campaign.id, currency: 'usd', occurredAt: new Date(), sourceId: `${sourceId}_${campaign.id}`, designation, metadata: {} });

  beforeAll(async () => {
    env = await createTestEnvironment();
    app = await startTestApi(env.config);
    db = app.get(DataSource);
    org = await createOrganizationWithOwner(app);
    await db.query(`UPDATE organizations SET payouts_enabled = true, stripe_account_id = 'acct_designated' WHERE id = $1`, [org.orgId]);
    await db.query(`UPDATE organizations SET payout_approval_threshold = 1000000 WHERE id = $1`, [org.orgId]);
    campaign = await createCampaign(app, org, { title: 'Winter relief', designations: declared });
  });
  afterAll(async () => {
    await app?.close();
    await env?.cleanup();
  });

  it('declares designations (zakat marked), refuses a malformed list with 422 and the removal of a live one with 409', async () => {
    const got = await api().get(`/api/v1/orgs/${org.orgId}/campaigns/${campaign.id}`).set(auth()).expect(200);
    expect(got.body.designations).toEqual(declared.map((d) => ({ zakat: false, ...d })));
    const bad = await api().patch(`/api/v1/orgs/${org.orgId}/campaigns/${campaign.id}`).set(auth())
      .send({ version: got.body.version, designations: [{ code: 'Zakat!', labelEn: 'Zakat', labelAr: '' }, { code: 'zakat', labelEn: 'Z', labelAr: 'ز', zakat: 'yes' }] });
    expect(bad.status).toBe(422);
    expect(bad.body.code).toBe('invalid_designations');
    expect(bad.body.problems.map((p: { field: string }) => p.field)).toEqual(['code', 'labelAr', 'zakat']);
    const removal = await api().patch(`/api/v1/orgs/${org.orgId}/campaigns/${campaign.id}`).set(auth()).send({ version: got.body.version, designations: declared.slice(0, 2) });
    expect(removal.status).toBe(409);
    expect(removal.body).toMatchObject({ code: 'campaign_field_locked', field: 'designations', removed: ['water-well'] });
    const audit = await db.query(`SELECT details FROM audit_log WHERE target_id = $1 AND action = 'campaign.created'`, [campaign.id]);
    expect(audit).toHaveLength(1);
    // What was declared, zakat marks included, is in the audit log: restricted funds are money rules.
    expect(audit[0].details.designations).toEqual(declared.map((d) => ({ zakat: false, ...d })));
    expect(await db.query(`SELECT 1 FROM audit_log WHERE target_id = $1 AND action = 'campaign.updated'`, [campaign.id])).toHaveLength(0);
  });

  it('audits a change of designations with the list before and after (an added use, a relabelled one)', async () => {
    const other = await createCampaign(app, org, { title: 'Eid gifts', designations: declared.slice(0, 2) });
    const got = await api().get(`/api/v1/orgs/${org.orgId}/campaigns/${other.id}`).set(auth()).expect(200);
    const after = [{ ...got.body.designations[0], labelEn: 'Where it is most needed' }, got.body.designations[1], { code: 'school-kits', labelEn: 'School kits', labelAr: 'حقائب مدرسية', zakat: false }];
    await api().patch(`/api/v1/orgs/${org.orgId}/campaigns/${other.id}`).set(auth()).send({ version: got.body.version, designations: after }).expect(200);
    const [audit] = await db.query(`SELECT details FROM audit_log WHERE target_id = $1 AND action = 'campaign.updated'`, [other.id]);
    expect(audit.details.fields).toContain('designations');
    expect(audit.details.designationsBefore).toEqual(got.body.designations);
    expect(audit.details.designationsAfter).toEqual(after);
  });

  it('keeps a balance per designation: gifts, fees and a refund each move the designation they came from', async () => {
    await post([
      { input: donationEntry(base('ch1', 'zakat'), 10_000n), kind: 'donation', amount: 10_000n },
      { input: processingFeeEntry(base('txn1', 'zakat'), 320n), kind: 'fee', amount: -320n },
      { input: platformFeeEntry(base('ch1', 'zakat'), 200n), kind: 'platform_fee', amount: -200n },
      { input: donationEntry(base('ch2', 'general'), 5_000n), kind: 'donation', amount: 5_000n },
      { input: donationEntry(base('ch3', 'zakat'), 4_000n), kind: 'donation', amount: 4_000n },
    ]);
    await post([{ input: refundEntry(base('re1', 'zakat'), 1_000n), kind: 'refund', amount: -1_000n }]);
    const balances = await app.get(LedgerService).designationBalances(campaignFundsAccount(campaign.id), 'usd');
    expect(Object.fromEntries(balances)).toEqual({ general: 5_000n, zakat: 12_480n });
    const leaves = await db.query(`SELECT idx::int, kind, leaf_format, designation FROM public_ledger_entries WHERE campaign_id = $1 ORDER BY idx`, [campaign.id]);
    expect(leaves.map((l: { idx: number; kind: string; leaf_format: number; designation: string }) => `${l.idx} ${l.kind} v${l.leaf_format} ${l.designation}`)).toEqual([
      '0 donation v4 zakat', '1 fee v4 zakat', '2 platform_fee v4 zakat', '3 donation v4 general', '4 donation v4 zakat', '5 refund v4 zakat',
    ]);
    expect(await auditLedger(db.manager)).toEqual([]);
  });

  it('refuses an unknown designation (422) and a payout beyond its designation (409), with nothing held', async () => {
    const unknown = await ask({ amount: '100', designation: 'school' });
    expect(unknown.status).toBe(422);
    expect(unknown.body).toMatchObject({ code: 'unknown_designation', field: 'designation' });
    // The water well has no gift: 0 available there, although the campaign holds 174.80.
    const well = await ask({ amount: '100', designation: 'water-well' });
    expect(well.status).toBe(409);
    expect(well.body).toMatchObject({ code: 'insufficient_funds', designation: 'water-well', available: '0' });
    const beyond = await ask({ amount: '12481', designation: 'zakat' });
    expect(beyond.status).toBe(409);
    expect(beyond.body).toMatchObject({ code: 'insufficient_funds', designation: 'zakat', available: '12480' });
    const [{ n }] = await db.query(`SELECT count(*)::int AS n FROM payouts WHERE campaign_id = $1`, [campaign.id]);
    expect(n).toBe(0);
  });

  it('the database itself refuses a hold past a designation (a writer that skipped the check)', async () => {
    const hold: EntryInput = {
      kind: 'payout_hold', sourceId: `rogue_${campaign.id}`, campaignId: campaign.id, currency: 'usd', occurredAt: new Date(), designation: 'water-well',
      postings: [{ account: campaignFundsAccount(campaign.id), amount: 100n }, { account: `campaign:${campaign.id}:payouts_pending`, amount: -100n }],
    };
    await expect(app.get(TransactionRunner).run((m) => app.get(LedgerService).postMany(m, [hold]))).rejects.toMatchObject({ driverError: { constraint: 'ledger_designation_overdrawn' } });
  });

  it('eight concurrent zakat requests of 20.00: six fit (120.00 of 124.80), two are refused; general is untouched', async () => {
    const answers = await Promise.all(Array.from({ length: 8 }, (_, i) => ask({ amount: '2000', designation: 'zakat', purpose: `Zakat parcels ${i}` })));
    expect(answers.filter((a) => a.status === 201)).toHaveLength(6);
    expect(answers.filter((a) => a.status === 409).map((a) => a.body.code)).toEqual(['insufficient_funds', 'insufficient_funds']);
    const general = await ask({ amount: '5000', purpose: 'Blankets' });
    expect(general.status).toBe(201);
    expect(general.body).toMatchObject({ designation: 'general', draws: null });
    const balances = await app.get(LedgerService).designationBalances(campaignFundsAccount(campaign.id), 'usd');
    expect(Object.fromEntries(balances)).toEqual({ general: 0n, zakat: 480n }); // 12480 - 6 x 2000
    expect(await auditLedger(db.manager)).toEqual([]);
  });

  it('a paid payout records its FIFO draw in its public entry; the log replays to the same draws', async () => {
    const execution = app.get(PayoutExecutionService);
    const paid: string[] = [];
    // Five zakat payouts of 20.00 are paid (the sixth stays held), then the general one of 50.00.
    const zakat: { id: string }[] = await db.query(`SELECT id FROM payouts WHERE campaign_id = $1 AND designation = 'zakat' ORDER BY created_at, id LIMIT 6`, [campaign.id]);
    const general: { id: string }[] = await db.query(`SELECT id FROM payouts WHERE campaign_id = $1 AND designation = 'general'`, [campaign.id]);
    for (const p of [...zakat.slice(0, 5), general[0]]) {
      await db.query(`UPDATE payouts SET status = 'processing' WHERE id = $1`, [p.id]);
      const transfer = { id: `tr_${p.id.slice(0, 8)}`, amount: p === general[0] ? 5000 : 2000, currency: 'usd', created: Math.floor(Date.now() / 1000) } as Stripe.Transfer;
      expect(await execution.recordTransfer(transfer, p.id)).toBe('paid');
      paid.push(p.id);
    }
    const payouts = await db.query(`SELECT idx::int, designation, draws FROM public_ledger_entries WHERE campaign_id = $1 AND kind = 'payout' ORDER BY idx`, [campaign.id]);
    // The five zakat payouts take the 100.00 of #0, oldest gift first (a sixth would reach into #4); the general one takes #3.
    expect(payouts.map((p: { designation: string; draws: { index: number; amount: string }[] }) => `${p.designation} ${p.draws.map((d) => `${d.amount}@${d.index}`).join(',')}`)).toEqual([
      'zakat 2000@0', 'zakat 2000@0', 'zakat 2000@0', 'zakat 2000@0', 'zakat 2000@0', 'general 5000@3',
    ]);
    const row = await api().get(`/api/v1/orgs/${org.orgId}/payouts/${paid[0]}`).set(auth()).expect(200);
    expect(row.body.draws).toEqual([{ index: 0, amount: '2000' }]);

    // The public log alone replays to the same draws (what the verifier does), and a forged draw is caught.
    const served = await api().get(`/api/v1/public/campaigns/${campaign.slug}/ledger?order=asc&limit=200`).expect(200);
    const replay = new DesignationReplay();
    expect(served.body.entries.flatMap((e: Parameters<DesignationReplay['apply']>[0]) => replay.apply(e))).toEqual([]);
    expect(replay.summary()).toEqual([
      { designation: 'general', gifts: 5_000n, paidOut: 5_000n, funds: 0n },
      { designation: 'zakat', gifts: 14_000n, paidOut: 10_000n, funds: 2_480n },
    ]);
    const forged = new DesignationReplay();
    const problems = served.body.entries.flatMap((e: { kind: string; index: number; draws?: unknown }) =>
      forged.apply({ ...e, draws: e.kind === 'payout' && e.index === served.body.entries.find((x: { kind: string }) => x.kind === 'payout').index ? [{ index: 4, amount: '2000' }] : e.draws } as Parameters<DesignationReplay['apply']>[0]));
    expect(problems[0]).toMatch(/draws 2000 from entry 4, but first in, first out within zakat gives 2000 from entry 0/);
    expect(await auditLedger(db.manager)).toEqual([]);
  });

  it("the donor's page finds the payouts their gift went into (gift #0: five payouts of 20.00)", async () => {
    // The gift row of entry #0 (the ledger facts above were posted without one).
    await db.query(
      `INSERT INTO donations (id, campaign_id, organization_id, status, currency, amount, chosen_amount, platform_fee_bps, donor_email, designation, public_leaf_index, settled_at)
       VALUES (gen_random_uuid(), $1, $2, 'succeeded', 'usd', 10000, 10000, 200, 'amal@example.org', 'zakat', 0, now())`,
      [campaign.id, org.orgId],
    );
    const gifts = await app.get(DonorPageService).gifts({ id: 's', email: 'Amal@example.org', language: 'ar', expiresAt: new Date(Date.now() + 60_000), nonce: 'n' });
    expect(gifts).toHaveLength(1);
    expect(gifts[0].designation).toBe('zakat');
    const payoutIndexes: { idx: string }[] = await db.query(`SELECT idx::text AS idx FROM public_ledger_entries e WHERE campaign_id = $1 AND kind = 'payout' AND designation = 'zakat' ORDER BY e.idx`, [campaign.id]);
    expect(gifts[0].drawnInto).toEqual(payoutIndexes.map((p) => ({ index: p.idx, amount: 2000n })));
  });

  /*
   * Split payouts, on a second campaign (general, zakat). Its public log (USD, minor units):
   *   #0 donation +5000 general   #1 donation +2000 zakat   #2 donation +2000 zakat
   *   #3 refund -1000 zakat "refund of entry 1: 1000"          (#1 drawable 1000)
   *   #4 donation +1000 zakat and #5 refund -1000 zakat "refund of entry 4: 1000", one batch (#4 drawable 0)
   * Funds: general 5000, zakat 2000 + 2000 - 1000 + 1000 - 1000 = 3000.
   */
  describe('split payouts', () => {
    let split: { id: string; slug: string };
    const askSplit = (body: Record<string, unknown>) => api().post(`/api/v1/orgs/${org.orgId}/campaigns/${split.id}/payouts`).set(auth()).send({ currency: 'usd', purpose: 'Winter parcels', ...body });
    const baseOf = (sourceId: string, designation: string) => ({ campaignId: split.id, currency: 'usd', occurredAt: new Date(), sourceId: `${sourceId}_${split.id}`, designation, metadata: {} });
    const entryOf = (input: EntryInput, kind: PublicEntryKind, amount: bigint, gift?: PlannedEntry['public'] extends infer P ? P extends { gift?: infer G } ? G : never : never): PlannedEntry => ({
      input, public: { campaignId: split.id, kind, amount, currency: 'usd', occurredAt: input.occurredAt, donorDisplayName: null, donorCommitment: null, publicMessage: null, payoutPurpose: null, designation: input.designation ?? null, ...(gift ? { gift } : {}) },
    });
    const balancesNow = async () => Object.fromEntries(await app.get(LedgerService).designationBalances(campaignFundsAccount(split.id), 'usd'));
    const payoutCount = async () => (await db.query(`SELECT count(*)::int AS n FROM payouts WHERE campaign_id = $1`, [split.id]))[0].n as number;

    beforeAll(async () => {
      split = await createCampaign(app, org, { title: 'Winter relief, split', designations: declared.slice(0, 2) });
      const writer = app.get(LedgerWriter);
      await app.get(TransactionRunner).run((m) => writer.record(m, [{ entries: [
        entryOf(donationEntry(baseOf('sg1', 'general'), 5_000n), 'donation', 5_000n),
        entryOf(donationEntry(baseOf('sz1', 'zakat'), 2_000n), 'donation', 2_000n),
        entryOf(donationEntry(baseOf('sz2', 'zakat'), 2_000n), 'donation', 2_000n),
      ], outbox: [] }]));
      await app.get(TransactionRunner).run((m) => writer.record(m, [{ entries: [entryOf(refundEntry(baseOf('sre1', 'zakat'), 1_000n), 'refund', -1_000n, { index: 1, refunded: 1_000n })], outbox: [] }]));
      // A gift and its refund in one batch: the refund names the gift appended with it.
      await app.get(TransactionRunner).run((m) => writer.record(m, [{ entries: [
        entryOf(donationEntry(baseOf('sz3', 'zakat'), 1_000n), 'donation', 1_000n),
        entryOf(refundEntry(baseOf('sre3', 'zakat'), 1_000n), 'refund', -1_000n, { donationSource: `sz3_${split.id}`, refunded: 1_000n }),
      ], outbox: [] }]));
      const purposes = await db.query(`SELECT idx::int, payout_purpose FROM public_ledger_entries WHERE campaign_id = $1 AND kind = 'refund' ORDER BY idx`, [split.id]);
      expect(purposes).toEqual([{ idx: 3, payout_purpose: 'refund of entry 1: 1000' }, { idx: 5, payout_purpose: 'refund of entry 4: 1000' }]);
      expect(await balancesNow()).toEqual({ general: 5_000n, zakat: 3_000n });
    });

    it('refuses bad input with a clear 4xx and its code, and changes nothing', async () => {
      const parts = (g: string, z: string) => [{ code: 'general', amount: g }, { code: 'zakat', amount: z }];
      const cases: [Record<string, unknown>, number, string][] = [
        [{ amount: '1500', designations: parts('1000', '400') }, 422, 'payout_parts_mismatch'],
        [{ amount: 'all', designations: parts('1000', '500') }, 422, 'payout_parts_mismatch'],
        [{ amount: '1000', designations: [{ code: 'zakat', amount: '500' }, { code: 'zakat', amount: '500' }] }, 422, 'payout_parts_invalid'],
        [{ amount: '1000', designations: [{ code: 'zakat', amount: '500' }, { code: 'school', amount: '500' }] }, 422, 'unknown_designation'],
        [{ amount: '1000', designations: parts('-500', '1500') }, 400, 'payout_amount_invalid'],
        [{ amount: '1000', designations: parts('500.5', '499.5') }, 400, 'payout_amount_invalid'],
        [{ amount: '1000', designations: [] }, 422, 'payout_parts_invalid'],
        [{ amount: '1000', designations: [{ code: 'zakat', amount: '1000', note: 'x' }] }, 422, 'payout_parts_invalid'],
        [{ amount: '1000', designation: 'zakat', designations: [{ code: 'zakat', amount: '1000' }] }, 422, 'payout_designations_conflict'],
      ];
      for (const [body, status, code] of cases) {
        const answer = await askSplit(body);
        expect([JSON.stringify(body), answer.status, answer.body.code]).toEqual([JSON.stringify(body), status, code]);
      }
      const over = await askSplit({ amount: '3500', designations: parts('100', '3400') });
      expect(over.status).toBe(409);
      expect(over.body).toMatchObject({ code: 'insufficient_funds', designation: 'zakat', available: '3000', requested: '3400' });
      expect(await payoutCount()).toBe(0);
      expect(await balancesNow()).toEqual({ general: 5_000n, zakat: 3_000n });
    });

    it('eight concurrent split requests (10.00 general + 5.00 zakat) never overdraw either designation: five fit', async () => {
      // General 5000 fits five; zakat 3000 would fit six: general governs.
      const answers = await Promise.all(Array.from({ length: 8 }, (_, i) => askSplit({
        amount: '1500', purpose: `Parcels ${i}`, designations: [{ code: 'zakat', amount: '500' }, { code: 'general', amount: '1000' }],
      })));
      const created = answers.filter((a) => a.status === 201);
      expect(created).toHaveLength(5);
      expect(answers.filter((a) => a.status === 409).map((a) => [a.body.code, a.body.designation])).toEqual([['insufficient_funds', 'general'], ['insufficient_funds', 'general'], ['insufficient_funds', 'general']]);
      expect(created[0].body).toMatchObject({
        amount: '1500', designation: null, draws: null,
        parts: [{ designation: 'general', amount: '1000', draws: null }, { designation: 'zakat', amount: '500', draws: null }],
      });
      expect(await balancesNow()).toEqual({ general: 0n, zakat: 500n });
      const [audit] = await db.query(`SELECT details FROM audit_log WHERE target_id = $1 AND action = 'payout.requested'`, [created[0].body.id]);
      expect(audit.details.designations).toEqual([{ code: 'general', amount: '1000' }, { code: 'zakat', amount: '500' }]);
      expect(await auditLedger(db.manager)).toEqual([]);
    });

    it('the database refuses a split hold one of whose parts overdraws, and a payout row whose parts do not add up', async () => {
      const hold: EntryInput = {
        kind: 'payout_hold', sourceId: `rogue_split_${split.id}`, campaignId: split.id, currency: 'usd', occurredAt: new Date(),
        postings: [
          { account: campaignFundsAccount(split.id), amount: 100n, designation: 'general' }, { account: campaignFundsAccount(split.id), amount: 100n, designation: 'zakat' },
          { account: `campaign:${split.id}:payouts_pending`, amount: -100n, designation: 'general' }, { account: `campaign:${split.id}:payouts_pending`, amount: -100n, designation: 'zakat' },
        ],
      };
      await expect(app.get(TransactionRunner).run((m) => app.get(LedgerService).postMany(m, [hold]))).rejects.toMatchObject({ driverError: { constraint: 'ledger_designation_overdrawn' } });
      await expect(db.query(
        `INSERT INTO payouts (id, organization_id, campaign_id, currency, amount, status, purpose, requested_by, designation, parts)
         VALUES (gen_random_uuid(), $1, $2, 'usd', 1000, 'pending_approval', 'x', 'test', NULL, '[{"designation":"general","amount":"500"},{"designation":"zakat","amount":"400"}]')`,
        [org.orgId, split.id],
      )).rejects.toMatchObject({ constraint: 'payouts_parts_check' });
    });

    it('a paid split payout lists each part\'s FIFO draw (skipping what was refunded) in a format-5 entry the log replays; a reversal comes back per part', async () => {
      const [first] = await db.query(`SELECT id FROM payouts WHERE campaign_id = $1 ORDER BY created_at, id LIMIT 1`, [split.id]);
      await db.query(`UPDATE payouts SET status = 'processing' WHERE id = $1`, [first.id]);
      const execution = app.get(PayoutExecutionService);
      expect(await execution.recordTransfer({ id: `tr_split_${split.id.slice(0, 8)}`, amount: 1500, currency: 'usd', created: Math.floor(Date.now() / 1000) } as Stripe.Transfer, first.id)).toBe('paid');
      const paid = await api().get(`/api/v1/orgs/${org.orgId}/payouts/${first.id}`).set(auth()).expect(200);
      // Zakat: #1 has 1000 drawable (1000 of its 2000 refunded), so 500 from #1; #4 was refunded in full.
      expect(paid.body.parts).toEqual([
        { designation: 'general', amount: '1000', draws: [{ index: 0, amount: '1000' }] },
        { designation: 'zakat', amount: '500', draws: [{ index: 1, amount: '500' }] },
      ]);
      expect(paid.body.draws).toEqual([{ index: 0, amount: '1000' }, { index: 1, amount: '500' }]);
      await app.get(TransactionRunner).run((m) => execution.applyReversals(m, first.id, `tr_split_${split.id.slice(0, 8)}`, [{ id: `trr_split_${split.id.slice(0, 8)}`, amount: 1500, created: Math.floor(Date.now() / 1000) }]));
      expect(await balancesNow()).toEqual({ general: 1_000n, zakat: 1_000n });

      const served = await api().get(`/api/v1/public/campaigns/${split.slug}/ledger?order=asc&limit=200`).expect(200);
      const entries = served.body.entries as (Parameters<DesignationReplay['apply']>[0] & { leafHash: string })[];
      const payout = entries.find((e) => e.kind === 'payout')!;
      expect(payout).toMatchObject({ v: 5, parts: paid.body.parts });
      expect(payout).not.toHaveProperty('designation');
      expect(entries.find((e) => e.kind === 'payout_reversal')).toMatchObject({ v: 5, amount: '1500', parts: [{ designation: 'general', amount: '1000' }, { designation: 'zakat', amount: '500' }] });
      for (const e of entries) expect(publicLeafHash(toLeaf(e)).toString('hex')).toBe(e.leafHash);
      const replay = new DesignationReplay();
      expect(entries.flatMap((e) => replay.apply(e))).toEqual([]);
      expect(replay.drawable(4)).toBe(0n);
      const forged = new DesignationReplay();
      const problems = entries.flatMap((e) => forged.apply(e === payout ? { ...e, parts: [paid.body.parts[0], { designation: 'zakat', amount: '500', draws: [{ index: 4, amount: '500' }] }] } : e));
      expect(problems).toEqual(['entry 6 (payout, part zakat) draws 500 from entry 4, but first in, first out within zakat gives 500 from entry 1']);
      // The public report's money by designation reads the split from the parts: the payout and its
      // full reversal cancel in each designation, and the server's lines equal a recomputation from the entries.
      const report = await api().get(`/api/v1/public/campaigns/${split.slug}/report`).expect(200);
      const lines = report.body.report.designations as { designation: string; paidOut: string }[];
      expect(lines.map((l) => [l.designation, l.paidOut])).toEqual([['general', '0'], ['zakat', '0']]);
      expect(lines).toEqual(reportFromEntries('usd', entries.map((e) => toLeaf(e))).designations);
      expect(await auditLedger(db.manager)).toEqual([]);
    });
  });
});
