import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { PayoutExecutionService } from '@ataa/payouts';
import { JobProducer, PeriodicTask, QUEUES, requeueJob } from '@ataa/queue';

export const PAYOUTS_SWEEP = { intervalMs: 15_000, olderThanSeconds: 30, redisTimeoutMs: 2_000 };

/**
 * Approved or processing payouts whose job was lost (Redis down when they were approved, the
 * worker killed mid-transfer) or used up its retries (Stripe unreachable for long) are handed to
 * the queue again. The job id and the transfer's idempotency key (the payout id) make that
 * harmless: Stripe answers a repeated call with the one transfer it made.
 */
@Injectable()
export class PayoutsSweepRunner implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('PayoutsSweep');
  private readonly task = new PeriodicTask<number>(() => this.sweep(PAYOUTS_SWEEP.olderThanSeconds), (e) => this.logger.warn(e.message));

  constructor(
    private readonly payouts: PayoutExecutionService,
    private readonly producer: JobProducer,
  ) {}

  onApplicationBootstrap(): void {
    this.task.start(PAYOUTS_SWEEP.intervalMs, { runNow: false });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.task.stop();
  }

  /** One pass; returns how many payouts were handed (back) to the queue. */
  sweepOnce(olderThanSeconds: number = PAYOUTS_SWEEP.olderThanSeconds): Promise<number> {
    return this.task.runOnce(() => this.sweep(olderThanSeconds));
  }

  private async sweep(olderThanSeconds: number): Promise<number> {
    const ids = await this.payouts.stalled(olderThanSeconds);
    const queue = this.producer.queue(QUEUES.payouts);
    let enqueued = 0;
    for (const id of ids) {
      const jobId = `payout-${id}`;
      try {
        // Waiting, delayed or active jobs are left: they will run.
        const outcome = await requeueJob(queue, jobId, () => this.producer.enqueue(QUEUES.payouts, { payoutId: id }, { jobId }), PAYOUTS_SWEEP.redisTimeoutMs);
        if (outcome !== 'left') enqueued++;
      } catch (error) {
        this.logger.warn(`payouts sweep paused (Redis unreachable?): ${(error as Error).message}`);
        break;
      }
    }
    return enqueued;
  }
}
