/**
 * The confirmation e-mail, in English or Arabic (pure). It says what confirming does and what is
 * kept, and carries the link; it names no gift, amount or campaign (the address alone is no proof
 * of who reads it, so the mail reveals nothing beyond "this address has given").
 */
export interface ErasureLinkMail {
  subject: string;
  text: string;
  html: string;
}

const WORDS = {
  en: {
    subject: 'Confirm the erasure of your personal data',
    lines: [
      'Someone (we hope you) asked Ataa to erase the personal data held about this e-mail address: your name, e-mail address and messages on your gifts, your receipts\' copies, and the copy held by our payment provider.',
      'What the law requires us to keep for accounting (amounts, dates and payment references) is kept, without your name, for the legally required period.',
      'On the public ledgers your name and message will show as "redacted"; the ledgers still verify.',
      'To confirm, open this link and press the button on the page (the link can be used once):',
    ],
    expires: 'The link expires at {expires}. If you did not ask for this, ignore this e-mail: nothing will be erased.',
    button: 'Review and confirm the erasure',
  },
  ar: {
    subject: 'تأكيد محو بياناتك الشخصية',
    lines: [
      'طلب أحدهم (ونرجو أن تكون أنت) من منصة عطاء محو البيانات الشخصية المرتبطة بهذا البريد الإلكتروني: اسمك وبريدك ورسائلك في تبرعاتك، ونسخ إيصالاتك، والنسخة المحفوظة لدى مزوّد الدفع.',
      'ما يفرض القانون الاحتفاظ به للمحاسبة (المبالغ والتواريخ ومراجع الدفع) يُحتفظ به دون اسمك طوال المدة القانونية.',
      'في السجلات العامة سيظهر اسمك ورسالتك «محجوبين»، وتبقى السجلات قابلة للتحقق.',
      'للتأكيد افتح هذا الرابط واضغط الزر في الصفحة (يُستخدم الرابط مرة واحدة):',
    ],
    expires: 'تنتهي صلاحية الرابط في {expires}. إن لم تطلب ذلك فتجاهل هذه الرسالة: لن يُمحى شيء.',
    button: 'مراجعة المحو وتأكيده',
  },
} as const;

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

export function renderErasureLinkMail(language: 'en' | 'ar', link: string, expiresAt: Date): ErasureLinkMail {
  const w = WORDS[language];
  const expires = new Intl.DateTimeFormat(language === 'ar' ? 'ar' : 'en-GB', { dateStyle: 'long', timeStyle: 'short', timeZone: 'UTC' }).format(expiresAt) + ' UTC';
  const expiresLine = w.expires.replace('{expires}', expires);
  const text = [...w.lines.slice(0, 3), '', w.lines[3], link, '', expiresLine, ''].join('\n');
  const dir = language === 'ar' ? 'rtl' : 'ltr';
  const html = `<!doctype html><html lang="${language}" dir="${dir}"><head><meta charset="utf-8"><title>${escapeHtml(w.subject)}</title></head><body>`
    + w.lines.slice(0, 3).map((l) => `<p>${escapeHtml(l)}</p>`).join('')
    + `<p>${escapeHtml(w.lines[3])}</p><p><a href="${escapeHtml(link)}">${escapeHtml(w.button)}</a></p>`
    + `<p>${escapeHtml(expiresLine)}</p></body></html>`;
  return { subject: w.subject, text, html };
}
