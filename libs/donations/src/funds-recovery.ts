import { Injectable, Logger } from '@nestjs/common';

/**
 * Recovering from payouts what a refund or dispute would otherwise take below zero (issue 15.6).
 * Refunds and disputes live here, transfers in `@ataa/payouts` (which depends on this lib), so the
 * payouts lib registers its implementation at boot, like the Stripe event handlers.
 */
export interface FundsRecovery {
  /**
   * Before a refund is sent to Stripe, under the campaign's funds lock: reverses (latest first)
   * what the payouts made the funds lack to bear `cost`, and posts the reversals. Throws 409
   * `refund_exceeds_recoverable_funds` when that cannot be done; nothing was refunded then.
   */
  coverRefund(input: { campaignId: string; refundId: string; cost: bigint }): Promise<void>;
  /**
   * After a dispute's withdrawal was posted (Stripe already took the money): recovers from the
   * transfers what the payouts caused; what it cannot recover is flagged for the operator. Never throws.
   */
  recoverAfterDispute(input: { campaignId: string; disputeId: string }): Promise<void>;
}

@Injectable()
export class FundsRecoveryRegistry {
  private readonly logger = new Logger('FundsRecovery');
  private implementation: FundsRecovery | null = null;
  private warned = false;

  register(implementation: FundsRecovery): void {
    this.implementation = implementation;
  }

  /** The registered recovery; null in a process without the payouts lib (no transfer can be reversed there). */
  get(): FundsRecovery | null {
    if (!this.implementation && !this.warned) {
      this.warned = true;
      this.logger.warn('no funds recovery registered (PayoutsModule not loaded): refunds and disputes will not reverse payouts');
    }
    return this.implementation;
  }
}
