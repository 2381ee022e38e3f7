/** The privacy pages' words, English and Arabic (one table, like the other pages' messages). */
export type PrivacyPageLanguage = 'en' | 'ar';

export const PRIVACY_PAGE_MESSAGES = {
  en: {
    skip: 'Skip to content',
    title: 'Erase my personal data',
    intro: 'Enter the e-mail address you gave with your gifts. If we hold data for it, we will e-mail you a link to confirm the erasure.',
    whatGoes: 'Erased: your name, e-mail address and messages on your gifts, the address on your receipts, and the copy our payment provider holds.',
    whatStays: 'Kept, without your name, for the legally required period: amounts, dates and payment references (the law requires them for accounting). On the public ledgers your name and message show as "redacted"; the ledgers still verify.',
    email: 'E-mail address',
    submit: 'Send me the confirmation link',
    sentTitle: 'Check your inbox',
    sent: 'If we hold data for this address, we have sent a link to it. The link can be used once and expires after a while.',
    confirmTitle: 'Confirm the erasure',
    confirmIntro: 'Pressing the button erases your personal data from every gift made with your e-mail address. This cannot be undone.',
    confirm: 'Erase my personal data',
    doneTitle: 'Your data is being erased',
    done: 'Thank you. The erasure is under way and will be complete within minutes. You will not receive further e-mails about these gifts.',
    errorTitle: 'Sorry',
    refusedTitle: 'This link does not work',
    erasure_link_invalid: 'This link is not a valid erasure link. Please use the link exactly as it was e-mailed, or ask for a new one.',
    erasure_link_expired: 'This link has expired. Please ask for a new one.',
    erasure_link_used: 'This link was already used: the erasure it asked for is done or under way.',
    csrf: 'The form expired. Please try again.',
    validation_failed: 'Please enter a valid e-mail address.',
    rate_limited: 'Too many requests. Please try again later.',
    rate_limit_unavailable: 'This is briefly unavailable. Please try again shortly.',
    askAgain: 'Ask for a new link',
    language: 'العربية',
  },
  ar: {
    skip: 'انتقل إلى المحتوى',
    title: 'محو بياناتي الشخصية',
    intro: 'أدخل البريد الإلكتروني الذي استخدمته في تبرعاتك. إن كانت لدينا بيانات مرتبطة به فسنرسل إليك رابطًا لتأكيد المحو.',
    whatGoes: 'يُمحى: اسمك وبريدك الإلكتروني ورسائلك في تبرعاتك، والعنوان في إيصالاتك، والنسخة المحفوظة لدى مزوّد الدفع.',
    whatStays: 'يُحتفظ دون اسمك طوال المدة القانونية بالمبالغ والتواريخ ومراجع الدفع (يفرضها القانون للمحاسبة). في السجلات العامة يظهر اسمك ورسالتك «محجوبين»، وتبقى السجلات قابلة للتحقق.',
    email: 'البريد الإلكتروني',
    submit: 'أرسل إليّ رابط التأكيد',
    sentTitle: 'تفقّد بريدك',
    sent: 'إن كانت لدينا بيانات مرتبطة بهذا العنوان فقد أرسلنا إليه رابطًا. يُستخدم الرابط مرة واحدة وتنتهي صلاحيته بعد مدة.',
    confirmTitle: 'تأكيد المحو',
    confirmIntro: 'بالضغط على الزر تُمحى بياناتك الشخصية من كل تبرع قُدّم ببريدك الإلكتروني. لا يمكن التراجع عن ذلك.',
    confirm: 'امحُ بياناتي الشخصية',
    doneTitle: 'يجري محو بياناتك',
    done: 'شكرًا لك. بدأ المحو وسيكتمل خلال دقائق. لن تصلك رسائل أخرى بشأن هذه التبرعات.',
    errorTitle: 'عذرًا',
    refusedTitle: 'هذا الرابط لا يعمل',
    erasure_link_invalid: 'هذا ليس رابط محو صالحًا. استخدم الرابط كما وصلك في البريد تمامًا، أو اطلب رابطًا جديدًا.',
    erasure_link_expired: 'انتهت صلاحية هذا الرابط. اطلب رابطًا جديدًا.',
    erasure_link_used: 'استُخدم هذا الرابط من قبل: المحو الذي طلبه تمّ أو جارٍ.',
    csrf: 'انتهت صلاحية النموذج. حاول مرة أخرى.',
    validation_failed: 'أدخل بريدًا إلكترونيًا صالحًا.',
    rate_limited: 'طلبات كثيرة. حاول لاحقًا.',
    rate_limit_unavailable: 'الخدمة غير متاحة لحظيًا. حاول بعد قليل.',
    askAgain: 'اطلب رابطًا جديدًا',
    language: 'English',
  },
} as const satisfies Record<PrivacyPageLanguage, Record<string, string>>;

export type PrivacyMessageKey = keyof (typeof PRIVACY_PAGE_MESSAGES)['en'];

export function privacyLanguage(value: unknown): PrivacyPageLanguage {
  return value === 'ar' ? 'ar' : 'en';
}
