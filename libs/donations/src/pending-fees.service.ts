import { Injectable, Logger } from '@nestjs/common';
import type Stripe from 'stripe';
import { TransactionRunner } from '@ataa/database';
import { StripeGateway } from '@ataa/payments';
import { DonationSyncService } from './donation-sync.service.js';
import type { BalanceTransactionFact, SettlementFacts } from './domain/settlement.js';
import { FeePendingCharge, SettlementRepository } from './persistence/settlement.repository.js';

/** How the fee sweep pages and when it reads a straggler on its own. */
export const FEE_SWEEP = {
  /** Balance transactions per list call (Stripe's maximum). */
  page: 100,
  /** Fees recorded per transaction at most (as a settlement batch: SETTLEMENT_BATCH_MAX). */
  perTransaction: 500,
  /** Gifts looked for per sweep (oldest charge first); the rest wait for the next sweep. */
  maxGifts: 5_000,
  /**
   * A gift still fee-pending this long (seconds) after its settlement is read on its own (its
   * balance transaction is late, or not listed), so a list never reaches back further than this.
   */
  straggler: 3_600,
  /** At most this many stragglers are read per sweep. */
  stragglerReads: 20,
  /** With gifts still pending after a sweep, the next sweep comes at the latest after this long (seconds). */
  retry: 600,
  /** Balance transactions kept from earlier lists for gifts not settled yet (per worker process). */
  remembered: 50_000,
} as const;

export interface FeeSweepResult {
  /** Gifts whose fee was pending when the sweep began. */
  pending: number;
  /** Fees posted (a fee of 0 included: it is known). */
  posted: number;
  /** List calls made (100 balance transactions a page). */
  listCalls: number;
  /** Stragglers read on their own. */
  reads: number;
}

/**
 * Posts the Stripe processing fees of gifts settled with their fee pending. A gift settles from its
 * signed events with no Stripe call; an event names the charge's balance transaction by id only, so
 * the fee is not known yet (`feePending`, never a guessed amount). The sweep lists the platform's
 * balance transactions 100 a page (no type filter: card charges are `charge`, bank debits
 * `payment`) — those made since the newest it has seen, then, for any gift still missing, all since
 * its charge — matches them to the gifts by `source` (the charge), remembers those whose gift has
 * not settled yet (so each is listed about once), and records the fees it found through the same
 * planner and writer as everything else, up to 500 in one transaction. A fee is keyed on its balance transaction (the ledger's unique key) and
 * the gifts are locked while planned, so a rerun, a concurrent sweep or a redelivered event posts
 * nothing twice. A gift whose balance transaction is not listed yet stays pending until a later
 * sweep; one still pending after FEE_SWEEP.straggler seconds is read on its own.
 */
@Injectable()
export class PendingFeesService {
  private readonly logger = new Logger('PendingFees');
  /** When this process's last sweep began (what counts as `fresh` for `sweepIfDue`). */
  private lastSweepAt = new Date(0);

  constructor(
    private readonly tx: TransactionRunner,
    private readonly sync: DonationSyncService,
    private readonly settlements: SettlementRepository,
    private readonly stripe: StripeGateway,
  ) {}

  /**
   * Sweeps when it is worth a list call: a page's worth of gifts (100) settled since the last
   * sweep, or some waited `waitSeconds`; or gifts still pending and FEE_SWEEP.retry seconds passed.
   * So under load a list call carries about 100 fees, and when idle a fee waits `waitSeconds` at most
   * (plus the runner's tick). Null when nothing was due or another worker is sweeping.
   */
  async sweepIfDue(waitSeconds: number, now: Date = new Date()): Promise<FeeSweepResult | null> {
    const stats = await this.settlements.feePendingStats(this.lastSweepAt);
    if (stats.pending === 0) return null;
    // Fresh: gifts settled since the last sweep, and gifts whose balance transaction an event has named since (a late fee).
    const news = this.sync.feeNewsSince();
    const oldest = [stats.oldestFreshAt, news].filter((d): d is Date => d !== null).reduce<Date | null>((a, b) => (a && a < b ? a : b), null);
    const waited = oldest ? (now.getTime() - oldest.getTime()) / 1000 : 0;
    const due = stats.fresh >= FEE_SWEEP.page || (oldest !== null && waited >= waitSeconds) || (now.getTime() - this.lastSweepAt.getTime()) / 1000 >= FEE_SWEEP.retry;
    return due ? this.sweep() : null;
  }

  /** One sweep (under the sweep lock: null if another worker holds it). */
  async sweep(): Promise<FeeSweepResult | null> {
    return this.settlements.whileSweepingFees(async () => {
      this.lastSweepAt = new Date();
      this.sync.clearFeeNews(this.lastSweepAt);
      return this.sweepLocked();
    });
  }

