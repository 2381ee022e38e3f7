import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { AppConfig } from '@ataa/config';
import { JobProducer, QUEUES } from '@ataa/queue';
import { CLOSEOUT_JOB_OPTIONS } from './closeout.processor.js';

export const CLOSEOUT_SCHEDULER_ID = 'closeout-due';

/**
 * A BullMQ job scheduler (repeatable job) that sweeps for campaigns past their end date every
 * CLOSEOUT_SWEEP_INTERVAL_MS, plus one sweep at boot so a restarted worker resumes unfinished
 * close-outs at once. Upserting is idempotent: every worker replica may do it.
 */
@Injectable()
export class CampaignCloseOutScheduler implements OnApplicationBootstrap {
  private readonly logger = new Logger('CampaignCloseOutScheduler');

  constructor(
    private readonly producer: JobProducer,
    @Inject(AppConfig) private readonly config: AppConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    try {
      const queue = this.producer.queue(QUEUES.campaignCloseOut);
      const every = this.config.CLOSEOUT_SWEEP_INTERVAL_MS;
      // Upserting with another interval keeps the next run already scheduled at the old one: start afresh.
      const existing = await queue.getJobScheduler(CLOSEOUT_SCHEDULER_ID);
      if (existing && Number(existing.every) !== every) await queue.removeJobScheduler(CLOSEOUT_SCHEDULER_ID);
      await queue.upsertJobScheduler(CLOSEOUT_SCHEDULER_ID, { every }, { name: QUEUES.campaignCloseOut, data: {}, opts: CLOSEOUT_JOB_OPTIONS });
      await this.producer.enqueue(QUEUES.campaignCloseOut, {}, { jobId: `closeout-sweep-boot-${Date.now()}`, ...CLOSEOUT_JOB_OPTIONS });
    } catch (error) {
      // Redis down at boot: the scheduler is upserted by the next worker start; nothing is lost (state is in PostgreSQL).
      this.logger.warn(`could not schedule the close-out sweep: ${(error as Error).message}`);
    }
  }
}
