import { planSettlement, type Donation, type SettlementFacts, type SettlementPlan } from '@ataa/donations';
import type { EntryInput, PlannedEntry } from '@ataa/ledger';
import { planHold, planPartDraws, planReversals, planTransfer, planDraws, type PayoutState } from '@ataa/payouts';
import { DesignationReplay, payoutShares, type PayoutPart } from '@ataa/transparency';
import { FIXED_IDS, pendingGift } from '../donations/settlement/plan-kit.js';
import { appendAll, designationFunds as fundsOf, pendingTotal as pendingOf, type LoggedEntry } from './designation-scenario-kit.js';

/**
 * Money scenario: gifts to general and zakat, one zakat gift refunded in full, a payout split across
 * general and zakat whose zakat part skips the refunded gift, then a partial reversal. USD, minor
 * units; every gift is 50.00 with a 3% platform fee (1.50) and Stripe's fee 1.75.
 *
 *   #0 donation  +5000 general (G)   #1 platform_fee -150   #2 fee -175        general 46.75
 *   #3 donation  +5000 zakat   (Z1)  #4 platform_fee -150   #5 fee -175
 *   #6 donation  +5000 zakat   (Z2)  #7 platform_fee -150   #8 fee -175        zakat   93.50
 *   #9 refund    -4850 zakat "refund of entry 3: 5000" (50.00 back to the donor, the 1.50
 *                platform fee returned with it: the entry is net of it)        zakat   45.00
 * Z1's drawable amount is now 5000 - 5000 = 0; Z2's 5000; G's 5000.
 *
 * Split payout P of 85.00: general 40.00 + zakat 45.00 (each within its designation's funds:
 * general 46.75, zakat 45.00).
 *   hold      funds general -4000, zakat -4500 -> general 6.75, zakat 0.00; pending 85.00 (two postings per side)
 *   transfer  #10 payout -8500 (format 5): general 4000 from #0; zakat 4500 from #6 (FIFO skips #3,
 *             refunded in full — before this rule it would have drawn 4500 from #3)
 *   reversal  #11 20.00 back (format 5): to the last part first -> zakat +2000: zakat funds 20.00;
 *             zakat's latest draw gives back: #6 drawn 2500, drawable again 2500.
 *   a later zakat payout of 20.00 draws 2000 from #6.
 */
const campaignId = '11111111-1111-4111-8111-111111111111';
const payoutId = '55555555-5555-4555-8555-555555555555';
const CHARGED_AT = 1_772_359_300;

const designationFunds = (entries: EntryInput[]) => fundsOf(entries, campaignId);
const pendingTotal = (entries: EntryInput[]) => pendingOf(entries, campaignId);

const charge = (id: string, refunds: SettlementFacts['refunds'] = null): SettlementFacts => ({
  session: null, paymentIntentId: `pi_${id}`, refunds, disputes: null,
  charge: { id, status: 'succeeded', paid: true, amount: 5_000, currency: 'usd', created: CHARGED_AT, balance_transaction: { id: `txn_${id}`, currency: 'usd', amount: 5_000, fee: 175, exchange_rate: null, created: CHARGED_AT } },
});
const gift = (n: number, designation: string): Donation => pendingGift({ id: `22222222-2222-4222-8222-00000000000${n}`, campaignId, designation, stripeCheckoutSessionId: `cs_${n}` } as Partial<Donation>);

