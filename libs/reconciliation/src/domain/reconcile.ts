/**
 * Reconciliation: every money movement on the platform's Stripe balance must match exactly one
 * ledger entry, and every ledger entry sourced from a Stripe object must match a movement.
 *
 * Both sides are reduced to facts keyed by (ledger kind, Stripe id), with the amount signed as it
 * moves the platform's Stripe balance (money in > 0). This is how the ledger posts them:
 *   charge balance transaction     donation          source ch_   amount +gross
 *                                  processing_fee    source txn_  amount -fee
 *   refund                         refund            source re_   amount -refunded
 *   dispute (withdrawal)           dispute           source dp_   amount -disputed
 *                                  dispute_fee       source dp_   amount -fee
 *   dispute (reinstatement)        dispute_reversal  source dp_   amount +reinstated
 *                                  dispute_fee_refund source dp_  amount +fee returned
 *   transfer                       payout            source payout id, metadata.transfer_id tr_
 *   transfer reversal              payout_reversal   source trr_  amount +reversed
 * The platform fee (and its refund) never touches Stripe's balance: it is not reconciled.
 *
 * One more invariant, on gifts: every succeeded charge has its gift posted (a `donation` entry)
 * within the posting deadline. A charge older than that with no entry is `charge_not_posted`, even
 * while the balance comparison still counts it in flight (its grace window is longer); past the
 * grace window it is missing in the ledger as well.
 */
export const RECONCILED_KINDS = [
  'donation', 'processing_fee', 'refund', 'dispute', 'dispute_fee', 'dispute_reversal', 'dispute_fee_refund', 'payout', 'payout_reversal',
] as const;
export type ReconciledKind = (typeof RECONCILED_KINDS)[number];

export const DIFFERENCE_KINDS = ['missing_in_ledger', 'missing_on_stripe', 'amount_mismatch', 'duplicate', 'charge_not_posted'] as const;
export type DifferenceKind = (typeof DIFFERENCE_KINDS)[number];

/** One movement of the platform's Stripe balance, as the ledger should have posted it. */
export interface StripeMovement {
  kind: ReconciledKind;
  /** The Stripe id the ledger entry is keyed on (ch_, txn_, re_, dp_, tr_, trr_). */
  stripeId: string;
  /** Signed minor units: its effect on the platform's Stripe balance. */
  amount: bigint;
  currency: string;
  createdAt: Date;
  balanceTransactionId: string | null;
  /** The charge it belongs to (gifts, refunds, disputes): finds the campaign. */
  chargeId: string | null;
  campaignId: string | null;
  /** Stripe has not finished it (a bank refund still pending): the ledger posts it once it has. */
  pending: boolean;
}

/** One ledger entry sourced from a Stripe object. */
export interface LedgerFact {
  entryId: string;
  kind: ReconciledKind;
  stripeId: string;
  /** Sum of the entry's postings to the platform's Stripe balance. */
  amount: bigint;
  currency: string;
  campaignId: string | null;
  occurredAt: Date;
}

export interface Difference {
  kind: DifferenceKind;
  movementKind: ReconciledKind;
  stripeId: string;
  ledgerEntryIds: string[];
  stripeAmount: bigint | null;
  ledgerAmount: bigint | null;
  currency: string;
  campaignId: string | null;
  /** When the movement (or, for missing_on_stripe, the entry) happened: decides which run re-checks it. */
  occurredAt: Date;
  details: Record<string, unknown>;
}

export interface ReconcileResult {
  matched: number;
  /** Movements without an entry yet but younger than the grace window (or pending on Stripe), and entries without a movement yet. */
  inFlight: number;
  /** Their `kind|stripeId`: an open difference about one of them is neither seen nor resolved. */
  inFlightKeys: string[];
  differences: Difference[];
}

const keyOf = (kind: string, stripeId: string) => `${kind}|${stripeId}`;

/** The identity of a difference across runs: seen again, it is the same open difference. */
export function differenceKey(d: Pick<Difference, 'kind' | 'movementKind' | 'stripeId'>): string {
  return `${d.kind}|${d.movementKind}|${d.stripeId}`;
}

export function isReconciledKind(kind: string): kind is ReconciledKind {
  return (RECONCILED_KINDS as readonly string[]).includes(kind);
}

export interface ReconcileOptions {
  /** A movement created after it with no entry, or an entry that happened after it with no movement, is in flight. */
  inFlightAfter: Date;
  /** A charge created at or before it whose gift has no `donation` entry is `charge_not_posted` (not checked when absent). */
  postedBy?: Date;
}

