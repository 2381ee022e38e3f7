import { Inject, Injectable, Logger } from '@nestjs/common';
import { randomBytes, randomUUID } from 'node:crypto';
import type Stripe from 'stripe';
import { EntityManager } from 'typeorm';
import { TransactionRunner } from '@ataa/database';
import { LedgerWriter } from '@ataa/ledger';
import { StripeGateway } from '@ataa/payments';
import { FundsRecoveryRegistry } from './funds-recovery.js';
import { MatchingService } from './matching.service.js';
import { EventRoute, routeEvent } from './domain/event-facts.js';
import {
  planSettlement, type ChargeFact, type DisputeFact, type RefundFact, type SettlementFacts, type SettlementPlan,
} from './domain/settlement.js';
import { Donation } from './persistence/donation.row.js';
import { SettlementRepository } from './persistence/settlement.repository.js';

/** Stripe's current view of one gift, read fresh from the API (never from an event snapshot). */
export interface StripeSnapshot {
  session: Stripe.Checkout.Session | null;
  paymentIntent: Stripe.PaymentIntent | null;
  charge: Stripe.Charge | null;
  refunds: Stripe.Refund[];
  disputes: Stripe.Dispute[];
}

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
    private readonly tx: TransactionRunner,
    private readonly writer: LedgerWriter,
    private readonly settlements: SettlementRepository,
    private readonly stripe: StripeGateway,
    private readonly matching: MatchingService,
  ) {}

  /** Finds the donation a Stripe object belongs to (our metadata, then the ids we stored). */
  async resolveDonationId(event: Stripe.Event): Promise<string | null> {
    const o = event.data.object as unknown as Record<string, any>;
    const meta = (o.metadata ?? {}) as Record<string, string>;
    const paymentIntentId = o.object === 'payment_intent' ? o.id : idOf(o.payment_intent);
    const [found] = await this.settlements.resolve([{
      donationId: typeof meta.donation_id === 'string' ? meta.donation_id : null, sessionId: o.object === 'checkout.session' ? o.id : null,
      paymentIntentId, chargeId: o.object === 'charge' ? o.id : idOf(o.charge),
    }]);
    if (found) return found;
    // Not linked yet (e.g. a refund seen before the session completed): ask Stripe whose it is.
    if (paymentIntentId) {
      const pi = await this.stripe.retrievePaymentIntent(paymentIntentId);
      const [byMetadata] = await this.settlements.resolve([{ donationId: pi.metadata?.donation_id ?? null }]);
      return byMetadata;
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
    const donation = await this.settlements.findDonation(donationId);
    if (!donation) return 'no_donation';
    const snapshot = await this.snapshot(donation);
    const status = await this.tx.run((manager) => this.apply(manager, donationId, snapshot));
    // A dispute took money Stripe already withdrew: recover from payouts what they made the funds lack (issue 15.6).
    const latest = [...snapshot.disputes].sort((a, b) => b.created - a.created)[0];
    if (latest) await this.recoveries?.get()?.recoverAfterDispute({ campaignId: donation.campaignId, disputeId: latest.id });
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

  /** Applies a snapshot under the donation's row lock: plan, then record. Idempotent and monotone. */
  async apply(manager: EntityManager, donationId: string, s: StripeSnapshot): Promise<string> {
    const [plan] = await this.settle(manager, [{ donationId, facts: factsOfSnapshot(s) }]);
    return plan ? plan.status : 'no_donation';
  }

  /**
   * Locks the gifts (id order), plans each item in order on top of the previous ones (several facts
   * of one gift compose), and records every plan: refund/dispute rows, then the ledger writer
   * (journal entries, public entries, outbox), then the donations' rows. Null for an unknown gift.
   */
  async settle(manager: EntityManager, items: readonly { donationId: string; facts: SettlementFacts }[]): Promise<(SettlementPlan | null)[]> {
    const states = await this.settlements.lockGifts(manager, items.map((i) => i.donationId), items.flatMap((i) => sourcesOf(i.facts)));
    const plans = items.map((item) => {
      const state = states.get(item.donationId);
      if (!state) return null;
      const plan = planSettlement(state, item.facts, RANDOM_IDS);
      states.set(item.donationId, plan.next);
      return plan;
    });
    const recordable = plans.filter((p): p is SettlementPlan => p !== null);
    await this.settlements.writeRefundsAndDisputes(manager, recordable);
    const recorded = await this.writer.record(manager, recordable);
    await this.settlements.writeDonations(manager, recordable, recorded);
    // Matching offers accrue (or give back) in the same transaction, under the gifts' row locks.
    await this.matching.afterSettlement(manager, recordable.filter((p) => p.donation !== null).map((p) => p.next.donation));
    return plans;
  }

  /**
   * The batch path (StripeEventDispatcher.settleBatch): plans events from their own signed data,
   * with no Stripe call. A charge's fee stays pending (an event names its balance transaction by id
   * only): the fee sweep (PendingFeesService) lists balance transactions in bulk and posts it. An
   * event that cannot be planned from its data answers null and is read on the per-event path.
   */
  async settleEvents(manager: EntityManager, events: readonly Stripe.Event[]): Promise<(string | null)[]> {
    const routes = events.map((e) => routeEvent(e));
    const outcomes: (string | null)[] = routes.map(() => null);
    const planned = routes.map((r, i) => ({ r, i })).filter((x): x is { r: Extract<EventRoute, { kind: 'facts' }>; i: number } => x.r.kind === 'facts');
    const ids = await this.settlements.resolve(planned.map((x) => x.r.links), manager);
    const items = planned.map((x, n) => ({ ...x, donationId: ids[n] })).filter((x): x is typeof x & { donationId: string } => x.donationId !== null);
    const plans = await this.settle(manager, items.map((x) => ({ donationId: x.donationId, facts: x.r.facts })));
    plans.forEach((plan, n) => {
      if (!plan) return;
      outcomes[items[n].i] = plan.status === 'pending' && plan.next.donation.paymentStatus === 'paid' ? 'awaiting_charge' : plan.status;
      // The event names the charge's balance transaction while its fee is pending: the fee sweep can list it now.
      const named = (events[items[n].i].data.object as { balance_transaction?: unknown }).balance_transaction;
      if (typeof named === 'string' && plan.next.donation.processingFee === null) this.feeNewsAt ??= new Date();
    });
    return outcomes;
  }

  /** When an event first named a pending fee's balance transaction since the last fee sweep began (in this process). */
  private feeNewsAt: Date | null = null;

  feeNewsSince(): Date | null {
    return this.feeNewsAt;
  }

  /** A fee sweep began at `at`: news up to then is what it lists. */
  clearFeeNews(at: Date): void {
    if (this.feeNewsAt && this.feeNewsAt <= at) this.feeNewsAt = null;
  }

  /**
   * Gifts marked paid (their session or payment intent said so) whose charge event has not come
   * after `olderThanSeconds`: read from Stripe and settled, one by one. Normally there is none (the
   * charge event settles a gift seconds after its payment); this is the net under a lost or
   * unsubscribed charge event. Answers how many were read.
   */
  async settleAwaitingCharge(olderThanSeconds: number, limit = 100): Promise<number> {
    const ids = await this.settlements.awaitingCharge(olderThanSeconds, limit);
    for (const id of ids) {
      try {
        await this.sync(id);
      } catch (error) {
        this.logger.warn(`gift ${id} awaiting its charge could not be read: ${(error as Error).message}`);
      }
    }
    return ids.length;
  }
}

/** A full read of the gift: every fact Stripe has (refunds and disputes included). */
function factsOfSnapshot(s: StripeSnapshot): SettlementFacts {
  return {
    session: s.session ? { status: s.session.status, payment_status: s.session.payment_status } : null,
    paymentIntentId: s.paymentIntent?.id ?? null,
    charge: s.charge as unknown as ChargeFact | null,
    refunds: s.refunds as unknown as RefundFact[],
    disputes: s.disputes as unknown as DisputeFact[],
  };
}

/** The source ids a set of facts may already be posted under (to read what is posted in one query). */
function sourcesOf(f: SettlementFacts): string[] {
  const out: string[] = [];
  if (f.charge) {
    out.push(f.charge.id);
    const bt = f.charge.balance_transaction;
    if (bt) out.push(typeof bt === 'string' ? bt : bt.id);
  }
  for (const r of f.refunds ?? []) out.push(r.id);
  for (const x of f.disputes ?? []) out.push(x.id);
  return out;
}

const RANDOM_IDS = { uuid: () => randomUUID(), salt: () => randomBytes(32).toString('hex') };
