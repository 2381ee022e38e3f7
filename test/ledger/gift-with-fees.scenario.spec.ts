import { campaignFundsAccount, donationEntry, normalBalance, describeAccount, platformFee, platformFeeEntry, processingFeeEntry, validateEntry, EntryInput } from '@ataa/ledger';

/** Scenario: a 100.00 USD gift, Stripe fee 3.20, platform fee 2% (200 bps). */
const campaignId = '11111111-1111-4111-8111-111111111111';
const base = { campaignId, currency: 'usd', occurredAt: new Date('2026-01-01T00:00:00Z'), sourceId: 'ch_1' };

function balances(entries: EntryInput[]): Map<string, bigint> {
  const sums = new Map<string, bigint>();
  for (const e of entries) for (const p of e.postings) sums.set(p.account, (sums.get(p.account) ?? 0n) + p.amount);
  return new Map([...sums].map(([k, v]) => [k, normalBalance(describeAccount(k).type, v)]));
}

describe('scenario: 100.00 USD gift, 3.20 Stripe fee, 2% platform fee', () => {
  const platform = platformFee(10_000n, 200); // 2% of 10000 = 200
  const entries = [donationEntry(base, 10_000n), processingFeeEntry({ ...base, sourceId: 'txn_1' }, 320n), platformFeeEntry(base, platform)];

  it('every entry balances', () => {
    for (const e of entries) expect(() => validateEntry(e)).not.toThrow();
  });

  it('campaign funds read +100.00, then -3.20, then -2.00 = 94.80', () => {
    expect(platform).toBe(200n);
    const funds = campaignFundsAccount(campaignId);
    expect(balances(entries.slice(0, 1)).get(funds)).toBe(10_000n);
    expect(balances(entries.slice(0, 2)).get(funds)).toBe(9_680n);
    expect(balances(entries).get(funds)).toBe(9_480n);
  });

  it('Stripe balance holds the net of Stripe fees (96.80); fee revenue 2.00; processing fees recovered (0)', () => {
    const b = balances(entries);
    expect(b.get('platform:stripe_balance')).toBe(9_680n);
    expect(b.get('platform:fee_revenue')).toBe(200n);
    expect(b.get('platform:processing_fees')).toBe(0n);
    // gross = net + processing fee + platform fee: 10000 = 9480 + 320 + 200
    expect(b.get(campaignFundsAccount(campaignId))! + 320n + 200n).toBe(10_000n);
  });

  it('refuses an unbalanced entry and a posting to another campaign', () => {
    const broken = { ...entries[0], postings: [{ account: 'platform:stripe_balance', amount: 10_000n }, { account: campaignFundsAccount(campaignId), amount: -9_999n }] };
    expect(() => validateEntry(broken)).toThrow(/does not balance/);
    const other = campaignFundsAccount('22222222-2222-4222-8222-222222222222');
    expect(() => validateEntry({ ...entries[0], postings: [{ account: 'platform:stripe_balance', amount: 1n }, { account: other, amount: -1n }] })).toThrow(/another|campaign/);
  });
});
