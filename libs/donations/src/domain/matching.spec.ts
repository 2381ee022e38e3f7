import { DomainError } from '@ataa/common';
import { checkMatchingOffer, inWindow, matchingStatus, matchOf, type MatchingOfferFacts, type MatchingOfferState, planCardCollection, planCardReopening, planCardSessionExpiries, planMatching } from './matching.js';

const campaign = { id: '11111111-1111-4111-8111-111111111111', currency: 'usd' };
const now = new Date('2026-03-10T12:00:00Z');
const facts = (over: Partial<MatchingOfferFacts> = {}): MatchingOfferFacts => ({
  campaign, sponsorName: 'Cedar Foundation', ratioNumerator: 1, ratioDenominator: 1, cap: '5,000', currency: 'USD',
  startsAt: '2026-03-11T00:00:00Z', endsAt: '2026-03-31T00:00:00Z', now, ...over,
});
const codeOf = (work: () => unknown): string | null => {
  try {
    work();
    return null;
  } catch (error) {
    return error instanceof DomainError ? `${error.status} ${error.code}` : `not a DomainError: ${(error as Error).message}`;
  }
};
const offer = (over: Partial<MatchingOfferState> = {}): MatchingOfferState => ({
  id: 'offer-a', currency: 'usd', ratioNumerator: 1, ratioDenominator: 1, cap: 10_000n, startsAt: new Date('2026-03-11T00:00:00Z'),
  endsAt: new Date('2026-03-31T00:00:00Z'), accrued: 0n, collected: 0n, ...over,
});
const gift = (donationId: string, base: bigint, at = '2026-03-12T10:00:00Z') => ({ donationId, currency: 'usd', settledAt: new Date(at), base });

describe('matching offers: checking the terms', () => {
  it('reads the cap exactly and keeps a future window', () => {
    const checked = checkMatchingOffer(facts());
    expect(checked.cap).toBe(500_000n);
    expect(checked.currency).toBe('usd');
    expect(checked.startsAt.toISOString()).toBe('2026-03-11T00:00:00.000Z');
    expect(checked.endsAt.toISOString()).toBe('2026-03-31T00:00:00.000Z');
  });

  it('starts a window that began before now at now (no gift before the offer is matched), and a missing start is now', () => {
    expect(checkMatchingOffer(facts({ startsAt: '2026-03-01T00:00:00Z' })).startsAt).toEqual(now);
    expect(checkMatchingOffer(facts({ startsAt: null })).startsAt).toEqual(now);
    // A charge's time is in whole seconds: a window starting now starts at this second, so a gift charged in it is matched.
    const later = new Date('2026-03-10T12:00:00.818Z');
    expect(checkMatchingOffer(facts({ startsAt: null, now: later })).startsAt.toISOString()).toBe('2026-03-10T12:00:00.000Z');
  });

  it('refuses a window in the past, inverted or unreadable', () => {
    expect(codeOf(() => checkMatchingOffer(facts({ startsAt: '2026-03-01T00:00:00Z', endsAt: '2026-03-05T00:00:00Z' })))).toBe('422 matching_window_in_past');
    expect(codeOf(() => checkMatchingOffer(facts({ startsAt: null, endsAt: '2026-03-10T12:00:00Z' })))).toBe('422 matching_window_in_past');
    expect(codeOf(() => checkMatchingOffer(facts({ startsAt: '2026-03-20T00:00:00Z', endsAt: '2026-03-15T00:00:00Z' })))).toBe('422 matching_window_inverted');
    expect(codeOf(() => checkMatchingOffer(facts({ endsAt: '2026-03-31' })))).toBe('400 matching_window_invalid');
    expect(codeOf(() => checkMatchingOffer(facts({ endsAt: '2026-02-31T00:00:00Z' })))).toBe('400 matching_window_invalid');
  });

  it('refuses a ratio of zero or less, a fraction, or beyond 100', () => {
    expect(codeOf(() => checkMatchingOffer(facts({ ratioNumerator: 0 })))).toBe('422 matching_ratio_not_positive');
    expect(codeOf(() => checkMatchingOffer(facts({ ratioNumerator: -1 })))).toBe('422 matching_ratio_not_positive');
    expect(codeOf(() => checkMatchingOffer(facts({ ratioDenominator: 0 })))).toBe('422 matching_ratio_not_positive');
    expect(codeOf(() => checkMatchingOffer(facts({ ratioNumerator: 1.5 })))).toBe('422 matching_ratio_not_positive');
    expect(codeOf(() => checkMatchingOffer(facts({ ratioNumerator: 101 })))).toBe('422 matching_ratio_too_large');
  });

  it('refuses a negative, zero or over-precise cap and another currency than the campaign\'s', () => {
    expect(codeOf(() => checkMatchingOffer(facts({ cap: '-5' })))).toBe('400 amount_not_positive');
    expect(codeOf(() => checkMatchingOffer(facts({ cap: '0' })))).toBe('400 amount_not_positive');
    expect(codeOf(() => checkMatchingOffer(facts({ cap: '10.001' })))).toBe('400 amount_wrong_precision');
    expect(codeOf(() => checkMatchingOffer(facts({ currency: 'eur' })))).toBe('422 matching_currency_mismatch');
    expect(codeOf(() => checkMatchingOffer(facts({ sponsorName: '   ' })))).not.toBeNull();
  });
});

