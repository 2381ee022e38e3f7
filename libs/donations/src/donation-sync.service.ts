import { Inject, Injectable, Logger } from '@nestjs/common';
import { randomBytes, randomUUID } from 'node:crypto';
import type Stripe from 'stripe';
import { DataSource, EntityManager } from 'typeorm';
import { TransactionRunner } from '@ataa/database';
import { parseExchangeRate } from '@ataa/common';
import {
  disputeEntry, disputeFeeEntry, disputeFeeRefundEntry, disputeReversalEntry, donationEntry, EntryInput, fxConversionEntry, fxProcessingFeeEntry,
  isConverted, LedgerService, platformFee, platformFeeEntry, platformFeeRefundEntry, platformFeeRefundShare, processingFeeEntry, refundEntry,
  type ConvertedKind, type Settlement,
} from '@ataa/ledger';
import { OutboxService } from '@ataa/notifications';
import { StripeGateway } from '@ataa/payments';
import { FundsRecoveryRegistry } from './funds-recovery.js';
import { disputeOutcome, isSettled, nextUnsettledStatus, settledStatus } from './domain/donation-status.js';
import { Donation, toDonation } from './persistence/donation.row.js';
import { donorCommitment, PublicLedgerAppender } from '@ataa/transparency';
import type { PublicEntryInput } from '@ataa/transparency';

/** Stripe's current view of one gift, read fresh from the API (never from an event snapshot). */
export interface StripeSnapshot {
  session: Stripe.Checkout.Session | null;
  paymentIntent: Stripe.PaymentIntent | null;
  charge: Stripe.Charge | null;
  refunds: Stripe.Refund[];
  disputes: Stripe.Dispute[];
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const idOf = (v: string | { id: string } | null | undefined): string | null => (v == null ? null : typeof v === 'string' ? v : v.id);

/**
 * Brings a donation in line with Stripe's current state: settlement, late fees, refunds (ours or
 * made in the dashboard), disputes. Whatever event triggered it and in whatever order events came,
 * the result is the same: every fact is posted once (the ledger's unique key), amounts only
 * accumulate, and the status is derived from the accumulated facts under the donation's row lock.
 */
@Injectable()
export class DonationSyncService {
  private readonly logger = new Logger('DonationSync');
  /** Property-injected (issue 15.6): refunds and disputes after payouts, see funds-recovery.ts. */
  @Inject(FundsRecoveryRegistry) private readonly recoveries!: FundsRecoveryRegistry;

  constructor(
    private readonly dataSource: DataSource,
    private readonly tx: TransactionRunner,
    private readonly ledger: LedgerService,
    private readonly outbox: OutboxService,
    private readonly appender: PublicLedgerAppender,
    private readonly stripe: StripeGateway,
  ) {}

  /** Finds the donation a Stripe object belongs to (our metadata, then the ids we stored). */
  async resolveDonationId(event: Stripe.Event): Promise<string | null> {
    const o = event.data.object as unknown as Record<string, any>;
    const candidates: string[] = [];
    const meta = (o.metadata ?? {}) as Record<string, string>;
    if (typeof meta.donation_id === 'string' && UUID.test(meta.donation_id)) candidates.push(meta.donation_id);
    const sessionId = o.object === 'checkout.session' ? o.id : null;
    const paymentIntentId = o.object === 'payment_intent' ? o.id : idOf(o.payment_intent);
    const chargeId = o.object === 'charge' ? o.id : idOf(o.charge);
    const [row] = await this.dataSource.query(
      `SELECT id FROM donations WHERE id = ANY($1::uuid[]) OR stripe_checkout_session_id = $2 OR stripe_payment_intent_id = $3 OR stripe_charge_id = $4 LIMIT 1`,
      [candidates, sessionId, paymentIntentId, chargeId],
    );
    if (row) return row.id;
    // Not linked yet (e.g. a refund seen before the session completed): ask Stripe whose it is.
    if (paymentIntentId) {
      const pi = await this.stripe.retrievePaymentIntent(paymentIntentId);
      const id = pi.metadata?.donation_id;
      if (id && UUID.test(id)) {
        const [found] = await this.dataSource.query(`SELECT id FROM donations WHERE id = $1`, [id]);
        if (found) return found.id;
      }
    }
    return null;
  }

  async handleEvent(event: Stripe.Event): Promise<string> {
    const donationId = await this.resolveDonationId(event);
    if (!donationId) return 'no_donation';
    return this.sync(donationId);
  }

