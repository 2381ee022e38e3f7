import { localeFor, pluralText, type PluralForms as LanguagePluralForms } from '@ataa/notifications';
/**
 * The dashboard's words, in English and Arabic. Every page takes `t` = DASHBOARD_MESSAGES[language];
 * names people typed only ever go into {placeholders} (filled with fillIsolated, so they sit in <bdi>).
 * A new page adds its keys to both languages (the unit test checks that they match).
 */
export type DashboardLanguage = 'en' | 'ar';

export const DASHBOARD_LANGUAGES: readonly DashboardLanguage[] = ['en', 'ar'];

export const DASHBOARD_MESSAGES = {
  en: {
    brand: 'Ataa dashboard', skip: 'Skip to content', nav: 'Dashboard', languageName: 'English', switchTo: 'العربية', switchLabel: 'Language',
    publicSite: 'Ataa home', apiDocs: 'API documentation',
    navHome: 'Home', navCampaigns: 'Campaigns', navDonations: 'Donations', navRecurring: 'Recurring', navPayouts: 'Payouts', navTeam: 'Team',
    signedInAs: 'Signed in as {email}', signOut: 'Sign out', signOutEverywhere: 'Sign out everywhere', organizations: 'Organizations',
    accountSecurity: 'Account security',
    // accounts
    signInTitle: 'Sign in', signUpTitle: 'Create your account', email: 'E-mail', password: 'Password',
    newPassword: 'New password (at least 12 characters)', name: 'Your name', signInSubmit: 'Sign in', signUpSubmit: 'Create account',
    noAccount: 'No account yet?', haveAccount: 'Already have an account?', forgot: 'Forgot your password?',
    errorTitle: 'Please check the form',
    verifyBanner: 'Confirm your e-mail address: we sent a link to {email}.', resend: 'Send the link again',
    verifySent: 'We sent a new confirmation link to {email}. It works for 48 hours.',
    verifyTitle: 'Confirm your e-mail address', verifyLead: 'Press the button to confirm {email}.', verifySubmit: 'Confirm my address',
    verifiedTitle: 'E-mail address confirmed', verifiedLead: 'Thank you: {email} is confirmed.', continue: 'Continue',
    linkUnusableTitle: 'This link cannot be used',
    linkUnusable: 'The link is not valid, was already used, or has expired. Each link works once; ask for a new one.',
    resetRequestTitle: 'Reset your password', resetRequestLead: 'Enter your account\u2019s e-mail address and we will send you a link to choose a new password.',
    resetRequestSubmit: 'Send the link',
    resetSentTitle: 'Check your e-mail', resetSent: 'If an account exists for that address, we sent it a link. It works once, for one hour.',
    resetTitle: 'Choose a new password', resetLead: 'For the account {email}. Every signed-in session of the account will be signed out.', resetSubmit: 'Set the new password',
    resetDoneTitle: 'Password changed', resetDone: 'Your password was changed and every session was signed out. Sign in with the new password.',
    signedOutEverywhere: 'Every session of your account was signed out.',
    // organizations
    createOrgTitle: 'Create your organization', createOrgLead: 'An organization runs campaigns and receives payouts. You will be its owner.',
    orgName: 'Organization name', orgCountry: 'Country', orgCountryHint: 'Where you work: donors can find your campaigns by country.', orgCountryNone: 'Not given',
    createOrgSubmit: 'Create organization', verifyFirst: 'Confirm your e-mail address before creating an organization.',
    chooseOrgTitle: 'Your organizations', role: 'Role', newOrg: 'Create another organization',
    roles: { owner: 'Owner', admin: 'Admin', finance: 'Finance', viewer: 'Viewer' },
    // home
    homeTitle: '{organization}', raisedTitle: 'Received', currency: 'Currency', thisWeek: 'This week', thisMonth: 'This month', total: 'Total',
    raisedNote: 'Settled gifts, less refunds and disputes lost.', noGifts: 'No gifts yet. Once a campaign is published, gifts appear here.',
    donorsTitle: 'Donors', giftsTitle: 'Gifts',
    chartTitle: 'Gifts per day, last 30 days', chartDesc: '{total} in the last 30 days; the most in one day: {max}.',
    chartTableSummary: 'Gifts per day (table)', day: 'Day', gifts: 'Gifts',
    attentionTitle: 'Needs attention', endingSoon: 'Ends {date}', nothingNeedsAttention: 'Nothing needs your attention.', payoutAwaitsApproval: 'A payout of {amount} awaits the platform’s approval',
    campaignPage: 'Public page',
   
    // errors
    notFoundTitle: 'Page not found', notFound: 'There is no such page, or you do not have access to it.',
    forbiddenTitle: 'Not allowed', forbidden: 'Your role in this organization does not allow this.',
    errorPageTitle: 'Something went wrong', errorPage: 'Something went wrong on our side. Please try again in a moment.',
    backHome: 'Back to the dashboard',
  },
  ar: {
    brand: 'لوحة عطاء', skip: 'انتقل إلى المحتوى', nav: 'لوحة التحكم', languageName: 'العربية', switchTo: 'English', switchLabel: 'اللغة',
    publicSite: 'الصفحة الرئيسية لعطاء', apiDocs: 'توثيق واجهة البرمجة',
    navHome: 'الرئيسية', navCampaigns: 'الحملات', navDonations: 'التبرعات', navRecurring: 'التبرعات المتكررة', navPayouts: 'المدفوعات', navTeam: 'الفريق',
    signedInAs: 'مسجّل الدخول باسم {email}', signOut: 'تسجيل الخروج', signOutEverywhere: 'تسجيل الخروج من كل الأجهزة', organizations: 'المنظمات',
    accountSecurity: 'أمان الحساب',
    signInTitle: 'تسجيل الدخول', signUpTitle: 'أنشئ حسابك', email: 'البريد الإلكتروني', password: 'كلمة المرور',
    newPassword: 'كلمة مرور جديدة (12 حرفًا على الأقل)', name: 'اسمك', signInSubmit: 'سجّل الدخول', signUpSubmit: 'أنشئ الحساب',
    noAccount: 'ليس لديك حساب؟', haveAccount: 'لديك حساب بالفعل؟', forgot: 'نسيت كلمة المرور؟',
    errorTitle: 'راجع النموذج',
    verifyBanner: 'أكّد عنوان بريدك: أرسلنا رابطًا إلى {email}.', resend: 'أرسل الرابط مرة أخرى',
    verifySent: 'أرسلنا رابط تأكيد جديدًا إلى {email}. يعمل لمدة 48 ساعة.',
    verifyTitle: 'أكّد عنوان بريدك الإلكتروني', verifyLead: 'اضغط الزر لتأكيد {email}.', verifySubmit: 'أكّد عنواني',
    verifiedTitle: 'تم تأكيد عنوان البريد', verifiedLead: 'شكرًا لك: تم تأكيد {email}.', continue: 'متابعة',
    linkUnusableTitle: 'لا يمكن استخدام هذا الرابط',
    linkUnusable: 'الرابط غير صالح أو استُخدم من قبل أو انتهت صلاحيته. يعمل كل رابط مرة واحدة؛ اطلب رابطًا جديدًا.',
    resetRequestTitle: 'إعادة تعيين كلمة المرور', resetRequestLead: 'أدخل عنوان بريد حسابك وسنرسل إليك رابطًا لاختيار كلمة مرور جديدة.',
    resetRequestSubmit: 'أرسل الرابط',
    resetSentTitle: 'تفقّد بريدك', resetSent: 'إن وُجد حساب بهذا العنوان فقد أرسلنا إليه رابطًا. يعمل مرة واحدة لمدة ساعة.',
    resetTitle: 'اختر كلمة مرور جديدة', resetLead: 'للحساب {email}. سيُسجَّل الخروج من كل جلسات الحساب.', resetSubmit: 'احفظ كلمة المرور الجديدة',
    resetDoneTitle: 'تم تغيير كلمة المرور', resetDone: 'غُيّرت كلمة مرورك وسُجّل الخروج من كل الجلسات. سجّل الدخول بكلمة المرور الجديدة.',
    signedOutEverywhere: 'سُجّل الخروج من كل جلسات حسابك.',
    createOrgTitle: 'أنشئ منظمتك', createOrgLead: 'تدير المنظمة الحملات وتتلقى المدفوعات، وستكون مالكتها.',
    orgName: 'اسم المنظمة', orgCountry: 'البلد', orgCountryHint: 'حيث تعملون: يجد المتبرعون حملاتكم حسب البلد.', orgCountryNone: 'غير محدد',
    createOrgSubmit: 'أنشئ المنظمة', verifyFirst: 'أكّد عنوان بريدك قبل إنشاء منظمة.',
    chooseOrgTitle: 'منظماتك', role: 'الدور', newOrg: 'أنشئ منظمة أخرى',
    roles: { owner: 'مالك', admin: 'مشرف', finance: 'المالية', viewer: 'مُطّلع' },
    homeTitle: '{organization}', raisedTitle: 'المبالغ المستلمة', currency: 'العملة', thisWeek: 'هذا الأسبوع', thisMonth: 'هذا الشهر', total: 'الإجمالي',
    raisedNote: 'التبرعات المسوّاة بعد خصم المبالغ المستردة والنزاعات الخاسرة.', noGifts: 'لا تبرعات بعد. تظهر التبرعات هنا بعد نشر حملة.',
    donorsTitle: 'المتبرعون', giftsTitle: 'التبرعات',
    chartTitle: 'التبرعات يوميًا، آخر 30 يومًا', chartDesc: '{total} في آخر 30 يومًا؛ أكثرها في يوم واحد: {max}.',
    chartTableSummary: 'التبرعات يوميًا (جدول)', day: 'اليوم', gifts: 'التبرعات',
    attentionTitle: 'بحاجة إلى انتباهك', endingSoon: 'تنتهي في {date}', nothingNeedsAttention: 'لا شيء يحتاج إلى انتباهك.', payoutAwaitsApproval: 'دفعة بقيمة {amount} بانتظار موافقة المنصة',
    campaignPage: 'الصفحة العامة',
   
    notFoundTitle: 'الصفحة غير موجودة', notFound: 'لا توجد صفحة كهذه، أو ليس لديك صلاحية الوصول إليها.',
    forbiddenTitle: 'غير مسموح', forbidden: 'لا يسمح دورك في هذه المنظمة بذلك.',
    errorPageTitle: 'حدث خطأ', errorPage: 'حدث خطأ من جهتنا. حاول مرة أخرى بعد قليل.',
    backHome: 'العودة إلى اللوحة',
  },
} as const;

