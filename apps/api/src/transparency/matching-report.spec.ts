import { formatMoney, localeFor } from '@ataa/notifications';
import { matchingReport, matchingReportView, matchingVariant } from './matching-report.js';

const offer = (over: Record<string, unknown> = {}) => ({
  offer: {
    id: 'o1', organizationId: 'org', campaignId: 'c', sponsorName: 'Cedar Foundation', ratioNumerator: 1, ratioDenominator: 1, cap: 10_000n, currency: 'usd',
    startsAt: new Date('2026-03-01T00:00:00Z'), endsAt: new Date('2026-04-01T00:00:00Z'), accrued: 9_000n, collected: 6_000n, createdBy: 'user:x',
    createdAt: new Date('2026-02-28T00:00:00Z'), requestHash: 'h', ...over,
  },
  collections: [
    { offerId: 'o1', kind: 'offline' as const, donationId: null, offlineGiftId: 'g1', amount: 5_000n, publicIndex: 7, voided: false, reopened: 0n, paid: 5_000n, createdAt: new Date() },
    { offerId: 'o1', kind: 'offline' as const, donationId: null, offlineGiftId: 'g2', amount: 1_000n, publicIndex: 9, voided: true, reopened: 1_000n, paid: 1_000n, createdAt: new Date() },
  ],
  left: 1_000n, active: true, cardPayments: [] as { donationId: string; paid: bigint }[],
});

const totals = { raised: '20000', gifts: 5, offline: { net: '8000' } };

describe('the report\'s matching section', () => {
  it('is null without offers', () => {
    expect(matchingReport([])).toBeNull();
    expect(matchingReportView([], totals, 'usd', 'en')).toBeNull();
  });

  it('counts collected (voided collections left out) apart from pledged, naming the collections\' entries', () => {
    // accrued 90.00, collected 60.00 (one 10.00 collection voided since): 50.00 kept, 30.00 still pledged.
    const report = matchingReport([offer()])!;
    expect(report).toMatchObject({ collected: '5000', pledged: '3000' });
    expect(report.offers[0]).toMatchObject({ sponsorName: 'Cedar Foundation', ratio: '1:1', collections: [{ amount: '5000', entry: 7, voided: false, reopened: '0' }, { amount: '1000', entry: 9, voided: true, reopened: '1000' }] });
    const view = matchingReportView([offer()], totals, 'usd', 'en')!;
    expect(view).toMatchObject({ collected: '$50.00', pledged: '$30.00', entries: '#7' });
    expect(matchingReportView([offer()], totals, 'usd', 'ar')!.t.title).toContain('الرعاة');
  });

  it('counts a card collection in collected and apart as collectedByCard (a donation entry, inside raised), naming its entry', () => {
    const card = { offerId: 'o1', kind: 'card' as const, donationId: 'd1', offlineGiftId: null, amount: 2_000n, publicIndex: 12, voided: false, reopened: 0n, paid: 2_000n, createdAt: new Date() };
    const base = offer({ collected: 8_000n });
    const report = matchingReport([{ ...base, collections: [...base.collections, card] }])!;
    expect(report).toMatchObject({ collected: '7000', collectedByCard: '2000', pledged: '1000' });
    expect(report.offers[0].collections[2]).toEqual({ kind: 'card', amount: '2000', entry: 12, voided: false, reopened: '0' });
    expect(report.notice).toContain('raised');
    expect(matchingReportView([{ ...base, collections: [...base.collections, card] }], totals, 'usd', 'en')!.entries).toBe('#7, #12');
    expect(matchingReport([offer()])!.collectedByCard).toBe('0');
  });

  it('counts a card collection given back (refunded, or a dispute lost) only for what the campaign kept of it', () => {
    // The sponsor's card payment collected 20.00; a refund gave back 15.00 of it: 5.00 still collected, 15.00 owed again.
    const card = { offerId: 'o1', kind: 'card' as const, donationId: 'd1', offlineGiftId: null, amount: 2_000n, publicIndex: 12, voided: false, reopened: 1_500n, paid: 2_000n, createdAt: new Date() };
    const base = offer({ collected: 6_500n });
    const report = matchingReport([{ ...base, collections: [...base.collections, card] }])!;
    // 50.00 offline + 5.00 by card collected; accrued 90.00 − collected 65.00 = 25.00 pledged
    expect(report).toMatchObject({ collected: '5500', collectedByCard: '500', pledged: '2500' });
    expect(report.offers[0].collections[2]).toEqual({ kind: 'card', amount: '2000', entry: 12, voided: false, reopened: '1500' });
  });

  it('shows the sponsors\' money apart from donors\' own gifts on the page: card payments out of raised, offline collections out of the offline net', () => {
    // raised 200.00 in 5 gifts, of which the sponsor's card payments 20.00 (collected 20.00) and 15.00 (all excess, collected nothing):
    // donors' own 165.00 in 3 gifts. Offline net 80.00 (the voided 10.00 collection is out of it already), of which the sponsor's 50.00: donors' own 30.00.
    const card = { offerId: 'o1', kind: 'card' as const, donationId: 'd1', offlineGiftId: null, amount: 2_000n, publicIndex: 12, voided: false, reopened: 0n, paid: 2_000n, createdAt: new Date() };
    const base = offer({ collected: 8_000n });
    const views = [{ ...base, collections: [...base.collections, card], cardPayments: [{ donationId: 'd1', paid: 2_000n }, { donationId: 'd2', paid: 1_500n }] }];
    const en = matchingReportView(views, totals, 'usd', 'en')!;
    expect(en).toMatchObject({
      collected: '$70.00', collectedByCard: '$20.00', collectedOffline: '$50.00',
      raised: { sponsors: '$35.00', sponsorsLabel: 'of which matching sponsors\' card payments (2 of the gifts)', donors: '$165.00', donorsLabel: 'donors\' own gifts (3 of the gifts)' },
      offline: { sponsors: '$50.00', donors: '$30.00' },
    });
    const ar = matchingReportView(views, totals, 'usd', 'ar')!;
    expect(ar.raised!.donorsLabel).toContain('تبرعات المتبرعين أنفسهم');
    expect(ar.raised!.donors).toBe(formatMoney(16_500n, 'usd', localeFor('ar')));
    // Without card payments nothing is taken out of raised; without offline collections nothing out of the offline net.
    expect(matchingReportView([offer()], totals, 'usd', 'en')).toMatchObject({ raised: null, offline: { sponsors: '$50.00', donors: '$30.00' } });
    expect(matchingReportView([{ ...base, collections: [card], cardPayments: [{ donationId: 'd1', paid: 2_000n }] }], totals, 'usd', 'en')).toMatchObject({ offline: null });
  });

  it('changes its cache variant with the figures', () => {
    expect(matchingVariant([])).toBe('mat:-');
    expect(matchingVariant([offer()])).not.toBe(matchingVariant([offer({ accrued: 9_500n })]));
  });
});
