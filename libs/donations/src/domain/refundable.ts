import { isSettled, type DonationStatus } from './donation-status.js';

/** Why a gift cannot be refunded (the codes RefundsService refuses with), or null when it can. */
export type NotRefundable = 'donation_not_refundable' | 'donation_disputed' | 'nothing_to_refund';

export interface RefundableFacts {
  status: DonationStatus;
  stripeChargeId: string | null;
  amount: bigint;
  refundedAmount: bigint;
  disputedAmount: bigint;
}

/** Refunds still in flight (`requested`, `pending`) hold their amount until Stripe settles them. */
export const RESERVING_REFUND_STATUSES: readonly string[] = ['requested', 'pending'];

/** What can still be refunded: the amount charged less refunds made, disputes and refunds in flight (`reserved`). */
export function refundableAmount(d: RefundableFacts, reserved: bigint): bigint {
  const remaining = d.amount - d.refundedAmount - d.disputedAmount - reserved;
  return remaining > 0n ? remaining : 0n;
}

/** Only a settled charge that is not disputed, with something left, can be refunded. */
export function refundRefusal(d: RefundableFacts, reserved: bigint): NotRefundable | null {
  if (!isSettled(d.status) || !d.stripeChargeId) return 'donation_not_refundable';
  if (d.status === 'disputed' || d.status === 'dispute_lost') return 'donation_disputed';
  return refundableAmount(d, reserved) <= 0n ? 'nothing_to_refund' : null;
}

/** The amount held by a gift's refunds still in flight. */
export function reservedByRefunds(refunds: readonly { status: string; amount: bigint }[]): bigint {
  return refunds.filter((r) => RESERVING_REFUND_STATUSES.includes(r.status)).reduce((sum, r) => sum + r.amount, 0n);
}