export type DashboardMessages = (typeof DASHBOARD_MESSAGES)['en'] | (typeof DASHBOARD_MESSAGES)['ar'];

/** Form errors, by the DomainError's code (or the page's own reason). */
export const DASHBOARD_ERRORS: Record<DashboardLanguage, Record<string, string>> = {
  en: {
    invalid_credentials: 'The e-mail or password is incorrect.',
    rate_limited: 'Too many attempts. Please wait a few minutes, then try again.',
    rate_limit_unavailable: 'This cannot be done right now. Please try again in a few minutes.',
    signup_failed: 'The account could not be created. If you already have one, sign in instead.',
    validation_failed: 'Some fields are missing or not valid.',
    invalid_email: 'Enter a valid e-mail address.',
    password_too_short: 'Choose a password of at least 12 characters.',
    password_too_long: 'Choose a password of at most 256 characters.',
    name_required: 'Enter a name.',
    invalid_country: 'Choose a country from the list.',
    invalid_text: 'A field is too long or holds characters that are not allowed.',
    csrf: 'The form expired. Please try again.',
    email_not_verified: 'Confirm your e-mail address first.',
    link_unusable: 'The link is not valid, was already used, or has expired.',
    invalid_totp_code: 'The code is not right, or was already used. Enter the code your app shows now (or an unused recovery code).',
    invalid_proof: 'The password or code is not right.',
    sign_in_expired: 'The sign-in took too long or had too many wrong codes. Enter your e-mail and password again.',
    totp_already_enabled: 'Two-factor sign-in is already on.',
    totp_not_enabled: 'Two-factor sign-in is off.',
    totp_enrolment_missing: 'The set-up expired. Start it again.',
    default: 'Something went wrong. Please try again.',
  },
  ar: {
    invalid_credentials: 'البريد الإلكتروني أو كلمة المرور غير صحيحة.',
    rate_limited: 'محاولات كثيرة. انتظر بضع دقائق ثم حاول مرة أخرى.',
    rate_limit_unavailable: 'تعذّر ذلك الآن. حاول مرة أخرى بعد بضع دقائق.',
    signup_failed: 'تعذّر إنشاء الحساب. إن كان لديك حساب فسجّل الدخول بدلًا من ذلك.',
    validation_failed: 'بعض الحقول ناقصة أو غير صحيحة.',
    invalid_email: 'أدخل عنوان بريد إلكتروني صحيحًا.',
    password_too_short: 'اختر كلمة مرور من 12 حرفًا على الأقل.',
    password_too_long: 'اختر كلمة مرور من 256 حرفًا على الأكثر.',
    name_required: 'أدخل اسمًا.',
    invalid_country: 'اختر بلدًا من القائمة.',
    invalid_text: 'أحد الحقول طويل جدًا أو يحوي أحرفًا غير مسموحة.',
    csrf: 'انتهت صلاحية النموذج. حاول مرة أخرى.',
    email_not_verified: 'أكّد عنوان بريدك أولًا.',
    link_unusable: 'الرابط غير صالح أو استُخدم من قبل أو انتهت صلاحيته.',
    invalid_totp_code: 'الرمز غير صحيح أو استُخدم من قبل. أدخل الرمز الذي يعرضه التطبيق الآن (أو رمز استرداد لم يُستخدم).',
    invalid_proof: 'كلمة المرور أو الرمز غير صحيح.',
    sign_in_expired: 'استغرق تسجيل الدخول وقتًا طويلًا أو أُدخلت رموز خاطئة كثيرة. أدخل بريدك وكلمة المرور من جديد.',
    totp_already_enabled: 'تسجيل الدخول بخطوتين مفعّل بالفعل.',
    totp_not_enabled: 'تسجيل الدخول بخطوتين غير مفعّل.',
    totp_enrolment_missing: 'انتهت مهلة التفعيل. ابدأ من جديد.',
    default: 'حدث خطأ ما. حاول مرة أخرى.',
  },
};

