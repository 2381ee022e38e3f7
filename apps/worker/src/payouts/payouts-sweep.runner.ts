import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { JobProducer, QUEUES } from '@ataa/queue';

export const PAYOUTS_SWEEP = { intervalMs: 15_000, olderThanSeconds: 30, redisTimeoutMs: 2_000 };

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return Promise.race([promise, new Promise<never>((_, reject) => setTimeout(() => reject(new Error('redis timeout')), ms).unref())]);
}

/**
 * Approved or processing payouts whose job was lost (Redis down when they were approved, the
 * worker killed mid-transfer) or used up its retries (Stripe unreachable for long) are handed to
 * the queue again. The job id and the transfer's idempotency key (the payout id) make that
 * harmless: Stripe answers a repeated call with the one transfer it made.
 */
@Injectable()
export class PayoutsSweepRunner implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('PayoutsSweep');
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<number> | null = null;

  constructor(
    private readonly dataSource: DataSource,
    private readonly producer: JobProducer,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.sweepOnce().catch((e: Error) => this.logger.warn(e.message)), PAYOUTS_SWEEP.intervalMs);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running?.catch(() => undefined);
  }

  /** One pass; returns how many payouts were handed (back) to the queue. */
  sweepOnce(olderThanSeconds: number = PAYOUTS_SWEEP.olderThanSeconds): Promise<number> {
    this.running ??= this.sweep(olderThanSeconds).finally(() => (this.running = null));
    return this.running;
  }

  private async sweep(olderThanSeconds: number): Promise<number> {
    const rows: { id: string }[] = await this.dataSource.query(
      `SELECT id FROM payouts WHERE status IN ('approved', 'processing') AND updated_at < now() - make_interval(secs => $1) ORDER BY updated_at LIMIT 100`,
      [olderThanSeconds],
    );
    const queue = this.producer.queue(QUEUES.payouts);
    let enqueued = 0;
    for (const { id } of rows) {
      const jobId = `payout-${id}`;
      try {
        const job = await withTimeout(queue.getJob(jobId), PAYOUTS_SWEEP.redisTimeoutMs);
        const state = job ? await withTimeout(job.getState(), PAYOUTS_SWEEP.redisTimeoutMs) : 'missing';
        if (state === 'failed') {
          await withTimeout(job!.retry('failed'), PAYOUTS_SWEEP.redisTimeoutMs);
        } else if (state === 'missing' || state === 'completed' || state === 'unknown') {
          if (job) await withTimeout(job.remove(), PAYOUTS_SWEEP.redisTimeoutMs).catch(() => undefined);
          await withTimeout(this.producer.enqueue(QUEUES.payouts, { payoutId: id }, { jobId }), PAYOUTS_SWEEP.redisTimeoutMs);
        } else {
          continue; // waiting, delayed or active: it will run
        }
        enqueued++;
      } catch (error) {
        this.logger.warn(`payouts sweep paused (Redis unreachable?): ${(error as Error).message}`);
        break;
      }
    }
    return enqueued;
  }
}