  private async sweepLocked(): Promise<FeeSweepResult> {
    const gifts = await this.settlements.feePendingCharges(FEE_SWEEP.maxGifts);
    const result: FeeSweepResult = { pending: gifts.length, posted: 0, listCalls: 0, reads: 0 };
    if (gifts.length === 0) return result;
    const staleBefore = Date.now() - FEE_SWEEP.straggler * 1000;
    const stragglers = gifts.filter((g) => g.updatedAt.getTime() < staleBefore);
    const waiting = new Map(gifts.filter((g) => g.updatedAt.getTime() >= staleBefore).map((g) => [g.chargeId, g]));
    /**
     * Takes the waiting gifts' balance transactions among these; their fees are recorded together,
     * FEE_SWEEP.perTransaction at a time (a campaign's log, totals and balance rows are written once
     * per transaction, not once per page).
     */
    let found: { gift: FeePendingCharge; bt: Stripe.BalanceTransaction }[] = [];
    const flush = async (min: number) => {
      while (found.length >= Math.max(min, 1)) {
        const chunk = found.slice(0, FEE_SWEEP.perTransaction);
        found = found.slice(chunk.length);
        result.posted += await this.post(chunk);
        for (const f of chunk) this.listed.delete(f.gift.chargeId);
      }
    };
    const take = async (bts: readonly Stripe.BalanceTransaction[]) => {
      for (const bt of bts) {
        const gift = waiting.get(sourceOf(bt) ?? '');
        if (!gift) continue;
        waiting.delete(gift.chargeId);
        found.push({ gift, bt });
      }
      await flush(FEE_SWEEP.perTransaction);
    };
    // 1. Balance transactions an earlier sweep listed before their gifts settled.
    if (waiting.size > 0 && this.listed.size > 0) await take([...waiting.keys()].flatMap((charge) => this.listed.get(charge) ?? []));
    // 2. Those made since the newest one seen (a cursor toward newer objects), newest page first.
    let before = this.newestSeen;
    while (waiting.size > 0 && before) {
      let page: Stripe.ApiList<Stripe.BalanceTransaction>;
      try {
        page = await this.stripe.listBalanceTransactions({ limit: FEE_SWEEP.page, ending_before: before });
      } catch (error) {
        // The cursor is unknown to Stripe (another account, a reset sandbox): list by time instead.
        this.logger.warn(`listing balance transactions after ${before} failed (${(error as Error).message}); listing since the oldest pending charge`);
        result.listCalls++;
        this.newestSeen = null;
        break;
      }
      result.listCalls++;
      this.remember(page.data);
      if (page.data.length > 0) this.newestSeen = page.data[0].id;
      await take(page.data);
      before = page.has_more && page.data.length > 0 ? page.data[0].id : null;
    }
    // 3. Any still missing: every balance transaction since the oldest such charge (never older than its charge), newest first.
    if (waiting.size > 0) {
      const since = Math.min(...[...waiting.values()].map((g) => g.chargedAt));
      let after: string | undefined;
      for (;;) {
        const page = await this.stripe.listBalanceTransactions({ limit: FEE_SWEEP.page, created: { gte: since }, ...(after ? { starting_after: after } : {}) });
        result.listCalls++;
        this.remember(page.data);
        if (!after && page.data.length > 0) this.newestSeen = page.data[0].id;
        await take(page.data);
        if (waiting.size === 0 || !page.has_more || page.data.length === 0) break;
        after = page.data[page.data.length - 1].id;
      }
    }
    await flush(1);
    for (const gift of stragglers.slice(0, FEE_SWEEP.stragglerReads)) {
      try {
        const charge = await this.stripe.retrieveCharge(gift.chargeId, { expand: ['balance_transaction'] });
        result.reads++;
        const bt = charge.balance_transaction;
        if (bt && typeof bt === 'object') result.posted += await this.post([{ gift, bt }]);
      } catch (error) {
        this.logger.warn(`the fee of gift ${gift.donationId} (charge ${gift.chargeId}) could not be read: ${(error as Error).message}`);
      }
    }
    return result;
  }

  /**
   * Balance transactions listed whose gift had not settled yet (by charge), so a later sweep finds
   * them without listing again; at most FEE_SWEEP.remembered, oldest forgotten first. Facts, not
   * state: a fee is still posted once only under the gift's lock and its ledger key.
   */
  private readonly listed = new Map<string, Stripe.BalanceTransaction>();
  /** The newest balance transaction listed: the next sweep lists only newer ones first (`ending_before`). */
  private newestSeen: string | null = null;

  private remember(bts: readonly Stripe.BalanceTransaction[]): void {
    for (const bt of bts) {
      const source = sourceOf(bt);
      if (!source) continue;
      this.listed.delete(source);
      this.listed.set(source, bt);
    }
    while (this.listed.size > FEE_SWEEP.remembered) this.listed.delete(this.listed.keys().next().value!);
  }

  /** Plans and records these fees in one transaction; answers how many were posted or became known. */
  private async post(found: { gift: FeePendingCharge; bt: Stripe.BalanceTransaction }[]): Promise<number> {
    const plans = await this.tx.run((manager) => this.sync.settle(manager, found.map(({ gift, bt }) => ({ donationId: gift.donationId, facts: feeFacts(gift, bt) }))));
    return plans.filter((p) => p && p.next.donation.processingFee !== null).length;
  }
}

const sourceOf = (bt: Stripe.BalanceTransaction): string | null => (typeof bt.source === 'string' ? bt.source : bt.source?.id ?? null);

/** What a listed balance transaction says about a settled gift: its charge (as recorded) with the balance transaction attached. */
export function feeFacts(gift: FeePendingCharge, bt: Stripe.BalanceTransaction): SettlementFacts {
  const fact: BalanceTransactionFact = {
    id: bt.id, currency: bt.currency, amount: bt.amount, fee: bt.fee, exchange_rate: bt.exchange_rate ?? null, created: bt.created,
    ...(bt.reporting_category ? { reporting_category: bt.reporting_category } : {}),
  };
  return {
    session: null, paymentIntentId: null, refunds: null, disputes: null,
    charge: { id: gift.chargeId, status: 'succeeded', paid: true, amount: Number(gift.amount), currency: gift.currency, created: gift.chargedAt, balance_transaction: fact },
  };
}
