export const DONATION_STATUSES = [
  'pending', 'succeeded', 'failed', 'expired', 'partially_refunded', 'refunded', 'disputed', 'dispute_won', 'dispute_lost',
] as const;
export type DonationStatus = (typeof DONATION_STATUSES)[number];

const UNSETTLED: ReadonlySet<DonationStatus> = new Set(['pending', 'failed', 'expired']);

export function isSettled(status: DonationStatus): boolean {
  return !UNSETTLED.has(status);
}

export interface SettledFacts {
  amount: bigint;
  refunded: bigint;
  /** Disputes by outcome. */
  disputes: { outcome: 'open' | 'won' | 'lost' }[];
}

/**
 * The status of a settled gift, derived from its accumulated facts (never from the order events
 * arrived in): an open dispute dominates, then a lost one, then refunds, then a won dispute.
 */
export function settledStatus(facts: SettledFacts): DonationStatus {
  if (facts.disputes.some((d) => d.outcome === 'open')) return 'disputed';
  if (facts.disputes.some((d) => d.outcome === 'lost')) return 'dispute_lost';
  if (facts.refunded >= facts.amount) return 'refunded';
  if (facts.refunded > 0n) return 'partially_refunded';
  if (facts.disputes.some((d) => d.outcome === 'won')) return 'dispute_won';
  return 'succeeded';
}

/** Moves only forward: a settled gift never goes back to pending, failed or expired. */
export function nextUnsettledStatus(current: DonationStatus, observed: 'pending' | 'failed' | 'expired'): DonationStatus {
  if (isSettled(current)) return current;
  if (current === 'failed' || current === 'expired') return current;
  return observed;
}

/** Stripe dispute statuses mapped to an outcome that only moves forward (open -> won|lost). */
export function disputeOutcome(stripeStatus: string, previous: 'open' | 'won' | 'lost' | null): 'open' | 'won' | 'lost' {
  if (previous === 'won' || previous === 'lost') return previous;
  if (stripeStatus === 'won') return 'won';
  if (stripeStatus === 'lost') return 'lost';
  return 'open';
}