describe('matching offers: planning accruals', () => {
  it('matches at the ratio, rounding down to the minor unit', () => {
    expect(matchOf(2_500n, 1, 1)).toBe(2_500n);
    expect(matchOf(2_500n, 2, 1)).toBe(5_000n);
    expect(matchOf(1_001n, 1, 2)).toBe(500n); // 500.5 → 500: the sponsor never owes a fraction of a cent
    expect(matchOf(100n, 1, 3)).toBe(33n);
    expect(matchOf(0n, 1, 1)).toBe(0n);
  });

  it('accrues each gift once, up to the cap left, then nothing', () => {
    // Cap 100.00, 1:1: 60.00 accrues 60.00; 70.00 accrues the 40.00 left; 10.00 accrues nothing.
    const { steps, offers } = planMatching([offer()], [gift('g1', 6_000n), gift('g2', 7_000n), gift('g3', 1_000n)], []);
    expect(steps).toEqual([
      expect.objectContaining({ kind: 'accrue', donationId: 'g1', amount: 6_000n, giftAmount: 6_000n }),
      expect.objectContaining({ kind: 'accrue', donationId: 'g2', amount: 4_000n, giftAmount: 7_000n }),
    ]);
    expect(offers[0].accrued).toBe(10_000n);
    expect(matchingStatus(offers[0], new Date('2026-03-12T00:00:00Z'))).toEqual({ left: 0n, active: false });
  });

  it('is idempotent per gift: planning the same gift again plans nothing', () => {
    const first = planMatching([offer()], [gift('g1', 2_500n)], []);
    const again = planMatching(first.offers, [gift('g1', 2_500n)], [{ offerId: 'offer-a', donationId: 'g1', accrued: 2_500n, reduced: 0n }]);
    expect(again.steps).toEqual([]);
  });

  it('matches from the window\'s start (included) to its end (excluded)', () => {
    const o = offer();
    expect(inWindow(o, new Date('2026-03-10T23:59:59.999Z'))).toBe(false);
    expect(inWindow(o, new Date('2026-03-11T00:00:00.000Z'))).toBe(true);
    expect(inWindow(o, new Date('2026-03-30T23:59:59.999Z'))).toBe(true);
    expect(inWindow(o, new Date('2026-03-31T00:00:00.000Z'))).toBe(false);
    const { steps } = planMatching([o], [gift('early', 1_000n, '2026-03-10T23:59:59Z'), gift('first', 1_000n, '2026-03-11T00:00:00Z'), gift('late', 1_000n, '2026-03-31T00:00:00Z')], []);
    expect(steps.map((s) => s.donationId)).toEqual(['first']);
  });

  it('skips a gift in another currency', () => {
    expect(planMatching([offer()], [{ ...gift('g1', 1_000n), currency: 'eur' }], []).steps).toEqual([]);
  });

  it('accrues under each offer of the campaign, each within its own cap', () => {
    const { steps } = planMatching([offer(), offer({ id: 'offer-b', ratioNumerator: 1, ratioDenominator: 2, cap: 300n })], [gift('g1', 1_000n)], []);
    expect(steps.map((s) => [s.offerId, s.amount])).toEqual([['offer-a', 1_000n], ['offer-b', 300n]]);
  });

  it('reduces a refunded gift\'s match by what is not collected yet, never below what its base still justifies', () => {
    // Accrued 50.00 for g1 (and 30.00 for another gift); g1 refunded 20.00 → its base is 30.00, its match 30.00: reduce by 20.00.
    const existing = [{ offerId: 'offer-a', donationId: 'g1', accrued: 5_000n, reduced: 0n }];
    const { steps, offers } = planMatching([offer({ accrued: 8_000n })], [gift('g1', 3_000n)], existing);
    expect(steps).toEqual([{ kind: 'reduce', offerId: 'offer-a', donationId: 'g1', amount: 2_000n }]);
    expect(offers[0].accrued).toBe(6_000n);
    // Same refund seen again: nothing more.
    expect(planMatching(offers, [gift('g1', 3_000n)], [{ ...existing[0], reduced: 2_000n }]).steps).toEqual([]);
  });

  it('leaves a collected match standing: a refund after collection reduces only what is still owed', () => {
    // Accrued 80.00, collected 70.00: a full refund of g1 (match 50.00) gives back only the 10.00 not collected.
    const existing = [{ offerId: 'offer-a', donationId: 'g1', accrued: 5_000n, reduced: 0n }];
    const { steps } = planMatching([offer({ accrued: 8_000n, collected: 7_000n })], [gift('g1', 0n)], existing);
    expect(steps).toEqual([{ kind: 'reduce', offerId: 'offer-a', donationId: 'g1', amount: 1_000n }]);
    expect(planMatching([offer({ accrued: 7_000n, collected: 7_000n })], [gift('g1', 0n)], [{ ...existing[0], reduced: 1_000n }]).steps).toEqual([]);
  });

  it('a reduction frees cap for later gifts', () => {
    const after = planMatching([offer({ accrued: 10_000n })], [gift('g1', 0n)], [{ offerId: 'offer-a', donationId: 'g1', accrued: 4_000n, reduced: 0n }]);
    expect(after.offers[0].accrued).toBe(6_000n);
    expect(planMatching(after.offers, [gift('g9', 9_000n)], []).steps).toEqual([expect.objectContaining({ kind: 'accrue', amount: 4_000n })]);
  });
});

