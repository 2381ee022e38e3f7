import { planSettlement, type DisputeFact, type Donation, type SettlementFacts, type SettlementPlan } from '@ataa/donations';
import type { EntryInput, PlannedEntry } from '@ataa/ledger';
import { designationAvailable, planDraws, planHold, planTransfer, resolvePayoutAmount, type PayoutState } from '@ataa/payouts';
import { DesignationReplay } from '@ataa/transparency';
import { FIXED_IDS, pendingGift } from '../donations/settlement/plan-kit.js';
import { appendAll, designationFunds as fundsOf, pendingTotal as pendingOf, type LoggedEntry } from './designation-scenario-kit.js';

/**
 * Money scenario: disputes on designated gifts (docs/designations.md: refunds and disputes reduce the
 * designation they came from, a dispute entry names its gift, FIFO payout draws skip what a dispute
 * took). USD, minor units; every gift is 50.00 with a 3% platform fee (1.50) and Stripe's fee 1.75,
 * so each gift leaves 46.75 in its designation.
 *
 *   #0  donation  +5000 general (G)    #1  platform_fee -150   #2  fee -175     general 46.75
 *   #3  donation  +5000 zakat   (Z1)   #4  platform_fee -150   #5  fee -175
 *   #6  donation  +5000 zakat   (Z2)   #7  platform_fee -150   #8  fee -175
 *   #9  donation  +5000 zakat   (Z3)   #10 platform_fee -150   #11 fee -175     zakat 140.25
 *   #12 dispute   -5000 zakat "dispute of entry 3"  (Z1 disputed, then lost)     zakat  90.25
 *       (the 15.00 dispute fee is the platform's loss: not in the campaign's funds, not public)
 *   #13 dispute   -5000 zakat "dispute of entry 6"  (Z2 disputed...)            zakat  40.25
 *   #14 dispute_reversal +5000 zakat "dispute reversal of entry 6"  (...and won) zakat  90.25
 * General is untouched: 46.75.
 * Drawable per zakat gift: Z1 (#3) 5000 - 5000 = 0; Z2 (#6) 5000 - 5000 + 5000 = 5000; Z3 (#9) 5000.
 *
 * A zakat payout of 90.26 is refused (insufficient_funds: zakat holds 90.25, the campaign 137.00).
 * A zakat payout of 90.25 (all of it):
 *   hold      zakat -9025 -> zakat 0.00; pending 90.25
 *   transfer  #15 payout -9025 zakat: draws 5000 from #6 (the won dispute gave it all back) and 4025
 *             from #9, skipping #3 (taken by the lost dispute; without the reference it would draw
 *             5000 from #3 and 4025 from #6)
 * After it nothing is left to pay from zakat: a further 0.01 is refused.
 */
const campaignId = '11111111-1111-4111-8111-111111111111';
const payoutId = '66666666-6666-4666-8666-666666666666';
const CHARGED_AT = 1_772_359_300;

const designationFunds = (entries: EntryInput[]) => fundsOf(entries, campaignId);
const pendingTotal = (entries: EntryInput[]) => pendingOf(entries, campaignId);