  /** Reads Stripe's current state for the donation and applies it. Returns the resulting status. */
  async sync(donationId: string): Promise<string> {
    const [row] = await this.dataSource.query(`SELECT * FROM donations WHERE id = $1`, [donationId]);
    if (!row) return 'no_donation';
    const snapshot = await this.snapshot(toDonation(row));
    const status = await this.tx.run((manager) => this.apply(manager, donationId, snapshot));
    // A dispute took money Stripe already withdrew: recover from payouts what they made the funds lack (issue 15.6).
    const latest = [...snapshot.disputes].sort((a, b) => b.created - a.created)[0];
    if (latest) await this.recoveries?.get()?.recoverAfterDispute({ campaignId: row.campaign_id, disputeId: latest.id });
    return status;
  }

  async snapshot(donation: Donation): Promise<StripeSnapshot> {
    let session: Stripe.Checkout.Session | null = null;
    let paymentIntent: Stripe.PaymentIntent | null = null;
    if (donation.stripeCheckoutSessionId) {
      session = await this.stripe.retrieveCheckoutSession(donation.stripeCheckoutSessionId, { expand: ['payment_intent.latest_charge.balance_transaction'] });
      paymentIntent = session.payment_intent && typeof session.payment_intent === 'object' ? session.payment_intent : null;
    }
    if (!paymentIntent && donation.stripePaymentIntentId) {
      paymentIntent = await this.stripe.retrievePaymentIntent(donation.stripePaymentIntentId, { expand: ['latest_charge.balance_transaction'] });
    }
    const charge = paymentIntent?.latest_charge && typeof paymentIntent.latest_charge === 'object' ? paymentIntent.latest_charge : null;
    let refunds: Stripe.Refund[] = [];
    let disputes: Stripe.Dispute[] = [];
    if (charge && charge.status === 'succeeded') {
      const bt = charge.balance_transaction && typeof charge.balance_transaction === 'object' ? charge.balance_transaction : null;
      // Settled in another currency: each refund's own balance transaction says what it cost in it.
      const converted = bt !== null && bt.currency !== charge.currency;
      if (charge.amount_refunded > 0) {
        refunds = await this.stripe.listRefunds({ charge: charge.id, limit: 100, ...(converted ? { expand: ['data.balance_transaction'] } : {}) }).autoPagingToArray({ limit: 1000 });
      }
      if (charge.disputed) disputes = await this.stripe.listDisputes({ charge: charge.id, limit: 100 }).autoPagingToArray({ limit: 100 });
    }
    return { session, paymentIntent, charge, refunds, disputes };
  }

