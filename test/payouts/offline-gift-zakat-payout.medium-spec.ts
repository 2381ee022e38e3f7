import { jest } from '@jest/globals';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import request from 'supertest';
import type Stripe from 'stripe';
import { DataSource } from 'typeorm';
import { TransactionRunner } from '@ataa/database';
import {
  auditLedger, campaignFundsAccount, campaignOfflineFundsAccount, donationEntry, LedgerService, LedgerWriter, platformFeeEntry, processingFeeEntry, type EntryInput, type PlannedEntry,
} from '@ataa/ledger';
import { PayoutExecutionService } from '@ataa/payouts';
import { baseUrlOf, createCampaign, createOrganizationWithOwner, createTestEnvironment, startTestApi, TestEnvironment, TestOrganization } from '@ataa/testing';
import { DesignationReplay, type PublicEntryKind } from '@ataa/transparency';
import { verifyCampaign } from '../../apps/verifier/src/verifier.js';

jest.setTimeout(120_000);

/*
 * Scenario: an offline gift to zakat, then a payout from zakat (issue 21, items 2 and 5).
 * The campaign declares general (first: the default) and zakat (zakat-eligible). Its public log (USD, minor units):
 *   #0 donation      +10000 zakat   (card)                      zakat card money  10000
 *   #1 fee             -320 zakat                                                  9680
 *   #2 platform_fee    -200 zakat                                                  9480
 *   #3 donation       +5000 general (card)                      general card money 5000
 *   #4 offline_gift  +50000 zakat   (cash, REST, format 4)      zakat offline     50000 (never payable)
 *   #5 offline_gift  +20000 general (cheque, no designation given: the first declared, general)
 *   #6 offline_gift_void -20000 general (the cheque bounced: the void stays in general)
 * Public balance: 9480 + 5000 + 50000 = 64480. The campaign's payable `funds` per designation:
 * zakat 9480, general 5000; the offline money sits in `offline_funds` (zakat 50000, general 0).
 *   - a zakat payout of 9481 is refused: 409 insufficient_funds, available 9480 (not 59480);
 *   - a zakat payout of 9000 is made: #7 payout -9000 zakat drawing 9000 from #0 only (the offline
 *     #4 is never drawn), leaving zakat's card money at 480, its offline 50000 apart.
 */