const charge = (id: string, disputes: DisputeFact[] | null = null): SettlementFacts => ({
  session: null, paymentIntentId: `pi_${id}`, refunds: null, disputes,
  charge: { id, status: 'succeeded', paid: true, amount: 5_000, currency: 'usd', created: CHARGED_AT, balance_transaction: { id: `txn_${id}`, currency: 'usd', amount: 5_000, fee: 175, exchange_rate: null, created: CHARGED_AT } },
});
/** Stripe's balance transactions of a dispute: the 50.00 withdrawn with a 15.00 fee, and (won) both given back. */
const withdrawn = (id: string) => ({ id: `txn_${id}`, currency: 'usd', amount: -5_000, fee: 1_500, exchange_rate: null, created: CHARGED_AT + 600, reporting_category: 'dispute' });
const reinstated = (id: string) => ({ id: `txn_${id}_won`, currency: 'usd', amount: 5_000, fee: -1_500, exchange_rate: null, created: CHARGED_AT + 1200, reporting_category: 'dispute_reversal' });
const dispute = (id: string, status: string, won = false): DisputeFact => ({
  id, amount: 5_000, status, reason: 'fraudulent', created: CHARGED_AT + 600, balance_transactions: won ? [withdrawn(id), reinstated(id)] : [withdrawn(id)],
});
const gift = (n: number, designation: string): Donation => pendingGift({ id: `22222222-2222-4222-8222-00000000001${n}`, campaignId, designation, stripeCheckoutSessionId: `cs_d${n}` } as Partial<Donation>);
const codeOf = (f: () => unknown) => {
  try {
    f();
    return null;
  } catch (error) {
    return (error as { code?: string }).code;
  }
};

