import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { Job } from 'bullmq';
import { ErasureService } from '@ataa/privacy';
import { JobPayload, JobProducer, QUEUES } from '@ataa/queue';

export const ERASURE_SWEEP_SCHEDULER_ID = 'erasure-sweep';
const ERASURE_SWEEP_EVERY_MS = 60_000;

/**
 * Thin: a job with a request id works that erasure through its remaining steps (ErasureService.process);
 * a job without one is the sweep (confirmed requests whose job was lost are queued again, lapsed
 * links drop their address). All state is in PostgreSQL: a job killed half-way, retried or
 * duplicated only makes the next run find less to do.
 */
@Processor(QUEUES.erasures, { concurrency: 2 })
export class ErasureProcessor extends WorkerHost {
  constructor(private readonly erasures: ErasureService) {
    super();
  }

  async process(job: Job<JobPayload<'erasures'>>): Promise<string> {
    const id = job.data.erasureRequestId;
    if (!id) return `requeued ${await this.erasures.sweep()}`;
    const run = await this.erasures.process(id);
    return `${run.outcome}${run.steps.length ? `: ${run.steps.join(', ')}` : ''}`;
  }
}

/** The sweep every minute, and once at boot so a restarted worker resumes unfinished erasures at once. */
@Injectable()
export class ErasureSweepScheduler implements OnApplicationBootstrap {
  private readonly logger = new Logger('ErasureSweepScheduler');

  constructor(private readonly producer: JobProducer) {}

  async onApplicationBootstrap(): Promise<void> {
    try {
      const queue = this.producer.queue(QUEUES.erasures);
      await queue.upsertJobScheduler(ERASURE_SWEEP_SCHEDULER_ID, { every: ERASURE_SWEEP_EVERY_MS }, { name: QUEUES.erasures, data: {} });
      await this.producer.enqueue(QUEUES.erasures, {}, { jobId: `erasure-sweep-boot-${Date.now()}` });
    } catch (error) {
      this.logger.warn(`could not schedule the erasure sweep: ${(error as Error).message}`);
    }
  }
}
