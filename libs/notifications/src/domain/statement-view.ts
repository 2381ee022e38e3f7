import { formatMoney, localeFor } from './money-format.js';

/**
 * A donor's statement of gifts for a date range (issue 20): what the donor page's PDF shows, built
 * from plain facts (the donors lib gathers them) into formatted strings, in English or Arabic.
 * Pure. Totals are per currency: amounts in different currencies are never added together.
 */
export type StatementLanguage = 'en' | 'ar';
export type StatementGiftStatus = 'succeeded' | 'partially_refunded' | 'refunded' | 'disputed' | 'dispute_won' | 'dispute_lost';

export interface StatementData {
  language: StatementLanguage;
  email: string;
  period: { kind: 'calendar' | 'fiscal' | 'custom'; start: Date; lastDay: Date };
  generatedAt: Date;
  gifts: {
    id: string;
    givenAt: Date;
    organizationName: string;
    campaignTitle: string;
    amount: bigint;
    /** What the gift still counts for (after refunds and lost disputes). */
    net: bigint;
    currency: string;
    status: StatementGiftStatus;
    anonymous: boolean;
    receiptNumber: string | null;
    leafIndex: string | null;
    leafHash: string | null;
    /** Where anyone can check the leaf (the campaign's public log). */
    verifyUrl: string | null;
    /** The designation the donor chose (null or absent: the campaign declared none). */
    designation?: string | null;
    /** The payout entries that drew from the gift and how much each (docs/designations.md). */
    drawnInto?: { index: string; amount: bigint }[];
  }[];
  totals: { currency: string; gifts: number; given: bigint; returned: bigint; net: bigint }[];
}

export interface StatementView {
  language: StatementLanguage;
  dir: 'ltr' | 'rtl';
  title: string;
  subject: string;
  intro: string;
  period: string;
  periodLabel: string;
  email: string;
  emailLabel: string;
  generated: string;
  gifts: { heading: string; lines: { label: string; value: string; ltr?: boolean }[] }[];
  noGifts: string;
  totalsTitle: string;
  totals: { currency: string; line: string }[];
  notes: string[];
  giftsTitle: string;
}

const WORDS = {
  en: {
    title: 'Statement of gifts',
    intro: 'The gifts made on Ataa with this e-mail address in the period below, each with its entry in the campaign\'s public ledger and a link to verify it.',
    period: 'Period', email: 'E-mail address', generated: 'Prepared on {date}',
    kinds: { calendar: 'calendar year', fiscal: 'fiscal year', custom: 'chosen dates' },
    gifts: 'Gifts', noGifts: 'No gifts in this period.',
    organization: 'Organization', amount: 'Amount', counts: 'Counts for', status: 'Status', receipt: 'Receipt',
    leafIndex: 'Ledger leaf index', leafHash: 'Leaf hash (SHA-256)', verify: 'Verify', notInLedger: 'Not yet in the public ledger',
    anonymous: 'given anonymously',
    designation: 'Designation', drawnInto: 'Paid out in', payoutEntry: 'payout entry {index} ({amount})',
    totals: 'Totals per currency',
    totalLine: '{count} {gifts}: given {given}, returned {returned}, net {net}',
    gift: ['gift', 'gifts'],
    notes: [
      'Totals are per currency; amounts in different currencies are never added together.',
      '"Counts for" is what a gift still counts for after refunds and lost disputes.',
      'Dates are in UTC. This statement is not a tax receipt; each gift\'s receipt can be downloaded again from your donor page.',
    ],
    statuses: { succeeded: 'Paid', partially_refunded: 'Partly refunded', refunded: 'Refunded', disputed: 'Disputed', dispute_won: 'Dispute won by the organization', dispute_lost: 'Dispute lost (charge reversed)' },
  },
  ar: {
    title: 'كشف التبرعات',
    intro: 'التبرعات المقدَّمة في منصة عطاء بهذا البريد الإلكتروني خلال الفترة أدناه، مع قيد كل تبرع في السجل العام للحملة ورابط للتحقق منه.',
    period: 'الفترة', email: 'البريد الإلكتروني', generated: 'أُعدّ في {date}',
    kinds: { calendar: 'سنة ميلادية', fiscal: 'سنة مالية', custom: 'تواريخ مختارة' },
    gifts: 'التبرعات', noGifts: 'لا تبرعات في هذه الفترة.',
    organization: 'الجهة', amount: 'المبلغ', counts: 'المحتسب', status: 'الحالة', receipt: 'الإيصال',
    leafIndex: 'رقم القيد في السجل', leafHash: 'بصمة القيد (SHA-256)', verify: 'التحقق', notInLedger: 'لم يُدرج في السجل العام بعد',
    anonymous: 'تبرع دون ذكر الاسم',
    designation: 'الوجهة', drawnInto: 'صُرف في', payoutEntry: 'قيد الدفعة {index} ({amount})',
    totals: 'المجاميع لكل عملة',
    totalLine: '{count} {gifts}: المدفوع {given}، المُعاد {returned}، الصافي {net}',
    gift: ['تبرع', 'تبرعات'],
    notes: [
      'المجاميع لكل عملة على حدة؛ لا تُجمع مبالغ بعملات مختلفة أبدًا.',
      '«المحتسب» هو ما يبقى من التبرع بعد المبالغ المستردة والاعتراضات الخاسرة.',
      'التواريخ بالتوقيت العالمي المنسق. هذا الكشف ليس إيصالًا ضريبيًا؛ يمكن تنزيل إيصال كل تبرع من جديد من صفحتك.',
    ],
    statuses: { succeeded: 'مدفوع', partially_refunded: 'مسترد جزئيًا', refunded: 'مسترد', disputed: 'محل اعتراض', dispute_won: 'اعتراض كسبته الجهة', dispute_lost: 'اعتراض خسرته الجهة (أُعيد المبلغ)' },
  },
} as const;

