import { checkOfflineGift, planOfflineGift, planOfflineGiftVoid } from '@ataa/donations';
import {
  campaignFundsAccount, campaignOfflineFundsAccount, campaignOfflineReceiptsAccount, describeAccount, donationEntry, EntryInput, normalBalance, platformFeeEntry, processingFeeEntry,
} from '@ataa/ledger';
import { reportFromEntries, type PublicLeaf } from '@ataa/transparency';

/**
 * Scenario: a campaign in USD takes one card gift and two offline gifts; one offline gift is voided.
 *
 *   card gift 100.00 (3.20 Stripe fee, 2.00 platform fee)    campaign funds        +94.80
 *   offline cash gift 500.00 (Amal)                           offline funds        +500.00
 *   offline cheque gift 200.00 (anonymous)                    offline funds        +200.00
 *   the cheque bounces: void of 200.00                        offline funds        -200.00
 *
 * The campaign's funds (what the platform holds on Stripe and may pay out) stay 94.80: offline
 * money is held by the organization and never becomes payable. Offline funds end at 500.00, equal
 * to the offline receipts the organization holds. The public balance is 94.80 + 500.00 = 594.80;
 * the report shows card gifts (100.00, 1 gift) apart from offline gifts (2 recorded, 1 voided, net 500.00).
 */
const campaignId = '44444444-4444-4444-8444-444444444444';
const campaign = { id: campaignId, currency: 'usd' };
const at = new Date('2026-03-10T12:00:00Z');
const base = (sourceId: string) => ({ campaignId, currency: 'usd', occurredAt: at, sourceId });
const gift = (giftId: string, over: Record<string, unknown>) => checkOfflineGift({
  giftId, campaign, amount: '0', currency: 'usd', receivedOn: '2026-03-09', method: 'cash', reference: 'cash book 12', anonymous: false,
  donorName: 'Amal', donorEmail: null, message: null, now: at, ...over,
} as Parameters<typeof checkOfflineGift>[0]);

function balance(entries: EntryInput[], account: string): bigint {
  const sum = entries.flatMap((e) => e.postings).filter((p) => p.account === account).reduce((s, p) => s + p.amount, 0n);
  return normalBalance(describeAccount(account).type, sum);
}

describe('scenario: a card gift, two offline gifts, one voided', () => {
  const cash = gift('55555555-5555-4555-8555-555555555555', { amount: '500.00' });
  const cheque = gift('66666666-6666-4666-8666-666666666666', { amount: '200', method: 'cheque', anonymous: true, donorName: null });
  const plans = [planOfflineGift(cash, at), planOfflineGift(cheque, at)];
  // The cheque's public entry is #4 (after the card gift's three entries and the cash gift's).
  const voided = planOfflineGiftVoid({ id: cheque.giftId, campaignId, amount: cheque.amount, currency: 'usd', publicIndex: 4, voidedAt: null }, 'Cheque bounced', at);
  const card = [donationEntry(base('ch_1'), 10_000n), processingFeeEntry(base('txn_1'), 320n), platformFeeEntry(base('ch_1'), 200n)];
  const entries = [...card, ...plans.map((p) => p.entries[0].input), voided.entries[0].input];

  it('leaves the payable funds at 94.80: offline money is never the platform\'s to pay out', () => {
    expect(balance(entries, campaignFundsAccount(campaignId))).toBe(9_480n);
  });

  it('holds 500.00 of offline funds, matched by 500.00 the organization received (200.00 voided)', () => {
    expect(balance(entries, campaignOfflineFundsAccount(campaignId))).toBe(50_000n);
    expect(balance(entries, campaignOfflineReceiptsAccount(campaignId))).toBe(50_000n);
  });

  it('balances per entry and overall (sum of all postings is zero)', () => {
    for (const e of entries) expect(e.postings.reduce((s, p) => s + p.amount, 0n)).toBe(0n);
    expect(entries.flatMap((e) => e.postings).reduce((s, p) => s + p.amount, 0n)).toBe(0n);
  });

  it('reports card and offline gifts apart; the public balance counts both', () => {
    const publicEntries = [
      { kind: 'donation', amount: 10_000n }, { kind: 'fee', amount: -320n }, { kind: 'platform_fee', amount: -200n },
      ...plans.map((p) => ({ kind: p.entries[0].public!.kind, amount: p.entries[0].public!.amount })),
      { kind: voided.entries[0].public!.kind, amount: voided.entries[0].public!.amount },
    ];
    let running = 0n;
    const leaves = publicEntries.map((e, index): PublicLeaf => {
      running += e.amount;
      return {
        v: 3, campaign: campaignId, index, time: at.toISOString(), kind: e.kind as PublicLeaf['kind'], amount: e.amount.toString(), currency: 'usd',
        donor: e.kind === 'donation' ? 'Card donor' : null, donorHash: null, donorCommitment: null, messageHash: null, message: null, purpose: null, balance: running.toString(),
      };
    });
    const report = reportFromEntries('usd', leaves);
    expect(report.raised).toBe('10000'); // card gifts only
    expect(report.gifts).toBe(1);
    // 500.00 + 200.00 recorded, 200.00 voided: net 500.00
    expect(report.offline).toEqual({ recorded: { count: 2, amount: '70000' }, voided: { count: 1, amount: '-20000' }, net: '50000' });
    // 100.00 - 3.20 - 2.00 + 500.00 = 594.80
    expect(report.balance).toBe('59480');
    expect(report.monthly).toEqual([{ month: '2026-03', raised: '10000', gifts: 1, out: '-520', offline: '50000', net: '59480' }]);
  });
});