describe('matching offers: collection by card', () => {
  it('collects what the offer owes, at most the payment; the rest stays an ordinary gift', () => {
    expect(planCardCollection({ accrued: 10_000n, collected: 0n }, 10_000n)).toEqual({ amount: 10_000n, excess: 0n });
    // An offline collection of 40.00 came in while the sponsor's page of 100.00 was open: 60.00 fits.
    expect(planCardCollection({ accrued: 10_000n, collected: 4_000n }, 10_000n)).toEqual({ amount: 6_000n, excess: 4_000n });
    // Paid less than owed (a refund before the first settlement): all of it is collected.
    expect(planCardCollection({ accrued: 10_000n, collected: 0n }, 2_500n)).toEqual({ amount: 2_500n, excess: 0n });
  });

  it('collects nothing when nothing is owed any more, or nothing was paid', () => {
    expect(planCardCollection({ accrued: 10_000n, collected: 10_000n }, 10_000n)).toEqual({ amount: 0n, excess: 10_000n });
    expect(planCardCollection({ accrued: 0n, collected: 0n }, 500n)).toEqual({ amount: 0n, excess: 500n });
    expect(planCardCollection({ accrued: 10_000n, collected: 0n }, 0n)).toEqual({ amount: 0n, excess: 0n });
  });
});

describe('open card sessions once the offer\'s collected rose', () => {
  it('expires those asking more than the offer owes now; one that still fits stays open', () => {
    // accrued 60.00, collected 40.00 (a card payment of 40.00): 20.00 owed. Open: 20.00 (fits), 60.00 (does not), 20.01.
    const open = [{ donationId: 'd20', amount: 2_000n }, { donationId: 'd60', amount: 6_000n }, { donationId: 'd2001', amount: 2_001n }];
    expect(planCardSessionExpiries({ accrued: 6_000n, collected: 4_000n }, open)).toEqual(['d60', 'd2001']);
  });

  it('expires every open session once nothing is owed (the pledge filled), and none when none is open', () => {
    const open = [{ donationId: 'a', amount: 3_000n }, { donationId: 'b', amount: 1n }];
    expect(planCardSessionExpiries({ accrued: 3_000n, collected: 3_000n }, open)).toEqual(['a', 'b']);
    expect(planCardSessionExpiries({ accrued: 3_000n, collected: 3_000n }, [])).toEqual([]);
    // Nothing collected yet and every session fits: none expires.
    expect(planCardSessionExpiries({ accrued: 3_000n, collected: 0n }, open)).toEqual([]);
  });
});

describe('a sponsor\'s card payment given back reopens the pledge it collected', () => {
  // The sponsor paid 100.00 when 60.00 was owed: 60.00 collected, 40.00 stayed an ordinary gift.
  const collection = { giftAmount: 10_000n, amount: 6_000n, reopened: 0n };

  it('takes a refund from the ordinary-gift part first, then from the collection', () => {
    // refunded 30.00: 70.00 kept, the 60.00 collected still covered
    expect(planCardReopening(collection, 7_000n)).toBe(0n);
    // refunded 50.00: 50.00 kept, 10.00 of the collection reopens (owed again)
    expect(planCardReopening(collection, 5_000n)).toBe(1_000n);
    // refunded in full afterwards: the other 50.00 reopens (10.00 already did)
    expect(planCardReopening({ ...collection, reopened: 1_000n }, 0n)).toBe(5_000n);
  });

  it('never reopens twice, and never collects again (a dispute won later keeps it an ordinary gift)', () => {
    expect(planCardReopening({ ...collection, reopened: 6_000n }, 0n)).toBe(0n);
    expect(planCardReopening({ ...collection, reopened: 6_000n }, 10_000n)).toBe(0n);
    expect(planCardReopening({ ...collection, reopened: 1_000n }, 5_000n)).toBe(0n);
    // a collection of nothing (it fitted nothing) reopens nothing
    expect(planCardReopening({ giftAmount: 10_000n, amount: 0n, reopened: 0n }, 0n)).toBe(0n);
  });
});
