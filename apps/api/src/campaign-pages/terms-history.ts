import type { TermChange } from '@ataa/transparency';
import { formatMoney, localeFor } from '@ataa/notifications';

/** Words for a campaign's term changes on the public pages (campaign page history, ledger details). */
const TERM_WORDS = {
  en: {
    title: 'Changes to the terms', intro: 'Every change to this campaign\u2019s goal, dates or funding model is an entry of its public ledger.',
    goal: 'Goal', fundingModel: 'Funding model', startsAt: 'Start', endsAt: 'End', none: 'none', entry: 'ledger entry',
    flexible: 'keeps what it raises', all_or_nothing: 'all or nothing',
  },
  ar: {
    title: 'تغييرات الشروط', intro: 'كل تغيير في هدف هذه الحملة أو تواريخها أو نموذج تمويلها قيدٌ في سجلها العام.',
    goal: 'الهدف', fundingModel: 'نموذج التمويل', startsAt: 'البداية', endsAt: 'النهاية', none: 'لا يوجد', entry: 'قيد السجل',
    flexible: 'تحتفظ بما تجمعه', all_or_nothing: 'الكل أو لا شيء',
  },
} as const;

type Lang = keyof typeof TERM_WORDS;

function value(change: TermChange, v: string | null, currency: string, lang: Lang): string {
  const w = TERM_WORDS[lang];
  if (v === null) return w.none;
  if (change.field === 'goal') return formatMoney(BigInt(v), currency, localeFor(lang));
  if (change.field === 'fundingModel') return v === 'flexible' || v === 'all_or_nothing' ? w[v] : v;
  return `${v.slice(0, 16).replace('T', ' ')} UTC`;
}

/** One change in words: "Goal: $1,000.00 → $1,500.00". */
export function termChangeText(change: TermChange, currency: string, lang: Lang): string {
  return `${TERM_WORDS[lang][change.field]}: ${value(change, change.from, currency, lang)} \u2192 ${value(change, change.to, currency, lang)}`;
}

/** The history block of the campaign page: one item per public `terms_changed` entry, newest first. */
export function termsHistoryView(entries: readonly { index: number; time: string; terms?: TermChange[] }[], slug: string, currency: string, lang: Lang) {
  const w = TERM_WORDS[lang];
  return {
    title: w.title, intro: w.intro, entryLabel: w.entry,
    items: entries.map((e) => ({
      index: e.index, at: e.time.slice(0, 16).replace('T', ' '), href: `/c/${slug}/ledger?kind=terms_changed`,
      changes: (e.terms ?? []).map((c) => termChangeText(c, currency, lang)),
    })),
  };
}
