import { Injectable } from '@nestjs/common';

/**
 * The hook the erasure's first step calls: "cancel the donor's recurring gifts before anything
 * else". Recurring giving is not built yet, so nothing registers a canceller and the step finds no
 * recurring gift. When it is built, its lib registers here (like FundsRecoveryRegistry) and its
 * `cancelFor` must cancel, idempotently, every active recurring gift among these donations (or made
 * by their donor), before the Stripe Customer (which would hold the subscription) is deleted.
 */
export interface RecurringGiftCanceller {
  /** Cancels the recurring gifts behind these donations; returns how many were active. Idempotent. */
  cancelFor(donationIds: readonly string[]): Promise<number>;
}

@Injectable()
export class RecurringGiftsRegistry {
  private readonly cancellers: RecurringGiftCanceller[] = [];

  register(canceller: RecurringGiftCanceller): void {
    this.cancellers.push(canceller);
  }

  /** Cancels through every registered canceller; 0 today (no recurring giving). */
  async cancelFor(donationIds: readonly string[]): Promise<number> {
    let cancelled = 0;
    for (const canceller of this.cancellers) cancelled += await canceller.cancelFor(donationIds);
    return cancelled;
  }
}
