/**
 * The port through which the receipt pipeline reads what a receipt needs. The donations lib
 * implements it (reading donations, campaigns, organizations and the public ledger) and provides
 * it under RECEIPT_DATA_SOURCE in any module of the app; the pipeline finds it at run time.
 */
export const RECEIPT_DATA_SOURCE = Symbol.for('ataa.notifications.ReceiptDataSource');
/** When something is provided under this token (tests, demos), it is used instead of RECEIPT_DATA_SOURCE. */
export const RECEIPT_DATA_SOURCE_OVERRIDE = Symbol.for('ataa.notifications.ReceiptDataSourceOverride');

export interface ReceiptVerification {
  /** Index of the gift's leaf in the campaign's public Merkle log. */
  leafIndex: number | string;
  /** Hex SHA-256 leaf hash. */
  leafHash: string;
  /** Salt of the donor commitment (anonymous gifts), null when the name is public. */
  commitmentSalt: string | null;
  /** The signed checkpoint (signed-note text) that includes the leaf. */
  checkpoint: string;
  /**
   * The offline proof document (format `ataa-receipt-proof` v1, built by the transparency lib),
   * attached as JSON to receipts and copies; its `ledgerUrl` is what the QR code encodes.
   */
  proof?: ReceiptProofDocument | null;
}

/** What the receipt pipeline reads of the proof document; the rest is attached as it is. */
export interface ReceiptProofDocument {
  format: string;
  version: number;
  ledgerUrl: string;
}

export interface ReceiptRefund {
  refundId: string;
  /** Refunded amount in minor units of the donation's currency. */
  amount: bigint;
  /** True when the whole donation has now been refunded. */
  full: boolean;
  occurredAt: Date;
}

export interface ReceiptData {
  donationId: string;
  organization: { id: string; name: string };
  campaign: { id: string; title: string; language: 'en' | 'ar' };
  donor: { name: string | null; email: string; locale: string | null };
  /** The gift in minor units (what the donor paid, including covered fees). */
  amount: bigint;
  currency: string;
  /** Part of `amount` the donor chose to add to cover fees (0n when none). */
  coveredFees: bigint;
  /** When the donation settled. */
  occurredAt: Date;
  anonymous: boolean;
  publicMessage: string | null;
  verification: ReceiptVerification | null;
  /** Present for refund notices. */
  refund?: ReceiptRefund;
  /** A gift of a recurring series: its interval and the series' one-click cancel link (signed, single-purpose). */
  recurring?: { interval: 'month' | 'week' | 'scheduled'; cancelUrl: string };
}

export interface ReceiptDataRequest {
  /** 'donation_receipt' (aggregateId = donation id) or 'refund_notice' (aggregateId = refund id). */
  kind: 'donation_receipt' | 'refund_notice';
  aggregateId: string;
  /** The payload given to OutboxService.enqueue, unchanged. */
  payload: Record<string, unknown>;
}

export interface ReceiptDataSource {
  /** Everything the receipt needs, or null when the donation/refund does not exist (nothing is sent). */
  load(request: ReceiptDataRequest): Promise<ReceiptData | null>;
}
