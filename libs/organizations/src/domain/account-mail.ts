import type { AccountTokenPurpose } from './account-tokens.js';

/**
 * The account e-mails (verification, password reset), in English or Arabic (pure). They carry the
 * link, say how long it works and that it works once, and name nothing but the address itself.
 */
export interface AccountMail {
  subject: string;
  text: string;
  html: string;
}

const WORDS = {
  en: {
    email_verification: {
      subject: 'Confirm your e-mail address for Ataa',
      lines: ['Someone (we hope you) created an Ataa account with this e-mail address.', 'To confirm the address, open this link and press the button on the page:'],
      button: 'Confirm my e-mail address',
      ignore: 'If you did not create an account, ignore this e-mail.',
    },
    password_reset: {
      subject: 'Reset your Ataa password',
      lines: ['Someone (we hope you) asked to reset the password of the Ataa account with this e-mail address.', 'To choose a new password, open this link:'],
      button: 'Choose a new password',
      ignore: 'If you did not ask for this, ignore this e-mail: your password stays as it is.',
    },
    expires: 'The link works once, until {expires}.',
  },
  ar: {
    email_verification: {
      subject: 'أكّد عنوان بريدك الإلكتروني على منصة عطاء',
      lines: ['أنشأ أحدهم (ونرجو أن تكون أنت) حسابًا على منصة عطاء بعنوان البريد هذا.', 'لتأكيد العنوان افتح هذا الرابط واضغط الزر في الصفحة:'],
      button: 'أكّد عنوان بريدي',
      ignore: 'إن لم تنشئ حسابًا فتجاهل هذه الرسالة.',
    },
    password_reset: {
      subject: 'إعادة تعيين كلمة مرورك على منصة عطاء',
      lines: ['طلب أحدهم (ونرجو أن تكون أنت) إعادة تعيين كلمة مرور حساب عطاء المرتبط بهذا البريد.', 'لاختيار كلمة مرور جديدة افتح هذا الرابط:'],
      button: 'اختر كلمة مرور جديدة',
      ignore: 'إن لم تطلب ذلك فتجاهل هذه الرسالة: تبقى كلمة مرورك كما هي.',
    },
    expires: 'يعمل الرابط مرة واحدة، حتى {expires}.',
  },
} as const;

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

export function renderAccountMail(purpose: AccountTokenPurpose, language: 'en' | 'ar', link: string, expiresAt: Date): AccountMail {
  const words = WORDS[language];
  const w = words[purpose];
  const expires = new Intl.DateTimeFormat(language === 'ar' ? 'ar' : 'en-GB', { dateStyle: 'long', timeStyle: 'short', timeZone: 'UTC' }).format(expiresAt) + ' UTC';
  const expiresLine = words.expires.replace('{expires}', expires);
  const text = [w.lines[0], '', w.lines[1], link, '', expiresLine, w.ignore, ''].join('\n');
  const dir = language === 'ar' ? 'rtl' : 'ltr';
  const html = `<!doctype html><html lang="${language}" dir="${dir}"><head><meta charset="utf-8"><title>${escapeHtml(w.subject)}</title></head><body>`
    + `<p>${escapeHtml(w.lines[0])}</p><p>${escapeHtml(w.lines[1])}</p><p><a href="${escapeHtml(link)}">${escapeHtml(w.button)}</a></p>`
    + `<p>${escapeHtml(expiresLine)}</p><p>${escapeHtml(w.ignore)}</p></body></html>`;
  return { subject: w.subject, text, html };
}
