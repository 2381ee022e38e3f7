import type { PayoutStatus } from '../domain/payout-rules.js';

/** One designation's part of a payout, and (once paid) the gifts it drew from. */
export interface PayoutPartRow {
  designation: string;
  amount: bigint;
  draws: { index: number; amount: string }[] | null;
}

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
  /** The designation (restricted fund) it spends; null for a payout split across designations (see `parts`). */
  designation: string | null;
  /**
   * The gifts it drew from (public indexes, FIFO within each designation), recorded when paid; null
   * before. A split payout's are its parts' draws one after the other (each gift is of one designation).
   */
  draws: { index: number; amount: string }[] | null;
  /** What it spends per designation, designation order (one part for a payout of one designation), with each part's draws once paid. */
  parts: PayoutPartRow[];
  /** Whether it spends more than one designation. */
  split: boolean;
}

const readDraws = (value: unknown): { index: number; amount: string }[] | null =>
  Array.isArray(value) ? value.map((d: { index: number; amount: string }) => ({ index: Number(d.index), amount: String(d.amount) })) : null;

export function toPayout(r: Record<string, any>): Payout {
  return {
    id: r.id, organizationId: r.organization_id, campaignId: r.campaign_id, currency: r.currency, amount: BigInt(r.amount), status: r.status,
    purpose: r.purpose, privateNote: r.private_note, requestedBy: r.requested_by, idempotencyKey: r.idempotency_key,
    requestFingerprint: r.request_fingerprint, approval: r.approval, decidedBy: r.decided_by, decidedAt: r.decided_at,
    rejectionReason: r.rejection_reason, cancelledBy: r.cancelled_by, stripeTransferId: r.stripe_transfer_id,
    amountReversed: BigInt(r.amount_reversed), failureCode: r.failure_code, failureMessage: r.failure_message, attempts: r.attempts,
    createdAt: r.created_at, updatedAt: r.updated_at, executedAt: r.executed_at,
    ...partsOf(r),
  };
}

function partsOf(r: Record<string, any>): Pick<Payout, 'designation' | 'draws' | 'parts' | 'split'> {
  if (Array.isArray(r.parts)) {
    const parts: PayoutPartRow[] = r.parts.map((p: { designation: string; amount: string; draws?: unknown }) => ({ designation: p.designation, amount: BigInt(p.amount), draws: readDraws(p.draws) }));
    const paid = parts.every((p) => p.draws !== null);
    return { designation: null, draws: paid ? parts.flatMap((p) => p.draws!) : null, parts, split: true };
  }
  const designation: string = r.designation ?? 'general';
  const draws = readDraws(r.draws);
  return { designation, draws, parts: [{ designation, amount: BigInt(r.amount), draws }], split: false };
}
