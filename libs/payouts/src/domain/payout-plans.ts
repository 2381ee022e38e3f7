import type { MoneyPlan, PlannedEntry } from '@ataa/ledger';
import type { OutboxMessage } from '@ataa/notifications';
import { payoutEntry, payoutHoldEntry, payoutHoldReleaseEntry, payoutReversalEntry } from './payout-entries.js';
import type { PayoutDraw, PayoutPart } from '@ataa/transparency';
import { reversalShares, type PayoutStatus, type RequestedPart } from './payout-rules.js';

/*
 * Payouts as plan, then record: what a step of a payout's life (request, approval, cancel or
 * rejection, execution, failure, reversal) records, worked out from the payout's recorded state
 * and the facts Stripe reported — the journal entries with the public entries that show them, the
 * notices, and the payout row's new values. No I/O: the services lock and read, the LedgerWriter
 * records the plan, the repository writes the row.
 *
 * Public entries (the campaign's public ledger): only money that left or came back to the campaign
 * is shown — a paid payout (`payout`, minus its amount, with its purpose) and each reversal
 * (`payout_reversal`, plus its amount, with the payout's purpose). Holds and their releases move
 * money between two of the campaign's own accounts and are never public.
 */

/** The payout as recorded (the fields planning reads). */
export interface PayoutState {
  id: string;
  campaignId: string;
  currency: string;
  amount: bigint;
  status: PayoutStatus;
  purpose: string;
  amountReversed: bigint;
  /** The designation (restricted fund) the payout spends; `general` unless the request named another. */
  designation?: string | null;
  /** A payout split across designations: its parts (two or more, designation order); else absent or one part. */
  parts?: readonly RequestedPart[];
}

/** The parts of a split payout (two or more), or null for a payout of one designation. */
function splitParts(p: Pick<PayoutState, 'parts'>): readonly RequestedPart[] | null {
  return p.parts && p.parts.length > 1 ? p.parts : null;
}

/** What the payout's ledger entries post in: its one designation, or its parts. */
function postingsOf(p: PayoutState): { designation?: string; parts?: readonly RequestedPart[] } {
  const parts = splitParts(p);
  return parts ? { parts } : { designation: p.designation ?? p.parts?.[0]?.designation ?? undefined };
}

export type PayoutNoticeEvent = 'requested' | 'approved' | 'cancelled' | 'rejected' | 'paid' | 'failed';

/** The payout row's new values a plan implies (written by the repository, in the same transaction). */
export type PayoutChange =
  | { kind: 'paid'; stripeTransferId: string; executedAt: Date; draws: PayoutDraw[] | null; parts?: PayoutPart[] | null }
  | { kind: 'failed'; failureCode: string; failureMessage: string }
  | { kind: 'reversed'; amountReversed: bigint; status: 'paid' | 'reversed' };

export interface PayoutPlan extends MoneyPlan {
  payoutId: string;
  /** null: this plan does not change the payout row (or the caller writes it, e.g. a cancel with its actor). */
  change: PayoutChange | null;
}

/** A transfer as Stripe reports it (the fields execution reads). */
export interface TransferFact {
  id: string;
  amount: number;
  currency: string;
  /** Unix seconds. */
  created: number;
}

/** A transfer reversal as Stripe reports it. */
export interface ReversalFact {
  id: string;
  amount: number;
  /** Unix seconds. */
  created: number;
}

/** The organization's notice of a step (one per payout and event: the dedupe key). */
export function payoutNotice(payoutId: string, event: PayoutNoticeEvent): OutboxMessage {
  return { kind: 'payout_notice', aggregateId: payoutId, payload: { payoutId, event }, dedupeKey: `payout_notice:${event}:${payoutId}` };
}

/** The notice of one reversal (one per reversal id). */
export function reversalNotice(payoutId: string, reversalId: string): OutboxMessage {
  return { kind: 'payout_notice', aggregateId: payoutId, payload: { payoutId, event: 'reversed', reversalId }, dedupeKey: `payout_notice:reversed:${reversalId}` };
}

/**
 * The public entry of money leaving (negative) or coming back to (positive) the campaign through a
 * payout. Leaf format 4: the designation, and on the payout the gifts it drew from (planDraws); a
 * payout split across designations (or a reversal of one): format 5, its `parts` instead.
 */
