import type { MatchingOfferView } from '@ataa/donations';
import { formatMoney, localeFor } from '@ataa/notifications';
import type { PageLanguage } from './page-messages.js';

/**
 * The report's matching section (issue 21, item 6), served beside the recomputable report: what
 * sponsors pledged by matching donors' gifts, apart from the donors' own gifts. A pledge is not
 * money (not in the log); what was collected is in the log as offline gifts from the sponsor, named
 * here by their entries so a reader can tell them from donors' offline gifts.
 */
export interface MatchingReport {
  /** Collected from sponsors (offline gifts not voided, and card payments not given back), minor units. */
  collected: string;
  /** The part of `collected` the sponsors paid by card: donation entries, so inside the report's `raised`. */
  collectedByCard: string;
  /** Accrued and not collected yet: pledged by the sponsors, unverified. */
  pledged: string;
  notice: string;
  offers: {
    sponsorName: string; ratio: string; cap: string; startsAt: string; endsAt: string; accrued: string; collected: string;
    collections: { kind: 'offline' | 'card'; amount: string; entry: number | null; voided: boolean; reopened: string }[];
  }[];
}

const NOTICE = 'matched amounts are the sponsors\', not donors\' own gifts; a pledge is unverified until it is collected: as an offline gift the organization records, '
  + 'or as the sponsor\'s card payment, which is a donation entry and so counted in the report\'s raised (collectedByCard; its entries are listed under collections)';

export function matchingReport(views: readonly MatchingOfferView[]): MatchingReport | null {
  if (views.length === 0) return null;
  let collected = 0n;
  let pledged = 0n;
  let byCard = 0n;
  const offers = views.map(({ offer, collections }) => {
    // what each collection still counts for: nothing once voided, less what a refund or lost dispute reopened
    const kept = (c: (typeof collections)[number]) => c.amount - c.reopened;
    collected += collections.reduce((s, c) => s + kept(c), 0n);
    byCard += collections.filter((c) => c.kind === 'card').reduce((s, c) => s + kept(c), 0n);
    pledged += offer.accrued - offer.collected;
    return {
      sponsorName: offer.sponsorName, ratio: `${offer.ratioNumerator}:${offer.ratioDenominator}`, cap: offer.cap.toString(), startsAt: offer.startsAt.toISOString(),
      endsAt: offer.endsAt.toISOString(), accrued: offer.accrued.toString(), collected: offer.collected.toString(),
      collections: collections.map((c) => ({ kind: c.kind, amount: c.amount.toString(), entry: c.publicIndex, voided: c.voided, reopened: c.reopened.toString() })),
    };
  });
  return { collected: collected.toString(), collectedByCard: byCard.toString(), pledged: pledged.toString(), notice: NOTICE, offers };
}

/** Part of the report's cache key: each offer's figures (an accrual changes no log entry). */
export function matchingVariant(views: readonly MatchingOfferView[]): string {
  return `mat:${views.map((v) => `${v.offer.id}.${v.offer.accrued}.${v.offer.collected}.${v.collections.filter((c) => c.voided).length}`).join(',') || '-'}`;
}

interface Messages {
  title: string; collected: string; byCard: string; offline: string; pledged: string; entries: string; notice: string;
  raisedSponsors: string; raisedDonors: string; donorsNote: string; offlineSponsors: string; offlineDonors: string;
}

