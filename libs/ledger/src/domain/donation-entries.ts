import { campaignFundsAccount, PLATFORM_ACCOUNTS as P } from './accounts.js';
import { EntryInput } from './entry.js';

/**
 * The entries one gift produces, each a separate fact with its own source id so that a fee that
 * arrives late, a duplicate event or a reordering posts each fact exactly once.
 * Worked example (USD, 100.00 gift, 3.20 Stripe fee, 2% platform fee):
 *   donation:       stripe_balance +10000 / campaign funds -10000  -> campaign reads +100.00
 *   processing_fee: processing_fees +320 / stripe_balance -320 (Stripe kept it),
 *                   campaign funds +320 / processing_fees -320 (the campaign bears it) -> 96.80
 *   platform_fee:   campaign funds +200 / fee_revenue -200 -> 94.80
 */
/** What every entry of one business fact shares (also used by the conversion entries in fx-entries.ts). */
export interface EntryBase {
  campaignId: string;
  currency: string;
  occurredAt: Date;
  sourceId: string;
  memo?: string;
  metadata?: Record<string, unknown>;
  /** The gift's designation (restricted fund); default `general`. */
  designation?: string;
}

function entry(kind: string, base: EntryBase, postings: [string, bigint][]): EntryInput {
  return {
    kind, sourceId: base.sourceId, campaignId: base.campaignId, currency: base.currency, occurredAt: base.occurredAt,
    memo: base.memo ?? null, metadata: base.metadata ?? {}, ...(base.designation ? { designation: base.designation } : {}), postings: postings.map(([account, amount]) => ({ account, amount })),
  };
}

function positive(amount: bigint, what: string): void {
  if (amount <= 0n) throw new RangeError(`${what} must be positive, got ${amount}`);
}

/** Gross received for the campaign. */
export function donationEntry(base: EntryBase, gross: bigint): EntryInput {
  positive(gross, 'gross');
  const funds = campaignFundsAccount(base.campaignId);
  return entry('donation', base, [[P.stripeBalance, gross], [funds, -gross]]);
}

/** Stripe's processing fee, charged to the platform and recovered from the campaign. */
export function processingFeeEntry(base: EntryBase, fee: bigint, kind: 'processing_fee' | 'refund_fee' = 'processing_fee'): EntryInput {
  positive(fee, 'fee');
  const funds = campaignFundsAccount(base.campaignId);
  return entry(kind, base, [[P.processingFees, fee], [P.stripeBalance, -fee], [funds, fee], [P.processingFees, -fee]]);
}

export function platformFeeEntry(base: EntryBase, fee: bigint): EntryInput {
  positive(fee, 'platform fee');
  return entry('platform_fee', base, [[campaignFundsAccount(base.campaignId), fee], [P.feeRevenue, -fee]]);
}

/** Money returned to the donor: leaves Stripe's balance and the campaign's funds. */
export function refundEntry(base: EntryBase, amount: bigint): EntryInput {
  positive(amount, 'refund');
  return entry('refund', base, [[campaignFundsAccount(base.campaignId), amount], [P.stripeBalance, -amount]]);
}

/** The platform returns its share of the fee on a refund. */
export function platformFeeRefundEntry(base: EntryBase, amount: bigint): EntryInput {
  positive(amount, 'platform fee refund');
  return entry('platform_fee_refund', base, [[P.feeRevenue, amount], [campaignFundsAccount(base.campaignId), -amount]]);
}

/** A dispute withdraws the disputed amount from the balance; the campaign bears it. */
export function disputeEntry(base: EntryBase, amount: bigint): EntryInput {
  positive(amount, 'dispute');
  return entry('dispute', base, [[campaignFundsAccount(base.campaignId), amount], [P.stripeBalance, -amount]]);
}

/** The dispute fee is a platform loss (the campaign is not charged for fraud against it). */
export function disputeFeeEntry(base: EntryBase, fee: bigint): EntryInput {
  positive(fee, 'dispute fee');
  return entry('dispute_fee', base, [[P.disputeLosses, fee], [P.stripeBalance, -fee]]);
}

/** A won dispute reinstates the amount to the campaign. */
export function disputeReversalEntry(base: EntryBase, amount: bigint): EntryInput {
  positive(amount, 'dispute reversal');
  return entry('dispute_reversal', base, [[P.stripeBalance, amount], [campaignFundsAccount(base.campaignId), -amount]]);
}

export function disputeFeeRefundEntry(base: EntryBase, fee: bigint): EntryInput {
  positive(fee, 'dispute fee refund');
  return entry('dispute_fee_refund', base, [[P.stripeBalance, fee], [P.disputeLosses, -fee]]);
}
