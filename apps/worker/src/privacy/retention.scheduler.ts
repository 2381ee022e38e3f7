import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { AppConfig } from '@ataa/config';
import { JobProducer, QUEUES } from '@ataa/queue';
import { RETENTION_JOB_OPTIONS } from './retention.processor.js';

export const RETENTION_SCHEDULER_ID = 'retention-scheduled';

/**
 * A BullMQ job scheduler runs the retention job every RETENTION_INTERVAL_MS (upserting is
 * idempotent, so every worker replica may do it; the rules' SKIP LOCKED batches let two runs overlap safely).
 */
@Injectable()
export class RetentionScheduler implements OnApplicationBootstrap {
  private readonly logger = new Logger('RetentionScheduler');

  constructor(
    private readonly producer: JobProducer,
    @Inject(AppConfig) private readonly config: AppConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    try {
      const queue = this.producer.queue(QUEUES.retention);
      const every = this.config.RETENTION_INTERVAL_MS;
      const existing = await queue.getJobScheduler(RETENTION_SCHEDULER_ID);
      if (existing && Number(existing.every) !== every) await queue.removeJobScheduler(RETENTION_SCHEDULER_ID);
      await queue.upsertJobScheduler(RETENTION_SCHEDULER_ID, { every }, { name: QUEUES.retention, data: {}, opts: RETENTION_JOB_OPTIONS });
    } catch (error) {
      // Redis down at boot: the next worker start schedules it; nothing is lost (each run covers everything past its period).
      this.logger.warn(`could not schedule the retention job: ${(error as Error).message}`);
    }
  }
}
