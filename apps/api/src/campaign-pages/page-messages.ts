import { TEXT_LIMITS } from '@ataa/common';

/** The hosted pages' words, in the visitor's language (campaign text stays in its own). */
export const PAGE_MESSAGES = {
  en: {
    skip: 'Skip to content', raisedOf: 'raised of', goal: 'goal', donors: 'donors', donorsOne: 'donor', give: 'Give to this campaign',
    chooseAmount: 'Choose an amount', otherAmount: 'Other amount', customAmount: 'Your amount', amountHint: 'In {currency}, for example {example}',
    name: 'Your name', email: 'E-mail (for your receipt)', anonymous: 'Keep my name private', updatesOptIn: "E-mail me this campaign's updates (unsubscribe at any time)", message: 'Public message (optional)',
    coverFees: 'Add the fees so the campaign receives my full gift', submit: 'Continue to payment', recent: 'Recent gifts',
    designation: 'What your gift is for', zakatTag: 'zakat-eligible',
    zakatNote: 'Zakat: the organization declared the uses marked zakat-eligible as fit for zakat. A gift given as zakat is kept apart and spent only on those uses; the public ledger shows which payouts it went into.',
    anonymousDonor: 'Anonymous', noGifts: 'Be the first to give.', closed: 'This campaign is not accepting gifts right now.',
    cancelled: 'Payment cancelled: nothing was charged.', story: 'The story', ledger: 'Public ledger',
    thanksTitle: 'Thank you', statusPending: 'We are confirming your payment with the bank. This page updates when it is confirmed.',
    statusSucceeded: 'Your gift of {amount} was received. A receipt is on its way to your inbox.',
    statusFailed: 'The payment did not go through. Nothing was charged.', statusExpired: 'The payment session expired. Nothing was charged.',
    statusOther: 'Your gift is recorded (status: {status}).', backToCampaign: 'Back to the campaign', refresh: 'Check again',
    unknownGift: 'We could not find this gift.', errorTitle: 'Please check the form',
    coveredFeesNote: 'The total includes the payment fees donors chose to cover; each gift below is shown as the donor chose it.',
    campaignPage: 'Campaign page',
    frequency: 'How often', once: 'Give once', monthly: 'Monthly', weekly: 'Weekly',
    recurringEnd: 'End of a recurring gift (optional: it runs until you cancel it)', endDate: 'Last day', endPayments: 'Or a number of payments',
    endHint: 'Every receipt has a link to cancel at any time.',
    recurringPending: 'We are confirming your recurring gift with the bank. This page updates when it is confirmed.',
    recurringActive: 'Your {interval} gift of {amount} is set up. A receipt for each payment is on its way to your inbox, with a link to cancel at any time.',
    recurringStopped: 'This recurring gift has stopped.', intervalMonth: 'monthly', intervalWeek: 'weekly',
    ramadan_last_ten: 'Every night of the last ten nights of Ramadan', fridays: 'Every Friday',
    scheduleLegend: 'Scheduled gifts (Ramadan nights, Fridays)', weeks: 'Every Friday for how many weeks', weeksHint: 'From 1 to {max} weeks; each Friday at 9:00 in your time zone.',
    timeZone: 'Your time zone', timeZoneHint: 'Ramadan nights are charged at 21:00 on the evening each night begins, Fridays at 9:00, in this time zone.',
    scheduledPending: 'We are saving your card with the bank. This page updates when it is confirmed.',
    scheduledActive: 'Your gifts of {amount} are scheduled: {schedule}. A receipt for each gift is on its way to your inbox, with a link to cancel at any time.',
    scheduledDates: 'Planned gifts', scheduledStopped: 'These scheduled gifts have stopped: nothing more will be charged.',
    scheduledCompleted: 'These scheduled gifts are complete. Thank you.',
    occurrence: { planned: 'planned', charging: 'being charged', paid: 'given', failed: 'could not be charged', cancelled: 'cancelled' } as Record<string, string>,
  },
  ar: {
    skip: 'انتقل إلى المحتوى', raisedOf: 'جُمع من', goal: 'الهدف', donors: 'متبرعين', donorsOne: 'متبرع', give: 'تبرّع لهذه الحملة',
    chooseAmount: 'اختر مبلغًا', otherAmount: 'مبلغ آخر', customAmount: 'المبلغ الذي تختاره', amountHint: 'بعملة {currency}، مثلًا {example}',
    name: 'اسمك', email: 'البريد الإلكتروني (لإرسال الإيصال)', anonymous: 'لا تُظهر اسمي', updatesOptIn: 'أرسلوا لي تحديثات هذه الحملة بالبريد الإلكتروني (يمكنني إلغاء الاشتراك في أي وقت)', message: 'رسالة علنية (اختيارية)',
    coverFees: 'أضف الرسوم لتصل الحملة تبرعي كاملًا', submit: 'المتابعة إلى الدفع', recent: 'أحدث التبرعات',
    designation: 'وجهة تبرعك', zakatTag: 'مستحق للزكاة',
    zakatNote: 'الزكاة: أعلنت الجهة أن الأوجه الموسومة «مستحق للزكاة» مصارف للزكاة. يُحفظ ما يُعطى زكاةً منفصلًا ولا يُصرف إلا فيها، ويبيّن السجل العام الدفعات التي صُرف فيها.',
    anonymousDonor: 'فاعل خير', noGifts: 'كن أول المتبرعين.', closed: 'هذه الحملة لا تستقبل تبرعات حاليًا.',
    cancelled: 'أُلغي الدفع: لم يُخصم أي مبلغ.', story: 'القصة', ledger: 'السجل العام',
    thanksTitle: 'شكرًا لك', statusPending: 'نتحقق من الدفع مع البنك. ستُحدَّث هذه الصفحة عند التأكيد.',
    statusSucceeded: 'وصلنا تبرعك بمبلغ {amount}. الإيصال في طريقه إلى بريدك.',
    statusFailed: 'لم تتم عملية الدفع. لم يُخصم أي مبلغ.', statusExpired: 'انتهت صلاحية جلسة الدفع. لم يُخصم أي مبلغ.',
    statusOther: 'تبرعك مسجّل (الحالة: {status}).', backToCampaign: 'العودة إلى الحملة', refresh: 'تحقّق مجددًا',
    unknownGift: 'لم نجد هذا التبرع.', errorTitle: 'يرجى مراجعة النموذج',
    coveredFeesNote: 'يشمل المجموع رسوم الدفع التي اختار المتبرعون تغطيتها؛ ويظهر كل تبرع أدناه بالمبلغ الذي اختاره المتبرع.',
    campaignPage: 'صفحة الحملة',
    frequency: 'كم مرة', once: 'مرة واحدة', monthly: 'شهريًا', weekly: 'أسبوعيًا',
    recurringEnd: 'نهاية التبرع الدوري (اختيارية: يستمر حتى تلغيه)', endDate: 'آخر يوم', endPayments: 'أو عدد الدفعات',
    endHint: 'في كل إيصال رابط للإلغاء في أي وقت.',
    recurringPending: 'نتحقق من تبرعك الدوري مع البنك. ستُحدَّث هذه الصفحة عند التأكيد.',
    recurringActive: 'أُعدّ تبرعك {interval} بمبلغ {amount}. يصلك إيصال بكل دفعة، وفيه رابط للإلغاء في أي وقت.',
    recurringStopped: 'توقّف هذا التبرع الدوري.', intervalMonth: 'الشهري', intervalWeek: 'الأسبوعي',
    ramadan_last_ten: 'كل ليلة من العشر الأواخر من رمضان', fridays: 'كل جمعة',
    scheduleLegend: 'تبرعات مجدولة (ليالي رمضان، أيام الجمعة)', weeks: 'كل جمعة لكم أسبوعًا', weeksHint: 'من 1 إلى {max} أسبوعًا؛ كل جمعة الساعة 9:00 بتوقيتك.',
    timeZone: 'منطقتك الزمنية', timeZoneHint: 'تُخصم ليالي رمضان الساعة 21:00 مساء بداية كل ليلة، وأيام الجمعة الساعة 9:00، بهذا التوقيت.',
    scheduledPending: 'نحفظ بطاقتك مع البنك. ستُحدَّث هذه الصفحة عند التأكيد.',
    scheduledActive: 'جُدولت تبرعاتك بمبلغ {amount}: {schedule}. يصلك إيصال بكل تبرع، وفيه رابط للإلغاء في أي وقت.',
    scheduledDates: 'التبرعات المقررة', scheduledStopped: 'توقّفت هذه التبرعات المجدولة: لن يُخصم أي مبلغ بعد الآن.',
    scheduledCompleted: 'اكتملت هذه التبرعات المجدولة. شكرًا لك.',
    occurrence: { planned: 'مقرر', charging: 'قيد الخصم', paid: 'تم', failed: 'تعذّر الخصم', cancelled: 'أُلغي' } as Record<string, string>,
  },
} as const;

