import { Injectable, Logger } from '@nestjs/common';
import { createHash, randomUUID } from 'node:crypto';
import type Stripe from 'stripe';
import { ConflictError, DomainError, NotFoundError } from '@ataa/common';
import { TransactionRunner } from '@ataa/database';
import { platformFeeRefundShare } from '@ataa/ledger';
import { AuditService } from '@ataa/organizations';
import { StripeGateway } from '@ataa/payments';
import { refundableAmount, refundRefusal, RESERVING_REFUND_STATUSES } from './domain/refundable.js';
import { DonationSyncService } from './donation-sync.service.js';
import { FundsRecoveryRegistry } from './funds-recovery.js';
import { DonationRefund, toDonation, toRefund } from './persistence/donation.row.js';
import { RefundRepository } from './persistence/refund.repository.js';

export interface RefundRequest {
  organizationId: string;
  donationId: string;
  /** Minor units; the whole remaining amount when omitted. */
  amount?: bigint;
  reason?: 'requested_by_customer' | 'duplicate' | 'fraudulent';
  actor: string;
  /** A client-chosen key: the same key returns the same refund instead of making another. */
  idempotencyKey?: string;
}

/**
 * Refunds requested through the API. The amount is reserved under the donation's row lock before
 * Stripe is called (so two concurrent partial refunds can never together exceed what remains),
 * and the Stripe call carries the refund request id as its idempotency key.
 */
@Injectable()
export class RefundsService {
  private readonly logger = new Logger('RefundsService');

  constructor(
    private readonly repository: RefundRepository,
    private readonly tx: TransactionRunner,
    private readonly sync: DonationSyncService,
    private readonly audit: AuditService,
    private readonly recoveries: FundsRecoveryRegistry,
    private readonly stripe: StripeGateway,
  ) {}

  async refund(request: RefundRequest): Promise<DonationRefund> {
    const requestId = request.idempotencyKey ? uuidFromKey(request.organizationId, request.donationId, request.idempotencyKey) : randomUUID();
    const reserved = await this.tx.run(async (m) => {
      const row = await this.repository.lockDonation(m, request.donationId, request.organizationId);
      if (!row) throw new NotFoundError('Donation');
      const again = await this.repository.find(requestId, m);
      if (again) return { refund: toRefund(again), replay: true };
      const d = toDonation(row);
      const reserved = await this.repository.reserved(m, d.id, RESERVING_REFUND_STATUSES);
      // One rule with the dashboard's refund page (domain/refundable.ts), checked again here under the row lock.
      const refusal = refundRefusal(d, BigInt(reserved));
      if (refusal === 'donation_not_refundable') throw new ConflictError('donation_not_refundable', 'Only a settled donation can be refunded');
      if (refusal === 'donation_disputed') throw new ConflictError('donation_disputed', 'A disputed donation cannot be refunded');
      const remaining = refundableAmount(d, BigInt(reserved));
      const amount = request.amount ?? remaining;
      if (amount <= 0n) throw new ConflictError('nothing_to_refund', 'Nothing remains to be refunded');
      if (amount > remaining) {
        throw new ConflictError('refund_exceeds_remaining', 'The refund is more than what remains of the donation', { remaining: remaining.toString() });
      }
      await this.repository.insertRequest(m, { id: requestId, donationId: d.id, amount, reason: request.reason ?? 'requested_by_customer', requestedBy: request.actor });
      // Recorded with the request row, so exactly once: a crash loses neither, a replay adds neither.
      await this.audit.record(m, {
        organizationId: request.organizationId, actor: request.actor, action: 'donation.refund', targetType: 'donation', targetId: d.id,
        details: { refundId: requestId, amount: amount.toString(), reason: request.reason ?? 'requested_by_customer' },
      });
      return { refund: toRefund((await this.repository.find(requestId, m))!), replay: false };
    });
    // A replay of a request that never reached Stripe (its process died, PostgreSQL went away, or
    // Stripe's answer was lost) carries it on: answering the row as it stands would leave the
    // donor's refund reserved and never made.
    if (reserved.replay && (reserved.refund.status !== 'requested' || reserved.refund.stripeRefundId)) return reserved.refund;
    return this.send(reserved.refund, reserved.replay);
  }

