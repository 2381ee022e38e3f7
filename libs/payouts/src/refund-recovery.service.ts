import { Injectable, Logger } from '@nestjs/common';
import type Stripe from 'stripe';
import { EntityManager } from 'typeorm';
import { DomainError } from '@ataa/common';
import { TransactionRunner } from '@ataa/database';
import type { FundsRecovery } from '@ataa/donations';
import { AuditService } from '@ataa/organizations';
import { isStripeError, StripeGateway } from '@ataa/payments';
import { planRecovery, refundAllowed, type PlannedReversal, type RecoveryPlan } from './domain/refund-recovery.js';
import { PayoutExecutionService } from './payout-execution.service.js';
import { FundsRepository } from './persistence/funds.repository.js';
import { PayoutRepository } from './persistence/payout.repository.js';

export const REFUND_EXCEEDS_RECOVERABLE_FUNDS = 'refund_exceeds_recoverable_funds';

interface Reversed { reversal: PlannedReversal; stripe: Stripe.TransferReversal }

/**
 * Refunds and disputes after payouts (issue 15.6): plan (the pure `planRecovery`), then reverse on
 * Stripe and record through the payouts' one reversal writer (`applyReversals`, shared with the
 * transfer.reversed webhook, so each reversal is posted once whichever path comes first).
 *
 * Everything happens under the campaign's `campaign_payout_funds` row lock (as payout requests
 * take it), held across the reversal calls, and the reversals are posted before it is released:
 * two refunds on one campaign queue there and the second sees the first's reversal in the funds
 * and its refund among those in flight, so they cannot both think the funds suffice.
 * Stripe's idempotency key of a reversal derives from the refund (or dispute) id and the transfer.
 */
@Injectable()
export class RefundRecoveryService implements FundsRecovery {
  private readonly logger = new Logger('RefundRecovery');

  constructor(
    private readonly tx: TransactionRunner,
    private readonly funds: FundsRepository,
    private readonly payouts: PayoutRepository,
    private readonly execution: PayoutExecutionService,
    private readonly audit: AuditService,
    private readonly stripe: StripeGateway,
  ) {}

  async coverRefund(input: { campaignId: string; refundId: string; cost: bigint }): Promise<void> {
    const campaign = await this.ensureFundsRow(input.campaignId);
    if (!campaign) return;
    const outcome = await this.tx.run(async (m) => {
      await this.lockFunds(m, input.campaignId);
      const plan = await this.plan(m, input.campaignId, campaign.currency, input.cost, input.refundId);
      if (plan.reversals.length === 0 && plan.uncovered === 0n) return { plan, failure: null };
      if (!refundAllowed(plan)) {
        // The shortfall sits in a payout hold not executed yet: nothing is reversed, nothing refunded.
        return { plan, failure: { reason: 'funds_held_for_payouts', stripeCode: null as string | null, unknown: false } };
      }
      const { done, failure } = await this.reverse(plan.reversals, `refund:${input.refundId}`, { refund_request_id: input.refundId, campaign_id: input.campaignId });
      await this.record(m, done);
      return { plan, failure };
    });
    if (!outcome.failure) return;
    const { plan, failure } = outcome;
    const details = {
      reason: failure.reason, stripeCode: failure.stripeCode, shortfall: plan.shortfall.toString(), toRecover: plan.needed.toString(), uncovered: plan.uncovered.toString(),
    };
    if (failure.unknown) {
      throw new DomainError('payment_provider_unavailable', 'Reversing the payout this refund needs could not be confirmed; nothing was refunded, retry later', 502, details);
    }
    throw new DomainError(
      REFUND_EXCEEDS_RECOVERABLE_FUNDS,
      failure.reason === 'funds_held_for_payouts'
        ? 'The campaign\'s funds are held for a payout not made yet: nothing was refunded. Cancel the payout request or refund once it is paid'
        : 'This refund needs money already paid out to the organization, and reversing the transfer failed (the connected account cannot cover it): nothing was refunded',
      409, details,
    );
  }