  /** Applies a snapshot under the donation's row lock. Idempotent and monotone. */
  async apply(manager: EntityManager, donationId: string, s: StripeSnapshot): Promise<string> {
    const [row] = await manager.query(`SELECT * FROM donations WHERE id = $1 FOR UPDATE`, [donationId]);
    if (!row) return 'no_donation';
    const d = toDonation(row);
    const charge = s.charge;
    const settledNow = charge !== null && charge.status === 'succeeded' && charge.paid !== false;

    if (!settledNow && !isSettled(d.status)) {
      let observed: 'pending' | 'failed' | 'expired' = 'pending';
      if (s.session?.status === 'expired') observed = 'expired';
      else if (s.session?.status === 'complete' && charge?.status === 'failed') observed = 'failed';
      const status = nextUnsettledStatus(d.status, observed);
      await manager.query(
        `UPDATE donations SET status = $2, payment_status = coalesce($3, payment_status),
           stripe_payment_intent_id = coalesce(stripe_payment_intent_id, $4) WHERE id = $1`,
        [d.id, status, s.session?.payment_status ?? null, s.paymentIntent?.id ?? null],
      );
      return status;
    }
    if (!charge || !settledNow) return d.status; // settled earlier; a stale snapshot adds nothing
    if (BigInt(charge.amount) !== d.amount || charge.currency !== d.currency) {
      throw new Error(`charge ${charge.id} (${charge.amount} ${charge.currency}) does not match donation ${d.id}`);
    }

    const at = (unix: number) => new Date(unix * 1000);
    const base = (sourceId: string, occurredAt: Date) => ({ campaignId: d.campaignId, currency: d.currency, occurredAt, sourceId, metadata: { donation_id: d.id } });
    const entries: { input: EntryInput; publicKind?: PublicEntryInput['kind']; publicAmount?: bigint }[] = [];

    // Which facts are already posted: checked under the donation lock, the only place they are posted.
    const sources = [charge.id, ...s.refunds.map((r) => r.id), ...s.disputes.map((x) => x.id)];
    const bt = charge.balance_transaction && typeof charge.balance_transaction === 'object' ? charge.balance_transaction : null;
    if (bt) sources.push(bt.id);
    // A balance transaction in another currency than the gift's (the platform settles in its own):
    // the settlement side of each fact is posted by a conversion entry at Stripe's figures (fx-entries.ts).
    const settlementOf = (t: { id: string; currency: string; exchange_rate: number | null }): Settlement | null => {
      if (!isConverted(d.currency, t.currency)) return null;
      if (t.exchange_rate === null || t.exchange_rate === undefined) {
        throw new Error(`balance transaction ${t.id} is in ${t.currency}, the gift ${d.id} in ${d.currency}, and it has no exchange_rate`);
      }
      return { currency: t.currency, rate: parseExchangeRate(t.exchange_rate), balanceTransactionId: t.id };
    };
    const convert = (kind: ConvertedKind, sourceId: string, occurredAt: Date, t: { id: string; currency: string; amount: number; exchange_rate: number | null }, presentment: bigint) => {
      const settlement = settlementOf(t);
      if (!settlement || !want(`${kind}_fx`, sourceId) || t.amount === 0) return;
      entries.push({ input: fxConversionEntry(base(sourceId, occurredAt), kind, presentment, BigInt(t.amount), settlement) });
    };
    const postedRows: { kind: string; source_id: string }[] = await manager.query(
      `SELECT kind, source_id FROM journal_entries WHERE source_id = ANY($1)`, [sources],
    );
    const posted = new Set(postedRows.map((r) => `${r.kind}:${r.source_id}`));
    const want = (kind: string, source: string) => !posted.has(`${kind}:${source}`);

    let platformFeeAmount = d.platformFee;
    const chargedAt = at(charge.created);
    let firstSettlement = false;
    if (want('donation', charge.id)) {
      firstSettlement = !isSettled(d.status);
      entries.push({ input: donationEntry(base(charge.id, chargedAt), d.amount), publicKind: 'donation', publicAmount: d.amount });
      platformFeeAmount = platformFee(d.amount, d.platformFeeBps);
      if (platformFeeAmount > 0n && want('platform_fee', charge.id)) {
        entries.push({ input: platformFeeEntry(base(charge.id, chargedAt), platformFeeAmount), publicKind: 'platform_fee', publicAmount: -platformFeeAmount });
      }
    }
    if (bt) convert('donation', charge.id, at(bt.created), bt, d.amount);
    let processingFee = d.processingFee;
    if (bt && bt.fee > 0 && want('processing_fee', bt.id)) {
      const settlement = settlementOf(bt);
      if (settlement) {
        // Stripe took its fee in the settlement currency; the campaign bears it converted back (its funds posting).
        const input = fxProcessingFeeEntry(base(bt.id, at(bt.created)), BigInt(bt.fee), settlement);
        processingFee = BigInt((input.metadata!.fx as { fee: string }).fee);
        entries.push({ input, publicKind: 'fee', publicAmount: -processingFee });
      } else {
        processingFee = BigInt(bt.fee);
        entries.push({ input: processingFeeEntry(base(bt.id, at(bt.created)), processingFee), publicKind: 'fee', publicAmount: -processingFee });
      }
    }

    // Refunds: ours (matched by id or our request id in metadata) and those made in Stripe's dashboard.
    let refunded = d.refundedAmount;
    const existingRefunds: Record<string, any>[] = await manager.query(`SELECT * FROM donation_refunds WHERE donation_id = $1`, [d.id]);
    let feeReturned = existingRefunds.reduce((sum, r) => sum + BigInt(r.platform_fee_returned), 0n);
    const refundRowUpdates: { id: string | null; stripeId: string; amount: bigint; status: string; feeReturned: bigint; isNew: boolean; notify: boolean }[] = [];
    for (const r of [...s.refunds].sort((a, b) => a.created - b.created || (a.id < b.id ? -1 : 1))) {
      const mine = existingRefunds.find((x) => x.stripe_refund_id === r.id || (r.metadata?.refund_request_id && x.id === r.metadata.refund_request_id));
      const status = r.status === 'succeeded' ? 'succeeded' : r.status === 'failed' ? 'failed' : r.status === 'canceled' ? 'canceled' : 'pending';
      let rowStatus = mine?.status === 'succeeded' ? 'succeeded' : status;
      let share = 0n;
      let notify = false;
      if (status === 'succeeded' && want('refund', r.id)) {
        const amount = BigInt(r.amount);
        share = platformFeeAmount ? platformFeeRefundShare(platformFeeAmount, d.amount, refunded, amount, feeReturned) : 0n;
        // Publicly one refund entry, net of the platform fee returned with it, so the public running
        // balance equals the campaign's funds.
        entries.push({ input: refundEntry(base(r.id, at(r.created)), amount), publicKind: 'refund', publicAmount: -(amount - share) });
        if (share > 0n) entries.push({ input: platformFeeRefundEntry(base(r.id, at(r.created)), share) });
        posted.add(`refund:${r.id}`);
        refunded += amount;
        feeReturned += share;
        rowStatus = 'succeeded';
        notify = true;
      }
      // The refund's own balance transaction (its own rate) converts it, once both are known.
      const rbt = r.balance_transaction && typeof r.balance_transaction === 'object' ? r.balance_transaction : null;
      if (rbt && !want('refund', r.id)) convert('refund', r.id, at(rbt.created), rbt, -BigInt(r.amount));
      refundRowUpdates.push({ id: mine?.id ?? null, stripeId: r.id, amount: BigInt(r.amount), status: rowStatus, feeReturned: share, isNew: !mine, notify });
    }

    // Disputes: withdrawals and reinstatements follow the dispute's balance transactions.
    let disputed = d.disputedAmount;
    const existingDisputes: Record<string, any>[] = await manager.query(`SELECT * FROM donation_disputes WHERE donation_id = $1`, [d.id]);
    const outcomes: { outcome: 'open' | 'won' | 'lost' }[] = [];
    const disputeRows: { id: string; amount: bigint; status: string; outcome: 'open' | 'won' | 'lost'; reason: string | null }[] = [];
    for (const x of s.disputes) {
      const previous = existingDisputes.find((r) => r.stripe_dispute_id === x.id)?.outcome ?? null;
      const outcome = disputeOutcome(x.status, previous);
      outcomes.push({ outcome });
      disputeRows.push({ id: x.id, amount: BigInt(x.amount), status: x.status, outcome, reason: x.reason ?? null });
      for (const t of x.balance_transactions ?? []) {
        const category = (t as { reporting_category?: string }).reporting_category;
        // In another currency, the campaign loses (or gets back) the disputed amount in its own
        // currency; the balance transaction's amount is what it was in the settlement currency.
        const fx = settlementOf(t);
        // A dispute's fee is the platform's loss, posted in the currency Stripe took it in.
        const feeBase = (occurredAt: Date) => ({ ...base(x.id, occurredAt), currency: t.currency });
        if (category === 'dispute' && want('dispute', x.id)) {
          const amount = fx ? BigInt(x.amount) : BigInt(-t.amount);
          if (amount > 0n) {
            entries.push({ input: disputeEntry(base(x.id, at(t.created)), amount), publicKind: 'dispute', publicAmount: -amount });
            disputed += amount;
            convert('dispute', x.id, at(t.created), t, -amount);
          }
          if (t.fee > 0 && want('dispute_fee', x.id)) entries.push({ input: disputeFeeEntry(feeBase(at(t.created)), BigInt(t.fee)) });
        } else if (category === 'dispute_reversal' && want('dispute_reversal', x.id)) {
          const amount = fx ? BigInt(x.amount) : BigInt(t.amount);
          if (amount > 0n) {
            entries.push({ input: disputeReversalEntry(base(x.id, at(t.created)), amount), publicKind: 'dispute_reversal', publicAmount: amount });
            disputed -= amount;
            convert('dispute_reversal', x.id, at(t.created), t, amount);
          }
          if (t.fee < 0 && want('dispute_fee_refund', x.id)) entries.push({ input: disputeFeeRefundEntry(feeBase(at(t.created)), BigInt(-t.fee)) });
        }
      }
    }
    for (const r of existingDisputes) if (!disputeRows.some((x) => x.id === r.stripe_dispute_id)) outcomes.push({ outcome: r.outcome });

    // The gift's own rows first (only this donation's locks), then the ledger and the public ledger:
    // posting locks the platform-wide balance rows until commit, so whatever can come before it does.
    for (const u of refundRowUpdates) {
      if (u.isNew) {
        const id = randomUUID();
        await manager.query(
          `INSERT INTO donation_refunds (id, donation_id, amount, status, stripe_refund_id, requested_by, platform_fee_returned)
           VALUES ($1, $2, $3, $4, $5, 'stripe', $6)`,
          [id, d.id, u.amount.toString(), u.status, u.stripeId, u.feeReturned.toString()],
        );
        u.id = id;
      } else {
        await manager.query(
          `UPDATE donation_refunds SET stripe_refund_id = $2, status = CASE WHEN status = 'succeeded' THEN status ELSE $3 END,
             platform_fee_returned = platform_fee_returned + $4, updated_at = now() WHERE id = $1`,
          [u.id, u.stripeId, u.status, u.feeReturned.toString()],
        );
      }
      if (u.notify) await this.outbox.enqueue(manager, { kind: 'refund_notice', aggregateId: u.id!, payload: { donationId: d.id } });
    }
    for (const x of disputeRows) {
      await manager.query(
        `INSERT INTO donation_disputes (stripe_dispute_id, donation_id, amount, status, outcome, reason) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (stripe_dispute_id) DO UPDATE SET status = EXCLUDED.status, outcome = EXCLUDED.outcome, updated_at = now()`,
        [x.id, d.id, x.amount.toString(), x.status, x.outcome, x.reason],
      );
    }

    const status = settledStatus({ amount: d.amount, refunded, disputes: outcomes });
    await manager.query(
      `UPDATE donations SET status = $2, stripe_charge_id = $3, stripe_payment_intent_id = coalesce(stripe_payment_intent_id, $4),
         payment_status = coalesce($5, payment_status), platform_fee = $6, processing_fee = $7, refunded_amount = $8, disputed_amount = $9,
         settled_at = coalesce(settled_at, $10) WHERE id = $1`,
      [d.id, status, charge.id, s.paymentIntent?.id ?? null, s.session?.payment_status ?? 'paid', platformFeeAmount?.toString() ?? null,
        processingFee?.toString() ?? null, refunded.toString(), disputed.toString(), chargedAt],
    );
    if (firstSettlement) await this.outbox.enqueue(manager, { kind: 'donation_receipt', aggregateId: d.id, payload: { donationId: d.id } });
    const results = await this.ledger.postMany(manager, entries.map((e) => e.input));
    const lost = results.findIndex((r) => !r.created);
    if (lost >= 0) throw new Error(`ledger fact ${entries[lost].input.kind}:${entries[lost].input.sourceId} was posted concurrently; retrying`);

    await this.appendPublic(manager, d, entries, results.map((r) => r.entry.id));
    return status;
  }

