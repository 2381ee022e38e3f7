import { campaignFundsAccount, donationEntry, PLATFORM_ACCOUNTS, platformFeeEntry, processingFeeEntry, type EntryInput, type MoneyPlan } from '@ataa/ledger';
import { payoutsPendingAccount, planHold, planNotice, planReversals, planTransfer, type PayoutPlan, type PayoutState } from '@ataa/payouts';
import { balances, liability } from './scenario-balances.js';

/**
 * Money scenario, as the payout planners plan it: a campaign holding one 100.00 gift (Stripe fee
 * 3.20, platform fee 2.00 -> 94.80 in its funds) asks for a 60.00 payout, an operator approves
 * it, Stripe makes the transfer, then reverses 20.00 of it and later the remaining 40.00. Each
 * plan is "recorded" here by applying its change to the payout, as the repository does.
 *
 *   request      hold 60.00:  funds 94.80 -> 34.80, payouts_pending 60.00          (nothing public)
 *   transfer     release + payout: pending 0, funds 34.80, Stripe balance -60.00   (public: payout -60.00)
 *   reversal 1   20.00 back:  funds 54.80                                            (public: payout_reversal +20.00)
 *   reversal 2   40.00 back:  funds 94.80, the payout is reversed                    (public: payout_reversal +40.00)
 */
const campaignId = '11111111-1111-4111-8111-111111111111';
const payoutId = '55555555-5555-4555-8555-555555555555';
const funds = campaignFundsAccount(campaignId);
const pending = payoutsPendingAccount(campaignId);
const requestedAt = new Date('2026-11-20T10:00:00Z');
const TRANSFER_AT = 1_795_000_000; // unix seconds
const gift: EntryInput[] = [
  donationEntry({ campaignId, currency: 'usd', occurredAt: requestedAt, sourceId: 'ch_1' }, 10_000n),
  processingFeeEntry({ campaignId, currency: 'usd', occurredAt: requestedAt, sourceId: 'txn_1' }, 320n),
  platformFeeEntry({ campaignId, currency: 'usd', occurredAt: requestedAt, sourceId: 'ch_1' }, 200n),
];

/** The payout as recorded after a plan (what PayoutRepository.apply writes). */
function after(p: PayoutState, plan: PayoutPlan): PayoutState {
  if (plan.change?.kind === 'paid') return { ...p, status: 'paid' };
  if (plan.change?.kind === 'failed') return { ...p, status: 'failed' };
  if (plan.change?.kind === 'reversed') return { ...p, status: plan.change.status, amountReversed: plan.change.amountReversed };
  return p;
}
const inputs = (...plans: MoneyPlan[]) => plans.flatMap((p) => p.entries.map((e) => e.input));
const publicOf = (plan: MoneyPlan) => plan.entries.filter((e) => e.public).map((e) => `${e.public!.kind} ${e.public!.amount} ${e.public!.payoutPurpose}`);
const kinds = (plan: MoneyPlan) => plan.entries.map((e) => `${e.input.kind}:${e.input.sourceId}`);

