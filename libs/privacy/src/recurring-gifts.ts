import { Injectable } from '@nestjs/common';

/** Series and pledges an erasure request fixed at confirmation (ids), beside its gifts. */
export interface ErasureSeries {
  recurringGiftIds: readonly string[];
  scheduledGiftIds: readonly string[];
  pledgeIds: readonly string[];
}

/**
 * The hook the erasure's first step calls: "cancel the donor's recurring gifts before anything
 * else". The donations lib registers its cancellers here (recurring series, scheduled series,
 * pledges; like FundsRecoveryRegistry); each `cancelFor` must cancel, idempotently, every live
 * series or pledge behind these donations or named in `series` (which may have no gift yet), before
 * the Stripe Customer (which holds the subscription or the saved card) is deleted.
 */
export interface RecurringGiftCanceller {
  /** Cancels the series (or pledges) behind these donations and those named; returns how many were live. Idempotent. */
  cancelFor(donationIds: readonly string[], series?: ErasureSeries): Promise<number>;
}

@Injectable()
export class RecurringGiftsRegistry {
  private readonly cancellers: RecurringGiftCanceller[] = [];

  register(canceller: RecurringGiftCanceller): void {
    this.cancellers.push(canceller);
  }

  /** Cancels through every registered canceller. */
  async cancelFor(donationIds: readonly string[], series?: ErasureSeries): Promise<number> {
    let cancelled = 0;
    for (const canceller of this.cancellers) cancelled += await canceller.cancelFor(donationIds, series);
    return cancelled;
  }
}