/**
 * Compares the two sets. `inFlightAfter`: a movement created after it with no entry, or an entry
 * that happened after it with no movement, is not a difference yet (its webhook may still be on its
 * way or in the inbox; Stripe may not list it yet). `postedBy`: a charge created then or before
 * without its gift posted breaks the posting invariant (`charge_not_posted`). Ledger facts passed in
 * must be those the caller expects Stripe to list (same window), or the ones found by the ids of
 * the movements; a fact left unmatched is missing on Stripe.
 */
export function reconcile(movements: readonly StripeMovement[], facts: readonly LedgerFact[], options: ReconcileOptions): ReconcileResult {
  const byKey = new Map<string, LedgerFact[]>();
  const seenFacts = new Set<string>();
  for (const f of facts) {
    if (seenFacts.has(f.entryId)) continue; // the same entry may be read twice (by id and by window)
    seenFacts.add(f.entryId);
    const k = keyOf(f.kind, f.stripeId);
    byKey.set(k, [...(byKey.get(k) ?? []), f]);
  }
  const used = new Set<string>();
  const differences: Difference[] = [];
  let matched = 0;
  const inFlightKeys: string[] = [];
  const seenMovements = new Set<string>();
  for (const m of movements) {
    const k = keyOf(m.kind, m.stripeId);
    if (seenMovements.has(k)) continue;
    seenMovements.add(k);
    const found = byKey.get(k) ?? [];
    used.add(k);
    const base = { movementKind: m.kind, stripeId: m.stripeId, currency: m.currency, occurredAt: m.createdAt, stripeAmount: m.amount };
    const campaignId = found.find((f) => f.campaignId)?.campaignId ?? m.campaignId;
    const stripeDetails = { balanceTransactionId: m.balanceTransactionId, chargeId: m.chargeId };
    if (found.length === 0 && m.kind === 'donation' && options.postedBy && m.createdAt.getTime() <= options.postedBy.getTime()) {
      differences.push({ ...base, kind: 'charge_not_posted', ledgerEntryIds: [], ledgerAmount: null, campaignId, details: stripeDetails });
    }
    if (found.length === 0) {
      if (m.pending || m.createdAt.getTime() > options.inFlightAfter.getTime()) {
        inFlightKeys.push(k);
        continue;
      }
      differences.push({ ...base, kind: 'missing_in_ledger', ledgerEntryIds: [], ledgerAmount: null, campaignId, details: stripeDetails });
      continue;
    }
    const ledgerAmount = found.reduce((sum, f) => sum + f.amount, 0n);
    const ledgerEntryIds = found.map((f) => f.entryId).sort();
    if (found.length > 1) {
      differences.push({ ...base, kind: 'duplicate', ledgerEntryIds, ledgerAmount, campaignId, details: { ...stripeDetails, entries: found.length } });
      continue;
    }
    const [f] = found;
    if (f.amount !== m.amount || f.currency !== m.currency) {
      differences.push({
        ...base, kind: 'amount_mismatch', ledgerEntryIds, ledgerAmount, campaignId,
        details: { ...stripeDetails, ledgerCurrency: f.currency, difference: (f.amount - m.amount).toString() },
      });
      continue;
    }
    matched++;
  }
  for (const [k, found] of byKey) {
    if (used.has(k)) continue;
    const first = found[0];
    // Posted before Stripe lists its movement (a balance transaction that comes after the charge,
    // an entry written while the run was listing): in flight too, until the grace window is over.
    if (found.every((f) => f.occurredAt.getTime() > options.inFlightAfter.getTime())) {
      inFlightKeys.push(k);
      continue;
    }
    differences.push({
      kind: 'missing_on_stripe', movementKind: first.kind, stripeId: first.stripeId, ledgerEntryIds: found.map((f) => f.entryId).sort(),
      stripeAmount: null, ledgerAmount: found.reduce((sum, f) => sum + f.amount, 0n), currency: first.currency, campaignId: first.campaignId,
      occurredAt: found.reduce((min, f) => (f.occurredAt < min ? f.occurredAt : min), first.occurredAt), details: {},
    });
  }
  return { matched, inFlight: inFlightKeys.length, inFlightKeys, differences };
}

