import type { DataExportMailData } from '../privacy/data-export-mail-source.js';
import type { ReceiptLanguage } from './messages.js';
import { formatDate, localeFor } from './money-format.js';

/** The data-export e-mail's fixed wording (no user text goes in it but the donor's own address). */
export interface DataExportLabels {
  subject: string;
  title: string;
  intro: string;
  download: string;
  expires: string;
  once: string;
  ignore: string;
  footer: string;
}

export const DATA_EXPORT_LABELS: Record<ReceiptLanguage, DataExportLabels> = {
  en: {
    subject: 'Your data from Ataa',
    title: 'Download your data',
    intro: 'Someone (we hope you) asked for a copy of everything Ataa holds about this e-mail address: your donations, receipts, refunds and the choices you made when giving.',
    download: 'Download my data (JSON)',
    expires: 'The link works until',
    once: 'The link works once. Anyone with it can download your data: do not forward this e-mail.',
    ignore: 'If you did not ask for this, ignore this e-mail: nothing is shared unless the link is opened.',
    footer: 'Sent by Ataa.',
  },
  ar: {
    subject: 'بياناتك لدى منصة عطاء',
    title: 'نزّل بياناتك',
    intro: 'طلب أحدٌ (نأمل أن تكون أنت) نسخة من كل ما تحتفظ به منصة عطاء عن عنوان البريد هذا: تبرعاتك وإيصالاتها والمبالغ المستردة والخيارات التي اخترتها عند التبرع.',
    download: 'نزّل بياناتي (JSON)',
    expires: 'يعمل الرابط حتى',
    once: 'يعمل الرابط مرة واحدة، ويستطيع كل من يملكه تنزيل بياناتك: لا تُعد توجيه هذه الرسالة.',
    ignore: 'إن لم تطلب ذلك فتجاهل هذه الرسالة: لا يُشارك شيء ما لم يُفتح الرابط.',
    footer: 'أرسلته منصة عطاء.',
  },
};

export interface DataExportView {
  language: ReceiptLanguage;
  dir: 'ltr' | 'rtl';
  labels: DataExportLabels;
  subject: string;
  title: string;
  email: string;
  expires: string;
  downloadUrl: string;
}

export function buildDataExportView(data: DataExportMailData): DataExportView {
  const language = data.language;
  const labels = DATA_EXPORT_LABELS[language];
  return {
    language, dir: language === 'ar' ? 'rtl' : 'ltr', labels,
    subject: labels.subject, title: labels.title, email: data.email,
    expires: formatDate(data.expiresAt, localeFor(language)), downloadUrl: data.downloadUrl,
  };
}
