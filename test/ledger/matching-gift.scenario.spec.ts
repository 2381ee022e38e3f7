import { checkOfflineGift, planMatching, planOfflineGift, type MatchingOfferState } from '@ataa/donations';
import { campaignFundsAccount, campaignOfflineFundsAccount, describeAccount, donationEntry, EntryInput, normalBalance } from '@ataa/ledger';

/**
 * Scenario: a sponsor matches a USD campaign's gifts 2:1 (each dollar given brings 50 cents), up to
 * 40.00, from 1 March 00:00 UTC to 1 April 00:00 UTC.
 *
 *   gift A 25.00, settled 28 Feb 23:59:59    before the window                     match  0.00   accrued  0.00
 *   gift B 25.01, settled 1 Mar 00:00:00     floor(25.01 / 2) = 12.50 (12.505 ↓)   match 12.50   accrued 12.50
 *   gift C 30.00, settled 10 Mar             15.00                                  match 15.00   accrued 27.50
 *   gift D 40.00, settled 20 Mar             20.00, but 12.50 left of the cap       match 12.50   accrued 40.00 (cap)
 *   gift E 10.00, settled 21 Mar             cap reached                            match  0.00
 *   gift C refunded 10.00 (before collection): base 20.00, match 10.00             give back 5.00 → accrued 35.00
 *   gift F 20.00, settled 25 Mar             10.00, 5.00 left of the cap            match  5.00   accrued 40.00
 *   collection: one offline gift of 40.00 from the sponsor                                         collected 40.00
 *   gift D refunded in full after collection: nothing given back (collected)                       accrued 40.00
 *   gift G 10.00, settled 1 Apr 00:00:00     after the window (end excluded)        match  0.00
 *
 * The campaign's funds get the donors' own gifts only (the pledge is not money); the sponsor's
 * 40.00 reaches the ledger once, as an offline gift, in the campaign's offline funds.
 */
const campaignId = '77777777-7777-4777-8777-777777777777';
const offer0: MatchingOfferState = {
  id: 'offer', currency: 'usd', ratioNumerator: 1, ratioDenominator: 2, cap: 4_000n,
  startsAt: new Date('2026-03-01T00:00:00Z'), endsAt: new Date('2026-04-01T00:00:00Z'), accrued: 0n, collected: 0n,
};
const gift = (donationId: string, base: bigint, settledAt: string) => ({ donationId, currency: 'usd', settledAt: new Date(settledAt), base });

describe('scenario: a 2:1 matching offer up to 40.00 with window edges, a refund before and after collection', () => {
  let offer = offer0;
  const accruals: { offerId: string; donationId: string; accrued: bigint; reduced: bigint }[] = [];
  const step = (g: ReturnType<typeof gift>) => {
    const { steps, offers } = planMatching([offer], [g], accruals);
    offer = offers[0];
    for (const s of steps) {
      if (s.kind === 'accrue') accruals.push({ offerId: s.offerId, donationId: s.donationId, accrued: s.amount, reduced: 0n });
      else accruals.find((a) => a.donationId === s.donationId)!.reduced += s.amount;
    }
    return steps.map((s) => (s.kind === 'accrue' ? s.amount : -s.amount));
  };

  it('accrues within the window, rounding down, up to the cap; gives back only what is not collected', () => {
    expect(step(gift('A', 2_500n, '2026-02-28T23:59:59Z'))).toEqual([]);
    expect(step(gift('B', 2_501n, '2026-03-01T00:00:00Z'))).toEqual([1_250n]);
    expect(step(gift('C', 3_000n, '2026-03-10T10:00:00Z'))).toEqual([1_500n]);
    expect(step(gift('D', 4_000n, '2026-03-20T10:00:00Z'))).toEqual([1_250n]);
    expect(offer.accrued).toBe(4_000n);
    expect(step(gift('E', 1_000n, '2026-03-21T10:00:00Z'))).toEqual([]);
    // C refunded 10.00: base 20.00, its match 10.00 instead of 15.00.
    expect(step(gift('C', 2_000n, '2026-03-10T10:00:00Z'))).toEqual([-500n]);
    expect(offer.accrued).toBe(3_500n);
    expect(step(gift('F', 2_000n, '2026-03-25T10:00:00Z'))).toEqual([500n]);
    expect(offer.accrued).toBe(4_000n);
    // Collected: the sponsor paid 40.00.
    offer = { ...offer, collected: offer.accrued };
    expect(step(gift('D', 0n, '2026-03-20T10:00:00Z'))).toEqual([]);
    expect(offer.accrued).toBe(4_000n);
    expect(step(gift('G', 1_000n, '2026-04-01T00:00:00Z'))).toEqual([]);
  });

  it('posts the sponsor\'s 40.00 once, as an offline gift, never to the campaign\'s funds', () => {
    const at = new Date('2026-04-02T09:00:00Z');
    const collection = planOfflineGift(checkOfflineGift({
      giftId: '88888888-8888-4888-8888-888888888888', campaign: { id: campaignId, currency: 'usd' }, amount: '40.00', currency: 'usd', receivedOn: '2026-04-02',
      method: 'bank_transfer', reference: 'Wire 991', anonymous: false, donorName: 'Cedar Foundation', donorEmail: null, message: null, now: at,
    }), at);
    // Donors' own gifts: A..G = 25.00 + 25.01 + 30.00 + 40.00 + 10.00 + 20.00 + 10.00 = 160.01 (refunds aside).
    const gifts: EntryInput[] = [2_500n, 2_501n, 3_000n, 4_000n, 1_000n, 2_000n, 1_000n].map((amount, i) => donationEntry({ campaignId, currency: 'usd', occurredAt: at, sourceId: `ch_${i}` }, amount));
    const entries = [...gifts, collection.entries[0].input];
    const balance = (account: string) => normalBalance(describeAccount(account).type, entries.flatMap((e) => e.postings).filter((p) => p.account === account).reduce((s, p) => s + p.amount, 0n));
    expect(balance(campaignFundsAccount(campaignId))).toBe(16_001n);
    expect(balance(campaignOfflineFundsAccount(campaignId))).toBe(4_000n);
    expect(collection.entries[0].public).toMatchObject({ kind: 'offline_gift', amount: 4_000n, donorDisplayName: 'Cedar Foundation' });
  });
});
