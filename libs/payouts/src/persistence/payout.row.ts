import type { PayoutStatus } from '../domain/payout-rules.js';

export interface Payout {
  id: string;
  organizationId: string;
  campaignId: string;
  currency: string;
  amount: bigint;
  status: PayoutStatus;
  purpose: string;
  privateNote: string | null;
  requestedBy: string;
  idempotencyKey: string | null;
  requestFingerprint: string | null;
  approval: 'automatic' | 'operator' | null;
  decidedBy: string | null;
  decidedAt: Date | null;
  rejectionReason: string | null;
  cancelledBy: string | null;
  stripeTransferId: string | null;
  amountReversed: bigint;
  failureCode: string | null;
  failureMessage: string | null;
  attempts: number;
  createdAt: Date;
  updatedAt: Date;
  executedAt: Date | null;
  /** The designation (restricted fund) it spends. */
  designation: string;
  /** The gifts it drew from (public indexes, FIFO within the designation), recorded when paid; null before. */
  draws: { index: number; amount: string }[] | null;
}

export function toPayout(r: Record<string, any>): Payout {
  return {
    id: r.id, organizationId: r.organization_id, campaignId: r.campaign_id, currency: r.currency, amount: BigInt(r.amount), status: r.status,
    purpose: r.purpose, privateNote: r.private_note, requestedBy: r.requested_by, idempotencyKey: r.idempotency_key,
    requestFingerprint: r.request_fingerprint, approval: r.approval, decidedBy: r.decided_by, decidedAt: r.decided_at,
    rejectionReason: r.rejection_reason, cancelledBy: r.cancelled_by, stripeTransferId: r.stripe_transfer_id,
    amountReversed: BigInt(r.amount_reversed), failureCode: r.failure_code, failureMessage: r.failure_message, attempts: r.attempts,
    createdAt: r.created_at, updatedAt: r.updated_at, executedAt: r.executed_at,
    designation: r.designation ?? 'general',
    draws: Array.isArray(r.draws) ? r.draws.map((d: { index: number; amount: string }) => ({ index: Number(d.index), amount: String(d.amount) })) : null,
  };
}