  async recoverAfterDispute(input: { campaignId: string; disputeId: string }): Promise<void> {
    try {
      const campaign = await this.funds.campaignWithFunds(input.campaignId);
      if (!campaign) return; // no payout was ever requested: nothing to recover
      const flagged = await this.tx.run(async (m) => {
        await this.lockFunds(m, input.campaignId);
        const plan = await this.plan(m, input.campaignId, campaign.currency, 0n, null);
        if (plan.needed === 0n) return null;
        const { done, failure } = await this.reverse(plan.reversals, `dispute:${input.disputeId}`, { dispute_id: input.disputeId, campaign_id: input.campaignId });
        await this.record(m, done);
        const recovered = done.reduce((sum, d) => sum + BigInt(d.stripe.amount), 0n);
        if (recovered >= plan.needed) return null;
        // Stripe already took the money: the dispute cannot be refused. What stays below zero is
        // the operator's to settle with the organization (recorded in its audit log, logged as an error).
        const details = { disputeId: input.disputeId, campaignId: input.campaignId, needed: plan.needed.toString(), recovered: recovered.toString(),
          reason: failure?.reason ?? 'funds_held_for_payouts', stripeCode: failure?.stripeCode ?? null };
        await this.audit.record(m, { organizationId: campaign.organizationId, actor: 'system', action: 'payout.recovery_shortfall', targetType: 'campaign', targetId: input.campaignId, details });
        return details;
      });
      if (flagged) this.logger.error(`dispute ${input.disputeId}: campaign ${input.campaignId} funds below zero after payouts; recovered ${flagged.recovered} of ${flagged.needed} (${flagged.reason})`);
    } catch (error) {
      this.logger.error(`dispute ${input.disputeId}: recovering campaign ${input.campaignId} funds from payouts failed: ${(error as Error).message}`);
    }
  }

  /** The campaign, and its funds row created if no payout request made it yet (something to lock). */
  private async ensureFundsRow(campaignId: string): Promise<{ currency: string } | null> {
    const campaign = await this.funds.campaign(campaignId);
    if (!campaign) return null;
    await this.funds.ensureFundsRow({ campaignId, organizationId: campaign.organizationId, currency: campaign.currency });
    return { currency: campaign.currency };
  }

  private async lockFunds(m: EntityManager, campaignId: string): Promise<void> {
    await this.funds.lockFunds(m, campaignId);
  }

  /** Reads the funds, holds, refunds in flight and transfers under the lock, and plans. */
  private async plan(m: EntityManager, campaignId: string, currency: string, cost: bigint, refundId: string | null): Promise<RecoveryPlan> {
    const facts = await this.funds.recoveryFacts(m, campaignId, currency, refundId);
    const transfers = await this.payouts.reversibleTransfers(m, campaignId);
    return planRecovery({ ...facts, cost, transfers });
  }

  /** Reverses on Stripe in the plan's order; stops at the first failure (what was reversed stays and is recorded). */
  private async reverse(plan: readonly PlannedReversal[], key: string, metadata: Record<string, string>) {
    const done: Reversed[] = [];
    for (const reversal of plan) {
      try {
        const stripe = await this.stripe.createTransferReversal(
          reversal.transferId,
          { amount: Number(reversal.amount), description: `Ataa: ${key.split(':')[0]} after payout`, metadata: { ...metadata, payout_id: reversal.payoutId } },
          `payout-recovery:${key}:${reversal.transferId}`,
        );
        done.push({ reversal, stripe });
      } catch (error) {
        const e = error as Stripe.errors.StripeError;
        const definitive = isStripeError(e) && (e.type === 'StripeInvalidRequestError' || e.type === 'StripePermissionError')
          && (e.statusCode ?? 0) >= 400 && (e.statusCode ?? 0) < 500 && e.statusCode !== 409 && e.statusCode !== 429;
        this.logger.warn(`${key}: reversing ${reversal.amount} of transfer ${reversal.transferId} failed (${definitive ? 'refused' : 'outcome unknown'}): ${e.message}`);
        return { done, failure: { reason: 'reversal_refused', stripeCode: e.code ?? null, unknown: !definitive } };
      }
    }
    return { done, failure: null };
  }

  private async record(m: EntityManager, done: readonly Reversed[]): Promise<void> {
    for (const { reversal, stripe } of done) {
      await this.execution.applyReversals(m, reversal.payoutId, reversal.transferId, [stripe]);
    }
  }
}