const dayFormatters = new Map<string, Intl.DateTimeFormat>();
/** A calendar day (UTC) in the language's words. */
export function formatDay(date: Date, language: StatementLanguage): string {
  const locale = localeFor(language);
  let formatter = dayFormatters.get(locale);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat(locale, { year: 'numeric', month: 'long', day: 'numeric', timeZone: 'UTC' });
    dayFormatters.set(locale, formatter);
  }
  return formatter.format(date);
}

const fill = (template: string, values: Record<string, string>) => template.replace(/\{(\w+)\}/g, (_, key: string) => values[key] ?? '');

export function buildStatementView(data: StatementData): StatementView {
  const w = WORDS[data.language];
  const locale = localeFor(data.language);
  const money = (amount: bigint, currency: string) => formatMoney(amount, currency, locale);
  const period = `${formatDay(data.period.start, data.language)} – ${formatDay(data.period.lastDay, data.language)} (${w.kinds[data.period.kind]})`;
  return {
    language: data.language,
    dir: data.language === 'ar' ? 'rtl' : 'ltr',
    title: w.title,
    subject: `${w.title} ${data.period.start.toISOString().slice(0, 10)}/${data.period.lastDay.toISOString().slice(0, 10)}`,
    intro: w.intro,
    periodLabel: w.period,
    period,
    emailLabel: w.email,
    email: data.email,
    generated: fill(w.generated, { date: formatDay(data.generatedAt, data.language) }),
    giftsTitle: w.gifts,
    gifts: data.gifts.map((g) => ({
      heading: `${formatDay(g.givenAt, data.language)} — ${g.campaignTitle}`,
      lines: [
        { label: w.organization, value: g.organizationName },
        { label: w.amount, value: `${money(g.amount, g.currency)}${g.anonymous ? ` (${w.anonymous})` : ''}` },
        ...(g.net !== g.amount ? [{ label: w.counts, value: money(g.net, g.currency) }] : []),
        { label: w.status, value: w.statuses[g.status] },
        ...(g.designation ? [{ label: w.designation, value: g.designation, ltr: true }] : []),
        // "My gift went into payout P": each payout entry of the public log that drew from it.
        ...(g.drawnInto && g.drawnInto.length > 0
          ? [{ label: w.drawnInto, value: g.drawnInto.map((d) => fill(w.payoutEntry, { index: d.index, amount: money(d.amount, g.currency) })).join(data.language === 'ar' ? '، ' : '; ') }]
          : []),
        ...(g.receiptNumber ? [{ label: w.receipt, value: g.receiptNumber, ltr: true }] : []),
        ...(g.leafIndex !== null && g.leafHash !== null
          ? [
              { label: w.leafIndex, value: g.leafIndex, ltr: true },
              { label: w.leafHash, value: g.leafHash, ltr: true },
              ...(g.verifyUrl ? [{ label: w.verify, value: g.verifyUrl, ltr: true }] : []),
            ]
          : [{ label: w.leafIndex, value: w.notInLedger }]),
      ],
    })),
    noGifts: w.noGifts,
    totalsTitle: w.totals,
    totals: data.totals.map((t) => ({
      currency: t.currency.toUpperCase(),
      line: `${t.currency.toUpperCase()}: ${fill(w.totalLine, {
        count: new Intl.NumberFormat(locale).format(t.gifts), gifts: t.gifts === 1 ? w.gift[0] : w.gift[1],
        given: money(t.given, t.currency), returned: money(t.returned, t.currency), net: money(t.net, t.currency),
      })}`,
    })),
    notes: [...w.notes],
  };
}