export type PageLanguage = keyof typeof PAGE_MESSAGES;
export type PageMessages = (typeof PAGE_MESSAGES)[PageLanguage];

export function fill(template: string, values: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (_, key: string) => values[key] ?? '');
}

/** Field errors in the page language (codes come from the checkout's DomainError). */
export const ERROR_MESSAGES: Record<PageLanguage, Record<string, string>> = {
  en: {
    amount_not_integer: 'Enter an amount as a number.', amount_not_positive: 'The amount must be more than zero.',
    amount_below_minimum: 'The amount is below the minimum of {minimum}.', amount_above_maximum: 'The amount is above the maximum{maximum}.',
    amount_wrong_precision: 'This currency does not allow that many decimals.', campaign_not_accepting_donations: 'This campaign is not accepting gifts right now.',
    campaign_suspended: 'This campaign is suspended and is not accepting gifts.',
    anonymous_not_allowed: 'This campaign does not accept anonymous gifts.', validation_failed: 'Some fields are missing or not valid.',
    validation_failed_fields: 'Please check: {fields}.',
    amount_ambiguous: '“{typed}” could mean {first} or {second}. Please write the amount without a thousands separator, with a point before the decimals.',
    csrf: 'The form expired. Please try again.', payment_provider_unavailable: 'The payment page could not be opened. Please try again.',
    rate_limited: 'Too many attempts from your connection. Please wait a few minutes, then try again.',
    default: 'Something went wrong. Please try again.',
    unknown_designation: 'Choose what your gift is for from the list.', interval_not_offered: 'Choose to give once, monthly, weekly, every night of the last ten nights of Ramadan or every Friday.', end_ambiguous: 'Choose an end date or a number of payments, not both.',
    end_date_invalid: 'The end date is not a date.', end_before_start: 'The end date must be after today.', end_date_too_far: 'The end date is more than ten years away.',
    payments_invalid: 'The number of payments must be a whole number.', payments_out_of_range: 'A recurring gift has 2 to 520 payments.',
    weeks_out_of_range: 'Choose every Friday for 1 to 52 weeks.', time_zone_invalid: 'Choose a time zone from the list.',
    schedule_not_offered: 'Choose the last ten nights of Ramadan or every Friday.', end_not_offered: 'Scheduled gifts end by themselves: leave the last day and the number of payments empty.',
    schedule_after_campaign_end: 'The campaign ends before the last of these gifts: choose fewer weeks.',
  },
  ar: {
    amount_not_integer: 'أدخل المبلغ رقمًا.', amount_not_positive: 'يجب أن يكون المبلغ أكبر من صفر.',
    amount_below_minimum: 'المبلغ أقل من الحد الأدنى {minimum}.', amount_above_maximum: 'المبلغ أعلى من الحد الأقصى{maximum}.',
    amount_wrong_precision: 'هذه العملة لا تسمح بهذا العدد من الخانات العشرية.', campaign_not_accepting_donations: 'هذه الحملة لا تستقبل تبرعات حاليًا.',
    campaign_suspended: 'هذه الحملة موقوفة ولا تستقبل تبرعات.',
    anonymous_not_allowed: 'هذه الحملة لا تقبل تبرعات مجهولة.', validation_failed: 'بعض الحقول ناقصة أو غير صحيحة.',
    validation_failed_fields: 'يرجى مراجعة: {fields}.',
    amount_ambiguous: 'قد يعني «{typed}» ‏{first} أو {second}. اكتب المبلغ دون فاصل للآلاف، مع نقطة قبل الكسور العشرية.',
    csrf: 'انتهت صلاحية النموذج. حاول مرة أخرى.', payment_provider_unavailable: 'تعذّر فتح صفحة الدفع. حاول مرة أخرى.',
    rate_limited: 'محاولات كثيرة من اتصالك. انتظر بضع دقائق ثم حاول مرة أخرى.',
    default: 'حدث خطأ ما. حاول مرة أخرى.',
    unknown_designation: 'اختر وجهة تبرعك من القائمة.', interval_not_offered: 'اختر التبرع مرة واحدة أو شهريًا أو أسبوعيًا أو كل ليلة من العشر الأواخر من رمضان أو كل جمعة.', end_ambiguous: 'اختر تاريخ نهاية أو عدد دفعات، لا كليهما.',
    end_date_invalid: 'تاريخ النهاية غير صحيح.', end_before_start: 'يجب أن يكون تاريخ النهاية بعد اليوم.', end_date_too_far: 'تاريخ النهاية أبعد من عشر سنوات.',
    payments_invalid: 'عدد الدفعات عدد صحيح.', payments_out_of_range: 'للتبرع الدوري من 2 إلى 520 دفعة.',
    weeks_out_of_range: 'اختر كل جمعة لمدة من 1 إلى 52 أسبوعًا.', time_zone_invalid: 'اختر منطقة زمنية من القائمة.',
    schedule_not_offered: 'اختر العشر الأواخر من رمضان أو كل جمعة.', end_not_offered: 'تنتهي التبرعات المجدولة وحدها: اترك آخر يوم وعدد الدفعات فارغين.',
    schedule_after_campaign_end: 'تنتهي الحملة قبل آخر هذه التبرعات: اختر أسابيع أقل.',
  },
};

