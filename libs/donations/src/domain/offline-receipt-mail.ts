import { formatMoney, localeFor } from '@ataa/notifications';

/**
 * The receipt of an offline gift, in English or Arabic (pure). It says plainly that the gift was
 * received offline and recorded by the organization, not verified by the payment processor, and
 * where it shows on the campaign's public ledger.
 */
export interface OfflineReceiptMail {
  subject: string;
  text: string;
  html: string;
}

export interface OfflineReceiptFacts {
  language: 'en' | 'ar';
  organizationName: string;
  campaignTitle: string;
  amount: bigint;
  currency: string;
  receivedOn: string;
  method: 'cash' | 'cheque' | 'bank_transfer' | string;
  reference: string;
  donorName: string | null;
  /** The campaign's public ledger page. */
  ledgerUrl: string;
  publicIndex: number | null;
}

const WORDS = {
  en: {
    subject: 'Receipt for your offline gift to {campaign}',
    greeting: 'Dear {name},', greetingAnonymous: 'Dear donor,',
    thanks: '{organization} received your gift of {amount} to "{campaign}" on {date} ({method}, reference {reference}).',
    offline: 'This gift was received offline: it was recorded by the organization, not verified by the payment processor.',
    ledger: 'It is entry #{index} of the campaign\'s public ledger:',
    ledgerNoIndex: 'It is in the campaign\'s public ledger:',
    methods: { cash: 'cash', cheque: 'cheque', bank_transfer: 'bank transfer' } as Record<string, string>,
  },
  ar: {
    subject: 'إيصال تبرعك خارج المنصة لحملة {campaign}',
    greeting: 'عزيزنا {name}،', greetingAnonymous: 'عزيزنا المتبرع،',
    thanks: 'استلمت {organization} تبرعك بمبلغ {amount} لحملة «{campaign}» بتاريخ {date} ({method}، المرجع {reference}).',
    offline: 'استُلم هذا التبرع خارج المنصة: سجّلته المنظمة، ولم يتحقق منه معالج الدفع.',
    ledger: 'وهو القيد رقم {index} في السجل العام للحملة:',
    ledgerNoIndex: 'وهو مسجّل في السجل العام للحملة:',
    methods: { cash: 'نقداً', cheque: 'شيك', bank_transfer: 'تحويل بنكي' } as Record<string, string>,
  },
} as const;

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
/** First-strong isolation of text people typed (names, titles, references), for mixed-direction lines. */
const isolate = (s: string) => `\u2068${s}\u2069`;

function fill(template: string, values: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (_, k: string) => values[k] ?? '');
}

export function renderOfflineReceiptMail(f: OfflineReceiptFacts): OfflineReceiptMail {
  const w = WORDS[f.language];
  const amount = formatMoney(f.amount, f.currency, localeFor(f.language));
  const values = {
    organization: isolate(f.organizationName), campaign: isolate(f.campaignTitle), amount: `\u2066${amount}\u2069`, date: `\u2066${f.receivedOn}\u2069`,
    method: w.methods[f.method] ?? f.method, reference: isolate(f.reference), name: isolate(f.donorName ?? ''), index: String(f.publicIndex ?? ''),
  };
  const subject = fill(w.subject, { ...values, campaign: f.campaignTitle });
  const greeting = f.donorName ? fill(w.greeting, values) : w.greetingAnonymous;
  const thanks = fill(w.thanks, values);
  const ledger = f.publicIndex === null ? w.ledgerNoIndex : fill(w.ledger, values);
  const text = [greeting, '', thanks, '', w.offline, '', ledger, f.ledgerUrl, ''].join('\n');
  const dir = f.language === 'ar' ? 'rtl' : 'ltr';
  const html = `<!doctype html><html lang="${f.language}" dir="${dir}"><head><meta charset="utf-8"><title>${escapeHtml(subject)}</title></head><body>`
    + `<p>${escapeHtml(greeting)}</p><p>${escapeHtml(thanks)}</p><p><strong>${escapeHtml(w.offline)}</strong></p>`
    + `<p>${escapeHtml(ledger)} <a href="${escapeHtml(f.ledgerUrl)}">${escapeHtml(f.ledgerUrl)}</a></p></body></html>`;
  return { subject, text, html };
}
