/** A scheduled series' link pages' words (en/ar): the one-click cancel and a failed occurrence's payment page. */
export const SCHEDULED_PAGE_MESSAGES = {
  en: {
    skip: 'Skip to content',
    cancelTitle: 'Cancel your scheduled gifts',
    cancelIntro: 'Your gifts of {amount} to {campaign} ({schedule}) will stop: the gifts still planned will not be charged. Gifts already made stay as they are.',
    cancel: 'Cancel the scheduled gifts',
    doneTitle: 'Your scheduled gifts are cancelled', done: 'Your gifts of {amount} to {campaign} ({schedule}) have stopped. Nothing more will be charged. Thank you for your gifts.',
    stoppedTitle: 'These scheduled gifts have already stopped', stopped: 'Nothing more will be charged.',
    payTitle: 'Pay a scheduled gift', payIntro: 'Your gift of {amount} to {campaign} planned for {day} could not be charged. You can give it with any card until {until}.',
    pay: 'Continue to payment', notPayable: 'This gift can no longer be paid here: it was paid already, or the time to pay it has passed.',
    refusedTitle: 'This link does not work', errorTitle: 'Something went wrong',
    link_invalid: 'This link is not valid or has expired. Your latest e-mail about these gifts has a new one.',
    csrf: 'The form expired. Open the link again.', payment_provider_unavailable: 'We could not reach the payment provider. Please try again in a few minutes.',
    occurrence_not_payable: 'This gift can no longer be paid here: it was paid already, or the time to pay it has passed.',
    default: 'Something went wrong. Please try again.',
  },
  ar: {
    skip: 'انتقل إلى المحتوى',
    cancelTitle: 'ألغِ تبرعاتك المجدولة',
    cancelIntro: 'ستتوقف تبرعاتك بمبلغ {amount} لحملة {campaign} ({schedule}): لن تُخصم التبرعات المقررة الباقية. تبقى التبرعات السابقة كما هي.',
    cancel: 'ألغِ التبرعات المجدولة',
    doneTitle: 'أُلغيت تبرعاتك المجدولة', done: 'توقّفت تبرعاتك بمبلغ {amount} لحملة {campaign} ({schedule}). لن يُخصم أي مبلغ بعد الآن. شكرًا لتبرعاتك.',
    stoppedTitle: 'توقّفت هذه التبرعات المجدولة من قبل', stopped: 'لن يُخصم أي مبلغ بعد الآن.',
    payTitle: 'ادفع تبرعًا مجدولًا', payIntro: 'تعذّر خصم تبرعك بمبلغ {amount} لحملة {campaign} المقرر في {day}. يمكنك تقديمه بأي بطاقة حتى {until}.',
    pay: 'المتابعة إلى الدفع', notPayable: 'لم يعد ممكنًا دفع هذا التبرع هنا: دُفع من قبل أو انقضت مهلة دفعه.',
    refusedTitle: 'هذا الرابط لا يعمل', errorTitle: 'حدث خطأ',
    link_invalid: 'هذا الرابط غير صالح أو انتهت صلاحيته. في آخر رسالة عن هذه التبرعات رابط جديد.',
    csrf: 'انتهت صلاحية النموذج. افتح الرابط مرة أخرى.', payment_provider_unavailable: 'تعذّر الوصول إلى مزوّد الدفع. حاول مرة أخرى بعد دقائق.',
    occurrence_not_payable: 'لم يعد ممكنًا دفع هذا التبرع هنا: دُفع من قبل أو انقضت مهلة دفعه.',
    default: 'حدث خطأ ما. حاول مرة أخرى.',
  },
} as const;

export type ScheduledPageLanguage = keyof typeof SCHEDULED_PAGE_MESSAGES;