/** The subset of a Stripe balance transaction the mapping reads (the `stripe` type is wider). */
export interface BalanceTransactionLike {
  id: string;
  amount: number;
  fee: number;
  currency: string;
  created: number;
  type: string;
  reporting_category?: string;
  source: string | {
    id: string; object?: string; status?: string | null; charge?: string | { id: string } | null;
    /** A gift's charge carries its campaign (checkout sets both): known before the gift is posted. */
    transfer_group?: string | null; metadata?: Record<string, string> | null;
  } | null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const idOf = (v: string | { id: string } | null | undefined): string | null => (v == null ? null : typeof v === 'string' ? v : v.id);

/**
 * The movements one balance transaction stands for (none for kinds the ledger does not track,
 * such as payouts of the platform's balance to its own bank).
 */
export function movementsOf(bt: BalanceTransactionLike): StripeMovement[] {
  const sourceId = idOf(bt.source);
  if (!sourceId) return [];
  const source = bt.source && typeof bt.source === 'object' ? bt.source : null;
  const createdAt = new Date(bt.created * 1000);
  const category = bt.reporting_category ?? bt.type;
  const chargeOf = () => (sourceId.startsWith('ch_') || sourceId.startsWith('py_') ? sourceId : idOf(source?.charge ?? null));
  const campaignOf = () => {
    if (category !== 'charge') return null;
    const candidate = source?.metadata?.campaign_id ?? source?.transfer_group ?? null;
    return candidate && UUID.test(candidate) ? candidate : null;
  };
  const make = (kind: ReconciledKind, stripeId: string, amount: bigint, pending = false): StripeMovement => ({
    kind, stripeId, amount, currency: bt.currency, createdAt, balanceTransactionId: bt.id, chargeId: chargeOf(), campaignId: campaignOf(), pending,
  });
  const out: StripeMovement[] = [];
  const amount = BigInt(bt.amount);
  const fee = BigInt(bt.fee);
  switch (category) {
    case 'charge':
      out.push(make('donation', sourceId, amount));
      if (fee > 0n) out.push(make('processing_fee', bt.id, -fee));
      break;
    case 'refund':
      // A refund that failed or was canceled is never posted; Stripe gives its money back with a
      // refund_failure transaction (not tracked either), so the pair nets to nothing.
      if (source?.object === 'refund' && (source.status === 'failed' || source.status === 'canceled')) return [];
      // A refund still pending on Stripe (bank debits) is posted when it succeeds.
      out.push(make('refund', sourceId, amount, source?.object === 'refund' && source.status === 'pending'));
      break;
    case 'dispute':
      out.push(make('dispute', sourceId, amount));
      if (fee > 0n) out.push(make('dispute_fee', sourceId, -fee));
      break;
    case 'dispute_reversal':
      out.push(make('dispute_reversal', sourceId, amount));
      if (fee < 0n) out.push(make('dispute_fee_refund', sourceId, -fee));
      break;
    case 'transfer':
      out.push(make('payout', sourceId, amount));
      break;
    case 'transfer_reversal':
      out.push(make('payout_reversal', sourceId, amount));
      break;
    default:
      return [];
  }
  return out.filter((m) => m.amount !== 0n);
}

/** What a run does to the stored open differences. */
export interface DifferencePlan {
  /** Seen for the first time: a new open difference. */
  opened: Difference[];
  /** Already open and seen again: the same difference (amounts refreshed). */
  stillOpen: Difference[];
  /** Open but not seen although this run looked where it was: resolved. */
  resolvedKeys: string[];
}

/**
 * An open difference is resolved only if the run looked where it was: its time is in the run's
 * window, or the run re-read its Stripe object by id (`rechecked`); and the fact is not in flight
 * now (`inFlightKeys` from reconcile). Otherwise it stays open.
 */
export function planDifferences(
  open: readonly { key: string; occurredAt: Date }[], seen: readonly Difference[], windowStart: Date | null,
  rechecked: ReadonlySet<string> = new Set(), inFlightKeys: readonly string[] = [],
): DifferencePlan {
  const openKeys = new Set(open.map((o) => o.key));
  const seenKeys = new Set(seen.map(differenceKey));
  const inFlight = new Set(inFlightKeys);
  // A difference's key is kind|ledger kind|Stripe id; the fact's is ledger kind|Stripe id.
  const factOf = (key: string) => key.slice(key.indexOf('|') + 1);
  const looked = (o: { key: string; occurredAt: Date }) =>
    !inFlight.has(factOf(o.key)) && (windowStart === null || o.occurredAt.getTime() >= windowStart.getTime() || rechecked.has(o.key));
  return {
    opened: seen.filter((d) => !openKeys.has(differenceKey(d))),
    stillOpen: seen.filter((d) => openKeys.has(differenceKey(d))),
    resolvedKeys: open.filter((o) => !seenKeys.has(o.key) && looked(o)).map((o) => o.key),
  };
}