/** "3 gifts" with the language's plural forms (Arabic has six: zero, one, two, few, many, other). */
const GIFT_FORMS: PluralForms = {
  en: { one: '{n} gift', other: '{n} gifts' },
  ar: { zero: 'لا تبرعات', one: 'تبرع واحد', two: 'تبرعان', few: '{n} تبرعات', many: '{n} تبرعًا', other: '{n} تبرع' },
};

type PluralForms = Record<DashboardLanguage, LanguagePluralForms>;

/** Refunds of a close-out that failed (home: needs attention). */
const FAILED_REFUND_FORMS: PluralForms = {
  en: { one: '{n} refund failed in its close-out', other: '{n} refunds failed in its close-out' },
  ar: { one: 'فشل استرداد واحد في إغلاقها', two: 'فشل استردادان في إغلاقها', few: 'فشلت {n} عمليات استرداد في إغلاقها', many: 'فشلت {n} عملية استرداد في إغلاقها', other: 'فشلت {n} عملية استرداد في إغلاقها' },
};

/** Open reconciliation differences of a campaign (home: needs attention). */
const DIFFERENCE_FORMS: PluralForms = {
  en: { one: '{n} open difference between the ledger and Stripe', other: '{n} open differences between the ledger and Stripe' },
  ar: { one: 'فرق واحد مفتوح بين السجل وStripe', two: 'فرقان مفتوحان بين السجل وStripe', few: '{n} فروق مفتوحة بين السجل وStripe', many: '{n} فرقًا مفتوحًا بين السجل وStripe', other: '{n} فرق مفتوح بين السجل وStripe' },
};

const plural = (forms: PluralForms, language: DashboardLanguage, n: number, locale: string): string => pluralText(forms[language], n, locale, language);

export const giftsCount = (language: DashboardLanguage, n: number, locale: string): string => plural(GIFT_FORMS, language, n, locale);
export const failedRefundsCount = (language: DashboardLanguage, n: number, locale: string): string => plural(FAILED_REFUND_FORMS, language, n, locale);
export const differencesCount = (language: DashboardLanguage, n: number, locale: string): string => plural(DIFFERENCE_FORMS, language, n, locale);

/** A byte count as people read it ("2 MB"), in the page's language (upload limits on forms). */
export function fileSize(bytes: number, language: DashboardLanguage): string {
  const mb = bytes / (1024 * 1024);
  return new Intl.NumberFormat(localeFor(language), { style: 'unit', unit: mb >= 1 ? 'megabyte' : 'kilobyte', maximumFractionDigits: 1 }).format(mb >= 1 ? mb : bytes / 1024);
}