  /**
   * Refund requests still `requested` (never linked to a Stripe refund) since `olderThanSeconds`:
   * their request was cut short and nobody retried it. Each is taken (its `updated_at` moved on,
   * so another worker's sweep leaves it for as long) and carried on as a replay would. Answers how
   * many were taken. The worker's inbox sweep runs this: a refund reserved is never left unmade.
   */
  async resumeStranded(olderThanSeconds: number, limit = 20): Promise<number> {
    const taken = await this.repository.takeStranded(olderThanSeconds, limit);
    for (const row of taken) {
      const refund = toRefund(row);
      try {
        const done = await this.send(refund, true);
        this.logger.log(`refund ${refund.id} left requested carried on: ${done.status}`);
      } catch (error) {
        this.logger.warn(`refund ${refund.id} left requested could not be carried on: ${(error as Error).message}`);
      }
    }
    return taken.length;
  }

  /**
   * Makes a reserved refund on Stripe: covers it from payouts if need be, asks Stripe under the
   * request's idempotency key, links and posts it. On a resumed request Stripe is read first: a
   * refund it made under this request id (its metadata) is linked, so the request is never made
   * twice, even once Stripe's idempotency key has expired (24 hours).
   */
  private async send(refund: DonationRefund, resumed: boolean): Promise<DonationRefund> {
    const requestId = refund.id;
    if (resumed) {
      await this.sync.sync(refund.donationId);
      const current = await this.refundRow(requestId);
      if (current.status !== 'requested' || current.stripeRefundId) return current;
    }
    const d = toDonation((await this.repository.donation(refund.donationId))!);
    // What the refund will take from the campaign's funds: Stripe keeps its fee, the platform returns its share.
    const returned = await this.repository.platformFeeReturnedBesides(d.id, requestId);
    const cost = refund.amount - platformFeeRefundShare(d.platformFee ?? 0n, d.amount, d.refundedAmount, refund.amount, BigInt(returned));

    // Funds already paid out: the transfers are reversed first as needed (or the refund is refused).
    try {
      await this.recoveries.get()?.coverRefund({ campaignId: d.campaignId, refundId: requestId, cost });
    } catch (error) {
      if (error instanceof DomainError) {
        await this.repository.fail(requestId, error.code);
      }
      throw error;
    }

    const reason = (refund.reason ?? 'requested_by_customer') as NonNullable<RefundRequest['reason']>;
    let stripeRefund: Stripe.Refund;
    try {
      stripeRefund = await this.stripe.createRefund(
        { charge: d.stripeChargeId!, amount: Number(refund.amount), reason, metadata: { refund_request_id: requestId, donation_id: refund.donationId } },
        `refund:${requestId}`,
      );
    } catch (error) {
      const stripeError = error as { type?: string; code?: string; message?: string };
      if (stripeError.type === 'StripeInvalidRequestError' || stripeError.type === 'StripeCardError') {
        // Stripe refused for good: release the reservation.
        await this.repository.fail(requestId, stripeError.code ?? 'refused');
        throw new DomainError('refund_refused', 'The payment provider refused the refund', 409, { reason: stripeError.code ?? null });
      }
      // Unknown outcome (network): the reservation stays; retrying with the same key carries it on
      // (and the worker does, once it has been left for STRANDED_REFUND_SECONDS).
      this.logger.warn(`refund ${requestId}: outcome unknown: ${stripeError.message}`);
      throw new DomainError('payment_provider_unavailable', 'The refund could not be confirmed; retry with the same Idempotency-Key', 502, { refundId: requestId });
    }
    await this.repository.linkStripeRefund(requestId, stripeRefund.id);
    // Post it now rather than waiting for the webhook (both paths are idempotent).
    await this.sync.sync(refund.donationId);
    return this.refundRow(requestId);
  }

  private async refundRow(id: string): Promise<DonationRefund> {
    return toRefund((await this.repository.find(id))!);
  }
}

/** A stable UUID (v4 layout) from the organization, donation and client key. */
function uuidFromKey(...parts: string[]): string {
  const hex = createHashHex(parts.join('\u0000'));
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${((parseInt(hex[16], 16) & 0x3) | 0x8).toString(16)}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

function createHashHex(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}
