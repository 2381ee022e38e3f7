/** The receipt's fixed wording, per campaign language. User-provided text never goes in here. */
export type ReceiptLanguage = 'en' | 'ar';

export interface ReceiptLabels {
  receiptSubject: string;
  copySubject: string;
  refundSubject: string;
  receiptTitle: string;
  refundTitle: string;
  copyNotice: string;
  greeting: string;
  thanks: string;
  refundIntro: string;
  refundFull: string;
  refundPartial: string;
  receiptNumber: string;
  originalReceipt: string;
  organization: string;
  campaign: string;
  date: string;
  amount: string;
  coveredFees: string;
  refundAmount: string;
  donor: string;
  anonymous: string;
  yourMessage: string;
  verification: string;
  verificationIntro: string;
  leafIndex: string;
  leafHash: string;
  commitmentSalt: string;
  checkpoint: string;
  verificationPending: string;
  proofNote: string;
  ledgerLink: string;
  /** Recurring gifts: the sentence before the one-click cancel link, and the link's text. */
  recurringNote: string;
  recurringCancel: string;
  footer: string;
}

export const LABELS: Record<ReceiptLanguage, ReceiptLabels> = {
  en: {
    receiptSubject: 'Your donation receipt {number} from {organization}',
    copySubject: 'Copy of your donation receipt {number} from {organization}',
    refundSubject: 'Refund of your donation to {organization}',
    receiptTitle: 'Donation receipt',
    refundTitle: 'Refund notice',
    copyNotice: 'COPY — this is a copy of a receipt issued earlier; it does not represent a new gift.',
    greeting: 'Dear',
    thanks: 'Thank you for your gift. Please keep this receipt for your records.',
    refundIntro: 'Your donation has been refunded.',
    refundFull: 'The full amount was refunded.',
    refundPartial: 'Part of the amount was refunded.',
    receiptNumber: 'Receipt number',
    originalReceipt: 'Original receipt',
    organization: 'Organization',
    campaign: 'Campaign',
    date: 'Date',
    amount: 'Amount',
    coveredFees: 'Of which you covered in fees',
    refundAmount: 'Amount refunded',
    donor: 'Donor',
    anonymous: 'Anonymous (your name is not shown publicly)',
    yourMessage: 'Your public message',
    verification: 'Verify your gift',
    verificationIntro: 'Your gift is an entry in the campaign\'s public, append-only ledger. With these values you can check it independently.',
    leafIndex: 'Ledger entry index',
    leafHash: 'Entry hash',
    commitmentSalt: 'Commitment salt (keep private: it proves the anonymous entry is yours)',
    checkpoint: 'Signed checkpoint',
    verificationPending: 'Verification data will be available once the entry is published.',
    proofNote: 'The attached {file} holds your gift\'s entry, its inclusion proof and the signed checkpoint: anyone can verify it offline with Ataa\'s verifier (npm run verify -- --receipt {file}). The QR code on the PDF receipt opens the campaign\'s public ledger.',
    ledgerLink: 'Public ledger',
    recurringNote: 'This gift is part of your {interval} recurring gift. You can stop it at any time, without signing in:',
    recurringCancel: 'Cancel this recurring gift',
    footer: 'Sent by Ataa on behalf of {organization}.',
  },
  ar: {
    receiptSubject: 'إيصال تبرعك {number} من {organization}',
    copySubject: 'نسخة من إيصال تبرعك {number} من {organization}',
    refundSubject: 'استرداد تبرعك إلى {organization}',
    receiptTitle: 'إيصال تبرع',
    refundTitle: 'إشعار استرداد',
    copyNotice: 'نسخة — هذه نسخة من إيصال صدر سابقًا، ولا تمثل تبرعًا جديدًا.',
    greeting: 'عزيزنا',
    thanks: 'شكرًا لعطائك. يُرجى الاحتفاظ بهذا الإيصال في سجلاتك.',
    refundIntro: 'تم استرداد تبرعك.',
    refundFull: 'تم استرداد المبلغ كاملًا.',
    refundPartial: 'تم استرداد جزء من المبلغ.',
    receiptNumber: 'رقم الإيصال',
    originalReceipt: 'الإيصال الأصلي',
    organization: 'المنظمة',
    campaign: 'الحملة',
    date: 'التاريخ',
    amount: 'المبلغ',
    coveredFees: 'منها رسوم تحملتها',
    refundAmount: 'المبلغ المسترد',
    donor: 'المتبرع',
    anonymous: 'مجهول (لا يظهر اسمك للعموم)',
    yourMessage: 'رسالتك العامة',
    verification: 'تحقق من تبرعك',
    verificationIntro: 'تبرعك قيد في السجل العام للحملة، وهو سجل لا يُعدَّل. يمكنك التحقق منه بنفسك بهذه القيم.',
    leafIndex: 'رقم القيد في السجل',
    leafHash: 'بصمة القيد',
    commitmentSalt: 'ملح الالتزام (احتفظ به سرًا: يثبت أن القيد المجهول لك)',
    checkpoint: 'نقطة التحقق الموقعة',
    verificationPending: 'ستتوفر بيانات التحقق بعد نشر القيد.',
    proofNote: 'يحوي الملف المرفق {file} قيد تبرعك وإثبات إدراجه ونقطة التحقق الموقعة: يمكن لأي أحد التحقق منه دون اتصال بأداة التحقق من عطاء (npm run verify -- --receipt {file}). ويفتح رمز QR في الإيصال بصيغة PDF السجل العام للحملة.',
    ledgerLink: 'السجل العام',
    recurringNote: 'هذا التبرع جزء من تبرعك الدوري {interval}. يمكنك إيقافه في أي وقت دون تسجيل الدخول:',
    recurringCancel: 'ألغِ هذا التبرع الدوري',
    footer: 'أرسلته منصة عطاء نيابة عن {organization}.',
  },
};

export function languageOf(value: string | null | undefined): ReceiptLanguage {
  return value === 'ar' ? 'ar' : 'en';
}

/** Fills {placeholders} in a label; values are plain text (escaping is the template's job). */
export function fill(template: string, values: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (_, key: string) => values[key] ?? '');
}
