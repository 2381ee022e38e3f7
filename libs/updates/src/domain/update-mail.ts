import { escapeHtml, htmlToText } from './update-body.js';

/**
 * An update e-mailed to one donor, in the language stored with their gift (the chrome: greeting,
 * links, footer); the update itself is in the language it was written in, marked with `lang`/`dir`.
 * Pure: the caller gives the absolute URLs, including the recipient's unsubscribe link.
 */
export interface UpdateMailInput {
  locale: 'en' | 'ar';
  campaignTitle: string;
  organizationName: string;
  /** `imageAlt`: the image's description (its alt; empty for an image older than descriptions). */
  update: { title: string; html: string; language: 'en' | 'ar'; imageUrl: string | null; imageAlt?: string | null };
  pageUrl: string;
  unsubscribeUrl: string;
}

export interface UpdateMail {
  subject: string;
  html: string;
  text: string;
  headers: Record<string, string>;
}

const LABELS = {
  en: {
    intro: (org: string, campaign: string) => `${org} posted an update to ${campaign}, a campaign you gave to.`,
    read: 'Read it on the campaign page',
    why: 'You receive this because you asked for this campaign\'s updates when you gave.',
    unsubscribe: 'Stop e-mails about this campaign',
  },
  ar: {
    intro: (org: string, campaign: string) => `نشرت ${org} تحديثًا عن حملة ${campaign} التي تبرعت لها.`,
    read: 'اقرأه في صفحة الحملة',
    why: 'تصلك هذه الرسالة لأنك طلبت تحديثات هذه الحملة عند تبرعك.',
    unsubscribe: 'إيقاف رسائل هذه الحملة',
  },
} as const;

const FSI = '\u2068';
const PDI = '\u2069';

/** Header values carry no line breaks (no header injection), whatever the text. */
function headerText(text: string): string {
  return text.replace(/[\r\n\u2028\u2029]+/g, ' ');
}

export function renderUpdateMail(input: UpdateMailInput): UpdateMail {
  const t = LABELS[input.locale];
  const dir = input.locale === 'ar' ? 'rtl' : 'ltr';
  const updateDir = input.update.language === 'ar' ? 'rtl' : 'ltr';
  // People's text is isolated: in the subject with FSI/PDI, in the HTML with <bdi>.
  const subject = headerText(`${FSI}${input.update.title}${PDI} — ${FSI}${input.campaignTitle}${PDI}`);
  const intro = t.intro(`<bdi>${escapeHtml(input.organizationName)}</bdi>`, `<bdi>${escapeHtml(input.campaignTitle)}</bdi>`);
  const image = input.update.imageUrl ? `<p><img src="${escapeHtml(input.update.imageUrl)}" alt="${escapeHtml(input.update.imageAlt ?? '')}" style="max-width:100%"></p>` : '';
  const html = `<!doctype html>
<html lang="${input.locale}" dir="${dir}">
<head><meta charset="utf-8"><title>${escapeHtml(input.update.title)}</title></head>
<body style="font-family:sans-serif;line-height:1.5;max-width:40em;margin:auto">
<p>${intro}</p>
<article lang="${input.update.language}" dir="${updateDir}">
<h1>${escapeHtml(input.update.title)}</h1>
${image}
${input.update.html}
</article>
<p><a href="${escapeHtml(input.pageUrl)}">${t.read}</a></p>
<hr>
<p style="font-size:small">${t.why} <a href="${escapeHtml(input.unsubscribeUrl)}">${t.unsubscribe}</a></p>
</body>
</html>
`;
  const text = [
    t.intro(input.organizationName, input.campaignTitle),
    '',
    input.update.title,
    '',
    htmlToText(input.update.html),
    '',
    `${t.read}: ${input.pageUrl}`,
    '',
    '--',
    t.why,
    `${t.unsubscribe}: ${input.unsubscribeUrl}`,
    '',
  ].join('\n');
  return {
    subject,
    html,
    text,
    headers: {
      // RFC 2369 and RFC 8058: the one-click URL takes a POST with `List-Unsubscribe=One-Click`.
      'List-Unsubscribe': `<${input.unsubscribeUrl}>`,
      'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
    },
  };
}