describe('scenario: a payout split across general and zakat skips a refunded zakat gift, then is partly reversed', () => {
  const log: LoggedEntry[] = [];
  const journal: EntryInput[] = [];
  const record = (plan: { entries: PlannedEntry[] }) => {
    journal.push(...plan.entries.map((e) => e.input));
    appendAll(log, plan.entries);
  };
  // The three gifts settle (#0-#8), then Z1 is refunded in full (#9); the row keeps Z1's index (3).
  const settled: SettlementPlan[] = [planSettlement({ donation: gift(1, 'general'), posted: new Set(), refunds: [], disputes: [] }, charge('ch_g'), FIXED_IDS)];
  record(settled[0]);
  const z1 = planSettlement({ donation: gift(2, 'zakat'), posted: new Set(), refunds: [], disputes: [] }, charge('ch_z1'), FIXED_IDS);
  record(z1);
  record(planSettlement({ donation: gift(3, 'zakat'), posted: new Set(), refunds: [], disputes: [] }, charge('ch_z2'), FIXED_IDS));
  const refund = planSettlement({ ...z1.next, donation: { ...z1.next.donation, publicLeafIndex: '3' } },
    charge('ch_z1', [{ id: 're_1', amount: 5_000, status: 'succeeded', created: CHARGED_AT + 60, metadata: {}, balance_transaction: null }]), FIXED_IDS);
  record(refund);

  let payout: PayoutState = {
    id: payoutId, campaignId, currency: 'usd', amount: 8_500n, status: 'processing', purpose: 'Winter parcels', amountReversed: 0n, designation: null,
    parts: [{ designation: 'general', amount: 4_000n }, { designation: 'zakat', amount: 4_500n }],
  };
  const hold = planHold({ payoutId, campaignId, currency: 'usd', amount: 8_500n, occurredAt: new Date(CHARGED_AT * 1000), parts: payout.parts });
  const draws: PayoutPart[] = planPartDraws(log, payout.parts!);

  it('the log before the payout: general 46.75, zakat 45.00; the refund names the gift it refunds', () => {
    expect(log.map((e) => `#${e.index} ${e.kind} ${e.amount} ${e.designation}${e.purpose ? ` "${e.purpose}"` : ''}`)).toEqual([
      '#0 donation 5000 general', '#1 platform_fee -150 general', '#2 fee -175 general',
      '#3 donation 5000 zakat', '#4 platform_fee -150 zakat', '#5 fee -175 zakat',
      '#6 donation 5000 zakat', '#7 platform_fee -150 zakat', '#8 fee -175 zakat',
      '#9 refund -4850 zakat "refund of entry 3: 5000"',
    ]);
    expect(designationFunds(journal)).toEqual({ general: 4_675n, zakat: 4_500n });
  });

  it('the hold reserves each part in its designation: general 6.75 and zakat 0.00 left, 85.00 pending', () => {
    const after = [...journal, ...hold.entries.map((e) => e.input)];
    expect(designationFunds(after)).toEqual({ general: 675n, zakat: 0n });
    expect(pendingTotal(after)).toBe(8_500n);
  });

  it('the transfer draws first in, first out within each part, skipping the refunded gift #3', () => {
    expect(draws).toEqual([
      { designation: 'general', amount: '4000', draws: [{ index: 0, amount: '4000' }] },
      { designation: 'zakat', amount: '4500', draws: [{ index: 6, amount: '4500' }] },
    ]);
    const paid = planTransfer(payout, { id: 'tr_1', amount: 8_500, currency: 'usd', created: CHARGED_AT + 3600 }, draws);
    journal.push(...hold.entries.map((e) => e.input));
    record(paid);
    payout = { ...payout, status: 'paid' };
    expect(log[10]).toMatchObject({ index: 10, kind: 'payout', amount: '-8500', v: 5, parts: draws });
    expect(designationFunds(journal)).toEqual({ general: 675n, zakat: 0n });
    expect(pendingTotal(journal)).toBe(0n);
    // How much of the payout went to which designation (the report's accessor).
    expect(payoutShares({ v: 5, kind: 'payout', amount: '-8500', parts: draws }).map((s) => `${s.designation} ${s.amount}`)).toEqual(['general 4000', 'zakat 4500']);
  });

  it('a 20.00 reversal comes back to the last part (zakat); zakat\'s latest draw becomes drawable again', () => {
    const back = planReversals(payout, 'tr_1', [{ id: 'trr_1', amount: 2_000, created: CHARGED_AT + 7200 }], new Set());
    record(back);
    expect(log[11]).toMatchObject({ index: 11, kind: 'payout_reversal', amount: '2000', v: 5, parts: [{ designation: 'zakat', amount: '2000' }] });
    expect(designationFunds(journal)).toEqual({ general: 675n, zakat: 2_000n });
    // #6 was drawn 4500, 2000 came back: drawable 2500, and #3 (refunded) still none.
    expect(planDraws(log, 'zakat', 2_000n)).toEqual([{ index: 6, amount: '2000' }]);
  });

  it('the public log alone replays to the same draws; a draw from the refunded gift is caught', () => {
    const replay = new DesignationReplay();
    expect(log.flatMap((e) => replay.apply(e as Parameters<DesignationReplay['apply']>[0]))).toEqual([]);
    expect(replay.summary()).toEqual([
      { designation: 'general', gifts: 5_000n, paidOut: 4_000n, funds: 675n },
      { designation: 'zakat', gifts: 10_000n, paidOut: 2_500n, funds: 2_000n },
    ]);
    expect(replay.drawable(3)).toBe(0n);
    const forged = new DesignationReplay();
    const problems = log.flatMap((e) => forged.apply((e.index === 10
      ? { ...e, parts: [draws[0], { designation: 'zakat', amount: '4500', draws: [{ index: 3, amount: '4500' }] }] } : e) as Parameters<DesignationReplay['apply']>[0]));
    expect(problems).toEqual(['entry 10 (payout, part zakat) draws 4500 from entry 3, but first in, first out within zakat gives 4500 from entry 6']);
  });
});
