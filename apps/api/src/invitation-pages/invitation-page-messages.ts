import type { Role } from '@ataa/organizations';

export type InvitationPageLanguage = 'en' | 'ar';

/** The accept page's words. Names (organization, person) only ever go into {placeholders}. */
export const INVITATION_PAGE_MESSAGES = {
  en: {
    skip: 'Skip to content',
    title: 'Join {organization}',
    intro: 'You are invited to join the team of {organization} on Ataa.',
    organization: 'Organization', role: 'Role', invitee: 'Invitation for', expires: 'Expires',
    signInTitle: 'Sign in to accept', signUpTitle: 'Create your account to accept',
    signInHint: 'Sign in with the e-mail address this invitation was sent to.',
    signUpHint: 'There is no Ataa account for this address yet. Choose a name and a password (at least 12 characters).',
    email: 'E-mail', password: 'Password', newPassword: 'Password (at least 12 characters)', name: 'Your name',
    signInSubmit: 'Sign in and accept', signUpSubmit: 'Create account and accept', errorTitle: 'Could not accept',
    acceptedTitle: 'Welcome to {organization}', acceptedLead: 'You are now {role} of {organization}.',
    mayDo: 'As {role} you {description}.',
    next: 'Sign in to the API with your e-mail and password to start working; the endpoints are described in the API documentation.',
    docs: 'API documentation',
    unavailableTitle: 'Invitation unavailable',
    notFound: 'This invitation link is not valid. Check that you opened the whole link from the e-mail.',
    expired: 'This invitation to {organization} has expired. Ask the person who invited you for a new one.',
    revoked: 'This invitation to {organization} was withdrawn. Ask the person who invited you if you think this is a mistake.',
    accepted: 'This invitation to {organization} was already accepted. Each link works once.',
  },
  ar: {
    skip: 'انتقل إلى المحتوى',
    title: 'انضم إلى {organization}',
    intro: 'تلقيت دعوة للانضمام إلى فريق {organization} على منصة عطاء.',
    organization: 'المنظمة', role: 'الدور', invitee: 'الدعوة موجهة إلى', expires: 'تنتهي صلاحيتها في',
    signInTitle: 'سجّل الدخول لقبول الدعوة', signUpTitle: 'أنشئ حسابك لقبول الدعوة',
    signInHint: 'سجّل الدخول بعنوان البريد الذي أُرسلت إليه هذه الدعوة.',
    signUpHint: 'لا يوجد حساب على عطاء لهذا العنوان بعد. اختر اسمًا وكلمة مرور (12 حرفًا على الأقل).',
    email: 'البريد الإلكتروني', password: 'كلمة المرور', newPassword: 'كلمة المرور (12 حرفًا على الأقل)', name: 'اسمك',
    signInSubmit: 'سجّل الدخول واقبل الدعوة', signUpSubmit: 'أنشئ الحساب واقبل الدعوة', errorTitle: 'تعذّر قبول الدعوة',
    acceptedTitle: 'مرحبًا بك في {organization}', acceptedLead: 'أصبحت الآن بدور {role} في {organization}.',
    mayDo: 'بدور {role}: {description}.',
    next: 'سجّل الدخول إلى واجهة البرمجة ببريدك وكلمة مرورك لتبدأ العمل؛ نقاط النهاية موصوفة في توثيق الواجهة.',
    docs: 'توثيق واجهة البرمجة',
    unavailableTitle: 'الدعوة غير متاحة',
    notFound: 'رابط الدعوة هذا غير صالح. تأكد من أنك فتحت الرابط كاملًا من الرسالة.',
    expired: 'انتهت صلاحية هذه الدعوة إلى {organization}. اطلب دعوة جديدة ممن دعاك.',
    revoked: 'سُحبت هذه الدعوة إلى {organization}. تواصل مع من دعاك إن كنت تظن أن هذا خطأ.',
    accepted: 'قُبلت هذه الدعوة إلى {organization} من قبل. يعمل كل رابط مرة واحدة.',
  },
} as const;

/** Form errors, by the code of the DomainError (or the page's own reason). */
export const INVITATION_ERRORS: Record<InvitationPageLanguage, Record<string, string>> = {
  en: {
    invalid_credentials: 'The e-mail or password is incorrect.',
    rate_limited: 'Too many attempts. Please wait a few minutes, then try again.',
    email_mismatch: 'This invitation was sent to another e-mail address. Sign in with the address it was sent to.',
    already_member: 'You are already a member of {organization}.',
    signup_failed: 'The account could not be created. If you already have one, sign in instead.',
    validation_failed: 'Some fields are missing or not valid.',
    password_too_short: 'Choose a password of at least 12 characters.',
    csrf: 'The form expired. Please try again.',
    default: 'Something went wrong. Please try again.',
  },
  ar: {
    invalid_credentials: 'البريد الإلكتروني أو كلمة المرور غير صحيحة.',
    rate_limited: 'محاولات كثيرة. انتظر بضع دقائق ثم حاول مرة أخرى.',
    email_mismatch: 'أُرسلت هذه الدعوة إلى عنوان بريد آخر. سجّل الدخول بالعنوان الذي أُرسلت إليه.',
    already_member: 'أنت عضو في {organization} بالفعل.',
    signup_failed: 'تعذّر إنشاء الحساب. إن كان لديك حساب فسجّل الدخول بدلًا من ذلك.',
    validation_failed: 'بعض الحقول ناقصة أو غير صحيحة.',
    password_too_short: 'اختر كلمة مرور من 12 حرفًا على الأقل.',
    csrf: 'انتهت صلاحية النموذج. حاول مرة أخرى.',
    default: 'حدث خطأ ما. حاول مرة أخرى.',
  },
};

/** The roles as the page names and explains them (design: what each role may do). */
export const ROLE_WORDS: Record<InvitationPageLanguage, Record<Role, { name: string; description: string }>> = {
  en: {
    owner: { name: 'an owner', description: 'manage the members and settings, and can do everything the other roles do' },
    admin: { name: 'an admin', description: 'create, edit, publish and run campaigns, and read donations and reports' },
    finance: { name: 'a finance member', description: 'handle refunds and payouts, and read donations and reports' },
    viewer: { name: 'a viewer', description: 'read campaigns, donations and reports, without changing anything' },
  },
  ar: {
    owner: { name: 'مالك', description: 'تدير الأعضاء والإعدادات، ويمكنك كل ما تتيحه الأدوار الأخرى' },
    admin: { name: 'مشرف', description: 'تنشئ الحملات وتعدّلها وتنشرها وتديرها، وتطّلع على التبرعات والتقارير' },
    finance: { name: 'المالية', description: 'تتولى المبالغ المستردة والمدفوعات، وتطّلع على التبرعات والتقارير' },
    viewer: { name: 'مُطّلع', description: 'تطّلع على الحملات والتبرعات والتقارير دون تغيير شيء' },
  },
};

export function fill(template: string, values: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (_, key: string) => values[key] ?? '');
}
