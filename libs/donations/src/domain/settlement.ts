import { parseExchangeRate } from '@ataa/common';
import {
  disputeEntry, disputeFeeEntry, disputeFeeRefundEntry, disputeReversalEntry, donationEntry, fxConversionEntry, fxProcessingFeeEntry, isConverted,
  platformFee, platformFeeEntry, platformFeeRefundEntry, platformFeeRefundShare, processingFeeEntry, refundEntry,
  type ConvertedKind, type EntryInput, type MoneyPlan, type PlannedEntry, type PlannedGiftRef, type Settlement,
} from '@ataa/ledger';
import type { OutboxMessage } from '@ataa/notifications';
import { donorCommitment, type PublicEntryKind } from '@ataa/transparency';
import type { Donation } from '../persistence/donation.row.js';
import { disputeOutcome, type DonationStatus, isSettled, nextUnsettledStatus, settledStatus } from './donation-status.js';

/*
 * Gift settlement as a pure planner: facts Stripe reported (read from its API, or carried by a
 * signed event) and the donation's recorded state in, a plan out — the donation's new state, its
 * refund and dispute rows, the journal entries with their public entries, the outbox messages —
 * and the state after it, so the next event of the same gift in a batch plans on top of it.
 * Every fact has its own (kind, source id), so whatever the order and however often facts come,
 * each is planned once, amounts only accumulate and the status is derived from the accumulated facts.
 */

/** A balance transaction as Stripe reports it (the fields settlement reads). */
export interface BalanceTransactionFact {
  id: string;
  currency: string;
  amount: number;
  fee: number;
  exchange_rate: number | null;
  created: number;
  reporting_category?: string;
}

export interface ChargeFact {
  id: string;
  status: string;
  paid?: boolean;
  amount: number;
  currency: string;
  created: number;
  /** Expanded when known; an id alone (or null) means its fee is not known here. */
  balance_transaction: BalanceTransactionFact | string | null;
}

export interface RefundFact {
  id: string;
  amount: number;
  status: string | null;
  created: number;
  metadata?: Record<string, string> | null;
  balance_transaction?: BalanceTransactionFact | string | null;
}

export interface DisputeFact {
  id: string;
  amount: number;
  status: string;
  reason?: string | null;
  created: number;
  balance_transactions?: BalanceTransactionFact[];
}

/** What Stripe says about one gift. `refunds`/`disputes` null: this source did not observe them (an event about the charge). */
export interface SettlementFacts {
  session: { status: string | null; payment_status: string | null } | null;
  paymentIntentId: string | null;
  charge: ChargeFact | null;
  refunds: RefundFact[] | null;
  disputes: DisputeFact[] | null;
}

export interface RecordedRefund {
  id: string;
  stripeRefundId: string | null;
  status: string;
  platformFeeReturned: bigint;
}

export interface RecordedDispute {
  stripeDisputeId: string;
  outcome: 'open' | 'won' | 'lost';
}

/** The donation as recorded, with the facts already posted for it (`kind:sourceId`). */
export interface GiftState {
  donation: Donation;
  posted: ReadonlySet<string>;
  refunds: readonly RecordedRefund[];
  disputes: readonly RecordedDispute[];
}

export interface RefundRowChange {
  id: string;
  isNew: boolean;
  stripeRefundId: string;
  amount: bigint;
  status: string;
  /** Added to the row's platform_fee_returned. */
  feeReturned: bigint;
}

export interface DisputeRowChange {
  stripeDisputeId: string;
  amount: bigint;
  status: string;
  outcome: 'open' | 'won' | 'lost';
  reason: string | null;
}

/** The donation row's new values. `settled` writes the settlement columns; `unsettled` only status and links. */
export type DonationChange =
  | { kind: 'unsettled'; status: DonationStatus; paymentStatus: string | null; paymentIntentId: string | null }
  | {
    kind: 'settled'; status: DonationStatus; chargeId: string; paymentIntentId: string | null; paymentStatus: string; platformFee: bigint | null;
    processingFee: bigint | null; refunded: bigint; disputed: bigint; settledAt: Date;
  };

