import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { DonationSyncService } from '@ataa/donations';
import { StripeEventInbox } from '@ataa/payments';
import { JobProducer, QUEUES } from '@ataa/queue';

/** How often the sweep runs and how old an unprocessed event must be before it is re-enqueued. */
export const INBOX_SWEEP = { intervalMs: 10_000, olderThanMs: 5_000, redisTimeoutMs: 2_000 };

/** A gift marked paid waits this long for its charge event before the sweep reads it from Stripe. */
export const AWAITING_CHARGE_SECONDS = 60;

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return Promise.race([promise, new Promise<never>((_, reject) => setTimeout(() => reject(new Error('redis timeout')), ms).unref())]);
}

/**
 * Re-enqueues inbox events that are still unprocessed: the webhook's enqueue may have failed
 * (Redis down), the worker may have died, or the job may have used up its retries. PostgreSQL is
 * the source of truth; Redis only schedules, so an outage delays events and never loses them.
 */
@Injectable()
export class InboxSweepRunner implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('InboxSweep');
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<number> | null = null;

  constructor(
    private readonly inbox: StripeEventInbox,
    private readonly producer: JobProducer,
    private readonly gifts: DonationSyncService,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.sweepOnce().catch(() => undefined), INBOX_SWEEP.intervalMs);
    this.timer.unref();
    void this.sweepOnce().catch(() => undefined);
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running?.catch(() => undefined);
  }

  /** One pass; returns how many events were handed (back) to the queue. */
  sweepOnce(olderThanMs: number = INBOX_SWEEP.olderThanMs): Promise<number> {
    this.running ??= this.sweep(olderThanMs).finally(() => (this.running = null));
    return this.running;
  }

  private async sweep(olderThanMs: number): Promise<number> {
    // Gifts whose payment was reported but whose charge event is late: read them (normally none).
    await this.gifts.settleAwaitingCharge(AWAITING_CHARGE_SECONDS).catch((error: Error) => this.logger.warn(`awaiting-charge sweep failed: ${error.message}`));
    const ids = await this.inbox.unprocessed(olderThanMs);
    const queue = this.producer.queue(QUEUES.stripeEvents);
    let enqueued = 0;
    for (const id of ids) {
      try {
        const job = await withTimeout(queue.getJob(id), INBOX_SWEEP.redisTimeoutMs);
        if (!job) {
          await withTimeout(this.producer.enqueue(QUEUES.stripeEvents, { inboxEventId: id }, { jobId: id }), INBOX_SWEEP.redisTimeoutMs);
          enqueued++;
          continue;
        }
        const state = await withTimeout(job.getState(), INBOX_SWEEP.redisTimeoutMs);
        if (state === 'failed') {
          await withTimeout(job.retry('failed'), INBOX_SWEEP.redisTimeoutMs);
          enqueued++;
        } else if (state === 'completed' || state === 'unknown') {
          // The job finished but the row is still unprocessed (it was removed or lost): run it again.
          await withTimeout(job.remove(), INBOX_SWEEP.redisTimeoutMs).catch(() => undefined);
          await withTimeout(this.producer.enqueue(QUEUES.stripeEvents, { inboxEventId: id }, { jobId: id }), INBOX_SWEEP.redisTimeoutMs);
          enqueued++;
        }
      } catch (error) {
        this.logger.warn(`inbox sweep paused (Redis unreachable?): ${(error as Error).message}`);
        break;
      }
    }
    return enqueued;
  }
}
