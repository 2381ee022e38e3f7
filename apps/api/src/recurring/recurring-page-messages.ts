/** The recurring gift's link pages' words (en/ar). */
export const RECURRING_PAGE_MESSAGES = {
  en: {
    skip: 'Skip to content',
    cancelTitle: 'Cancel your recurring gift',
    cancelIntro: 'Your {interval} gift of {amount} to {campaign} will stop: nothing more will be charged. Gifts already made stay as they are.',
    cancel: 'Cancel the recurring gift', keep: 'Keep giving',
    doneTitle: 'Your recurring gift is cancelled', done: 'Your {interval} gift of {amount} to {campaign} has stopped. Nothing more will be charged. Thank you for your gifts.',
    stoppedTitle: 'This recurring gift has already stopped', stopped: 'Nothing more will be charged.',
    refusedTitle: 'This link does not work', errorTitle: 'Something went wrong',
    link_invalid: 'This link is not valid or has expired. The latest receipt of your recurring gift has a new one.',
    csrf: 'The form expired. Open the link again.', payment_provider_unavailable: 'We could not reach the payment provider. Please try again in a few minutes.',
    recurring_gift_stopped: 'This recurring gift has stopped: there is no card to update.',
    default: 'Something went wrong. Please try again.',
    month: 'monthly', week: 'weekly',
  },
  ar: {
    skip: 'انتقل إلى المحتوى',
    cancelTitle: 'ألغِ تبرعك الدوري',
    cancelIntro: 'سيتوقف تبرعك {interval} بمبلغ {amount} لحملة {campaign}: لن يُخصم أي مبلغ بعد الآن. تبقى التبرعات السابقة كما هي.',
    cancel: 'ألغِ التبرع الدوري', keep: 'استمر في التبرع',
    doneTitle: 'أُلغي تبرعك الدوري', done: 'توقّف تبرعك {interval} بمبلغ {amount} لحملة {campaign}. لن يُخصم أي مبلغ بعد الآن. شكرًا لتبرعاتك.',
    stoppedTitle: 'توقّف هذا التبرع الدوري من قبل', stopped: 'لن يُخصم أي مبلغ بعد الآن.',
    refusedTitle: 'هذا الرابط لا يعمل', errorTitle: 'حدث خطأ',
    link_invalid: 'هذا الرابط غير صالح أو انتهت صلاحيته. في آخر إيصال لتبرعك الدوري رابط جديد.',
    csrf: 'انتهت صلاحية النموذج. افتح الرابط مرة أخرى.', payment_provider_unavailable: 'تعذّر الوصول إلى مزوّد الدفع. حاول مرة أخرى بعد دقائق.',
    recurring_gift_stopped: 'توقّف هذا التبرع الدوري: لا بطاقة لتحديثها.',
    default: 'حدث خطأ ما. حاول مرة أخرى.',
    month: 'الشهري', week: 'الأسبوعي',
  },
} as const;

export type RecurringPageLanguage = keyof typeof RECURRING_PAGE_MESSAGES;
