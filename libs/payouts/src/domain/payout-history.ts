import type { PayoutStatus } from './payout-rules.js';

/** One step of a payout's life as its organization sees it. */
export interface PayoutStep {
  status: PayoutStatus;
  /** When the payout reached this status; null when the row does not record it (the start of an attempt). */
  at: Date | null;
  /** Who made the step: a member (`user:…`), an API key, `automatic`, `operator`, or null for the platform's worker. */
  by: string | null;
}

/** The payout row's fields the history is read from. */
export interface PayoutHistoryFacts {
  status: PayoutStatus;
  approval: 'automatic' | 'operator' | null;
  requestedBy: string;
  decidedBy: string | null;
  decidedAt: Date | null;
  cancelledBy: string | null;
  amountReversed: bigint;
  createdAt: Date;
  updatedAt: Date;
  executedAt: Date | null;
}

/**
 * A payout's status history, oldest first, read from its own row. The machine only moves forward
 * (pending approval → approved → processing → paid → reversed, or off to rejected / cancelled /
 * failed) and enters each status at most once, so the row's timestamps place every step: the request
 * at `created_at`, an approval or rejection at `decided_at`, the transfer at `executed_at`, and a
 * final status (cancelled, failed, reversed) at `updated_at`, the row's last change.
 */
export function payoutHistory(p: PayoutHistoryFacts): PayoutStep[] {
  const steps: PayoutStep[] = [];
  const automatic = p.approval === 'automatic';
  // Requested: an automatic approval is decided with the request, so the payout starts approved.
  steps.push({ status: 'pending_approval', at: p.createdAt, by: p.requestedBy });
  if (automatic) steps.push({ status: 'approved', at: p.decidedAt ?? p.createdAt, by: 'automatic' });
  if (p.status === 'pending_approval') return steps;
  if (p.status === 'rejected') return [...steps, { status: 'rejected', at: p.decidedAt ?? p.updatedAt, by: p.decidedBy }];
  if (p.status === 'cancelled') return [...steps, { status: 'cancelled', at: p.updatedAt, by: p.cancelledBy }];
  if (!automatic) steps.push({ status: 'approved', at: p.decidedAt, by: p.decidedBy });
  if (p.status === 'approved') return steps;
  steps.push({ status: 'processing', at: null, by: null });
  if (p.status === 'processing') return steps;
  if (p.status === 'failed') return [...steps, { status: 'failed', at: p.updatedAt, by: null }];
  steps.push({ status: 'paid', at: p.executedAt, by: null });
  // A partial reversal leaves the payout paid (amountReversed > 0); a whole one moves it to reversed.
  if (p.status === 'reversed') steps.push({ status: 'reversed', at: p.updatedAt, by: null });
  return steps;
}
