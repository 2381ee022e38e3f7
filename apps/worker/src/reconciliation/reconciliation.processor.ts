import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Job } from 'bullmq';
import { DomainError } from '@ataa/common';
import { JobPayload, QUEUES } from '@ataa/queue';
import { ReconciliationService } from '@ataa/reconciliation';

/** Jobs are removed when finished: the runs themselves are kept in PostgreSQL. */
export const RECONCILIATION_JOB_OPTIONS = { removeOnComplete: true, removeOnFail: { count: 100 } } as const;

/**
 * Thin: one job is one reconciliation run. Scheduled jobs carry no payload (the window follows the
 * previous run); a job with `since` (an ISO date) compares from then on. A run already in progress
 * (another replica, or an operator's) makes this one unnecessary: it is skipped, not retried.
 */
@Processor(QUEUES.reconciliation, { concurrency: 1 })
export class ReconciliationProcessor extends WorkerHost {
  constructor(private readonly reconciliation: ReconciliationService) {
    super();
  }

  async process(job: Job<JobPayload<'reconciliation'>>): Promise<string> {
    const since = job.data?.since ? new Date(job.data.since) : undefined;
    if (since && Number.isNaN(since.getTime())) return `skipped: since is not a date (${job.data.since})`;
    try {
      const run = await this.reconciliation.run({ trigger: since ? 'job' : 'schedule', ...(since ? { since } : {}) });
      return `run ${run.id}: ${run.matched} matched, ${run.inFlight} in flight, ${run.differences} differences (${run.newDifferences} new, ${run.resolvedDifferences} resolved)`;
    } catch (error) {
      if (error instanceof DomainError && error.code === 'reconciliation_running') return 'skipped: another run is in progress';
      throw error;
    }
  }
}