function publicPayout(
  p: Pick<PayoutState, 'campaignId' | 'currency' | 'purpose'>, kind: 'payout' | 'payout_reversal', amount: bigint, occurredAt: Date,
  spend: { designation: string; draws?: PayoutDraw[] | null } | { parts: PayoutPart[] },
): PlannedEntry['public'] {
  const base = { campaignId: p.campaignId, kind, amount, currency: p.currency, occurredAt, donorDisplayName: null, donorCommitment: null, publicMessage: null, payoutPurpose: p.purpose };
  if ('parts' in spend) return { ...base, designation: null, parts: spend.parts };
  return { ...base, designation: spend.designation, ...(kind === 'payout' ? { draws: spend.draws ?? null } : {}) };
}

/** Only a notice (an approval moves no money). */
export function planNotice(payoutId: string, event: PayoutNoticeEvent): PayoutPlan {
  return { payoutId, change: null, entries: [], outbox: [payoutNotice(payoutId, event)] };
}

/**
 * A request reserves its amount: `payout_hold` (funds -> payouts_pending), not public. Its
 * "requested" notice is a plan of its own (`planNotice`): the service writes it before or after
 * taking the campaign's funds lock.
 */
export function planHold(r: { payoutId: string; campaignId: string; currency: string; amount: bigint; occurredAt: Date; designation?: string; parts?: readonly RequestedPart[] }): PayoutPlan {
  const parts = splitParts(r);
  return {
    payoutId: r.payoutId, change: null,
    entries: [{ input: payoutHoldEntry({ payoutId: r.payoutId, campaignId: r.campaignId, currency: r.currency, occurredAt: r.occurredAt, ...(parts ? { parts } : { designation: r.designation }) }, r.amount), public: null }],
    outbox: [],
  };
}

/**
 * A payout cancelled by its organization or rejected by an operator before it was executed: the
 * hold is released (metadata reason: the new status) and the organization told. The row itself
 * (who decided, the reason) is written by the caller.
 */
export function planClose(p: PayoutState, to: 'cancelled' | 'rejected', occurredAt: Date): PayoutPlan {
  return {
    payoutId: p.id, change: null,
    entries: [{ input: payoutHoldReleaseEntry({ payoutId: p.id, campaignId: p.campaignId, currency: p.currency, occurredAt, metadata: { reason: to }, ...postingsOf(p) }, p.amount), public: null }],
    outbox: [payoutNotice(p.id, to)],
  };
}

/** A payout that will not be made (the account cannot receive it, or Stripe refused the transfer): released, failed, told. */
export function planFailure(p: PayoutState, failure: { code: string; message: string }, occurredAt: Date): PayoutPlan {
  return {
    payoutId: p.id,
    change: { kind: 'failed', failureCode: failure.code.slice(0, 100), failureMessage: failure.message.slice(0, 1000) },
    entries: [{ input: payoutHoldReleaseEntry({ payoutId: p.id, campaignId: p.campaignId, currency: p.currency, occurredAt, metadata: { reason: 'failed' }, ...postingsOf(p) }, p.amount), public: null }],
    outbox: [payoutNotice(p.id, 'failed')],
  };
}

/**
 * A transfer Stripe made for a processing payout: the hold released and the payout posted
 * together, at the transfer's time (so the funds end the amount lower and the paid-out total the
 * amount higher), the public `payout` entry (minus the amount, with the purpose) on the payout
 * entry, the "paid" notice. A transfer of another amount or currency is never posted.
 */
/**
 * `draws`: the gifts it drew from (`planDraws`), or for a split payout its parts each with its draws
 * (`planPartDraws`); null when the public log could not say (a fault the verifier reports).
 */
