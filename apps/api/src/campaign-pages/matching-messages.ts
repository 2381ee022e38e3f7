import type { PublicLanguage } from '../http/public-language.js';

/** The campaign page's matching banner (issue 21, item 6), en/ar. `{date}`, `{left}`, `{sponsor}`, `{ratio}`, `{cap}` are filled in. */
export const MATCHING_MESSAGES: Record<PublicLanguage, { doubled: string; matched: string; terms: string; unverified: string }> = {
  en: {
    doubled: 'Doubled until {date}, {left} left',
    matched: 'Matched {ratio} until {date}, {left} left',
    terms: '{sponsor} matches each gift {ratio}, up to {cap} in all.',
    unverified: 'The match is pledged by the sponsor, unverified until the organization records it received.',
  },
  ar: {
    doubled: 'التبرعات مضاعفة حتى {date}، والمتبقي {left}',
    matched: 'التبرعات مطابَقة بنسبة {ratio} حتى {date}، والمتبقي {left}',
    terms: 'يطابق {sponsor} كل تبرع بنسبة {ratio}، حتى {cap} إجمالاً.',
    unverified: 'المبلغ المطابِق تعهّد من الراعي، غير متحقق منه حتى تسجّل المنظمة استلامه.',
  },
};
