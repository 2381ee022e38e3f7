import { truncateCodePoints } from '@ataa/common';
import type { InvitationMailData } from '../invitations/invitation-data-source.js';
import { fill, type ReceiptLanguage } from './messages.js';
import { formatDate, localeFor } from './money-format.js';

type Role = InvitationMailData['role'];

/** The invitation's fixed wording. User-provided text (names) never goes in here, only into {placeholders}. */
export interface InvitationLabels {
  subject: string;
  title: string;
  intro: string;
  organization: string;
  invitedBy: string;
  role: string;
  invitee: string;
  expires: string;
  accept: string;
  howTo: string;
  code: string;
  ignore: string;
  footer: string;
  roles: Record<Role, { name: string; description: string }>;
}

export const INVITATION_LABELS: Record<ReceiptLanguage, InvitationLabels> = {
  en: {
    subject: '{inviter} invited you to join {organization} on Ataa',
    title: 'You are invited to join {organization}',
    intro: 'You have been invited to join an organization\'s team on Ataa, the donations platform with a public ledger.',
    organization: 'Organization',
    invitedBy: 'Invited by',
    role: 'Your role',
    invitee: 'Invitation for',
    expires: 'Expires',
    accept: 'Accept the invitation',
    howTo: 'Open the link and sign in (or sign up) with the e-mail address this invitation was sent to. The link works once.',
    code: 'Invitation code',
    ignore: 'If you did not expect this invitation, ignore this e-mail: nothing happens unless you accept it.',
    footer: 'Sent by Ataa on behalf of {organization}.',
    roles: {
      owner: { name: 'Owner', description: 'manages members and settings' },
      admin: { name: 'Admin', description: 'manages campaigns' },
      finance: { name: 'Finance', description: 'handles refunds and payouts' },
      viewer: { name: 'Viewer', description: 'reads campaigns, donations and reports' },
    },
  },
  ar: {
    subject: 'دعاك {inviter} للانضمام إلى {organization} على منصة عطاء',
    title: 'دعوة للانضمام إلى {organization}',
    intro: 'تلقيت دعوة للانضمام إلى فريق منظمة على منصة عطاء، منصة التبرعات ذات السجل العام.',
    organization: 'المنظمة',
    invitedBy: 'صاحب الدعوة',
    role: 'دورك',
    invitee: 'الدعوة موجهة إلى',
    expires: 'تنتهي صلاحيتها في',
    accept: 'اقبل الدعوة',
    howTo: 'افتح الرابط وسجّل الدخول (أو أنشئ حسابًا) بعنوان البريد الذي أُرسلت إليه هذه الدعوة. يعمل الرابط مرة واحدة.',
    code: 'رمز الدعوة',
    ignore: 'إن لم تكن تتوقع هذه الدعوة فتجاهل هذه الرسالة: لا يحدث شيء ما لم تقبلها.',
    footer: 'أرسلته منصة عطاء نيابة عن {organization}.',
    roles: {
      owner: { name: 'مالك', description: 'يدير الأعضاء والإعدادات' },
      admin: { name: 'مشرف', description: 'يدير الحملات' },
      finance: { name: 'المالية', description: 'يتولى المبالغ المستردة والمدفوعات' },
      viewer: { name: 'مُطّلع', description: 'يطّلع على الحملات والتبرعات والتقارير' },
    },
  },
};

/** What the invitation templates see: plain strings, already formatted; the HTML template escapes them. */
export interface InvitationView {
  language: ReceiptLanguage;
  dir: 'ltr' | 'rtl';
  locale: string;
  labels: InvitationLabels;
  subject: string;
  title: string;
  organizationName: string;
  inviter: string;
  invitee: string;
  roleName: string;
  roleDescription: string;
  expires: string;
  acceptUrl: string;
  token: string;
  footer: string;
}

/**
 * The link in the e-mail: the public base URL's `/invitations/accept` with the token as a query
 * parameter (the token is the whole credential; it works once and only for the invited address).
 */
export function invitationAcceptUrl(publicBaseUrl: string, token: string): string {
  const url = new URL(`${publicBaseUrl.replace(/\/+$/, '')}/invitations/accept`);
  url.searchParams.set('token', token);
  return url.toString();
}

const oneLine = (value: string) => truncateCodePoints(value.replace(/[\r\n\t]+/g, ' '), 250);

export function buildInvitationView(data: InvitationMailData, options: { language: ReceiptLanguage; acceptUrl: string }): InvitationView {
  const { language } = options;
  const labels = INVITATION_LABELS[language];
  const locale = localeFor(language);
  const inviter = data.inviter.name ? `${data.inviter.name} <${data.inviter.email}>` : data.inviter.email;
  const role = labels.roles[data.role];
  return {
    language,
    dir: language === 'ar' ? 'rtl' : 'ltr',
    locale,
    labels,
    // Header values must be one line: organization and user names can contain anything.
    subject: oneLine(fill(labels.subject, { inviter: data.inviter.name ?? data.inviter.email, organization: data.organizationName })),
    title: fill(labels.title, { organization: data.organizationName }),
    organizationName: data.organizationName,
    inviter,
    invitee: data.email,
    roleName: role.name,
    roleDescription: role.description,
    expires: formatDate(data.expiresAt, locale),
    acceptUrl: options.acceptUrl,
    token: data.token,
    footer: fill(labels.footer, { organization: data.organizationName }),
  };
}
