import { decideCloseOut, planPledgeBatch, pledgeFigures, pledgesOpen, type PledgeItem } from '@ataa/donations';
import {
  campaignFundsAccount, describeAccount, donationEntry, EntryInput, normalBalance, platformFeeEntry, platformFeeRefundEntry, platformFeeRefundShare,
  processingFeeEntry, refundEntry,
} from '@ataa/ledger';

/**
 * Scenario: an all-or-nothing campaign with a 500.00 USD goal ends with two pledges, 20.00 and
 * 30.00: 50.00 < 500.00, the goal is missed. Stripe fee 2.9% + 0.30, platform fee 2%.
 *
 * With pledges nothing was ever charged: both are released, no entry, no fee; the campaign's funds
 * end at 0.00. Charged at once and refunded (the model before pledges), the same two gifts would
 * have left the campaign at -(0.88 + 1.17) = -2.05: Stripe keeps its fees on a refund.
 */
const campaignId = '66666666-6666-4666-8666-666666666666';
const funds = campaignFundsAccount(campaignId);
const at = new Date('2026-03-01T00:00:00Z');
const base = (sourceId: string) => ({ campaignId, currency: 'usd', occurredAt: at, sourceId });

function balance(entries: EntryInput[], account: string): bigint {
  const sum = entries.flatMap((e) => e.postings).filter((p) => p.account === account).reduce((s, p) => s + p.amount, 0n);
  return normalBalance(describeAccount(account).type, sum);
}

describe('scenario: all-or-nothing pledges, 500.00 goal missed with 50.00 pledged', () => {
  const pledges: PledgeItem[] = [
    { id: 'a', seq: 1, state: 'pledged', amount: 2_000n },
    { id: 'b', seq: 2, state: 'pledged', amount: 3_000n },
  ];

  it('decides to release: 0.00 in gifts + 50.00 pledged < 500.00', () => {
    expect(decideCloseOut({ fundingModel: 'all_or_nothing', goalAmount: 50_000n }, { raised: 0n, refunded: 0n, disputed: 0n, pledged: 5_000n }))
      .toEqual({ decision: 'refund_all', reason: 'goal_missed', raised: 5_000n });
  });

  it('releases every pledge and charges none: zero charges, zero fees, zero entries, funds 0.00', () => {
    const actions = planPledgeBatch('release', pledges, 50);
    expect(actions).toEqual([{ kind: 'release', pledgeId: 'a' }, { kind: 'release', pledgeId: 'b' }]);
    expect(actions.some((a) => a.kind === 'charge')).toBe(false);
    const released = pledges.map((p) => ({ ...p, state: 'released' as const }));
    expect(pledgesOpen('release', released)).toBe(false);
    expect(pledgeFigures(released)).toEqual({ pledgedCount: 0, pledgedAmount: 0n, collectedCount: 0, collectedAmount: 0n, awaitingCount: 0 });
    const entries: EntryInput[] = [];
    expect(balance(entries, funds)).toBe(0n);
  });

  it('charged at once and refunded instead, the campaign would end at -2.05 (the fees Stripe keeps)', () => {
    // 20.00: Stripe 0.58 + 0.30 = 0.88, platform 0.40; 30.00: Stripe 0.87 + 0.30 = 1.17, platform 0.60.
    const old = [
      donationEntry(base('ch_a'), 2_000n), processingFeeEntry(base('txn_a'), 88n), platformFeeEntry(base('ch_a'), 40n),
      donationEntry(base('ch_b'), 3_000n), processingFeeEntry(base('txn_b'), 117n), platformFeeEntry(base('ch_b'), 60n),
      refundEntry(base('re_a'), 2_000n), platformFeeRefundEntry(base('re_a'), platformFeeRefundShare(40n, 2_000n, 0n, 2_000n, 0n)),
      refundEntry(base('re_b'), 3_000n), platformFeeRefundEntry(base('re_b'), platformFeeRefundShare(60n, 3_000n, 0n, 3_000n, 0n)),
    ];
    expect(balance(old, funds)).toBe(-205n);
  });
});
