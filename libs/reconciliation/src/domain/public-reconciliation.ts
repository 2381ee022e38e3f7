/**
 * What the public sees of reconciliation (issue 21, item 7): per campaign, how far the ledger was
 * reconciled with the payment processor and every difference that concerns the campaign, open or
 * resolved. Pure: the repository reads the rows, this decides what of them is public.
 *
 * Public: the difference's kind, the ledger kind of the movement (gift, refund, payout…), the
 * amounts as each side has them (signed like the public ledger: money in > 0), the currency, when
 * the movement happened, when the difference was first seen, how long it has been open (at the last
 * run, so a cached page does not go stale between runs), the public ledger entries it concerns, and
 * when it was resolved. Never public: Stripe object ids (a charge id identifies a card payment and
 * a refund or dispute id leads to it), balance transaction ids, journal entry ids, the run ids and
 * the operator's `details`; differences hold no donor name or e-mail to begin with.
 */
import type { DifferenceKind } from './reconcile.js';

/** The latest succeeded run, as far as the public statement needs it. */
export interface LastRunFacts {
  windowEnd: Date;
  graceMs: number;
  finishedAt: Date;
}

/** One stored difference of the campaign, with the public log indexes found for it. */
export interface CampaignDifferenceFacts {
  id: string;
  kind: DifferenceKind;
  ledgerKind: string;
  stripeAmount: bigint | null;
  ledgerAmount: bigint | null;
  currency: string;
  occurredAt: Date;
  firstSeenAt: Date;
  resolvedAt: Date | null;
  /** Public entries of the ledger entries the difference names (mismatch, duplicate, missing on Stripe). */
  entryIndexes: number[];
  /** Public entries posted for its Stripe object since: what a resolution usually is (the missing entry came). */
  objectIndexes: number[];
}

export interface PublicDifference {
  id: string;
  kind: DifferenceKind;
  /** The ledger kind the movement posts as: donation, processing_fee, refund, dispute, payout… */
  movement: string;
  /** Minor units as the payment processor has it (null: it has nothing), signed like the public ledger. */
  processorAmount: string | null;
  /** Minor units as the ledger has it (null: nothing posted). */
  ledgerAmount: string | null;
  currency: string;
  occurredAt: string;
  openedAt: string;
  /** Seconds from first seen to its resolution, or to the last run while open. */
  ageSeconds: number;
  /** Public ledger entries it concerns (indexes). */
  entries: number[];
  /** Resolved: when a run found both sides agreeing again, and the public entries now posted for the movement. */
  resolution: { at: string; entries: number[] } | null;
}

export interface PublicReconciliation {
  /** Stripe movements up to then were compared with the ledger (the last run's end less its grace window); null: never reconciled. */
  reconciledUpTo: string | null;
  /** When that run finished. */
  lastRunAt: string | null;
  openCount: number;
  /** Open differences of the campaign, oldest first (at most PUBLIC_OPEN_LIMIT; openCount says how many there are). */
  open: PublicDifference[];
  /** The latest resolved ones, newest first (at most PUBLIC_RESOLVED_LIMIT). */
  resolved: PublicDifference[];
}

export const PUBLIC_OPEN_LIMIT = 100;
export const PUBLIC_RESOLVED_LIMIT = 20;

const sortedUnique = (values: number[]) => [...new Set(values)].sort((a, b) => a - b);

export function toPublicDifference(d: CampaignDifferenceFacts, lastRun: LastRunFacts | null): PublicDifference {
  const end = d.resolvedAt ?? lastRun?.finishedAt ?? d.firstSeenAt;
  const entries = sortedUnique(d.entryIndexes);
  return {
    id: d.id,
    kind: d.kind,
    movement: d.ledgerKind,
    processorAmount: d.stripeAmount?.toString() ?? null,
    ledgerAmount: d.ledgerAmount?.toString() ?? null,
    currency: d.currency,
    occurredAt: d.occurredAt.toISOString(),
    openedAt: d.firstSeenAt.toISOString(),
    ageSeconds: Math.max(0, Math.floor((end.getTime() - d.firstSeenAt.getTime()) / 1000)),
    entries,
    resolution: d.resolvedAt
      ? { at: d.resolvedAt.toISOString(), entries: sortedUnique(d.objectIndexes) }
      : null,
  };
}

export function toPublicReconciliation(
  lastRun: LastRunFacts | null, openCount: number, open: readonly CampaignDifferenceFacts[], resolved: readonly CampaignDifferenceFacts[],
): PublicReconciliation {
  return {
    reconciledUpTo: lastRun ? new Date(lastRun.windowEnd.getTime() - lastRun.graceMs).toISOString() : null,
    lastRunAt: lastRun ? lastRun.finishedAt.toISOString() : null,
    openCount,
    open: open.slice(0, PUBLIC_OPEN_LIMIT).map((d) => toPublicDifference(d, lastRun)),
    resolved: resolved.slice(0, PUBLIC_RESOLVED_LIMIT).map((d) => toPublicDifference(d, lastRun)),
  };
}
