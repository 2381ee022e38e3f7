import { truncateCodePoints } from '@ataa/common';
import type { ReceiptData } from '../receipts/receipt-data-source.js';
import { fill, LABELS, languageOf, ReceiptLabels, ReceiptLanguage } from './messages.js';
import { formatDate, formatMoney, localeFor } from './money-format.js';

export type ReceiptMessageKind = 'donation_receipt' | 'receipt_copy' | 'refund_notice';

/** What the templates see: plain strings, already formatted; user text is escaped by the templates. */
export interface ReceiptView {
  kind: ReceiptMessageKind;
  isReceipt: boolean;
  isCopy: boolean;
  isRefund: boolean;
  language: ReceiptLanguage;
  dir: 'ltr' | 'rtl';
  locale: string;
  labels: ReceiptLabels;
  subject: string;
  title: string;
  receiptNumber: string | null;
  organizationName: string;
  campaignTitle: string;
  donorName: string | null;
  anonymous: boolean;
  publicMessage: string | null;
  date: string;
  amount: string;
  coveredFees: string | null;
  refund: { amount: string; date: string; full: boolean } | null;
  verification: {
    leafIndex: string;
    leafHash: string;
    commitmentSalt: string | null;
    checkpoint: string;
    /** The attached proof (receipts and copies with a proof): its file name, the QR code's link and the sentence about both. */
    proof: { fileName: string; json: string; ledgerUrl: string; note: string } | null;
  } | null;
  /** A recurring gift's receipt: the note and the one-click cancel link. */
  recurring: { note: string; cancelUrl: string; cancelLabel: string } | null;
  footer: string;
}

export function buildReceiptView(kind: ReceiptMessageKind, data: ReceiptData, receiptNumber: string | null): ReceiptView {
  const language = languageOf(data.campaign.language);
  const locale = localeFor(language);
  const labels = LABELS[language];
  const values = { number: receiptNumber ?? '', organization: data.organization.name };
  const subjectTemplate = kind === 'refund_notice' ? labels.refundSubject : kind === 'receipt_copy' ? labels.copySubject : labels.receiptSubject;
  return {
    kind,
    isReceipt: kind !== 'refund_notice',
    isCopy: kind === 'receipt_copy',
    isRefund: kind === 'refund_notice',
    language,
    dir: language === 'ar' ? 'rtl' : 'ltr',
    locale,
    labels,
    // Header values must be one line: user-provided names can contain anything.
    subject: truncateCodePoints(fill(subjectTemplate, values).replace(/[\r\n\t]+/g, ' '), 250),
    title: kind === 'refund_notice' ? labels.refundTitle : labels.receiptTitle,
    receiptNumber,
    organizationName: data.organization.name,
    campaignTitle: data.campaign.title,
    donorName: data.donor.name,
    anonymous: data.anonymous,
    publicMessage: data.publicMessage,
    date: formatDate(data.occurredAt, locale),
    amount: formatMoney(data.amount, data.currency, locale),
    coveredFees: data.coveredFees > 0n ? formatMoney(data.coveredFees, data.currency, locale) : null,
    refund: data.refund
      ? { amount: formatMoney(data.refund.amount, data.currency, locale), date: formatDate(data.refund.occurredAt, locale), full: data.refund.full }
      : null,
    verification: data.verification
      ? {
          leafIndex: String(data.verification.leafIndex),
          leafHash: data.verification.leafHash,
          commitmentSalt: data.verification.commitmentSalt,
          checkpoint: data.verification.checkpoint,
          proof:
            kind !== 'refund_notice' && data.verification.proof
              ? {
                  fileName: receiptProofFileName(kind, receiptNumber ?? data.donationId.slice(0, 8)),
                  json: `${JSON.stringify(data.verification.proof, null, 2)}\n`,
                  ledgerUrl: data.verification.proof.ledgerUrl,
                  note: fill(labels.proofNote, { file: receiptProofFileName(kind, receiptNumber ?? data.donationId.slice(0, 8)) }),
                }
              : null,
        }
      : null,
    recurring: kind !== 'refund_notice' && data.recurring
      ? {
          note: fill(labels.recurringNote, { interval: INTERVAL_WORDS[language][data.recurring.interval] }),
          cancelUrl: data.recurring.cancelUrl,
          cancelLabel: labels.recurringCancel,
        }
      : null,
    footer: fill(labels.footer, { organization: data.organization.name }),
  };
}

const INTERVAL_WORDS: Record<ReceiptLanguage, Record<'month' | 'week' | 'scheduled', string>> = { en: { month: 'monthly', week: 'weekly', scheduled: 'scheduled' }, ar: { month: 'الشهري', week: 'الأسبوعي', scheduled: 'المجدول' } };

/** The JSON proof's attachment name: `ataa-receipt-<number>.json` (`-copy` for a copy, as the PDF). */
export function receiptProofFileName(kind: ReceiptMessageKind, receiptNumber: string): string {
  return `ataa-receipt-${receiptNumber}${kind === 'receipt_copy' ? '-copy' : ''}.json`;
}
