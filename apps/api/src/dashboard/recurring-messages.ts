import type { DashboardLanguage } from './dashboard-messages.js';

/** The dashboard's recurring gifts page (issue 20, item 5), in the dashboard's languages. */
const EN = {
  title: 'Recurring gifts', periodLegend: 'Period', from: 'From', to: 'To (included)', show: 'Show',
  periodShown: 'From {from} to {to} (UTC)',
  donorsTitle: 'Recurring donors', donorsNote: 'Donors with a series that is active, past due or paused.',
  seriesActive: 'Active', seriesPastDue: 'Past due', seriesPaused: 'Paused',
  mrrTitle: 'Monthly recurring revenue', mrrNote: 'What the active and past-due series bring in a month: weekly gifts × 52 ÷ 12. Per currency, never converted.',
  currency: 'Currency', amount: 'Amount', series: 'Series', none: 'No recurring gifts yet.',
  churnTitle: 'Churn in the period', churnEnded: 'Series ended', churnLive: 'Live at the start', churnRate: 'Churn rate', churnNone: 'No series was live at the start of the period.',
  churnNote: 'Series that had made a payment and stopped in the period, over the series live on its first day.',
  reasonsTitle: 'Why they ended',
  failedTitle: 'Failed payments in the period', failedAttempts: 'Failed attempts', failedSeries: 'Series affected', failedRecovered: 'Paid later',
  failedListTitle: 'Failed attempts', failedNone: 'No failed payments in the period.',
  when: 'When', donor: 'Donor', campaign: 'Campaign', attempt: 'Attempt', outcome: 'Outcome', recovered: 'Paid later', retrying: 'Stripe will retry', gaveUp: 'No more retries',
  listTitle: 'Series', statusFilter: 'Status', allStatuses: 'All', filter: 'Filter', frequency: 'Frequency', status: 'Status', payments: 'Payments', lastPaid: 'Last paid', started: 'Since',
  next: 'Next page', anonymous: 'anonymous on the public page',
  intervals: { month: 'Monthly', week: 'Weekly' } as Record<string, string>,
  statuses: { active: 'Active', past_due: 'Past due', paused: 'Paused', cancelled: 'Cancelled', ended: 'Ended', pending: 'Not started' } as Record<string, string>,
  reasons: {
    donor: 'Cancelled by the donor', campaign_closed: 'Campaign closed', payment_failed: 'Payments failed', schedule: 'End reached', stripe: 'Stopped at Stripe', erasure: 'Donor erased',
  } as Record<string, string>,
  periodInvalid: 'The period is not valid (dates YYYY-MM-DD, from before to, at most 366 days): showing the last 30 days.',
  fundTitle: 'General fund', fundLabel: 'When a campaign closes, its recurring gifts', fundNone: 'are cancelled (no general fund)',
  fundMoveTo: 'move to {campaign}', fundSave: 'Save', fundSaved: 'Saved.', fundReadOnly: 'Only owners and admins can change this.',
  fundCurrent: 'Now',
  fundNote: 'Only gifts in the fund\'s currency move, from their next payment; past gifts stay with their campaign. Donors are e-mailed.',
  fundRefused: {
    general_fund_not_open: 'That campaign is not taking gifts: choose a published campaign.', campaign_not_found: 'That campaign was not found.',
    csrf: 'The form expired: please try again.', forbidden: 'Only owners and admins can change this.',
  } as Record<string, string>,
};