export function planTransfer(p: PayoutState, transfer: TransferFact, draws: PayoutDraw[] | PayoutPart[] | null): PayoutPlan {
  if (BigInt(transfer.amount) !== p.amount || transfer.currency !== p.currency) {
    throw new Error(`transfer ${transfer.id} (${transfer.amount} ${transfer.currency}) does not match payout ${p.id}`);
  }
  const occurredAt = new Date(transfer.created * 1000);
  const base = { payoutId: p.id, campaignId: p.campaignId, currency: p.currency, occurredAt, metadata: { transfer_id: transfer.id }, ...postingsOf(p) };
  const split = splitParts(p);
  // A split payout's public entry always lists its parts; without their draws (the fault above) each part draws nothing.
  const parts: PayoutPart[] | null = split
    ? (draws as PayoutPart[] | null) ?? split.map((x) => ({ designation: x.designation, amount: x.amount.toString(), draws: [] }))
    : null;
  const single = split ? null : (draws as PayoutDraw[] | null);
  return {
    payoutId: p.id,
    change: { kind: 'paid', stripeTransferId: transfer.id, executedAt: occurredAt, draws: single, ...(split ? { parts: draws ? parts : null } : {}) },
    entries: [
      { input: payoutHoldReleaseEntry(base, p.amount), public: null },
      {
        input: payoutEntry(base, p.amount),
        public: publicPayout(p, 'payout', -p.amount, occurredAt, parts ? { parts } : { designation: p.designation ?? 'general', draws: single }),
      },
    ],
    outbox: [payoutNotice(p.id, 'paid')],
  };
}

export type ReversalOutcome = 'not_paid' | 'already_applied' | 'payout_reversed' | 'payout_partially_reversed';

/**
 * Reversals of a paid payout's transfer, oldest first (then by id): each not posted yet (`posted`:
 * the reversal ids already in the ledger) posts a `payout_reversal` at its own time, with its public
 * entry (plus its amount, with the payout's purpose) and its notice; the payout's reversed total
 * grows by it, and the payout is `reversed` once the whole amount came back. A payout not paid
 * has nothing to reverse; one still processing was paid but not recorded yet (an error: retried).
 */
export function planReversals(
  p: PayoutState, transferId: string, reversals: readonly ReversalFact[], posted: ReadonlySet<string>,
): PayoutPlan & { outcome: ReversalOutcome } {
  if (p.status === 'processing') {
    // The transfer was made but the worker had not recorded it yet: it must be recorded first.
    throw new Error(`payout ${p.id}: transfer ${transferId} is reversed but not recorded yet; retrying`);
  }
  const nothing = (outcome: ReversalOutcome) => ({ payoutId: p.id, change: null, entries: [], outbox: [], outcome });
  if (p.status !== 'paid' && p.status !== 'reversed') return nothing('not_paid');
  const seen = new Set(posted);
  const entries: PlannedEntry[] = [];
  const outbox: OutboxMessage[] = [];
  let reversed = p.amountReversed;
  for (const r of [...reversals].sort((a, b) => a.created - b.created || (a.id < b.id ? -1 : 1))) {
    if (seen.has(r.id)) continue;
    seen.add(r.id);
    const amount = BigInt(r.amount);
    const occurredAt = new Date(r.created * 1000);
    const base = { payoutId: p.id, campaignId: p.campaignId, currency: p.currency, occurredAt, metadata: { transfer_id: transferId } };
    const split = splitParts(p);
    if (split) {
      // Back to the parts last first (`reversalShares`); the public entry lists the shares it gives back.
      const shares = reversalShares(split, reversed, amount);
      entries.push({
        input: payoutReversalEntry(shares.length > 1 ? { ...base, parts: shares } : { ...base, designation: shares[0].designation }, r.id, amount),
        public: publicPayout(p, 'payout_reversal', amount, occurredAt, { parts: shares.map((x) => ({ designation: x.designation, amount: x.amount.toString() })) }),
      });
    } else {
      entries.push({
        input: payoutReversalEntry({ ...base, designation: p.designation ?? undefined }, r.id, amount),
        public: publicPayout(p, 'payout_reversal', amount, occurredAt, { designation: p.designation ?? 'general' }),
      });
    }
    outbox.push(reversalNotice(p.id, r.id));
    reversed += amount;
  }
  if (entries.length === 0) return nothing('already_applied');
  const status = reversed >= p.amount ? 'reversed' : p.status;
  return {
    payoutId: p.id, change: { kind: 'reversed', amountReversed: reversed, status }, entries, outbox,
    outcome: status === 'reversed' ? 'payout_reversed' : 'payout_partially_reversed',
  };
}