describe('scenario: a zakat payout skips the gift a lost dispute took and draws fully from the one a won dispute gave back', () => {
  const log: LoggedEntry[] = [];
  const journal: EntryInput[] = [];
  const record = (plan: { entries: PlannedEntry[] }) => {
    journal.push(...plan.entries.map((e) => e.input));
    appendAll(log, plan.entries);
  };
  // The four gifts settle (#0-#11); each row then keeps its gift's index, as the appender sets it.
  const settle = (n: number, designation: string, chargeId: string) => planSettlement({ donation: gift(n, designation), posted: new Set(), refunds: [], disputes: [] }, charge(chargeId), FIXED_IDS);
  const indexed = (plan: SettlementPlan, index: number) => ({ ...plan.next, donation: { ...plan.next.donation, publicLeafIndex: String(index) } });
  record(settle(1, 'general', 'ch_g'));
  const z1 = settle(2, 'zakat', 'ch_z1');
  record(z1);
  const z2 = settle(3, 'zakat', 'ch_z2');
  record(z2);
  record(settle(4, 'zakat', 'ch_z3'));
  // Z1: a dispute Stripe reports already lost (#12).
  const lost = planSettlement(indexed(z1, 3), charge('ch_z1', [dispute('dp_z1', 'lost')]), FIXED_IDS);
  record(lost);
  // Z2: a dispute opened (#13), then won (#14): the second observation posts only the reversal.
  const opened = planSettlement(indexed(z2, 6), charge('ch_z2', [dispute('dp_z2', 'needs_response')]), FIXED_IDS);
  record(opened);
  const won = planSettlement(opened.next, charge('ch_z2', [dispute('dp_z2', 'won', true)]), FIXED_IDS);
  record(won);

  it('the disputes reduce zakat, the designation their gifts came from; each dispute entry names its gift', () => {
    expect(log.map((e) => `#${e.index} ${e.kind} ${e.amount} ${e.designation}${e.purpose ? ` "${e.purpose}"` : ''}`)).toEqual([
      '#0 donation 5000 general', '#1 platform_fee -150 general', '#2 fee -175 general',
      '#3 donation 5000 zakat', '#4 platform_fee -150 zakat', '#5 fee -175 zakat',
      '#6 donation 5000 zakat', '#7 platform_fee -150 zakat', '#8 fee -175 zakat',
      '#9 donation 5000 zakat', '#10 platform_fee -150 zakat', '#11 fee -175 zakat',
      '#12 dispute -5000 zakat "dispute of entry 3"',
      '#13 dispute -5000 zakat "dispute of entry 6"',
      '#14 dispute_reversal 5000 zakat "dispute reversal of entry 6"',
    ]);
    // The ledger's postings say the same: the dispute and its reversal moved zakat's funds, never general's.
    for (const plan of [lost, opened, won]) {
      const moved = plan.entries.map((e) => e.input).filter((e) => e.kind === 'dispute' || e.kind === 'dispute_reversal');
      expect(moved.length).toBe(1);
      expect(Object.keys(designationFunds(moved))).toEqual(['zakat']);
    }
    expect(designationFunds(journal)).toEqual({ general: 4_675n, zakat: 9_025n });
    expect([lost.next.donation.status, won.next.donation.status]).toEqual(['dispute_lost', 'dispute_won']);
  });

  it('a zakat payout beyond zakat\'s funds is refused, though the campaign holds more', () => {
    const funds = designationFunds(journal);
    const campaignAvailable = funds.general + funds.zakat; // 137.00
    const zakat = designationAvailable({ funds: funds.zakat, pending: 0n, refundsInFlight: 0n, campaignAvailable });
    expect(zakat).toBe(9_025n);
    expect(codeOf(() => resolvePayoutAmount(9_026n, 'usd', 'usd', zakat))).toBe('insufficient_funds');
    expect(resolvePayoutAmount(9_025n, 'usd', 'usd', zakat)).toBe(9_025n);
  });

  it('the zakat payout draws first in, first out, skipping the lost-dispute gift #3 and drawing the won one #6 fully', () => {
    let payout: PayoutState = { id: payoutId, campaignId, currency: 'usd', amount: 9_025n, status: 'processing', purpose: 'Zakat for families', amountReversed: 0n, designation: 'zakat' };
    const hold = planHold({ payoutId, campaignId, currency: 'usd', amount: 9_025n, occurredAt: new Date(CHARGED_AT * 1000), designation: 'zakat' });
    journal.push(...hold.entries.map((e) => e.input));
    expect(designationFunds(journal)).toEqual({ general: 4_675n, zakat: 0n });
    expect(pendingTotal(journal)).toBe(9_025n);
    const draws = planDraws(log, 'zakat', 9_025n);
    expect(draws).toEqual([{ index: 6, amount: '5000' }, { index: 9, amount: '4025' }]);
    record(planTransfer(payout, { id: 'tr_z', amount: 9_025, currency: 'usd', created: CHARGED_AT + 3600 }, draws));
    payout = { ...payout, status: 'paid' };
    expect(log[15]).toMatchObject({ index: 15, kind: 'payout', amount: '-9025', designation: 'zakat', draws });
    expect(designationFunds(journal)).toEqual({ general: 4_675n, zakat: 0n });
    expect(pendingTotal(journal)).toBe(0n);
    // Nothing is left to pay from zakat now (the general 46.75 is not zakat's).
    const after = designationAvailable({ funds: 0n, pending: 0n, refundsInFlight: 0n, campaignAvailable: 4_675n });
    expect(codeOf(() => resolvePayoutAmount(1n, 'usd', 'usd', after))).toBe('insufficient_funds');
  });

  it('the public log alone replays to the same funds and draws; a draw from the lost-dispute gift is caught', () => {
    const replay = new DesignationReplay();
    expect(log.flatMap((e) => replay.apply(e as Parameters<DesignationReplay['apply']>[0]))).toEqual([]);
    expect(replay.summary()).toEqual([
      { designation: 'general', gifts: 5_000n, paidOut: 0n, funds: 4_675n },
      { designation: 'zakat', gifts: 15_000n, paidOut: 9_025n, funds: 0n },
    ]);
    expect([replay.drawable(3), replay.drawable(6), replay.drawable(9)]).toEqual([0n, 0n, 975n]);
    const forged = new DesignationReplay();
    const problems = log.flatMap((e) => forged.apply((e.index === 15
      ? { ...e, draws: [{ index: 3, amount: '5000' }, { index: 6, amount: '4025' }] } : e) as Parameters<DesignationReplay['apply']>[0]));
    expect(problems).toEqual(['entry 15 (payout) draws 5000 from entry 3, 4025 from entry 6, but first in, first out within zakat gives 5000 from entry 6, 4025 from entry 9']);
  });
});
