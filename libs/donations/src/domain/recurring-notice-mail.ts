/**
 * The e-mails a recurring gift's donor gets besides receipts (pure, en/ar): a payment failed (with
 * a link to update the card; Stripe tries again), the series stopped (and why), or it moved to the
 * organization's general fund when its campaign closed.
 */
export type RecurringNoticeEvent = 'payment_failed' | 'stopped' | 'moved';

export interface RecurringNoticeInput {
  language: 'en' | 'ar';
  event: RecurringNoticeEvent;
  campaignTitle: string;
  /** The closed campaign a moved series came from (moved); campaignTitle is then the general fund. */
  fromCampaignTitle?: string | null;
  amount: string;
  /** The update-card link (payment_failed). */
  link: string | null;
  /** Why it stopped (stopped). */
  reason: string | null;
  /** Stripe will try again (payment_failed). */
  willRetry: boolean;
}

const WORDS = {
  en: {
    failedSubject: 'Your recurring gift could not be charged',
    failed: 'We could not charge your card for your recurring gift of {amount} to “{campaign}”.',
    retry: 'We will try again in a few days. To use another card, open this link (it works for 14 days):',
    noRetry: 'To keep giving, open this link and update your card (it works for 14 days):',
    button: 'Update your card',
    stoppedSubject: 'Your recurring gift has stopped',
    stopped: 'Your recurring gift of {amount} to “{campaign}” has stopped: {reason}. Nothing more will be charged.',
    reasons: {
      donor: 'you cancelled it', campaign_closed: 'the campaign has closed', payment_failed: 'the card could not be charged after several tries',
      schedule: 'it reached the end you chose', stripe: 'it was cancelled', erasure: 'you asked us to erase your data',
    } as Record<string, string>,
    thanks: 'Thank you for your gifts.',
    movedSubject: 'Your recurring gift now supports the general fund',
    moved: '“{from}” has closed. As the organization chose, your recurring gift of {amount} now goes to its general fund, “{campaign}”, from your next payment. Your past gifts stay with “{from}”.',
    movedCancel: 'If you would rather stop, use the cancel link in any of your receipts.',
  },
  ar: {
    failedSubject: 'تعذّر خصم تبرعك الدوري',
    failed: 'تعذّر علينا خصم مبلغ تبرعك الدوري {amount} لحملة «{campaign}» من بطاقتك.',
    retry: 'سنحاول مرة أخرى خلال أيام. لاستعمال بطاقة أخرى افتح هذا الرابط (يعمل 14 يومًا):',
    noRetry: 'لتستمر في التبرع افتح هذا الرابط وحدّث بطاقتك (يعمل 14 يومًا):',
    button: 'حدّث بطاقتك',
    stoppedSubject: 'توقّف تبرعك الدوري',
    stopped: 'توقّف تبرعك الدوري {amount} لحملة «{campaign}»: {reason}. لن يُخصم أي مبلغ بعد الآن.',
    reasons: {
      donor: 'ألغيته أنت', campaign_closed: 'انتهت الحملة', payment_failed: 'تعذّر خصم البطاقة بعد عدة محاولات',
      schedule: 'بلغ النهاية التي اخترتها', stripe: 'أُلغي', erasure: 'طلبت محو بياناتك',
    } as Record<string, string>,
    thanks: 'شكرًا لتبرعاتك.',
    movedSubject: 'تبرعك الدوري يدعم الآن الصندوق العام',
    moved: 'انتهت حملة «{from}». وبحسب اختيار الجهة، يذهب تبرعك الدوري {amount} ابتداءً من دفعتك القادمة إلى صندوقها العام «{campaign}». تبقى تبرعاتك السابقة لحملة «{from}».',
    movedCancel: 'إن شئت إيقافه فاستعمل رابط الإلغاء في أيٍّ من إيصالاتك.',
  },
} as const;

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
/** The campaign's title is isolated (it may be in the other direction than the e-mail). */
const isolate = (s: string) => `\u2068${s}\u2069`;

export function renderRecurringNotice(input: RecurringNoticeInput): { subject: string; text: string; html: string } {
  const w = WORDS[input.language];
  const dir = input.language === 'ar' ? 'rtl' : 'ltr';
  const fillIn = (t: string) => t.replace('{amount}', input.amount).replace('{campaign}', isolate(input.campaignTitle)).replace('{reason}', w.reasons[input.reason ?? 'stripe'] ?? w.reasons.stripe);
  if (input.event === 'payment_failed') {
    const first = fillIn(w.failed);
    const second = input.willRetry ? w.retry : w.noRetry;
    const link = input.link ?? '';
    return {
      subject: w.failedSubject,
      text: [first, '', second, link, ''].join('\n'),
      html: `<!doctype html><html lang="${input.language}" dir="${dir}"><body><p>${escapeHtml(first)}</p><p>${escapeHtml(second)}</p>`
        + `<p><a href="${escapeHtml(link)}">${escapeHtml(w.button)}</a></p><p>${escapeHtml(link)}</p></body></html>`,
    };
  }
  if (input.event === 'moved') {
    const line = fillIn(w.moved).replaceAll('{from}', isolate(input.fromCampaignTitle ?? ''));
    return {
      subject: w.movedSubject,
      text: [line, '', w.movedCancel, '', w.thanks, ''].join('\n'),
      html: `<!doctype html><html lang="${input.language}" dir="${dir}"><body><p>${escapeHtml(line)}</p><p>${escapeHtml(w.movedCancel)}</p><p>${escapeHtml(w.thanks)}</p></body></html>`,
    };
  }
  const line = fillIn(w.stopped);
  return {
    subject: w.stoppedSubject,
    text: [line, '', w.thanks, ''].join('\n'),
    html: `<!doctype html><html lang="${input.language}" dir="${dir}"><body><p>${escapeHtml(line)}</p><p>${escapeHtml(w.thanks)}</p></body></html>`,
  };
}