describe('scenario: an offline gift to zakat, then a payout from zakat', () => {
  let env: TestEnvironment;
  let app: NestFastifyApplication;
  let db: DataSource;
  let org: TestOrganization;
  let campaign: { id: string; slug: string };
  const declared = [
    { code: 'general', labelEn: 'Where most needed', labelAr: 'حيث الحاجة أكبر' },
    { code: 'zakat', labelEn: 'Zakat', labelAr: 'الزكاة', zakat: true },
  ];
  const api = () => request(app.getHttpServer());
  const auth = () => ({ authorization: `Bearer ${org.ownerToken}` });
  const yesterday = () => new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
  const offline = (body: Record<string, unknown>) => api().post(`/api/v1/orgs/${org.orgId}/campaigns/${campaign.id}/offline-gifts`).set(auth())
    .send({ currency: 'usd', receivedOn: yesterday(), method: 'cash', reference: 'Cash book 7', donorName: 'Amal Haddad', ...body });
  const payout = (body: Record<string, unknown>) => api().post(`/api/v1/orgs/${org.orgId}/campaigns/${campaign.id}/payouts`).set(auth())
    .send({ currency: 'usd', purpose: 'Zakat to eligible families', ...body });
  const served = async () => (await api().get(`/api/v1/public/campaigns/${campaign.slug}/ledger?order=asc&limit=200`).expect(200)).body.entries as Record<string, any>[];
  const base = (sourceId: string, designation: string) => ({ campaignId: campaign.id, currency: 'usd', occurredAt: new Date(), sourceId: `${sourceId}_${campaign.id}`, designation, metadata: {} });

  /** Card facts as the settlement writer records them (one designation each). */
  async function post(items: { input: EntryInput; kind: PublicEntryKind; amount: bigint }[]) {
    const entries: PlannedEntry[] = items.map(({ input, kind, amount }) => ({
      input,
      public: { campaignId: campaign.id, kind, amount, currency: 'usd', occurredAt: input.occurredAt, donorDisplayName: null, donorCommitment: null, publicMessage: null, payoutPurpose: null, designation: input.designation ?? null },
    }));
    await app.get(TransactionRunner).run((m) => app.get(LedgerWriter).record(m, [{ entries, outbox: [] }]));
  }

  beforeAll(async () => {
    env = await createTestEnvironment();
    app = await startTestApi(env.config, { listen: true });
    db = app.get(DataSource);
    org = await createOrganizationWithOwner(app);
    await db.query(`UPDATE organizations SET payouts_enabled = true, stripe_account_id = 'acct_offline_zakat', payout_approval_threshold = 1000000 WHERE id = $1`, [org.orgId]);
    campaign = await createCampaign(app, org, { title: 'Zakat and relief', designations: declared });
  });
  afterAll(async () => {
    await app?.close();
    await env?.cleanup();
  });

  it('records the offline gifts in their designations: format-4 public entries, the void in the gift\'s designation', async () => {
    await post([
      { input: donationEntry(base('ch1', 'zakat'), 10_000n), kind: 'donation', amount: 10_000n },
      { input: processingFeeEntry(base('txn1', 'zakat'), 320n), kind: 'fee', amount: -320n },
      { input: platformFeeEntry(base('ch1', 'zakat'), 200n), kind: 'platform_fee', amount: -200n },
      { input: donationEntry(base('ch2', 'general'), 5_000n), kind: 'donation', amount: 5_000n },
    ]);
    const zakat = await offline({ amount: '500.00', designation: 'zakat' }).expect(201);
    expect(zakat.body).toMatchObject({ designation: 'zakat', publicIndex: 4, amount: '50000' });
    const cheque = await offline({ amount: '200', method: 'cheque', reference: 'Cheque 88' }).expect(201);
    expect(cheque.body).toMatchObject({ designation: 'general', publicIndex: 5 });
    const voided = await api().post(`/api/v1/orgs/${org.orgId}/campaigns/${campaign.id}/offline-gifts/${cheque.body.id}/void`).set(auth()).send({ reason: 'Cheque bounced' }).expect(200);
    expect(voided.body).toMatchObject({ status: 'voided', voidPublicIndex: 6, designation: 'general' });

    const leaves = await db.query(`SELECT idx::int, kind, leaf_format, designation FROM public_ledger_entries WHERE campaign_id = $1 ORDER BY idx`, [campaign.id]);
    expect(leaves.map((l: { idx: number; kind: string; leaf_format: number; designation: string }) => `${l.idx} ${l.kind} v${l.leaf_format} ${l.designation}`)).toEqual([
      '0 donation v4 zakat', '1 fee v4 zakat', '2 platform_fee v4 zakat', '3 donation v4 general', '4 offline_gift v4 zakat', '5 offline_gift v4 general', '6 offline_gift_void v4 general',
    ]);
    const ledger = app.get(LedgerService);
    // Payable funds per designation: the card money only (9480 zakat, 5000 general).
    expect(Object.fromEntries(await ledger.designationBalances(campaignFundsAccount(campaign.id), 'usd'))).toEqual({ general: 5_000n, zakat: 9_480n });
    // The organization's offline money per designation: 50000 zakat, general 20000 - 20000 = 0.
    expect(Object.fromEntries(await ledger.designationBalances(campaignOfflineFundsAccount(campaign.id), 'usd'))).toEqual({ general: 0n, zakat: 50_000n });
    expect(await auditLedger(db.manager)).toEqual([]);
  });

  it('zakat\'s card money governs the payout: 9481 is refused with 9480 available, whatever the offline 500.00', async () => {
    const beyond = await payout({ amount: '9481', designation: 'zakat' });
    expect(beyond.status).toBe(409);
    expect(beyond.body).toMatchObject({ code: 'insufficient_funds', designation: 'zakat', available: '9480' });
    const [{ n }] = await db.query(`SELECT count(*)::int AS n FROM payouts WHERE campaign_id = $1`, [campaign.id]);
    expect(n).toBe(0);
  });

  it('a zakat payout of 90.00 draws the card gift #0 only, never the offline gift; the served log replays and verifies', async () => {
    const made = await payout({ amount: '9000', designation: 'zakat' });
    expect(made.status).toBe(201);
    await db.query(`UPDATE payouts SET status = 'processing' WHERE id = $1`, [made.body.id]);
    const transfer = { id: `tr_${made.body.id.slice(0, 8)}`, amount: 9000, currency: 'usd', created: Math.floor(Date.now() / 1000) } as Stripe.Transfer;
    expect(await app.get(PayoutExecutionService).recordTransfer(transfer, made.body.id)).toBe('paid');

    const entries = await served();
    const paid = entries.find((e) => e.kind === 'payout')!;
    expect(paid).toMatchObject({ index: 7, amount: '-9000', designation: 'zakat', draws: [{ index: 0, amount: '9000' }] });
    // zakat card money: 9480 - 9000 = 480 (its 50000 offline apart)
    expect(Object.fromEntries(await app.get(LedgerService).designationBalances(campaignFundsAccount(campaign.id), 'usd'))).toEqual({ general: 5_000n, zakat: 480n });

    const replay = new DesignationReplay();
    expect(entries.flatMap((e) => replay.apply(e as Parameters<DesignationReplay['apply']>[0]))).toEqual([]);
    expect(replay.summary()).toEqual([
      { designation: 'general', gifts: 5_000n, paidOut: 0n, funds: 5_000n },
      { designation: 'zakat', gifts: 10_000n, paidOut: 9_000n, funds: 480n },
    ]);

    // The CLI verifier: every leaf hashed (format-4 offline ones included), proofs, FIFO draws, offline money apart.
    const lines: string[] = [];
    const result = await verifyCampaign(`${await baseUrlOf(app)}/c/${campaign.slug}`, { log: (line) => lines.push(line) });
    expect(result.entries).toBe(8);
    expect(lines).toContain('designation zakat: gifts 10000, paid out 9000 (never beyond its funds; every payout\'s drawn-from list adds up, first in first out), left 480 usd; offline 50000 usd apart (recorded by the organization, never paid out)');

    // The in-browser verifier hashes the format-4 offline leaves as the server did, and opens the donor's commitment.
    // (It looks for the ledger page's panel when loaded: no page here, so no panel.)
    const scriptPath = '../../apps/api/public/verify-ledger.js';
    const global = globalThis as { document?: unknown };
    global.document = { getElementById: () => null };
    const script = await import(scriptPath).finally(() => delete global.document);
    for (const entry of entries.filter((e) => e.kind === 'offline_gift' || e.kind === 'offline_gift_void')) {
      expect(entry.v).toBe(4);
      const hash = Buffer.from(await script.leafHashOf(entry)).toString('hex');
      expect(hash).toBe(entry.leafHash);
      await expect(script.checkPersonalFields(entry)).resolves.toEqual({ redacted: [], unverifiable: false });
      // Its designation is hashed: served as another designation, the leaf no longer matches.
      expect(Buffer.from(await script.leafHashOf({ ...entry, designation: entry.designation === 'zakat' ? 'general' : 'zakat' })).toString('hex')).not.toBe(entry.leafHash);
    }
    expect(await auditLedger(db.manager)).toEqual([]);
  });
});
