import { csvText } from '@ataa/common';

/**
 * An organization's donations as CSV (pure), one row per gift, in the order given (the dashboard's
 * list: newest first). Amounts are minor units as digits (`_minor`, like the donor CSV), times ISO
 * 8601 UTC; free text (names, e-mails, messages, campaign titles) goes through `csvText`, the
 * formula guard shared with the donor and public-ledger CSVs. An erased donor's cells are empty.
 */
export interface DonationCsvRow {
  id: string;
  createdAt: Date;
  settledAt: Date | null;
  campaignId: string;
  campaignTitle: string | null;
  status: string;
  currency: string;
  amount: bigint;
  chosenAmount: bigint;
  coveredFees: bigint;
  processingFee: bigint | null;
  platformFee: bigint | null;
  refundedAmount: bigint;
  disputedAmount: bigint;
  donorName: string | null;
  donorEmail: string | null;
  anonymous: boolean;
  publicMessage: string | null;
  publicLeafIndex: string | null;
}

export const DONATION_CSV_COLUMNS = [
  'id', 'created_at', 'settled_at', 'campaign_id', 'campaign_title', 'status', 'currency', 'amount_minor', 'chosen_amount_minor', 'covered_fees_minor',
  'processing_fee_minor', 'platform_fee_minor', 'refunded_minor', 'disputed_minor', 'donor_name', 'donor_email', 'anonymous', 'public_message', 'public_entry_index',
] as const;

export function donationCsvHeader(): string {
  return `${DONATION_CSV_COLUMNS.join(',')}\n`;
}

export function donationCsvLine(d: DonationCsvRow): string {
  const minor = (v: bigint | null) => (v === null ? '' : v.toString());
  return [
    d.id, d.createdAt.toISOString(), d.settledAt?.toISOString() ?? '', d.campaignId, csvText(d.campaignTitle), d.status, d.currency,
    minor(d.amount), minor(d.chosenAmount), minor(d.coveredFees), minor(d.processingFee), minor(d.platformFee), minor(d.refundedAmount), minor(d.disputedAmount),
    csvText(d.donorName), csvText(d.donorEmail), d.anonymous ? 'yes' : 'no', csvText(d.publicMessage), d.publicLeafIndex ?? '',
  ].join(',') + '\n';
}