describe('scenario: a 60.00 payout paid, then reversed in two parts', () => {
  let payout: PayoutState = { id: payoutId, campaignId, currency: 'usd', amount: 6_000n, status: 'pending_approval', purpose: 'Water pump', amountReversed: 0n };
  const hold = planHold({ payoutId, campaignId, currency: 'usd', amount: 6_000n, occurredAt: requestedAt });
  const approved = planNotice(payoutId, 'approved');
  const paid = planTransfer({ ...payout, status: 'processing' }, { id: 'tr_1', amount: 6_000, currency: 'usd', created: TRANSFER_AT }, [{ index: 0, amount: '6000' }]);
  payout = after({ ...payout, status: 'processing' }, paid);
  // Stripe lists both reversals once the second is made; the webhook for the first came before.
  const first = planReversals(payout, 'tr_1', [{ id: 'trr_1', amount: 2_000, created: TRANSFER_AT + 60 }], new Set());
  payout = after(payout, first);
  const both = [{ id: 'trr_2', amount: 4_000, created: TRANSFER_AT + 120 }, { id: 'trr_1', amount: 2_000, created: TRANSFER_AT + 60 }];
  const second = planReversals(payout, 'tr_1', both, new Set(['trr_1']));
  payout = after(payout, second);
  const again = planReversals(payout, 'tr_1', both, new Set(['trr_1', 'trr_2']));

  it('the request holds 60.00: funds 94.80 - 60.00 = 34.80, pending 60.00; nothing public, no notice in the hold plan', () => {
    expect(kinds(hold)).toEqual([`payout_hold:${payoutId}`]);
    expect(publicOf(hold)).toEqual([]);
    expect(hold.outbox).toEqual([]);
    const b = balances(inputs(hold).concat(gift));
    expect(liability(b, funds)).toBe(3_480n);
    expect(liability(b, pending)).toBe(6_000n);
  });

  it('the approval moves no money: one notice, deduplicated per payout and event', () => {
    expect(approved.entries).toEqual([]);
    expect(approved.outbox).toEqual([{ kind: 'payout_notice', aggregateId: payoutId, payload: { payoutId, event: 'approved' }, dedupeKey: `payout_notice:approved:${payoutId}` }]);
  });

  it('the transfer releases the hold and posts the payout at the transfer time; the public sees -60.00 with the purpose', () => {
    expect(kinds(paid)).toEqual([`payout_hold_release:${payoutId}`, `payout:${payoutId}`]);
    expect(paid.entries.map((e) => e.input.occurredAt)).toEqual([new Date(TRANSFER_AT * 1000), new Date(TRANSFER_AT * 1000)]);
    expect(paid.entries.map((e) => e.input.metadata)).toEqual([{ payout_id: payoutId, transfer_id: 'tr_1' }, { payout_id: payoutId, transfer_id: 'tr_1' }]);
    expect(publicOf(paid)).toEqual(['payout -6000 Water pump']);
    expect(paid.entries[1].public).toEqual({
      campaignId, kind: 'payout', amount: -6_000n, currency: 'usd', occurredAt: new Date(TRANSFER_AT * 1000),
      donorDisplayName: null, donorCommitment: null, publicMessage: null, payoutPurpose: 'Water pump',
      // Leaf format 4: its designation (general: none was named) and the gift it drew from (the campaign's entry 0, FIFO).
      designation: 'general', draws: [{ index: 0, amount: '6000' }],
    });
    expect(paid.change).toEqual({ kind: 'paid', stripeTransferId: 'tr_1', executedAt: new Date(TRANSFER_AT * 1000), draws: [{ index: 0, amount: '6000' }] });
    expect(paid.outbox.map((m) => m.dedupeKey)).toEqual([`payout_notice:paid:${payoutId}`]);
    // funds stay 34.80 (the hold already took the 60.00), nothing pending, Stripe's balance 60.00 lower
    const b = balances(inputs(hold, paid).concat(gift));
    expect(liability(b, funds)).toBe(3_480n);
    expect(liability(b, pending)).toBe(0n);
    // Stripe balance: 100.00 - 3.20 fee - 60.00 transfer = 36.80 = 34.80 funds + 2.00 platform fee
    expect(b.get(PLATFORM_ACCOUNTS.stripeBalance)).toBe(3_680n);
  });

  it('the first reversal brings 20.00 back: funds 54.80, the payout partly reversed (20.00 of 60.00)', () => {
    expect(first.outcome).toBe('payout_partially_reversed');
    expect(kinds(first)).toEqual(['payout_reversal:trr_1']);
    expect(publicOf(first)).toEqual(['payout_reversal 2000 Water pump']);
    expect(first.change).toEqual({ kind: 'reversed', amountReversed: 2_000n, status: 'paid' });
    expect(first.outbox).toEqual([{ kind: 'payout_notice', aggregateId: payoutId, payload: { payoutId, event: 'reversed', reversalId: 'trr_1' }, dedupeKey: 'payout_notice:reversed:trr_1' }]);
    expect(liability(balances(inputs(hold, paid, first).concat(gift)), funds)).toBe(5_480n);
  });

  it('the second read lists both reversals: only the new 40.00 is planned, 20.00 + 40.00 = 60.00 makes the payout reversed', () => {
    expect(second.outcome).toBe('payout_reversed');
    expect(kinds(second)).toEqual(['payout_reversal:trr_2']);
    expect(second.change).toEqual({ kind: 'reversed', amountReversed: 6_000n, status: 'reversed' });
    const b = balances(inputs(hold, paid, first, second).concat(gift));
    expect(liability(b, funds)).toBe(9_480n); // back to 94.80
    expect(b.get(PLATFORM_ACCOUNTS.stripeBalance)).toBe(9_680n); // 94.80 funds + 2.00 platform fee
    expect(payout).toMatchObject({ status: 'reversed', amountReversed: 6_000n });
  });

  it('the same reversals again plan nothing', () => {
    expect(again).toMatchObject({ outcome: 'already_applied', entries: [], outbox: [], change: null });
  });

  it('on the public ledger: 100.00 - 3.20 - 2.00 - 60.00 + 20.00 + 40.00 = 94.80, the campaign funds', () => {
    const shown = [paid, first, second].flatMap((p) => p.entries).reduce((sum, e) => sum + (e.public?.amount ?? 0n), 0n);
    expect(10_000n - 320n - 200n + shown).toBe(9_480n);
  });

  it('reversals listed out of order are planned oldest first (then by id), each once even if listed twice', () => {
    const paidState: PayoutState = { ...payout, status: 'paid', amountReversed: 0n };
    const plan = planReversals(paidState, 'tr_1', [
      { id: 'trr_c', amount: 100, created: TRANSFER_AT + 9 }, { id: 'trr_b', amount: 200, created: TRANSFER_AT + 5 },
      { id: 'trr_a', amount: 300, created: TRANSFER_AT + 5 }, { id: 'trr_b', amount: 200, created: TRANSFER_AT + 5 },
    ], new Set());
    expect(kinds(plan)).toEqual(['payout_reversal:trr_a', 'payout_reversal:trr_b', 'payout_reversal:trr_c']);
    // 3.00 + 2.00 + 1.00 = 6.00 of 60.00: still paid
    expect(plan.change).toEqual({ kind: 'reversed', amountReversed: 600n, status: 'paid' });
  });
});
