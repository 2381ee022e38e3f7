import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger } from '@nestjs/common';
import type { JobsOptions, Queue } from 'bullmq';
import { AppConfig } from '@ataa/config';
import { PeriodicTask, QUEUES, withTimeout } from '@ataa/queue';
import { PendingRow, WitnessRepository } from './persistence/witness.repository.js';

/** How long one relay pass may wait for Redis before giving up (the rows stay pending). */
const REDIS_TIMEOUT_MS = 3000;

/** One job per campaign at a time: its id. The job always submits the log's latest size. */
export const witnessJobId = (campaignId: string) => `witness-${campaignId}`;

/** Retried with doubling delays, then dropped: the pending row stays and the sweep starts again. */
export function witnessJobOptions(config: AppConfig, campaignId: string): JobsOptions & { jobId: string } {
  return {
    jobId: witnessJobId(campaignId), attempts: 8, backoff: { type: 'exponential', delay: config.TRANSPARENCY_WITNESS_RETRY_MS },
    removeOnComplete: true, removeOnFail: true,
  };
}

/**
 * Hands pending witness submissions (transparency_witness_pending, written in the append's
 * transaction) to the queue, one job per campaign (its id is the campaign's). Rows are read without
 * a lock (an append never waits for Redis) and marked relayed only if unchanged since (`generation`);
 * several relays may hand the same row: the job id makes that one job. A job waiting or retrying already reads
 * the latest size when it runs, so a newer append adds nothing; while a job runs, the row is left for
 * the next pass (the running job may have read the size before the append). The sweep hands back
 * rows whose job is gone (Redis lost it, or its retries ran out while a witness was down).
 */
@Injectable()
export class WitnessRelay {
  private readonly logger = new Logger('WitnessRelay');
  private task: PeriodicTask | undefined;
  private lastSweep = 0;

  constructor(
    private readonly repository: WitnessRepository,
    private readonly config: AppConfig,
    @InjectQueue(QUEUES.transparencyWitness) private readonly queue: Queue,
  ) {}

  /** Relays up to `limit` pending rows; returns how many were handed over. */
  async relayPending(limit = 200): Promise<number> {
    const rows = await this.repository.unrelayed(limit);
    const relayed = await this.hand(rows);
    await this.repository.markRelayed(relayed);
    return relayed.length;
  }

  /** Hands back rows relayed more than `staleSeconds` ago and still pending. */
  async sweepStale(staleSeconds = 300, limit = 200): Promise<number> {
    const rows = await this.repository.stale(staleSeconds, limit);
    const relayed = await this.hand(rows);
    await this.repository.markRelayed(relayed);
    return relayed.length;
  }

  /** Adds a job per campaign unless one is waiting or retrying; skips campaigns whose job is running. */
  private async hand(rows: PendingRow[]): Promise<PendingRow[]> {
    const handed: PendingRow[] = [];
    for (const row of rows) {
      const { campaignId } = row;
      const job = await withTimeout(this.queue.getJob(witnessJobId(campaignId)), REDIS_TIMEOUT_MS);
      const state = job ? await withTimeout(job.getState(), REDIS_TIMEOUT_MS) : 'missing';
      if (state === 'active') continue;
      if (job && (state === 'completed' || state === 'failed' || state === 'unknown')) await withTimeout(job.remove(), REDIS_TIMEOUT_MS).catch(() => undefined);
      if (!job || state === 'completed' || state === 'failed' || state === 'unknown') {
        await withTimeout(this.queue.add(QUEUES.transparencyWitness, { campaignId }, witnessJobOptions(this.config, campaignId)), REDIS_TIMEOUT_MS);
      }
      handed.push(row);
    }
    return handed;
  }

  /**
   * Queues the logs no configured witness has cosigned at their size (a witness just added to the
   * configuration, appends made while none was), then polls until stop().
   */
  start(options: { intervalMs?: number; sweepEveryMs?: number; staleSeconds?: number } = {}): void {
    const sweepEveryMs = options.sweepEveryMs ?? 60_000;
    let backfilled = false;
    this.task = new PeriodicTask(async () => {
      if (!backfilled) {
        const queued = await this.repository.queueUnwitnessed(this.config.TRANSPARENCY_WITNESSES.map((w) => w.vkey));
        if (queued > 0) this.logger.log(`${queued} campaign log(s) queued for witnesses they have not cosigned`);
        backfilled = true;
      }
      while ((await this.relayPending()) > 0) { /* next batch */ }
      if (Date.now() - this.lastSweep >= sweepEveryMs) {
        this.lastSweep = Date.now();
        await this.sweepStale(options.staleSeconds ?? 300);
      }
      // A pass that fails (Redis or PostgreSQL unavailable) leaves its rows pending for the next tick.
    }, (error) => this.logger.warn(`witness relay pass failed: ${error.message}`));
    this.task.start(options.intervalMs ?? 500);
  }

  async stop(): Promise<void> {
    await this.task?.stop();
  }
}
