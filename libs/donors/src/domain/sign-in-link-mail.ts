/**
 * The donor page's sign-in e-mail, in English or Arabic (pure). The same e-mail goes to every
 * address asked for, whether or not it has gifts (the page then says what it finds): neither the
 * form's answer, its timing nor the e-mail tells anyone else whether an address has given.
 */
export interface SignInLinkMail {
  subject: string;
  text: string;
  html: string;
}

export const SIGN_IN_MAIL_SUBJECTS = { en: 'Your sign-in link to your gifts on Ataa', ar: 'رابط الدخول إلى تبرعاتك في منصة عطاء' } as const;

const WORDS = {
  en: {
    lines: [
      'Someone (we hope you) asked to see the gifts made on Ataa with this e-mail address.',
      'To sign in, open this link and press the button on the page. The link works once, for 15 minutes:',
    ],
    expires: 'The link expires at {expires}. If you did not ask for it, ignore this e-mail: nobody can sign in without it.',
    button: 'Sign in to see your gifts',
  },
  ar: {
    lines: [
      'طلب أحدهم (ونرجو أن تكون أنت) عرض التبرعات المقدَّمة في منصة عطاء بهذا البريد الإلكتروني.',
      'للدخول افتح هذا الرابط واضغط الزر في الصفحة. يعمل الرابط مرة واحدة خلال 15 دقيقة:',
    ],
    expires: 'تنتهي صلاحية الرابط في {expires}. إن لم تطلبه فتجاهل هذه الرسالة: لا يمكن لأحد الدخول من دونه.',
    button: 'ادخل لعرض تبرعاتك',
  },
} as const;

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

export function renderSignInLinkMail(language: 'en' | 'ar', link: string, expiresAt: Date): SignInLinkMail {
  const w = WORDS[language];
  const subject = SIGN_IN_MAIL_SUBJECTS[language];
  const expires = new Intl.DateTimeFormat(language === 'ar' ? 'ar' : 'en-GB', { dateStyle: 'long', timeStyle: 'short', timeZone: 'UTC' }).format(expiresAt) + ' UTC';
  const expiresLine = w.expires.replace('{expires}', expires);
  const text = [w.lines[0], '', w.lines[1], link, '', expiresLine, ''].join('\n');
  const dir = language === 'ar' ? 'rtl' : 'ltr';
  const html = `<!doctype html><html lang="${language}" dir="${dir}"><head><meta charset="utf-8"><title>${escapeHtml(subject)}</title></head><body>`
    + `<p>${escapeHtml(w.lines[0])}</p><p>${escapeHtml(w.lines[1])}</p><p><a href="${escapeHtml(link)}">${escapeHtml(w.button)}</a></p>`
    + `<p>${escapeHtml(expiresLine)}</p></body></html>`;
  return { subject, text, html };
}
