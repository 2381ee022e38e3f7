import {
  campaignFundsAccount, describeAccount, disputeEntry, disputeFeeEntry, disputeFeeRefundEntry, disputeReversalEntry, donationEntry, EntryInput,
  normalBalance, platformFeeEntry, platformFeeRefundEntry, platformFeeRefundShare, processingFeeEntry, refundEntry,
} from '@ataa/ledger';

const campaignId = '33333333-3333-4333-8333-333333333333';
const funds = campaignFundsAccount(campaignId);
const at = new Date('2026-02-01T00:00:00Z');
const base = (sourceId: string) => ({ campaignId, currency: 'usd', occurredAt: at, sourceId });

function balance(entries: EntryInput[], account: string): bigint {
  const sum = entries.flatMap((e) => e.postings).filter((p) => p.account === account).reduce((s, p) => s + p.amount, 0n);
  return normalBalance(describeAccount(account).type, sum);
}

/** The 100.00 USD gift of the first scenario, settled: campaign 94.80, fee revenue 2.00. */
const settled = [donationEntry(base('ch_1'), 10_000n), processingFeeEntry(base('txn_1'), 320n), platformFeeEntry(base('ch_1'), 200n)];

describe('scenario: partial refunds of 30.00 then 70.00', () => {
  // first refund 30.00: platform fee due back = floor(200 * 3000 / 10000) = 60
  const share1 = platformFeeRefundShare(200n, 10_000n, 0n, 3_000n, 0n);
  // second refund 70.00 completes the refund: the rest of the platform fee, 200 - 60 = 140
  const share2 = platformFeeRefundShare(200n, 10_000n, 3_000n, 7_000n, share1);
  const entries = [
    ...settled,
    refundEntry(base('re_1'), 3_000n), platformFeeRefundEntry(base('re_1'), share1),
    refundEntry(base('re_2'), 7_000n), platformFeeRefundEntry(base('re_2'), share2),
  ];

  it('returns the platform fee proportionally, exactly in total', () => {
    expect(share1).toBe(60n);
    expect(share2).toBe(140n);
  });

  it('leaves the campaign bearing only the Stripe fee (Stripe keeps it): 94.80 - 100.00 + 2.00 = -3.20', () => {
    expect(balance(entries, funds)).toBe(-320n);
    expect(balance(entries, 'platform:fee_revenue')).toBe(0n);
    expect(balance(entries, 'platform:stripe_balance')).toBe(-320n);
  });
});

describe('scenario: a dispute of the full 100.00, 15.00 dispute fee', () => {
  const opened = [...settled, disputeEntry(base('dp_1'), 10_000n), disputeFeeEntry(base('dp_1'), 1_500n)];

  it('withdraws the amount from the campaign and the fee from the platform', () => {
    // campaign: 94.80 - 100.00 = -5.20; platform dispute losses: 15.00
    expect(balance(opened, funds)).toBe(-520n);
    expect(balance(opened, 'platform:dispute_losses')).toBe(1_500n);
    // Stripe balance: 96.80 - 100.00 - 15.00 = -18.20
    expect(balance(opened, 'platform:stripe_balance')).toBe(-1_820n);
  });

  it('when won, reinstates the amount and the fee refund: back to 94.80 and no loss', () => {
    const won = [...opened, disputeReversalEntry(base('dp_1'), 10_000n), disputeFeeRefundEntry(base('dp_1'), 1_500n)];
    expect(balance(won, funds)).toBe(9_480n);
    expect(balance(won, 'platform:dispute_losses')).toBe(0n);
    expect(balance(won, 'platform:stripe_balance')).toBe(9_680n);
  });
});
