/**
 * The e-mails a pledge's donor gets (pure: text in, text out), in the pledge's language:
 * - `payment_needed`: the off-session charge failed (declined, or the bank wants the donor there);
 *   a signed single-purpose link to pay within the grace period;
 * - `released`: the campaign missed its goal (or was cancelled); nothing was charged, the card is
 *   no longer kept.
 */
export type PledgeMailKind = 'payment_needed' | 'released';

export interface PledgeMailInput {
  kind: PledgeMailKind;
  language: 'en' | 'ar';
  campaignTitle: string;
  /** Formatted for the language ("USD 25.00"). */
  amount: string;
  /** payment_needed only. */
  link?: string;
  graceEndsAt?: Date;
  /** payment_needed only: why the charge failed. */
  reason?: string;
}

export interface PledgeMail {
  subject: string;
  text: string;
  html: string;
}

const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
/** Campaign titles are people's text: isolated so a right-to-left title cannot reorder the sentence. */
const isolate = (s: string): string => `\u2068${s}\u2069`;

export function renderPledgeMail(input: PledgeMailInput): PledgeMail {
  const day = input.graceEndsAt ? input.graceEndsAt.toISOString().slice(0, 10) : '';
  const ar = input.language === 'ar';
  const title = isolate(input.campaignTitle);
  let subject: string;
  let lines: string[];
  if (input.kind === 'payment_needed') {
    const why = input.reason === 'authentication_required'
      ? (ar ? 'طلب مصرفك تأكيد الدفع منك.' : 'Your bank asked you to confirm the payment.')
      : (ar ? 'رُفضت البطاقة.' : 'The card was declined.');
    subject = ar ? `أكمل تعهدك لحملة ${title}` : `Complete your pledge to ${title}`;
    lines = ar
      ? [`بلغت حملة ${title} هدفها، ولم نتمكن من تحصيل تعهدك (${input.amount}). ${why}`, `يمكنك إكمال الدفع حتى ${day} عبر هذا الرابط:`, input.link ?? '', 'بعد هذا التاريخ يُلغى التعهد ولا يُحصّل منك شيء.']
      : [`${title} reached its goal, but your pledge of ${input.amount} could not be collected. ${why}`, `You can complete the payment until ${day} at this link:`, input.link ?? '', 'After that date the pledge lapses and nothing is charged.'];
  } else {
    subject = ar ? `لم تبلغ حملة ${title} هدفها: لم يُحصّل تعهدك` : `${title} did not reach its goal: your pledge was not charged`;
    lines = ar
      ? [`لم تبلغ حملة ${title} هدفها، فلم يُحصّل تعهدك (${input.amount}) ولن يُحصّل.`, 'لم نعد نحتفظ ببطاقتك.']
      : [`${title} did not reach its goal, so your pledge of ${input.amount} was not charged and will not be.`, 'Your card is no longer kept.'];
  }
  const text = lines.filter((l) => l !== '').join('\n\n');
  const dir = ar ? 'rtl' : 'ltr';
  const html = `<!doctype html><html lang="${input.language}" dir="${dir}"><body>${lines.filter((l) => l !== '').map((l) => (l === input.link
    ? `<p><a href="${escapeHtml(l)}">${escapeHtml(l)}</a></p>`
    : `<p>${escapeHtml(l)}</p>`)).join('')}</body></html>`;
  return { subject: subject.replace(/[\u2068\u2069]/g, ''), text, html };
}
