/**
 * The e-mails of a scheduled series besides receipts (pure, en/ar): an occurrence could not be
 * charged (a link to pay it, as a pledge's, and the series' cancel link), the series stopped (and
 * why), or it moved to the organization's general fund when its campaign closed.
 */
export type ScheduledNoticeEvent = 'payment_failed' | 'stopped' | 'moved';

export interface ScheduledNoticeInput {
  language: 'en' | 'ar';
  event: ScheduledNoticeEvent;
  campaignTitle: string;
  /** The closed campaign a moved series came from (moved); campaignTitle is then the general fund. */
  fromCampaignTitle?: string | null;
  amount: string;
  /** The schedule in words ("every Friday for 4 weeks"). */
  schedule: string;
  /** payment_failed: the occurrence's local day, the link to pay it and the last day it works. */
  day?: string;
  payLink?: string;
  payUntil?: string;
  /** The series' one-click cancel link (payment_failed, moved). */
  cancelLink?: string | null;
  /** Why it stopped (stopped). */
  reason?: string | null;
}

const WORDS = {
  en: {
    failedSubject: 'A scheduled gift could not be charged',
    failed: 'We could not charge your card for the gift of {amount} to “{campaign}” planned for {day} ({schedule}).',
    pay: 'To give it anyway, open this link and pay with any card (it works until {until}):',
    payButton: 'Pay this gift',
    next: 'Your next gifts in this series are still planned.',
    cancel: 'To stop this series, without signing in:',
    stoppedSubject: 'Your scheduled gifts have stopped',
    stopped: 'Your scheduled gifts of {amount} to “{campaign}” ({schedule}) have stopped: {reason}. Nothing more will be charged.',
    reasons: { donor: 'you cancelled them', campaign_closed: 'the campaign has closed', erasure: 'you asked us to erase your data' } as Record<string, string>,
    thanks: 'Thank you for your gifts.',
    movedSubject: 'Your scheduled gifts now support the general fund',
    moved: '“{from}” has closed. As the organization chose, your remaining scheduled gifts of {amount} ({schedule}) now go to its general fund, “{campaign}”. Your past gifts stay with “{from}”.',
  },
  ar: {
    failedSubject: 'تعذّر خصم أحد تبرعاتك المجدولة',
    failed: 'تعذّر علينا خصم تبرعك بمبلغ {amount} لحملة «{campaign}» المقرر في {day} ({schedule}).',
    pay: 'لتقدّمه رغم ذلك افتح هذا الرابط وادفع بأي بطاقة (يعمل حتى {until}):',
    payButton: 'ادفع هذا التبرع',
    next: 'تبرعاتك التالية في هذه السلسلة ما زالت مقررة.',
    cancel: 'لإيقاف هذه السلسلة دون تسجيل الدخول:',
    stoppedSubject: 'توقّفت تبرعاتك المجدولة',
    stopped: 'توقّفت تبرعاتك المجدولة بمبلغ {amount} لحملة «{campaign}» ({schedule}): {reason}. لن يُخصم أي مبلغ بعد الآن.',
    reasons: { donor: 'ألغيتها أنت', campaign_closed: 'انتهت الحملة', erasure: 'طلبت محو بياناتك' } as Record<string, string>,
    thanks: 'شكرًا لتبرعاتك.',
    movedSubject: 'تبرعاتك المجدولة تدعم الآن الصندوق العام',
    moved: 'انتهت حملة «{from}». وبحسب اختيار الجهة، تذهب تبرعاتك المجدولة المتبقية بمبلغ {amount} ({schedule}) إلى صندوقها العام «{campaign}». تبقى تبرعاتك السابقة لحملة «{from}».',
  },
} as const;

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
/** The campaign's title is isolated (it may be in the other direction than the e-mail). */
const isolate = (s: string) => `\u2068${s}\u2069`;

export function renderScheduledNotice(input: ScheduledNoticeInput): { subject: string; text: string; html: string } {
  const w = WORDS[input.language];
  const dir = input.language === 'ar' ? 'rtl' : 'ltr';
  const fillIn = (t: string) => t
    .replace('{amount}', input.amount).replaceAll('{campaign}', isolate(input.campaignTitle)).replace('{schedule}', input.schedule)
    .replace('{day}', input.day ?? '').replace('{until}', input.payUntil ?? '').replace('{reason}', w.reasons[input.reason ?? 'donor'] ?? w.reasons.donor)
    .replaceAll('{from}', isolate(input.fromCampaignTitle ?? ''));
  const paragraphs: { text: string; link?: string; button?: string }[] = [];
  let subject: string;
  if (input.event === 'payment_failed') {
    subject = w.failedSubject;
    paragraphs.push({ text: fillIn(w.failed) }, { text: fillIn(w.pay), link: input.payLink ?? '', button: w.payButton }, { text: w.next });
  } else if (input.event === 'moved') {
    subject = w.movedSubject;
    paragraphs.push({ text: fillIn(w.moved) });
  } else {
    subject = w.stoppedSubject;
    paragraphs.push({ text: fillIn(w.stopped) });
  }
  if (input.event !== 'stopped' && input.cancelLink) paragraphs.push({ text: w.cancel, link: input.cancelLink });
  paragraphs.push({ text: w.thanks });
  const text = paragraphs.flatMap((p) => (p.link !== undefined ? [p.text, p.link, ''] : [p.text, ''])).join('\n');
  const html = `<!doctype html><html lang="${input.language}" dir="${dir}"><body>${paragraphs.map((p) => `<p>${escapeHtml(p.text)}</p>${p.link !== undefined
    ? `${p.button ? `<p><a href="${escapeHtml(p.link)}">${escapeHtml(p.button)}</a></p>` : ''}<p><a href="${escapeHtml(p.link)}">${escapeHtml(p.link)}</a></p>` : ''}`).join('')}</body></html>`;
  return { subject, text, html };
}

/** The schedule in words, in the e-mail's or page's language. */
export function scheduleWords(language: 'en' | 'ar', kind: 'ramadan_last_ten' | 'fridays', weeks: number | null): string {
  if (kind === 'ramadan_last_ten') return language === 'ar' ? 'كل ليلة من العشر الأواخر من رمضان' : 'every night of the last ten nights of Ramadan';
  const n = weeks ?? 0;
  if (language === 'ar') return `كل جمعة لمدة ${n === 1 ? 'أسبوع واحد' : n === 2 ? 'أسبوعين' : n <= 10 ? `${n} أسابيع` : `${n} أسبوعًا`}`;
  return `every Friday for ${n} ${n === 1 ? 'week' : 'weeks'}`;
}