  /** Contract 4: one public entry per campaign-facing journal entry, in the same transaction. */
  private async appendPublic(manager: EntityManager, d: Donation, entries: { input: EntryInput; publicKind?: PublicEntryInput['kind']; publicAmount?: bigint }[], entryIds: string[]): Promise<void> {
    for (const [i, e] of entries.entries()) {
      if (!e.publicKind || e.publicAmount === undefined || e.publicAmount === 0n) continue;
      const isGift = e.publicKind === 'donation';
      let commitment: string | null = null;
      if (isGift && d.anonymous) {
        // The salt stays private (it goes in the donor's receipt); the public leaf carries the commitment.
        let salt = d.donorCommitmentSalt;
        if (!salt) {
          salt = randomBytes(32).toString('hex');
          await manager.query(`UPDATE donations SET donor_commitment_salt = $2 WHERE id = $1`, [d.id, salt]);
        }
        commitment = donorCommitment(salt, d.donorName ?? d.donorEmail);
      }
      const appended = await this.appender.append(manager, {
        campaignId: d.campaignId, kind: e.publicKind, amount: e.publicAmount, currency: d.currency, occurredAt: e.input.occurredAt,
        donorDisplayName: isGift && !d.anonymous ? d.donorName : null,
        donorCommitment: commitment,
        publicMessage: isGift ? d.publicMessage : null,
        payoutPurpose: null,
        sourceRef: entryIds[i],
      });
      if (isGift) {
        await manager.query(`UPDATE donations SET public_leaf_index = $2, public_leaf_hash = $3 WHERE id = $1`, [d.id, appended.index, appended.leafHash]);
      }
    }
  }
}