/** How a refused field is named in the form's error (limits from the text policy). */
export const FIELD_HINTS: Record<PageLanguage, Record<'amount' | 'donorName' | 'donorEmail' | 'publicMessage' | 'frequency' | 'endDate' | 'payments' | 'weeks' | 'timeZone', string>> = {
  en: {
    weeks: 'the number of weeks', timeZone: 'your time zone',
    amount: 'the amount', donorEmail: 'your e-mail address', frequency: 'how often', endDate: 'the last day', payments: 'the number of payments',
    donorName: `your name (at most ${TEXT_LIMITS.donorName} characters, no control characters)`,
    publicMessage: `the public message (at most ${TEXT_LIMITS.publicMessage} characters, no control characters)`,
  },
  ar: {
    weeks: 'عدد الأسابيع', timeZone: 'منطقتك الزمنية',
    amount: 'المبلغ', donorEmail: 'بريدك الإلكتروني', frequency: 'كم مرة', endDate: 'آخر يوم', payments: 'عدد الدفعات',
    donorName: `اسمك (${TEXT_LIMITS.donorName} حرفًا على الأكثر، دون محارف تحكم)`,
    publicMessage: `الرسالة العلنية (${TEXT_LIMITS.publicMessage} حرفًا على الأكثر، دون محارف تحكم)`,
  },
};
