import { Injectable, Logger } from '@nestjs/common';
import type Stripe from 'stripe';
import { EntityManager } from 'typeorm';
import { TransactionRunner } from '@ataa/database';
import { LedgerWriter } from '@ataa/ledger';
import { isStripeError, StripeGateway } from '@ataa/payments';
import { planFailure, planReversals, planTransfer, type PayoutPlan, type ReversalFact } from './domain/payout-plans.js';
import { DesignationOverdrawnError, type PayoutDraw, type PayoutPart } from '@ataa/transparency';
import { planDraws, planPartDraws } from './domain/payout-draws.js';
import { FundsRepository } from './persistence/funds.repository.js';
import { PayoutRepository } from './persistence/payout.repository.js';
import { Payout } from './persistence/payout.row.js';

export type ExecutionOutcome = 'paid' | 'failed' | 'not_approved' | 'already_done';

/** Stripe answered, and the answer is final: the transfer was not made and will not be. */
function isDefinitiveRefusal(error: unknown): boolean {
  if (!isStripeError(error)) return false;
  const status = error.statusCode ?? 0;
  return (error.type === 'StripeInvalidRequestError' || error.type === 'StripePermissionError' || error.type === 'StripeCardError')
    && status >= 400 && status < 500 && status !== 409 && status !== 429;
}

/**
 * Executes approved payouts as Stripe Transfers (worker side) and follows them afterwards.
 * - The transfer's idempotency key is the payout id: a call whose outcome is unknown (timeout,
 *   connection dropped, 5xx, 409) is simply retried, by the Stripe client and then by the queue,
 *   and Stripe answers every retry with the one transfer it made.
 * - Success: in one transaction the hold is released and the payout posted, the public ledger
 *   gets a `payout` entry with its purpose, the organization is notified.
 * - A definitive refusal: the hold is released, the payout is `failed`, the organization notified.
 * - `transfer.reversed`: each reversal posts a `payout_reversal` (public too) and notifies.
 * Plan, then record: the pure planners (domain/payout-plans.ts) say what each step posts, shows and
 * tells; the LedgerWriter records that, PayoutRepository the payout row, in one transaction.
 */
@Injectable()
export class PayoutExecutionService {
  private readonly logger = new Logger('PayoutExecution');

  constructor(
    private readonly tx: TransactionRunner,
    private readonly payouts: PayoutRepository,
    private readonly writer: LedgerWriter,
    private readonly stripe: StripeGateway,
    private readonly funds: FundsRepository,
  ) {}

  /** Payouts approved or processing whose job may be lost (not touched for `olderThanSeconds`): the worker's sweep queues them again. */
  stalled(olderThanSeconds: number): Promise<string[]> {
    return this.payouts.stalledIds(olderThanSeconds);
  }

  async execute(payoutId: string): Promise<ExecutionOutcome> {
    const start = await this.tx.run(async (m) => {
      const p = await this.payouts.lock(m, payoutId);
      if (!p) return { outcome: 'already_done' as const };
      if (p.status === 'paid' || p.status === 'failed' || p.status === 'reversed' || p.status === 'cancelled' || p.status === 'rejected') return { outcome: 'already_done' as const };
      if (p.status === 'pending_approval') return { outcome: 'not_approved' as const };
      const org = await this.payouts.destination(m, p.organizationId);
      if (p.status === 'approved') {
        if (!org?.payoutsEnabled || !org.stripeAccountId) {
          // Not started: nothing was sent to Stripe, so failing here is final and safe.
          await this.payouts.countAttempt(m, p.id, true);
          await this.fail(m, p, 'payouts_not_enabled', 'The connected account does not have payouts enabled');
          return { outcome: 'failed' as const };
        }
        await this.payouts.countAttempt(m, p.id, true);
      } else {
        await this.payouts.countAttempt(m, p.id, false);
      }
      return { outcome: null, payout: p, destination: org!.stripeAccountId as string };
    });
    if (start.outcome) return start.outcome;
    const { payout, destination } = start;

    let transfer: Stripe.Transfer;
    try {
      transfer = await this.stripe.createTransfer(
        {
          amount: Number(payout.amount), currency: payout.currency, destination, transfer_group: payout.campaignId,
          description: `Ataa payout ${payout.id}`, metadata: { payout_id: payout.id, campaign_id: payout.campaignId, organization_id: payout.organizationId },
        },
        payout.id,
      );
    } catch (error) {
      if (isDefinitiveRefusal(error)) {
        const e = error as Stripe.errors.StripeError;
        await this.tx.run(async (m) => {
          const p = await this.payouts.lock(m, payout.id);
          if (p?.status === 'processing') await this.fail(m, p, e.code ?? 'transfer_failed', e.message);
        });
        return 'failed';
      }
      // Unknown outcome: the queue retries with the same idempotency key (one transfer at most).
      this.logger.warn(`payout ${payout.id}: transfer outcome unknown, will retry: ${(error as Error).message}`);
      throw error;
    }
    return this.recordTransfer(transfer, payout.id);
  }

