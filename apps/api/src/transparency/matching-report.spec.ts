import { matchingReport, matchingReportView, matchingVariant } from './matching-report.js';

const offer = (over: Record<string, unknown> = {}) => ({
  offer: {
    id: 'o1', organizationId: 'org', campaignId: 'c', sponsorName: 'Cedar Foundation', ratioNumerator: 1, ratioDenominator: 1, cap: 10_000n, currency: 'usd',
    startsAt: new Date('2026-03-01T00:00:00Z'), endsAt: new Date('2026-04-01T00:00:00Z'), accrued: 9_000n, collected: 6_000n, createdBy: 'user:x',
    createdAt: new Date('2026-02-28T00:00:00Z'), requestHash: 'h', ...over,
  },
  collections: [
    { offerId: 'o1', kind: 'offline' as const, donationId: null, offlineGiftId: 'g1', amount: 5_000n, publicIndex: 7, voided: false, reopened: 0n, createdAt: new Date() },
    { offerId: 'o1', kind: 'offline' as const, donationId: null, offlineGiftId: 'g2', amount: 1_000n, publicIndex: 9, voided: true, reopened: 1_000n, createdAt: new Date() },
  ],
  left: 1_000n, active: true,
});

describe('the report\'s matching section', () => {
  it('is null without offers', () => {
    expect(matchingReport([])).toBeNull();
    expect(matchingReportView(null, 'usd', 'en')).toBeNull();
  });

  it('counts collected (voided collections left out) apart from pledged, naming the collections\' entries', () => {
    // accrued 90.00, collected 60.00 (one 10.00 collection voided since): 50.00 kept, 30.00 still pledged.
    const report = matchingReport([offer()])!;
    expect(report).toMatchObject({ collected: '5000', pledged: '3000' });
    expect(report.offers[0]).toMatchObject({ sponsorName: 'Cedar Foundation', ratio: '1:1', collections: [{ amount: '5000', entry: 7, voided: false, reopened: '0' }, { amount: '1000', entry: 9, voided: true, reopened: '1000' }] });
    const view = matchingReportView(report, 'usd', 'en')!;
    expect(view).toMatchObject({ collected: '$50.00', pledged: '$30.00', entries: '#7' });
    expect(matchingReportView(report, 'usd', 'ar')!.t.title).toContain('الرعاة');
  });

  it('counts a card collection in collected and apart as collectedByCard (a donation entry, inside raised), naming its entry', () => {
    const card = { offerId: 'o1', kind: 'card' as const, donationId: 'd1', offlineGiftId: null, amount: 2_000n, publicIndex: 12, voided: false, reopened: 0n, createdAt: new Date() };
    const base = offer({ collected: 8_000n });
    const report = matchingReport([{ ...base, collections: [...base.collections, card] }])!;
    expect(report).toMatchObject({ collected: '7000', collectedByCard: '2000', pledged: '1000' });
    expect(report.offers[0].collections[2]).toEqual({ kind: 'card', amount: '2000', entry: 12, voided: false, reopened: '0' });
    expect(report.notice).toContain('raised');
    expect(matchingReportView(report, 'usd', 'en')!.entries).toBe('#7, #12');
    expect(matchingReport([offer()])!.collectedByCard).toBe('0');
  });

  it('counts a card collection given back (refunded, or a dispute lost) only for what the campaign kept of it', () => {
    // The sponsor's card payment collected 20.00; a refund gave back 15.00 of it: 5.00 still collected, 15.00 owed again.
    const card = { offerId: 'o1', kind: 'card' as const, donationId: 'd1', offlineGiftId: null, amount: 2_000n, publicIndex: 12, voided: false, reopened: 1_500n, createdAt: new Date() };
    const base = offer({ collected: 6_500n });
    const report = matchingReport([{ ...base, collections: [...base.collections, card] }])!;
    // 50.00 offline + 5.00 by card collected; accrued 90.00 − collected 65.00 = 25.00 pledged
    expect(report).toMatchObject({ collected: '5500', collectedByCard: '500', pledged: '2500' });
    expect(report.offers[0].collections[2]).toEqual({ kind: 'card', amount: '2000', entry: 12, voided: false, reopened: '1500' });
  });

  it('changes its cache variant with the figures', () => {
    expect(matchingVariant([])).toBe('mat:-');
    expect(matchingVariant([offer()])).not.toBe(matchingVariant([offer({ accrued: 9_500n })]));
  });
});
