import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger } from '@nestjs/common';
import { Queue } from 'bullmq';
import { TransactionRunner } from '@ataa/database';
import { PeriodicTask, QUEUES, withTimeout } from '@ataa/queue';
import { NotificationsRepository } from '../persistence/notifications.repository.js';

/** How long one relay pass may wait for Redis before giving up (the rows stay pending). */
const REDIS_TIMEOUT_MS = 3000;

/**
 * Moves outbox rows to the notifications queue. Each pass locks a batch (FOR UPDATE SKIP LOCKED,
 * so several workers share the work), adds one job per row with the outbox id as job id (a row
 * relayed twice is one job), and marks the rows relayed in the same transaction. When Redis is
 * down the pass times out and rolls back: rows stay pending and the next pass retries them.
 */
@Injectable()
export class OutboxRelay {
  private readonly logger = new Logger(OutboxRelay.name);
  private task: PeriodicTask | undefined;
  private lastSweep = 0;

  constructor(
    private readonly repository: NotificationsRepository,
    private readonly transactions: TransactionRunner,
    @InjectQueue(QUEUES.notifications) private readonly queue: Queue,
  ) {}

  /** Relays up to `limit` pending rows; returns how many were handed to BullMQ. */
  async relayPending(limit = 200): Promise<number> {
    return this.transactions.run(async (manager) => {
      const ids = await this.repository.lockUnrelayed(manager, limit);
      if (ids.length === 0) return 0;
      await this.addJobs(ids);
      await this.repository.markRelayed(manager, ids);
      return ids.length;
    });
  }

  /**
   * Re-relays rows relayed long ago but still unfinished: their job was lost (Redis restarted
   * without persistence, a queue was cleaned) or it failed for good while its row was not finished
   * (a worker killed mid-job more often than the queue tolerates marks it failed: adding its id
   * again would be a no-op in BullMQ, so a failed job is retried, a completed one replaced). A live
   * job is left alone, and delivery itself is idempotent.
   */
  async sweepStale(staleSeconds = 300, limit = 200): Promise<number> {
    return this.transactions.run(async (manager) => {
      const ids = await this.repository.lockStale(manager, staleSeconds, limit);
      if (ids.length === 0) return 0;
      for (const id of ids) {
        const job = await withTimeout(this.queue.getJob(id), REDIS_TIMEOUT_MS);
        if (!job) continue;
        const state = await withTimeout(job.getState(), REDIS_TIMEOUT_MS);
        if (state === 'failed') await withTimeout(job.retry('failed'), REDIS_TIMEOUT_MS);
        else if (state === 'completed') await withTimeout(job.remove(), REDIS_TIMEOUT_MS);
      }
      await this.addJobs(ids);
      await this.repository.markRelayed(manager, ids);
      return ids.length;
    });
  }

  private async addJobs(ids: string[]): Promise<void> {
    await withTimeout(this.queue.addBulk(ids.map((id) => ({ name: QUEUES.notifications, data: { outboxId: id }, opts: { jobId: id } }))), REDIS_TIMEOUT_MS);
  }

  /** Polls until stop(): relays every `intervalMs`, sweeps every `sweepEveryMs`. */
  start(options: { intervalMs?: number; sweepEveryMs?: number; staleSeconds?: number } = {}): void {
    const sweepEveryMs = options.sweepEveryMs ?? 60_000;
    this.task = new PeriodicTask(async () => {
      // Drain a backlog (after an outage) in consecutive batches before sleeping again.
      while ((await this.relayPending()) > 0) { /* next batch */ }
      if (Date.now() - this.lastSweep >= sweepEveryMs) {
        this.lastSweep = Date.now();
        await this.sweepStale(options.staleSeconds ?? 300);
      }
      // A pass that fails (Redis or PostgreSQL unavailable) leaves its rows pending for the next tick.
    }, (error) => this.logger.warn(`outbox relay pass failed: ${error.message}`));
    this.task.start(options.intervalMs ?? 500);
  }

  async stop(): Promise<void> {
    await this.task?.stop();
  }
}