  /** Posts a made transfer once (from the worker's answer, or a `transfer.created` event). */
  async recordTransfer(transfer: Stripe.Transfer, payoutId: string): Promise<ExecutionOutcome> {
    return this.tx.run(async (m) => {
      // The campaign's funds lock first (the order requests and refund recoveries take it in): the
      // FIFO draw reads the public log as it stands, so two transfers of a campaign are drawn one after the other.
      const campaignId = await this.payouts.campaignOfPayout(m, payoutId);
      if (!campaignId) return 'already_done';
      await this.funds.lockFunds(m, campaignId);
      const p = await this.payouts.lock(m, payoutId);
      if (!p || p.status !== 'processing') return 'already_done';
      let draws: PayoutDraw[] | PayoutPart[] | null;
      try {
        const log = await this.payouts.loggedMoney(m, p.campaignId);
        draws = p.split ? planPartDraws(log, p.parts) : planDraws(log, p.designation ?? 'general', p.amount);
      } catch (error) {
        // The transfer was made: it is recorded whatever the log says. A designation whose public gifts
        // cannot cover it is a fault the verifier reports (no draws); the operator hears of it here.
        if (!(error instanceof DesignationOverdrawnError)) throw error;
        this.logger.error(`payout ${p.id}: ${error.message}; recorded without draws`);
        draws = null;
      }
      await this.record(m, planTransfer(p, transfer, draws));
      return 'paid';
    });
  }

  private async fail(m: EntityManager, p: Payout, code: string, message: string): Promise<void> {
    await this.record(m, planFailure(p, { code, message }, new Date()));
  }

  /** Records a plan: its journal entries, public entries and notices (the LedgerWriter), then the payout row. */
  private async record(m: EntityManager, plan: PayoutPlan): Promise<void> {
    await this.writer.record(m, [plan]);
    if (plan.change) await this.payouts.apply(m, plan.payoutId, plan.change);
  }

  /**
   * `transfer.created` / `transfer.updated` / `transfer.reversed`: re-reads the transfer from Stripe
   * and applies what it says (a made transfer we had not recorded yet, new reversals).
   */
  async handleTransferEvent(event: Stripe.Event): Promise<string> {
    const object = event.data.object as { id?: string; object?: string; metadata?: Record<string, string> };
    if (object.object !== 'transfer' || !object.id) return 'not_a_transfer';
    const transfer = await this.stripe.retrieveTransfer(object.id);
    const payoutId = await this.payouts.findIdForTransfer(transfer.id, transfer.metadata?.payout_id ?? null);
    if (!payoutId) return 'no_payout';
    if (event.type === 'transfer.created') return this.recordTransfer(transfer, payoutId);
    const reversals = transfer.amount_reversed > 0
      ? await this.stripe.listTransferReversals(transfer.id, { limit: 100 }).autoPagingToArray({ limit: 1000 })
      : [];
    if (reversals.length === 0) return 'no_reversal';
    return this.tx.run((m) => this.applyReversals(m, payoutId, transfer.id, reversals));
  }

  /**
   * The one writer of transfer reversals (the transfer.reversed webhook, and the reversals a refund
   * or dispute makes, recorded in its own transaction at once): under the payout's row lock, each
   * reversal not posted yet (unique per reversal id) posts a `payout_reversal`, a public entry and
   * a notice; whichever path comes second finds them posted and changes nothing.
   */
  async applyReversals(m: EntityManager, payoutId: string, transferId: string, reversals: readonly ReversalFact[]): Promise<string> {
    const p = await this.payouts.lock(m, payoutId);
    if (!p) return 'no_payout';
    const posted = p.status === 'paid' || p.status === 'reversed' ? await this.payouts.postedReversals(m, reversals.map((r) => r.id)) : new Set<string>();
    const plan = planReversals(p, transferId, reversals, posted);
    if (plan.entries.length > 0) await this.record(m, plan);
    return plan.outcome;
  }
}
