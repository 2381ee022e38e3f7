import { Processor, WorkerHost } from '@nestjs/bullmq';
import { RetentionService } from '@ataa/privacy';
import { QUEUES } from '@ataa/queue';

/** Jobs are removed when finished: the counts are in the log and in ataa_retention_purged_total. */
export const RETENTION_JOB_OPTIONS = { removeOnComplete: true, removeOnFail: { count: 100 } } as const;

/** Thin: one job runs every retention rule once (RetentionService). A failed rule fails the job, to be seen and retried. */
@Processor(QUEUES.retention, { concurrency: 1 })
export class RetentionProcessor extends WorkerHost {
  constructor(private readonly retention: RetentionService) {
    super();
  }

  async process(): Promise<string> {
    const results = await this.retention.runAll();
    const failed = results.filter((r) => r.error);
    const summary = results.map((r) => `${r.rule}: ${r.purged}`).join(', ');
    if (failed.length > 0) throw new Error(`retention rules failed (${failed.map((r) => r.rule).join(', ')}); ${summary}`);
    return summary;
  }
}
