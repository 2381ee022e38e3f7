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

const MESSAGES: Record<PageLanguage, { title: string; collected: string; pledged: string; entries: string; notice: string }> = {
  en: {
    title: 'Matched by sponsors (not donors\' own gifts)',
    collected: 'collected, in the offline gifts above (or, paid by card, in the gifts raised)',
    pledged: 'pledged by the sponsors, unverified (not collected yet)',
    entries: 'entries',
    notice: 'A sponsor\'s pledge is not money yet: it counts in the balance only once the organization records it received.',
  },
  ar: {
    title: 'مطابقة من الرعاة (ليست تبرعات المتبرعين أنفسهم)',
    collected: 'محصَّل، ضمن التبرعات خارج المنصة أعلاه (أو، إن دُفع بالبطاقة، ضمن التبرعات المجمّعة)',
    pledged: 'تعهّد به الرعاة، غير متحقق منه (لم يُحصَّل بعد)',
    entries: 'القيود',
    notice: 'تعهّد الراعي ليس مالاً بعد: لا يُحسب في الرصيد إلا بعد أن تسجّل المنظمة استلامه.',
  },
};

/** The report page's lines: collected (with its entries) apart from pledged. */
export function matchingReportView(report: MatchingReport | null, currency: string, lang: PageLanguage) {
  if (!report) return null;
  const t = MESSAGES[lang];
  const money = (v: string) => formatMoney(BigInt(v), currency, localeFor(lang));
  const entries = report.offers.flatMap((o) => o.collections.filter((c) => !c.voided && c.entry !== null).map((c) => `#${c.entry}`));
  return {
    t, collected: money(report.collected), pledged: money(report.pledged), entries: entries.length > 0 ? entries.join(', ') : null,
    sponsors: report.offers.map((o) => ({ name: o.sponsorName, ratio: o.ratio })),
  };
}
