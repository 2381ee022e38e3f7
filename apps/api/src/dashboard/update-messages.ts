import type { DashboardLanguage } from './dashboard-messages.js';

/** The dashboard's campaign updates page, in the dashboard's languages. */
const EN = {
  title: 'Updates: {campaign}', none: 'No updates yet.', newTitle: 'Write an update', titleLabel: 'Title', bodyLabel: 'Text (Markdown)',
    bodyHint: 'Markdown: **bold**, _italic_, lists, links. HTML is shown as text.', languageLabel: 'Language of the update',
    imageLabel: 'Image (JPEG, PNG or WebP, optional)',
    imageHint: 'At most {size}, at least 16 pixels on each side; shown above the text.',
    imageAltLabel: 'Image description (for screen readers)',
    imageAltHint: 'Required with an image: say briefly what it shows, in plain text (at most 300 characters). Leave it empty without an image.',
    altErrors: {
      update_image_alt_required: 'Describe the image: say what it shows, for people who cannot see it.',
      update_image_alt_without_image: 'A description goes with an image: choose an image, or leave the description empty.',
      invalid_text: 'Plain text of at most 300 characters, without < or >.',
    } as Record<string, string>,
    publishLabel: 'Publish now and e-mail the donors who asked for updates', save: 'Save', publish: 'Publish', unpublish: 'Unpublish', delete: 'Delete',
    published: 'Published {date}', view: 'View', back: 'Back to the campaign', english: 'English', arabic: 'Arabic', readOnly: 'Only owners and admins can write updates.',
    done: 'Saved.',
    statuses: { draft: 'Draft', published: 'Published', unpublished: 'Unpublished' } as Record<string, string>,
};

export const UPDATE_MESSAGES: Record<DashboardLanguage, typeof EN> = {
  en: EN,
  ar: {
    title: 'تحديثات: {campaign}', none: 'لا توجد تحديثات بعد.', newTitle: 'اكتب تحديثًا', titleLabel: 'العنوان', bodyLabel: 'النص (Markdown)',
    bodyHint: 'Markdown: **عريض**، _مائل_، قوائم، روابط. يُعرض HTML كنص.', languageLabel: 'لغة التحديث',
    imageLabel: 'صورة (JPEG أو PNG أو WebP، اختيارية)',
    imageHint: 'بحد أقصى {size}، و16 بكسل على الأقل لكل ضلع؛ تظهر فوق النص.',
    imageAltLabel: 'وصف الصورة (لقارئات الشاشة)',
    imageAltHint: 'مطلوب مع الصورة: صِف باختصار ما تُظهره بنص عادي (300 حرف على الأكثر). اتركه فارغًا إن لم تختر صورة.',
    altErrors: {
      update_image_alt_required: 'صِف الصورة: اذكر ما تُظهره لمن لا يستطيع رؤيتها.',
      update_image_alt_without_image: 'الوصف يرافق صورة: اختر صورة أو اترك الوصف فارغًا.',
      invalid_text: 'نص عادي لا يتجاوز 300 حرف، دون < أو >.',
    },
    publishLabel: 'انشر الآن وأرسله بالبريد إلى المتبرعين الذين طلبوا التحديثات', save: 'حفظ', publish: 'نشر', unpublish: 'إلغاء النشر', delete: 'حذف',
    published: 'نُشر {date}', view: 'عرض', back: 'العودة إلى الحملة', english: 'الإنجليزية', arabic: 'العربية', readOnly: 'يكتب التحديثات المالكون والمشرفون فقط.',
    done: 'تم الحفظ.',
    statuses: { draft: 'مسودة', published: 'منشور', unpublished: 'غير منشور' },
  },
};
