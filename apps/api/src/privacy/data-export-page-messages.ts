export type PrivacyPageLanguage = 'en' | 'ar';

/** The privacy pages' words. No user text is interpolated into them. */
export const PRIVACY_PAGE_MESSAGES = {
  en: {
    skip: 'Skip to content', languageName: 'English',
    title: 'Download your data',
    lead: 'Get a copy of everything Ataa holds about your e-mail address: your donations, their receipts, refunds and the choices you made when giving. We send a link to that address; the link works once.',
    email: 'Your e-mail address', emailHint: 'The address you gave when donating.', submit: 'Send me the link',
    errorTitle: 'Please check the form',
    sentTitle: 'Check your inbox',
    sent: 'If we hold data about this address, we have sent it a link to download it.',
    sentHint: 'The link works once and expires after a while. No e-mail? Check your spam folder, or ask again later.',
    downloadTitle: 'Your data is ready', downloadLead: 'Download a JSON file with everything Ataa holds about this address.',
    downloadFor: 'For:', downloadSubmit: 'Download my data (JSON)', downloadOnce: 'The link works once: after the download it no longer opens.',
    unavailableTitle: 'Link unavailable', askAgain: 'Ask for a new link',
    link_invalid: 'This link is not valid. Check that you opened the whole link from the e-mail.',
    link_expired: 'This link has expired. Ask for a new one.',
    link_used: 'This link was already used. Each link works once; ask for a new one.',
  },
  ar: {
    skip: 'انتقل إلى المحتوى', languageName: 'العربية',
    title: 'نزّل بياناتك',
    lead: 'احصل على نسخة من كل ما تحتفظ به منصة عطاء عن عنوان بريدك: تبرعاتك وإيصالاتها والمبالغ المستردة والخيارات التي اخترتها عند التبرع. نرسل رابطًا إلى ذلك العنوان، ويعمل الرابط مرة واحدة.',
    email: 'عنوان بريدك الإلكتروني', emailHint: 'العنوان الذي أدخلته عند التبرع.', submit: 'أرسل لي الرابط',
    errorTitle: 'يرجى مراجعة النموذج',
    sentTitle: 'تفقّد بريدك',
    sent: 'إن كنا نحتفظ ببيانات عن هذا العنوان فقد أرسلنا إليه رابطًا لتنزيلها.',
    sentHint: 'يعمل الرابط مرة واحدة وتنتهي صلاحيته بعد مدة. لم تصلك رسالة؟ تفقّد مجلد الرسائل غير المرغوب فيها أو اطلب مجددًا لاحقًا.',
    downloadTitle: 'بياناتك جاهزة', downloadLead: 'نزّل ملف JSON يضم كل ما تحتفظ به منصة عطاء عن هذا العنوان.',
    downloadFor: 'لـ:', downloadSubmit: 'نزّل بياناتي (JSON)', downloadOnce: 'يعمل الرابط مرة واحدة: لا يُفتح بعد التنزيل.',
    unavailableTitle: 'الرابط غير متاح', askAgain: 'اطلب رابطًا جديدًا',
    link_invalid: 'هذا الرابط غير صالح. تأكد من أنك فتحت الرابط كاملًا من الرسالة.',
    link_expired: 'انتهت صلاحية هذا الرابط. اطلب رابطًا جديدًا.',
    link_used: 'استُخدم هذا الرابط من قبل. يعمل كل رابط مرة واحدة؛ اطلب رابطًا جديدًا.',
  },
} as const;

/** Form errors, by code. */
export const PRIVACY_FORM_ERRORS: Record<PrivacyPageLanguage, Record<string, string>> = {
  en: {
    validation_failed: 'Enter a valid e-mail address.',
    rate_limited: 'Too many requests for now. Please wait a while, then try again.',
    rate_limit_unavailable: 'This is briefly unavailable. Please try again in a moment.',
    csrf: 'The form expired. Please try again.',
  },
  ar: {
    validation_failed: 'أدخل عنوان بريد إلكتروني صالحًا.',
    rate_limited: 'طلبات كثيرة في الوقت الحالي. يرجى الانتظار قليلًا ثم المحاولة مجددًا.',
    rate_limit_unavailable: 'الخدمة غير متاحة لحظيًا. يرجى المحاولة بعد قليل.',
    csrf: 'انتهت صلاحية النموذج. يرجى المحاولة مجددًا.',
  },
};

export function privacyLanguage(value: unknown): PrivacyPageLanguage {
  return value === 'ar' ? 'ar' : 'en';
}
