import type { PageLanguage } from './page-messages.js';

/** Pluralized by Intl.PluralRules' category for the count (Arabic has six). */
import type { PluralForms as Plural } from '@ataa/notifications';

export type { Plural };

/**
 * The campaign page's sharing, deadline and updates words, the widget's and the share card's, in the
 * campaign's language. Kept apart from page-messages.ts (one block per feature).
 */
export const SHARE_MESSAGES = {
  en: {
    deadlineLabel: 'Deadline', endsOn: 'Ends {date}', endedOn: 'Ended {date}', ended: 'This campaign has ended',
    daysLeft: { one: '1 day left', other: '{n} days left' } as Plural,
    hoursLeft: { one: '1 hour left', other: '{n} hours left' } as Plural,
    lessThanHour: 'Less than an hour left',
    goalReached: 'Goal reached! Thank you to everyone who gave.', goalReachedStillOpen: 'Gifts are still welcome.',
    updatesTitle: 'Updates', allUpdates: 'All updates', updatesFeed: 'Atom feed', noUpdates: 'No updates yet. The organization will post news about this campaign here.',
    shareTitle: 'Share this campaign', shareIntro: 'Every share helps the campaign reach more people.',
    shareOn: 'Share on {network}', shareEmail: 'Send by e-mail', copyLabel: 'Link to this campaign (select it to copy)',
    newWindow: '(opens in a new window)',
    qrAlt: 'QR code of the link to this campaign', qrCaption: 'Scan to open this campaign on a phone.',
    shareText: 'Support this campaign: {title}', emailBody: '{summary}\n\nGive or read more: {url}',
    // The widget.
    donate: 'Donate', giveAmount: 'Give {amount}', openCampaign: 'See the campaign', widgetNote: 'Opens the campaign page in a new window.',
    raisedOf: '{raised} raised of {goal}',
    // The card.
    cardBy: 'By {organization}', cardRaised: '{raised} raised of {goal} · {percent}',
  },
  ar: {
    deadlineLabel: 'الموعد النهائي', endsOn: 'تنتهي في {date}', endedOn: 'انتهت في {date}', ended: 'انتهت هذه الحملة',
    daysLeft: { zero: 'بقي أقل من يوم', one: 'بقي يوم واحد', two: 'بقي يومان', few: 'بقيت {n} أيام', many: 'بقي {n} يومًا', other: 'بقي {n} يوم' } as Plural,
    hoursLeft: { zero: 'بقيت أقل من ساعة', one: 'بقيت ساعة واحدة', two: 'بقيت ساعتان', few: 'بقيت {n} ساعات', many: 'بقيت {n} ساعة', other: 'بقيت {n} ساعة' } as Plural,
    lessThanHour: 'بقيت أقل من ساعة',
    goalReached: 'بلغت الحملة هدفها! شكرًا لكل من تبرّع.', goalReachedStillOpen: 'ما زالت التبرعات مرحّبًا بها.',
    updatesTitle: 'المستجدات', allUpdates: 'كل المستجدات', updatesFeed: 'موجز Atom', noUpdates: 'لا مستجدات بعد. ستنشر الجهة المنظِّمة أخبار الحملة هنا.',
    shareTitle: 'شارك هذه الحملة', shareIntro: 'كل مشاركة تساعد الحملة على الوصول إلى مزيد من الناس.',
    shareOn: 'شارك على {network}', shareEmail: 'أرسل بالبريد الإلكتروني', copyLabel: 'رابط هذه الحملة (حدّده لنسخه)',
    newWindow: '(يفتح في نافذة جديدة)',
    qrAlt: 'رمز QR لرابط هذه الحملة', qrCaption: 'امسح الرمز لفتح الحملة على الهاتف.',
    shareText: 'ادعم هذه الحملة: {title}', emailBody: '{summary}\n\nتبرّع أو اقرأ المزيد: {url}',
    donate: 'تبرّع', giveAmount: 'تبرّع بـ {amount}', openCampaign: 'صفحة الحملة', widgetNote: 'تُفتح صفحة الحملة في نافذة جديدة.',
    raisedOf: 'جُمع {raised} من {goal}',
    cardBy: 'تنظيم: {organization}', cardRaised: 'جُمع {raised} من {goal} · {percent}',
  },
} as const satisfies Record<PageLanguage, Record<string, string | Plural>>;

export type ShareMessages = (typeof SHARE_MESSAGES)[PageLanguage];
