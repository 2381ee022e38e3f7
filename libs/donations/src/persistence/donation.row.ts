import type { DonationStatus } from '../domain/donation-status.js';

export interface Donation {
  id: string;
  campaignId: string;
  organizationId: string;
  status: DonationStatus;
  currency: string;
  amount: bigint;
  chosenAmount: bigint;
  coveredFees: bigint;
  platformFeeBps: number;
  platformFee: bigint | null;
  processingFee: bigint | null;
  refundedAmount: bigint;
  disputedAmount: bigint;
  donorName: string | null;
  /** NULL once the donor's data was erased (`erasedAt`). */
  donorEmail: string | null;
  anonymous: boolean;
  publicMessage: string | null;
  /** `held`: the automatic filter held the message (it is not published); `released`: shown after review. */
  messageReview: 'held' | 'released' | null;
  locale: string;
  donorCommitmentSalt: string | null;
  publicLeafIndex: string | null;
  stripeCheckoutSessionId: string | null;
  stripePaymentIntentId: string | null;
  stripeChargeId: string | null;
  paymentStatus: string | null;
  createdAt: Date;
  updatedAt: Date;
  settledAt: Date | null;
  /** When the donor's personal data was erased (name, e-mail, message, salt are NULL since). */
  erasedAt?: Date | null;
  /** The designation the donor chose; null: the campaign declared none (implicit general, not shown publicly). */
  designation?: string | null;
}

const big = (v: string | null) => (v === null || v === undefined ? null : BigInt(v));

export function toDonation(r: Record<string, any>): Donation {
  return {
    id: r.id, campaignId: r.campaign_id, organizationId: r.organization_id, status: r.status, currency: r.currency,
    amount: BigInt(r.amount), chosenAmount: BigInt(r.chosen_amount), coveredFees: BigInt(r.covered_fees), platformFeeBps: r.platform_fee_bps,
    platformFee: big(r.platform_fee), processingFee: big(r.processing_fee), refundedAmount: BigInt(r.refunded_amount), disputedAmount: BigInt(r.disputed_amount),
    donorName: r.donor_name, donorEmail: r.donor_email, anonymous: r.anonymous, publicMessage: r.public_message, messageReview: r.message_review ?? null, locale: r.locale,
    donorCommitmentSalt: r.donor_commitment_salt ?? null, publicLeafIndex: r.public_leaf_index ?? null,
    stripeCheckoutSessionId: r.stripe_checkout_session_id, stripePaymentIntentId: r.stripe_payment_intent_id, stripeChargeId: r.stripe_charge_id,
    paymentStatus: r.payment_status, createdAt: r.created_at, updatedAt: r.updated_at, settledAt: r.settled_at, erasedAt: r.erased_at ?? null, designation: r.designation ?? null,
  };
}

export interface DonationRefund {
  id: string;
  donationId: string;
  amount: bigint;
  status: 'requested' | 'pending' | 'succeeded' | 'failed' | 'canceled';
  stripeRefundId: string | null;
  reason: string | null;
  requestedBy: string | null;
  platformFeeReturned: bigint;
  createdAt: Date;
}

export function toRefund(r: Record<string, any>): DonationRefund {
  return {
    id: r.id, donationId: r.donation_id, amount: BigInt(r.amount), status: r.status, stripeRefundId: r.stripe_refund_id, reason: r.reason,
    requestedBy: r.requested_by, platformFeeReturned: BigInt(r.platform_fee_returned), createdAt: r.created_at,
  };
}
