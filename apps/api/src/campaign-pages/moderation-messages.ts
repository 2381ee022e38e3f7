import type { ReportReason } from '@ataa/moderation';
export { HIDE_REASON_LABELS } from '@ataa/moderation';
import type { PageLanguage } from './page-messages.js';

/** The campaign page's moderation words (report form, hidden messages, suspension), in the campaign's language. */
export const MODERATION_MESSAGES = {
  en: {
    reportMessage: 'Report', reportMessageLabel: 'Report this message', reportCampaign: 'Report this campaign',
    reportTitle: 'Report', reportMessageIntro: 'Tell us what is wrong with this message on the donor wall. The platform and the organization will review it.',
    reportCampaignIntro: 'Tell us what is wrong with this campaign. The platform will review it.',
    reportReason: 'Reason', reportDetails: 'Anything else we should know (optional)', reportSubmit: 'Send the report',
    reportedTitle: 'Thank you', reported: 'Your report was received. We will review it.',
    messageHidden: 'Message hidden: {reason}', messageHeld: 'Message awaiting review', suspendedTitle: 'This campaign is suspended', suspendedIntro: 'It is not accepting gifts. Reason given by the platform:',
    backToCampaign: 'Back to the campaign', reportedMessage: 'The message you are reporting', errorTitle: 'Please check the form',
  },
  ar: {
    reportMessage: 'إبلاغ', reportMessageLabel: 'الإبلاغ عن هذه الرسالة', reportCampaign: 'الإبلاغ عن هذه الحملة',
    reportTitle: 'إبلاغ', reportMessageIntro: 'أخبرنا بما في هذه الرسالة من مشكلة. ستراجعها المنصة والجهة المنظِّمة.',
    reportCampaignIntro: 'أخبرنا بما في هذه الحملة من مشكلة. ستراجعها المنصة.',
    reportReason: 'السبب', reportDetails: 'أي شيء آخر ينبغي أن نعرفه (اختياري)', reportSubmit: 'إرسال البلاغ',
    reportedTitle: 'شكرًا لك', reported: 'وصلنا بلاغك وسنراجعه.',
    messageHidden: 'رسالة مخفية: {reason}', messageHeld: 'رسالة بانتظار المراجعة', suspendedTitle: 'هذه الحملة موقوفة', suspendedIntro: 'لا تستقبل تبرعات. السبب الذي ذكرته المنصة:',
    backToCampaign: 'العودة إلى الحملة', reportedMessage: 'الرسالة التي تبلّغ عنها', errorTitle: 'يرجى مراجعة النموذج',
  },
} as const;

export const REPORT_REASON_LABELS: Record<PageLanguage, Record<ReportReason, string>> = {
  en: { spam: 'Spam or advertising', abuse: 'Abusive or hateful', personal_data: 'Reveals someone\'s personal data', fraud: 'Fraud or a scam', other: 'Something else' },
  ar: { spam: 'رسائل مزعجة أو إعلان', abuse: 'مسيء أو يحضّ على الكراهية', personal_data: 'يكشف بيانات شخصية لأحد', fraud: 'احتيال', other: 'سبب آخر' },
};


export const REPORT_ERRORS: Record<PageLanguage, Record<string, string>> = {
  en: {
    invalid_reason: 'Choose a reason.', invalid_text: 'The details are too long or contain characters that are not allowed.', validation_failed: 'The details are too long or contain characters that are not allowed.',
    csrf: 'The form expired. Please try again.', rate_limited: 'Too many reports from your connection. Please wait, then try again.',
    rate_limit_unavailable: 'Reports are briefly unavailable. Please try again in a moment.', default: 'The report could not be sent. Please try again.',
  },
  ar: {
    invalid_reason: 'اختر سببًا.', invalid_text: 'التفاصيل طويلة جدًا أو فيها محارف غير مسموح بها.', validation_failed: 'التفاصيل طويلة جدًا أو فيها محارف غير مسموح بها.',
    csrf: 'انتهت صلاحية النموذج. حاول مرة أخرى.', rate_limited: 'بلاغات كثيرة من اتصالك. انتظر قليلًا ثم حاول مرة أخرى.',
    rate_limit_unavailable: 'البلاغات غير متاحة مؤقتًا. حاول بعد لحظات.', default: 'تعذّر إرسال البلاغ. حاول مرة أخرى.',
  },
};