const MESSAGES: Record<PageLanguage, Messages> = {
  en: {
    title: 'Matched by sponsors (not donors\' own gifts)',
    collected: 'collected',
    byCard: 'by card, in the gifts raised',
    offline: 'recorded offline, in the offline gifts',
    pledged: 'pledged by the sponsors, unverified (not collected yet)',
    entries: 'entries',
    notice: 'A sponsor\'s pledge is not money yet: it counts in the balance only once the organization records it received.',
    raisedSponsors: 'of which matching sponsors\' card payments ({n} of the gifts)',
    raisedDonors: 'donors\' own gifts ({n} of the gifts)',
    donorsNote: 'including matching sponsors who paid by card',
    offlineSponsors: 'of which collected from matching sponsors',
    offlineDonors: 'donors\' own offline gifts',
  },
  ar: {
    title: 'مطابقة من الرعاة (ليست تبرعات المتبرعين أنفسهم)',
    collected: 'محصَّل',
    byCard: 'بالبطاقة، ضمن التبرعات المجمّعة',
    offline: 'مسجَّل خارج المنصة، ضمن التبرعات خارج المنصة',
    pledged: 'تعهّد به الرعاة، غير متحقق منه (لم يُحصَّل بعد)',
    entries: 'القيود',
    notice: 'تعهّد الراعي ليس مالاً بعد: لا يُحسب في الرصيد إلا بعد أن تسجّل المنظمة استلامه.',
    raisedSponsors: 'منها مدفوعات رعاة المطابقة بالبطاقة ({n} من التبرعات)',
    raisedDonors: 'تبرعات المتبرعين أنفسهم ({n} من التبرعات)',
    donorsNote: 'بمن فيهم رعاة المطابقة الذين دفعوا بالبطاقة',
    offlineSponsors: 'منها ما حُصِّل من رعاة المطابقة',
    offlineDonors: 'تبرعات المتبرعين أنفسهم خارج المنصة',
  },
};

/** The report's totals the sponsors' money is shown apart from (`CampaignReport`'s fields). */
interface ReportTotals { raised: string; gifts: number; offline: { net: string } }

/**
 * The report page's lines: collected (by card and offline, with its entries) apart from pledged, and
 * the sponsors' money taken out of the totals it sits in. A card payment is a donation entry, so
 * `raised` and `gifts` count it (whole, before refunds, like every gift there; any excess over the
 * pledge is the sponsor's money too); an offline collection is an offline gift, so the offline net
 * counts it (while not voided). Each is subtracted from its own total only, never from both.
 */
export function matchingReportView(views: readonly MatchingOfferView[], totals: ReportTotals, currency: string, lang: PageLanguage) {
  const report = matchingReport(views);
  if (!report) return null;
  const t = MESSAGES[lang];
  const money = (v: bigint | string) => formatMoney(BigInt(v), currency, localeFor(lang));
  const count = (n: number) => new Intl.NumberFormat(localeFor(lang)).format(n);
  const entries = report.offers.flatMap((o) => o.collections.filter((c) => !c.voided && c.entry !== null).map((c) => `#${c.entry}`));
  const cards = views.flatMap((v) => v.cardPayments).filter((p) => p.paid > 0n);
  const cardPaid = cards.reduce((s, p) => s + p.paid, 0n);
  // an offline collection is the whole offline gift; a voided one is out of the offline net already
  const offlineKept = views.flatMap((v) => v.collections).filter((c) => c.kind === 'offline' && !c.voided).reduce((s, c) => s + c.amount, 0n);
  const donorGifts = totals.gifts - cards.length;
  return {
    t, collected: money(report.collected), pledged: money(report.pledged), entries: entries.length > 0 ? entries.join(', ') : null,
    collectedByCard: money(report.collectedByCard), collectedOffline: money(BigInt(report.collected) - BigInt(report.collectedByCard)),
    sponsors: report.offers.map((o) => ({ name: o.sponsorName, ratio: o.ratio })),
    raised: cards.length > 0 ? {
      sponsors: money(cardPaid), sponsorsLabel: t.raisedSponsors.replace('{n}', count(cards.length)),
      donors: money(BigInt(totals.raised) - cardPaid), donorsLabel: t.raisedDonors.replace('{n}', count(donorGifts)),
    } : null,
    offline: offlineKept > 0n ? { sponsors: money(offlineKept), donors: money(BigInt(totals.offline.net) - offlineKept) } : null,
  };
}