export const RECURRING_MESSAGES: Record<DashboardLanguage, typeof EN> = {
  en: EN,
  ar: {
    title: 'التبرعات المتكررة', periodLegend: 'الفترة', from: 'من', to: 'إلى (ضمنًا)', show: 'عرض',
    periodShown: 'من {from} إلى {to} (بالتوقيت العالمي)',
    donorsTitle: 'المتبرعون المنتظمون', donorsNote: 'المتبرعون الذين لهم تبرع متكرر نشط أو متأخر السداد أو متوقف مؤقتًا.',
    seriesActive: 'نشط', seriesPastDue: 'متأخر السداد', seriesPaused: 'متوقف مؤقتًا',
    mrrTitle: 'الإيراد الشهري المتكرر', mrrNote: 'ما تجلبه التبرعات المتكررة النشطة والمتأخرة في الشهر: التبرعات الأسبوعية × 52 ÷ 12. لكل عملة على حدة، دون تحويل.',
    currency: 'العملة', amount: 'المبلغ', series: 'التبرعات المتكررة', none: 'لا توجد تبرعات متكررة بعد.',
    churnTitle: 'التوقف خلال الفترة', churnEnded: 'تبرعات متكررة انتهت', churnLive: 'النشطة في بداية الفترة', churnRate: 'معدل التوقف', churnNone: 'لم يكن أي تبرع متكرر نشطًا في بداية الفترة.',
    churnNote: 'التبرعات المتكررة التي دُفع منها مرة على الأقل وتوقفت خلال الفترة، مقسومة على النشطة في يومها الأول.',
    reasonsTitle: 'أسباب التوقف',
    failedTitle: 'الدفعات الفاشلة خلال الفترة', failedAttempts: 'محاولات فاشلة', failedSeries: 'تبرعات متكررة متأثرة', failedRecovered: 'سُددت لاحقًا',
    failedListTitle: 'المحاولات الفاشلة', failedNone: 'لا توجد دفعات فاشلة خلال الفترة.',
    when: 'التاريخ', donor: 'المتبرع', campaign: 'الحملة', attempt: 'المحاولة', outcome: 'النتيجة', recovered: 'سُددت لاحقًا', retrying: 'ستعيد Stripe المحاولة', gaveUp: 'لا محاولات أخرى',
    listTitle: 'التبرعات المتكررة', statusFilter: 'الحالة', allStatuses: 'الكل', filter: 'تصفية', frequency: 'التكرار', status: 'الحالة', payments: 'الدفعات', lastPaid: 'آخر دفعة', started: 'منذ',
    next: 'الصفحة التالية', anonymous: 'مجهول الاسم في الصفحة العامة',
    intervals: { month: 'شهري', week: 'أسبوعي' },
    statuses: { active: 'نشط', past_due: 'متأخر السداد', paused: 'متوقف مؤقتًا', cancelled: 'ملغى', ended: 'منتهٍ', pending: 'لم يبدأ' },
    reasons: {
      donor: 'ألغاه المتبرع', campaign_closed: 'أُغلقت الحملة', payment_failed: 'فشلت الدفعات', schedule: 'بلغ نهايته', stripe: 'أُوقف لدى Stripe', erasure: 'حُذفت بيانات المتبرع',
    },
    periodInvalid: 'الفترة غير صالحة (تواريخ بالصيغة YYYY-MM-DD، البداية قبل النهاية، 366 يومًا على الأكثر): تُعرض آخر 30 يومًا.',
    fundTitle: 'الصندوق العام', fundLabel: 'عند انتهاء حملة، تبرعاتها المتكررة', fundNone: 'تُلغى (لا صندوق عام)',
    fundMoveTo: 'تنتقل إلى {campaign}', fundSave: 'حفظ', fundSaved: 'تم الحفظ.', fundReadOnly: 'يغيّر هذا الإعداد المالكون والمشرفون فقط.',
    fundCurrent: 'الآن',
    fundNote: 'لا تنتقل إلا التبرعات بعملة الصندوق، ابتداءً من دفعتها التالية؛ وتبقى التبرعات السابقة لحملتها. ويُبلَّغ المتبرعون بالبريد.',
    fundRefused: {
      general_fund_not_open: 'هذه الحملة لا تستقبل تبرعات: اختر حملة منشورة.', campaign_not_found: 'لم تُعثر على هذه الحملة.',
      csrf: 'انتهت صلاحية النموذج: حاول مرة أخرى.', forbidden: 'يغيّر هذا الإعداد المالكون والمشرفون فقط.',
    },
  },
};
