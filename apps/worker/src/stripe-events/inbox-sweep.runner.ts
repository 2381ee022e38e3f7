import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { DonationSyncService, RefundsService } from '@ataa/donations';
import { StripeEventInbox } from '@ataa/payments';
import { JobProducer, PeriodicTask, QUEUES, requeueJob } from '@ataa/queue';

/** How often the sweep runs and how old an unprocessed event must be before it is re-enqueued. */
export const INBOX_SWEEP = { intervalMs: 10_000, olderThanMs: 5_000, redisTimeoutMs: 2_000 };

/** A gift marked paid waits this long for its charge event before the sweep reads it from Stripe. */
export const AWAITING_CHARGE_SECONDS = 60;

/**
 * A refund request still unsent to Stripe after this long was cut short (its API process killed,
 * PostgreSQL gone, Stripe unreachable) and its client did not retry: the sweep carries it on.
 */
export const STRANDED_REFUND_SECONDS = 60;

/**
 * Re-enqueues inbox events that are still unprocessed: the webhook's enqueue may have failed
 * (Redis down), the worker may have died, or the job may have used up its retries. PostgreSQL is
 * the source of truth; Redis only schedules, so an outage delays events and never loses them.
 */
@Injectable()
export class InboxSweepRunner implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('InboxSweep');
  private readonly task = new PeriodicTask<number>(() => this.sweep(INBOX_SWEEP.olderThanMs), () => undefined);

  constructor(
    private readonly inbox: StripeEventInbox,
    private readonly producer: JobProducer,
    private readonly gifts: DonationSyncService,
    private readonly refunds: RefundsService,
  ) {}

  onApplicationBootstrap(): void {
    this.task.start(INBOX_SWEEP.intervalMs);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.task.stop();
  }

  /** One pass; returns how many events were handed (back) to the queue. */
  sweepOnce(olderThanMs: number = INBOX_SWEEP.olderThanMs): Promise<number> {
    return this.task.runOnce(() => this.sweep(olderThanMs));
  }

  private async sweep(olderThanMs: number): Promise<number> {
    // Gifts whose payment was reported but whose charge event is late: read them (normally none).
    await this.gifts.settleAwaitingCharge(AWAITING_CHARGE_SECONDS).catch((error: Error) => this.logger.warn(`awaiting-charge sweep failed: ${error.message}`));
    // Refunds reserved but never sent to Stripe, their request cut short (normally none).
    await this.refunds.resumeStranded(STRANDED_REFUND_SECONDS).catch((error: Error) => this.logger.warn(`stranded-refund sweep failed: ${error.message}`));
    const ids = await this.inbox.unprocessed(olderThanMs);
    const queue = this.producer.queue(QUEUES.stripeEvents);
    let enqueued = 0;
    for (const id of ids) {
      try {
        // Missing, or finished while the row is still unprocessed (removed or lost): run it again.
        const outcome = await requeueJob(queue, id, () => this.producer.enqueue(QUEUES.stripeEvents, { inboxEventId: id }, { jobId: id }), INBOX_SWEEP.redisTimeoutMs);
        if (outcome !== 'left') enqueued++;
      } catch (error) {
        this.logger.warn(`inbox sweep paused (Redis unreachable?): ${(error as Error).message}`);
        break;
      }
    }
    return enqueued;
  }
}