export interface SettlementPlan extends MoneyPlan {
  donationId: string;
  status: DonationStatus;
  donation: DonationChange | null;
  refundRows: RefundRowChange[];
  disputeRows: DisputeRowChange[];
  /** A commitment salt created for an anonymous gift's public entry (stored with the donation). */
  newCommitmentSalt: string | null;
  /** The index of the gift's own public entry among `entries`, whose leaf the donation row keeps. */
  giftEntry: number | null;
  /** The gift after this plan (for the next event of the same gift in one batch). */
  next: GiftState;
}

/** Where fresh ids come from (random in production, fixed in tests). */
export interface IdSource {
  uuid(): string;
  salt(): string;
}

/** Thrown for facts that contradict the donation (a charge of another amount): never posted. */
export class SettlementMismatchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SettlementMismatchError';
  }
}

const at = (unix: number) => new Date(unix * 1000);
const expanded = <T extends { id: string }>(v: T | string | null | undefined): T | null => (v && typeof v === 'object' ? v : null);

export function planSettlement(state: GiftState, facts: SettlementFacts, ids: IdSource): SettlementPlan {
  const d = state.donation;
  const charge = facts.charge;
  const settledNow = charge !== null && charge.status === 'succeeded' && charge.paid !== false;
  const empty = (status: DonationStatus, donation: DonationChange | null): SettlementPlan => ({
    donationId: d.id, status, donation, refundRows: [], disputeRows: [], entries: [], outbox: [], newCommitmentSalt: null, giftEntry: null,
    next: donation ? { ...state, donation: { ...d, status, paymentStatus: donation.paymentStatus ?? d.paymentStatus, stripePaymentIntentId: d.stripePaymentIntentId ?? donation.paymentIntentId } } : state,
  });

  if (!settledNow && !isSettled(d.status)) {
    let observed: 'pending' | 'failed' | 'expired' = 'pending';
    if (facts.session?.status === 'expired') observed = 'expired';
    else if (facts.session?.status === 'complete' && charge?.status === 'failed') observed = 'failed';
    const status = nextUnsettledStatus(d.status, observed);
    // Nothing new (the gift already marked paid by another event of the same payment): the row stays as it is.
    if (status === d.status && (facts.session?.payment_status ?? d.paymentStatus) === d.paymentStatus && (d.stripePaymentIntentId ?? facts.paymentIntentId) === d.stripePaymentIntentId) {
      return empty(status, null);
    }
    return empty(status, { kind: 'unsettled', status, paymentStatus: facts.session?.payment_status ?? null, paymentIntentId: facts.paymentIntentId });
  }
  if (!charge || !settledNow) return empty(d.status, null); // settled earlier; a stale fact adds nothing
  if (BigInt(charge.amount) !== d.amount || charge.currency !== d.currency) {
    throw new SettlementMismatchError(`charge ${charge.id} (${charge.amount} ${charge.currency}) does not match donation ${d.id}`);
  }

  // The gift's designation moves with every fact of it (fees, refunds, disputes reduce the designation it came from);
  // none chosen (the campaign declared none): the implicit general, and format-3 public entries as before.
  const designation = d.designation ?? null;
  const base = (sourceId: string, occurredAt: Date) => ({
    campaignId: d.campaignId, currency: d.currency, occurredAt, sourceId, metadata: { donation_id: d.id }, ...(designation ? { designation } : {}),
  });
  const entries: PlannedEntry[] = [];
  const posted = new Set(state.posted);
  const want = (kind: string, source: string) => !posted.has(`${kind}:${source}`);
  // A refund's or dispute's public entry names its gift (so the gift's drawable amount shrinks in the
  // public FIFO replay: docs/designations.md): by the index its row keeps, or, the gift made public in
  // this very batch, by its donation entry's source.
  const giftRef = (refunded?: bigint): PlannedGiftRef => ({
    ...(d.publicLeafIndex !== null && d.publicLeafIndex !== undefined ? { index: Number(d.publicLeafIndex) } : { donationSource: charge.id }),
    ...(refunded !== undefined ? { refunded } : {}),
  });
  const add = (input: EntryInput, publicKind?: PublicEntryKind, publicAmount?: bigint, gift?: PlannedGiftRef) => {
    posted.add(`${input.kind}:${input.sourceId}`);
    entries.push({
      input,
      public: publicKind && publicAmount !== undefined && publicAmount !== 0n ? {
        campaignId: d.campaignId, kind: publicKind, amount: publicAmount, currency: d.currency, occurredAt: input.occurredAt,
        donorDisplayName: null, donorCommitment: null, publicMessage: null, payoutPurpose: null, designation, ...(gift ? { gift } : {}),
      } : null,
    });
  };
  // A balance transaction in another currency than the gift's (the platform settles in its own):
  // the settlement side of each fact is posted by a conversion entry at Stripe's figures (fx-entries.ts).
  const settlementOf = (t: { id: string; currency: string; exchange_rate: number | null }): Settlement | null => {
    if (!isConverted(d.currency, t.currency)) return null;
    if (t.exchange_rate === null || t.exchange_rate === undefined) {
      throw new SettlementMismatchError(`balance transaction ${t.id} is in ${t.currency}, the gift ${d.id} in ${d.currency}, and it has no exchange_rate`);
    }
    return { currency: t.currency, rate: parseExchangeRate(t.exchange_rate), balanceTransactionId: t.id };
  };
  const convert = (kind: ConvertedKind, sourceId: string, occurredAt: Date, t: BalanceTransactionFact, presentment: bigint) => {
    const settlement = settlementOf(t);
    if (!settlement || !want(`${kind}_fx`, sourceId) || t.amount === 0) return;
    add(fxConversionEntry(base(sourceId, occurredAt), kind, presentment, BigInt(t.amount), settlement));
  };

  let platformFeeAmount = d.platformFee;
  const chargedAt = at(charge.created);
  let firstSettlement = false;
  let giftEntry: number | null = null;
  if (want('donation', charge.id)) {
    firstSettlement = !isSettled(d.status);
    giftEntry = entries.length;
    add(donationEntry(base(charge.id, chargedAt), d.amount), 'donation', d.amount);
    platformFeeAmount = platformFee(d.amount, d.platformFeeBps);
    if (platformFeeAmount > 0n && want('platform_fee', charge.id)) add(platformFeeEntry(base(charge.id, chargedAt), platformFeeAmount), 'platform_fee', -platformFeeAmount);
  }
  const bt = expanded(charge.balance_transaction);
  if (bt) convert('donation', charge.id, at(bt.created), bt, d.amount);
  let processingFee = d.processingFee;
  if (bt && bt.fee > 0 && want('processing_fee', bt.id)) {
    const settlement = settlementOf(bt);
    if (settlement) {
      // Stripe took its fee in the settlement currency; the campaign bears it converted back (its funds posting).
      const input = fxProcessingFeeEntry(base(bt.id, at(bt.created)), BigInt(bt.fee), settlement);
      processingFee = BigInt((input.metadata!.fx as { fee: string }).fee);
      add(input, 'fee', -processingFee);
    } else {
      processingFee = BigInt(bt.fee);
      add(processingFeeEntry(base(bt.id, at(bt.created)), processingFee), 'fee', -processingFee);
    }
  }

  // A known balance transaction without a fee: the fee is known, and zero (no longer pending).
  if (bt && bt.fee === 0 && processingFee === null) processingFee = 0n;

  // Refunds: ours (matched by id or our request id in metadata) and those made in Stripe's dashboard.
  let refunded = d.refundedAmount;
  const recordedRefunds = state.refunds.map((r) => ({ ...r }));
  let feeReturned = recordedRefunds.reduce((sum, r) => sum + r.platformFeeReturned, 0n);
  const refundRows: RefundRowChange[] = [];
  const outbox: OutboxMessage[] = [];
  for (const r of [...(facts.refunds ?? [])].sort((a, b) => a.created - b.created || (a.id < b.id ? -1 : 1))) {
    const mine = recordedRefunds.find((x) => x.stripeRefundId === r.id || (r.metadata?.refund_request_id && x.id === r.metadata.refund_request_id));
    const status = r.status === 'succeeded' ? 'succeeded' : r.status === 'failed' ? 'failed' : r.status === 'canceled' ? 'canceled' : 'pending';
    let rowStatus = mine?.status === 'succeeded' ? 'succeeded' : status;
    let share = 0n;
    let notify = false;
    if (status === 'succeeded' && want('refund', r.id)) {
      const amount = BigInt(r.amount);
      share = platformFeeAmount ? platformFeeRefundShare(platformFeeAmount, d.amount, refunded, amount, feeReturned) : 0n;
      // Publicly one refund entry, net of the platform fee returned with it, so the public running
      // balance equals the campaign's funds.
      add(refundEntry(base(r.id, at(r.created)), amount), 'refund', -(amount - share), giftRef(amount));
      if (share > 0n) add(platformFeeRefundEntry(base(r.id, at(r.created)), share));
      refunded += amount;
      feeReturned += share;
      rowStatus = 'succeeded';
      notify = true;
    }
    // The refund's own balance transaction (its own rate) converts it, once both are known.
    const rbt = expanded(r.balance_transaction);
    if (rbt && !want('refund', r.id)) convert('refund', r.id, at(rbt.created), rbt, -BigInt(r.amount));
    const id = mine?.id ?? ids.uuid();
    refundRows.push({ id, isNew: !mine, stripeRefundId: r.id, amount: BigInt(r.amount), status: rowStatus, feeReturned: share });
    if (notify) outbox.push({ kind: 'refund_notice', aggregateId: id, payload: { donationId: d.id } });
    if (mine) {
      mine.stripeRefundId = r.id;
      mine.status = mine.status === 'succeeded' ? mine.status : rowStatus;
      mine.platformFeeReturned += share;
    } else {
      recordedRefunds.push({ id, stripeRefundId: r.id, status: rowStatus, platformFeeReturned: share });
    }
  }

  // Disputes: withdrawals and reinstatements follow the dispute's balance transactions.
  let disputed = d.disputedAmount;
  const disputeRows: DisputeRowChange[] = [];
  for (const x of facts.disputes ?? []) {
    const previous = state.disputes.find((r) => r.stripeDisputeId === x.id)?.outcome ?? null;
    const outcome = disputeOutcome(x.status, previous);
    disputeRows.push({ stripeDisputeId: x.id, amount: BigInt(x.amount), status: x.status, outcome, reason: x.reason ?? null });
    for (const t of x.balance_transactions ?? []) {
      const category = t.reporting_category;
      // In another currency, the campaign loses (or gets back) the disputed amount in its own
      // currency; the balance transaction's amount is what it was in the settlement currency.
      const fx = settlementOf(t);
      // A dispute's fee is the platform's loss, posted in the currency Stripe took it in.
      const feeBase = (occurredAt: Date) => ({ ...base(x.id, occurredAt), currency: t.currency });
      if (category === 'dispute' && want('dispute', x.id)) {
        const amount = fx ? BigInt(x.amount) : BigInt(-t.amount);
        if (amount > 0n) {
          add(disputeEntry(base(x.id, at(t.created)), amount), 'dispute', -amount, giftRef());
          disputed += amount;
          convert('dispute', x.id, at(t.created), t, -amount);
        }
        if (t.fee > 0 && want('dispute_fee', x.id)) add(disputeFeeEntry(feeBase(at(t.created)), BigInt(t.fee)));
      } else if (category === 'dispute_reversal' && want('dispute_reversal', x.id)) {
        const amount = fx ? BigInt(x.amount) : BigInt(t.amount);
        if (amount > 0n) {
          add(disputeReversalEntry(base(x.id, at(t.created)), amount), 'dispute_reversal', amount, giftRef());
          disputed -= amount;
          convert('dispute_reversal', x.id, at(t.created), t, amount);
        }
        if (t.fee < 0 && want('dispute_fee_refund', x.id)) add(disputeFeeRefundEntry(feeBase(at(t.created)), BigInt(-t.fee)));
      }
    }
  }
  const disputes: RecordedDispute[] = [
    ...disputeRows.map((x) => ({ stripeDisputeId: x.stripeDisputeId, outcome: x.outcome })),
    ...state.disputes.filter((r) => !disputeRows.some((x) => x.stripeDisputeId === r.stripeDisputeId)),
  ];

  const status = settledStatus({ amount: d.amount, refunded, disputes });
  if (firstSettlement) outbox.unshift({ kind: 'donation_receipt', aggregateId: d.id, payload: { donationId: d.id } });

  // The gift's own public entry shows the donor: by name, or (anonymous) by a salted commitment
  // whose salt stays private (it goes in the donor's receipt).
  let newCommitmentSalt: string | null = null;
  if (giftEntry !== null) {
    const gift = entries[giftEntry].public!;
    let commitment: string | null = null;
    // An erased gift (paid after its donor asked to be erased) posts with neither name nor commitment.
    if (d.anonymous && !d.erasedAt) {
      let salt = d.donorCommitmentSalt;
      if (!salt) salt = newCommitmentSalt = ids.salt();
      commitment = donorCommitment(salt, d.donorName ?? d.donorEmail ?? '');
    }
    entries[giftEntry].public = { ...gift, donorDisplayName: d.anonymous ? null : d.donorName, donorCommitment: commitment, publicMessage: d.messageReview === 'held' ? null : d.publicMessage };
  }

  // Settled: the session's payment status when it was read, else paid (the charge succeeded).
  const paymentStatus = facts.session?.payment_status ?? 'paid';
  const paymentIntentId = d.stripePaymentIntentId ?? facts.paymentIntentId;
  const settledAt = d.settledAt ?? chargedAt;
  // A fact that changes nothing (the same charge again, a fee already posted) leaves the row alone.
  const unchanged = entries.length === 0 && refundRows.length === 0 && disputeRows.length === 0 && newCommitmentSalt === null && d.settledAt !== null
    && status === d.status && charge.id === d.stripeChargeId && paymentIntentId === d.stripePaymentIntentId && paymentStatus === d.paymentStatus
    && platformFeeAmount === d.platformFee && processingFee === d.processingFee && refunded === d.refundedAmount && disputed === d.disputedAmount;
  return {
    donationId: d.id, status,
    donation: unchanged ? null : { kind: 'settled', status, chargeId: charge.id, paymentIntentId: facts.paymentIntentId, paymentStatus, platformFee: platformFeeAmount, processingFee, refunded, disputed, settledAt: chargedAt },
    refundRows, disputeRows, entries, outbox, newCommitmentSalt, giftEntry,
    next: {
      donation: {
        ...d, status, stripeChargeId: charge.id, stripePaymentIntentId: paymentIntentId, paymentStatus, platformFee: platformFeeAmount, processingFee,
        refundedAmount: refunded, disputedAmount: disputed, settledAt, donorCommitmentSalt: d.donorCommitmentSalt ?? newCommitmentSalt,
      },
      posted, refunds: recordedRefunds, disputes,
    },
  };
}
