import { Processor, WorkerHost } from '@nestjs/bullmq';
import { StripeEventInbox } from '@ataa/payments';
import { RetentionService } from '@ataa/privacy';
import { QUEUES } from '@ataa/queue';

/** Jobs are removed when finished: the counts are in the log and in ataa_retention_purged_total. */
export const RETENTION_JOB_OPTIONS = { removeOnComplete: true, removeOnFail: { count: 100 } } as const;

/**
 * Thin: one job runs every retention rule once (RetentionService), then the inbox's partition
 * upkeep (the next months of stripe_events, StripeEventInbox.ensurePartitions). A failed rule or
 * upkeep fails the job, to be seen and retried.
 */
@Processor(QUEUES.retention, { concurrency: 1 })
export class RetentionProcessor extends WorkerHost {
  constructor(
    private readonly retention: RetentionService,
    private readonly inbox: StripeEventInbox,
  ) {
    super();
  }

  async process(): Promise<string> {
    const results = await this.retention.runAll();
    const failed = results.filter((r) => r.error).map((r) => r.rule);
    let summary = results.map((r) => `${r.rule}: ${r.purged}`).join(', ');
    try {
      summary += `, stripe_events partitions created: ${(await this.inbox.ensurePartitions()).length}`;
    } catch (error) {
      failed.push('stripe_events partitions');
      summary += `, stripe_events partitions: ${(error as Error).message}`;
    }
    if (failed.length > 0) throw new Error(`retention rules failed (${failed.join(', ')}); ${summary}`);
    return summary;
  }
}
