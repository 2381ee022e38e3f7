import {
  decideCloseOut, graceEnd, planChargeOutcome, planGrace, planPledgeBatch, pledgeChargeKey, pledgeFigures, type PledgeItem, type PledgeState,
} from '@ataa/donations';
import { campaignFundsAccount, describeAccount, donationEntry, EntryInput, normalBalance, platformFeeEntry, processingFeeEntry } from '@ataa/ledger';

/**
 * Scenario: an all-or-nothing campaign with a 100.00 USD goal ends with three pledges and no gift.
 * Stripe fee 2.9% + 0.30, platform fee 2%. Close-out batches of 2.
 *
 *   pledge A 40.00, card declined off-session; the donor pays on the mailed link on day 3 of 7
 *   pledge B 35.00, the bank asks for 3-D Secure; the donor never comes back
 *   pledge C 30.00, charged off-session
 *
 * Pledged 105.00 >= 100.00: the goal is met and the pledges are charged. Collected:
 *   A 40.00: Stripe fee 1.16 + 0.30 = 1.46, platform fee 0.80
 *   C 30.00: Stripe fee 0.87 + 0.30 = 1.17, platform fee 0.60
 * B fails after the grace period: nothing charged, nothing in the ledger.
 */
const campaignId = '55555555-5555-4555-8555-555555555555';
const funds = campaignFundsAccount(campaignId);
const endedAt = new Date('2026-03-01T00:00:00Z');
const day = (n: number) => new Date(endedAt.getTime() + n * 86_400_000);
const base = (sourceId: string, at: Date) => ({ campaignId, currency: 'usd', occurredAt: at, sourceId });

function balance(entries: EntryInput[], account: string): bigint {
  const sum = entries.flatMap((e) => e.postings).filter((p) => p.account === account).reduce((s, p) => s + p.amount, 0n);
  return normalBalance(describeAccount(account).type, sum);
}

describe('scenario: all-or-nothing pledges, 100.00 goal met by 105.00 pledged', () => {
  let pledges: PledgeItem[] = [
    { id: 'a', seq: 1, state: 'pledged', amount: 4_000n },
    { id: 'b', seq: 2, state: 'pledged', amount: 3_500n },
    { id: 'c', seq: 3, state: 'pledged', amount: 3_000n },
  ];
  const set = (id: string, state: PledgeState) => {
    pledges = pledges.map((p) => (p.id === id ? { ...p, state } : p));
  };

  it('before the end: 105.00 pledged in 3 pledges (unverified), nothing collected, nothing in the ledger', () => {
    expect(pledgeFigures(pledges)).toEqual({ pledgedCount: 3, pledgedAmount: 10_500n, collectedCount: 0, collectedAmount: 0n, awaitingCount: 0 });
  });

  it('the goal counts pledged amounts: 0.00 in gifts + 105.00 pledged >= 100.00, so the pledges are charged', () => {
    expect(decideCloseOut({ fundingModel: 'all_or_nothing', goalAmount: 10_000n }, { raised: 0n, refunded: 0n, disputed: 0n, pledged: 10_500n }))
      .toEqual({ decision: 'keep', reason: 'goal_met', raised: 10_500n });
  });

  it('charges in batches of 2, each under its own key: [A, B] then [C]', () => {
    const first = planPledgeBatch('collect', pledges, 2);
    expect(first.map((a) => a.kind === 'charge' && [a.pledgeId, a.amount, a.idempotencyKey])).toEqual([['a', 4_000n, pledgeChargeKey('a')], ['b', 3_500n, pledgeChargeKey('b')]]);
    // A is declined, B needs 3-D Secure: both wait for their donor until day 7.
    const a = planChargeOutcome({ kind: 'card_error', code: 'card_declined', paymentIntentId: 'pi_a' }, endedAt);
    const b = planChargeOutcome({ kind: 'card_error', code: 'authentication_required', paymentIntentId: 'pi_b' }, endedAt);
    expect([a.next, b.next]).toEqual(['awaiting_donor', 'awaiting_donor']);
    expect(a.next === 'awaiting_donor' && a.graceEndsAt).toEqual(day(7));
    set('a', 'awaiting_donor');
    set('b', 'awaiting_donor');
    // The worker stops here; the next run takes [C] only, never A or B again.
    expect(planPledgeBatch('collect', pledges, 2).map((x) => x.pledgeId)).toEqual(['c']);
    expect(planChargeOutcome({ kind: 'succeeded', paymentIntentId: 'pi_c' }, endedAt).next).toBe('collected');
    set('c', 'collected');
    expect(planPledgeBatch('collect', pledges, 2)).toEqual([]);
  });

  it('A pays on its page on day 3 (collected); B is failed once the seven days are over', () => {
    expect(planGrace({ state: 'awaiting_donor', graceEndsAt: graceEnd(endedAt), giftSettled: true }, day(3))).toBe('collected');
    set('a', 'collected');
    expect(planGrace({ state: 'awaiting_donor', graceEndsAt: graceEnd(endedAt), giftSettled: false }, day(6))).toBe('waiting');
    expect(planGrace({ state: 'awaiting_donor', graceEndsAt: graceEnd(endedAt), giftSettled: false }, day(7))).toBe('failed');
    set('b', 'failed');
    expect(pledgeFigures(pledges)).toEqual({ pledgedCount: 0, pledgedAmount: 0n, collectedCount: 2, collectedAmount: 7_000n, awaitingCount: 0 });
  });

  it('the ledger holds only collected money: 70.00 - 2.63 Stripe fees - 1.40 platform fees = 65.97 for the campaign', () => {
    const entries = [
      donationEntry(base('ch_c', endedAt), 3_000n), processingFeeEntry(base('txn_c', endedAt), 117n), platformFeeEntry(base('ch_c', endedAt), 60n),
      donationEntry(base('ch_a', day(3)), 4_000n), processingFeeEntry(base('txn_a', day(3)), 146n), platformFeeEntry(base('ch_a', day(3)), 80n),
    ];
    expect(balance(entries, funds)).toBe(7_000n - 263n - 140n);
    expect(balance(entries, funds)).toBe(6_597n);
    // Stripe's balance: 70.00 charged - 2.63 fees = 67.37; B's 35.00 never appears.
    expect(balance(entries, 'platform:stripe_balance')).toBe(6_737n);
    for (const e of entries) expect(e.postings.reduce((s, p) => s + p.amount, 0n)).toBe(0n);
  });
});
