import type { DashboardLanguage } from './dashboard-messages.js';

/** The payout page's spending evidence and outcomes sections (issue 21, items 3 and 4), en and ar. */
export const EVIDENCE_MESSAGES = {
  en: {
    title: 'Spending evidence', none: 'No evidence attached yet.', file: 'File', visibility: 'Visible to', type: 'Type', size: 'Size', logEntry: 'Public log entry',
    public: 'Everyone (public, its hash in the public log)', operator: 'Your organization and the platform’s operators',
    attachTitle: 'Attach evidence', fileLabel: 'File (PDF, JPEG, PNG or WebP, at most {max})', titleLabel: 'Title', visibilityLabel: 'Who may see it',
    responsibility: 'Personal data in the files you upload (names, faces, addresses, account numbers) is your organization’s responsibility: remove or blur what should not be published. A public file cannot be taken back: its hash stays in the public log.',
    attach: 'Attach', attached: 'The evidence is attached.',
    outcomesTitle: 'Outcomes this payout evidences', outcomeEn: 'Outcome in English (e.g. 1,200 meals served)', outcomeAr: 'Outcome in Arabic', stateOutcome: 'State the outcome',
    outcomeStated: 'The outcome is stated; it shows on the campaign’s public report.', noOutcomes: 'No outcome stated for this payout yet.',
    rolesNote: 'Only owners and finance members attach evidence and state outcomes.',
  },
  ar: {
    title: 'أدلة الإنفاق', none: 'لا أدلة مرفقة بعد.', file: 'الملف', visibility: 'يراه', type: 'النوع', size: 'الحجم', logEntry: 'قيد السجل العام',
    public: 'الجميع (عام، وتجزئته في السجل العام)', operator: 'منظمتك ومشغّلو المنصة',
    attachTitle: 'إرفاق دليل', fileLabel: 'الملف (PDF أو JPEG أو PNG أو WebP، حتى {max})', titleLabel: 'العنوان', visibilityLabel: 'من يمكنه رؤيته',
    responsibility: 'البيانات الشخصية في الملفات التي ترفعها (الأسماء والوجوه والعناوين وأرقام الحسابات) مسؤولية منظمتك: احذف أو موّه ما لا ينبغي نشره. لا يمكن سحب ملف عام: تبقى تجزئته في السجل العام.',
    attach: 'أرفق', attached: 'أُرفق الدليل.',
    outcomesTitle: 'النتائج التي يثبتها هذا الصرف', outcomeEn: 'النتيجة بالإنجليزية (مثلاً 1,200 meals served)', outcomeAr: 'النتيجة بالعربية', stateOutcome: 'أعلن النتيجة',
    outcomeStated: 'أُعلنت النتيجة؛ وهي تظهر في التقرير العام للحملة.', noOutcomes: 'لم تُعلن أي نتيجة لهذا الصرف بعد.',
    rolesNote: 'يرفق الأدلة ويعلن النتائج المالكون وأعضاء المالية فقط.',
  },
} as const satisfies Record<DashboardLanguage, Record<string, string>>;

/** Why an upload or an outcome was refused, in words (the code stays in the page for programs). */
export const EVIDENCE_ERRORS: Record<DashboardLanguage, Record<string, string>> = {
  en: {
    evidence_file_missing: 'Choose a file to attach.', evidence_file_too_large: 'The file is too large.', evidence_file_type: 'Only PDF, JPEG, PNG and WebP files are accepted.',
    validation_failed: 'Give a title and choose who may see it.', invalid_text: 'Check the text: it is empty, too long or holds characters that are not allowed.',
    payout_not_public: 'This payout is not paid yet: attach public evidence once it is, or keep it for the operators.', csrf: 'The form expired: send it again.',
    outcome_evidence_required: 'The outcome needs its evidence.', not_found: 'Not found.',
  },
  ar: {
    evidence_file_missing: 'اختر ملفاً لإرفاقه.', evidence_file_too_large: 'الملف كبير جداً.', evidence_file_type: 'تُقبل ملفات PDF وJPEG وPNG وWebP فقط.',
    validation_failed: 'أدخل عنواناً واختر من يمكنه رؤيته.', invalid_text: 'راجع النص: فارغ أو طويل جداً أو فيه محارف غير مسموحة.',
    payout_not_public: 'لم يُدفع هذا الصرف بعد: أرفق الدليل العام بعد دفعه، أو احفظه للمشغّلين.', csrf: 'انتهت صلاحية النموذج: أرسله مرة أخرى.',
    outcome_evidence_required: 'تحتاج النتيجة إلى دليلها.', not_found: 'غير موجود.',
  },
};
