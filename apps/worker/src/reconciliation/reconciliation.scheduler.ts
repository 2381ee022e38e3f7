import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { AppConfig } from '@ataa/config';
import { JobProducer, QUEUES } from '@ataa/queue';
import { RECONCILIATION_JOB_OPTIONS } from './reconciliation.processor.js';

export const RECONCILIATION_SCHEDULER_ID = 'reconciliation-scheduled';

/**
 * A BullMQ job scheduler runs reconciliation every RECONCILIATION_INTERVAL_MS (upserting it is
 * idempotent: every worker replica may do it; the run lock keeps runs one at a time).
 */
@Injectable()
export class ReconciliationScheduler implements OnApplicationBootstrap {
  private readonly logger = new Logger('ReconciliationScheduler');

  constructor(
    private readonly producer: JobProducer,
    @Inject(AppConfig) private readonly config: AppConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    try {
      const queue = this.producer.queue(QUEUES.reconciliation);
      const every = this.config.RECONCILIATION_INTERVAL_MS;
      // Upserting with another interval keeps the next run already scheduled at the old one: start afresh.
      const existing = await queue.getJobScheduler(RECONCILIATION_SCHEDULER_ID);
      if (existing && Number(existing.every) !== every) await queue.removeJobScheduler(RECONCILIATION_SCHEDULER_ID);
      await queue.upsertJobScheduler(RECONCILIATION_SCHEDULER_ID, { every }, { name: QUEUES.reconciliation, data: {}, opts: RECONCILIATION_JOB_OPTIONS });
    } catch (error) {
      // Redis down at boot: the next worker start schedules it; nothing is lost (each run covers the time since the last).
      this.logger.warn(`could not schedule reconciliation: ${(error as Error).message}`);
    }
  }
}
