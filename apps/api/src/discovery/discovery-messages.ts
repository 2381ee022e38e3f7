import { pluralText, type PluralForms as LanguagePluralForms } from '@ataa/notifications';
import type { CampaignCategory, DiscoverySort } from '@ataa/campaigns';

export type DiscoveryLanguage = 'en' | 'ar';

/** The home page's and /campaigns' words, in English and Arabic (discovery-messages.spec.ts checks both have every key). */
export const DISCOVERY_MESSAGES = {
  en: {
    brand: 'Ataa', skip: 'Skip to content', footer: 'Ataa — every cent in and out, verifiable.',
    homeTitle: 'Give to campaigns you can verify', homeIntro: 'Every gift, fee, refund and payout of every campaign is in a public ledger anyone can check.',
    searchLabel: 'Search campaigns', searchButton: 'Search', browseAll: 'Browse all campaigns',
    featured: 'Featured', trending: 'Trending today', endingSoon: 'Ending soon', recentlyFunded: 'Recently funded',
    platformTotal: 'Raised on Ataa', verifiableLedgers: 'Campaigns with a verifiable public ledger', nothingYet: 'Nothing here yet.',
    howVerification: 'How verification works',
    verificationText: 'Each campaign’s gifts, fees, refunds, disputes and payouts are entries of an append-only Merkle log, signed by the platform. Open a campaign’s ledger to see every entry, download them, and check in your browser that they match the signed checkpoint; the public key is published at',
    discoverTitle: 'Campaigns', filters: 'Filters', category: 'Category', anyCategory: 'Any category', country: 'Country', anyCountry: 'Any country', currency: 'Currency (ISO code)',
    funding: 'Funding model', anyFunding: 'Any', flexible: 'Keeps what is raised', all_or_nothing: 'All or nothing',
    status: 'Status', published: 'Taking gifts', ended: 'Ended', sort: 'Sort by', apply: 'Apply',
    results: 'Results', noResults: 'No campaign matches. Try other words or fewer filters.', next: 'More campaigns',
    shortWords: 'Words shorter than 3 letters are not searched.',
    raisedOf: '{raised} raised of {goal}', progress: 'Progress toward the goal', by: 'by {organization}',
    noEnd: 'No end date', endedLabel: 'Ended', goalReached: 'Goal reached', language: 'العربية', languageName: 'Language',
    sorts: { newest: 'Newest', ending_soon: 'Ending soon', most_raised: 'Most raised', closest_to_goal: 'Closest to goal' } satisfies Record<DiscoverySort, string>,
    categories: {
      water: 'Water', food: 'Food', health: 'Health', education: 'Education', shelter: 'Shelter', emergency: 'Emergency relief',
      orphans: 'Orphans', community: 'Mosque and community', environment: 'Environment', other: 'Other',
    } satisfies Record<CampaignCategory, string>,
  },
  ar: {
    brand: 'عطاء', skip: 'انتقل إلى المحتوى', footer: 'عطاء — كل قرش داخل وخارج، قابل للتحقق.',
    homeTitle: 'تبرّع لحملات يمكنك التحقق منها', homeIntro: 'كل تبرع ورسوم واسترداد وتحويل في كل حملة مسجّل في سجل عام يستطيع أي شخص فحصه.',
    searchLabel: 'ابحث في الحملات', searchButton: 'بحث', browseAll: 'تصفّح كل الحملات',
    featured: 'حملات مميزة', trending: 'الأكثر تبرعًا اليوم', endingSoon: 'تنتهي قريبًا', recentlyFunded: 'بلغت هدفها مؤخرًا',
    platformTotal: 'ما جُمع على عطاء', verifiableLedgers: 'حملات لها سجل عام قابل للتحقق', nothingYet: 'لا شيء هنا بعد.',
    howVerification: 'كيف يعمل التحقق',
    verificationText: 'تبرعات كل حملة ورسومها ومبالغها المستردة ونزاعاتها وتحويلاتها قيود في سجل ميركل لا يقبل إلا الإضافة، توقّعه المنصة. افتح سجل أي حملة لترى كل قيد وتنزّله وتتحقق في متصفحك من مطابقته لنقطة التحقق الموقعة؛ المفتاح العام منشور في',
    discoverTitle: 'الحملات', filters: 'التصفية', category: 'الفئة', anyCategory: 'كل الفئات', country: 'البلد', anyCountry: 'كل البلدان', currency: 'العملة (رمز ISO)',
    funding: 'نموذج التمويل', anyFunding: 'الكل', flexible: 'تحتفظ بما جُمع', all_or_nothing: 'الكل أو لا شيء',
    status: 'الحالة', published: 'تقبل التبرعات', ended: 'انتهت', sort: 'الترتيب', apply: 'تطبيق',
    results: 'النتائج', noResults: 'لا توجد حملة مطابقة. جرّب كلمات أخرى أو تصفية أقل.', next: 'حملات أخرى',
    shortWords: 'لا يُبحث عن الكلمات الأقصر من 3 أحرف.',
    raisedOf: 'جُمع {raised} من {goal}', progress: 'التقدم نحو الهدف', by: 'من {organization}',
    noEnd: 'بلا تاريخ انتهاء', endedLabel: 'انتهت', goalReached: 'بلغت الهدف', language: 'English', languageName: 'اللغة',
    sorts: { newest: 'الأحدث', ending_soon: 'تنتهي قريبًا', most_raised: 'الأكثر جمعًا', closest_to_goal: 'الأقرب إلى الهدف' } satisfies Record<DiscoverySort, string>,
    categories: {
      water: 'المياه', food: 'الغذاء', health: 'الصحة', education: 'التعليم', shelter: 'المأوى', emergency: 'الإغاثة العاجلة',
      orphans: 'الأيتام', community: 'المساجد والمجتمع', environment: 'البيئة', other: 'أخرى',
    } satisfies Record<CampaignCategory, string>,
  },
} as const;

type PluralForms = Record<DiscoveryLanguage, LanguagePluralForms>;

const DAYS_LEFT: PluralForms = {
  en: { one: '{n} day left', other: '{n} days left' },
  ar: { zero: 'ينتهي اليوم', one: 'بقي يوم واحد', two: 'بقي يومان', few: 'بقيت {n} أيام', many: 'بقي {n} يومًا', other: 'بقي {n} يوم' },
};
const GIFTS: PluralForms = {
  en: { one: '{n} gift', other: '{n} gifts' },
  ar: { zero: 'لا تبرعات', one: 'تبرع واحد', two: 'تبرعان', few: '{n} تبرعات', many: '{n} تبرعًا', other: '{n} تبرع' },
};

const plural = (forms: PluralForms, language: DiscoveryLanguage, n: number, locale: string): string => pluralText(forms[language], n, locale, language);

export const daysLeftText = (language: DiscoveryLanguage, n: number, locale: string): string => (n === 0 && language === 'en' ? 'Ends today' : plural(DAYS_LEFT, language, n, locale));
export const giftsText = (language: DiscoveryLanguage, n: number, locale: string): string => plural(GIFTS, language, n, locale);
