import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Inject } from '@nestjs/common';
import { Job } from 'bullmq';
import { AppConfig } from '@ataa/config';
import { CampaignCloseOutService, CLOSEOUT_JOB_OPTIONS, closeOutJobId } from '@ataa/donations';
import { JobPayload, JobProducer, QUEUES } from '@ataa/queue';

export { CLOSEOUT_JOB_OPTIONS, closeOutJobId };
/** A batch that made no progress (Stripe unreachable) is retried after at least this long. */
const STALLED_BATCH_DELAY_MS = 5_000;


/**
 * Thin: a job without a campaign id is the scheduler's sweep (enqueue one job per campaign with
 * close-out work); a job with one runs one batch of that campaign's close-out and, when gifts
 * remain, enqueues the next batch. All state is in PostgreSQL: a job killed half-way, retried or
 * duplicated only makes the next run find less to do.
 */
@Processor(QUEUES.campaignCloseOut, { concurrency: 1 })
export class CampaignCloseOutProcessor extends WorkerHost {
  constructor(
    private readonly closeOut: CampaignCloseOutService,
    private readonly producer: JobProducer,
    @Inject(AppConfig) private readonly config: AppConfig,
  ) {
    super();
  }

  async process(job: Job<JobPayload<'campaign-close-out'>>): Promise<string> {
    const { campaignId } = job.data;
    if (!campaignId) {
      // A close-out is resumed by the sweep only once it has been idle longer than its pause between batches.
      const due = await this.closeOut.findDue(new Date(), 500, this.config.CLOSEOUT_BATCH_DELAY_MS + this.config.CLOSEOUT_SWEEP_INTERVAL_MS);
      for (const id of due) await this.producer.enqueue(QUEUES.campaignCloseOut, { campaignId: id }, { jobId: closeOutJobId(id), ...CLOSEOUT_JOB_OPTIONS });
      return `enqueued ${due.length}`;
    }
    const before = await this.closeOut.find(campaignId);
    const run = await this.closeOut.runBatch(campaignId);
    if (run.more && run.progress) {
      const p = run.progress;
      const progressed = !before || p.refunded + p.failed + p.skipped > before.refunded + before.failed + before.skipped;
      const delay = Math.max(this.config.CLOSEOUT_BATCH_DELAY_MS, progressed ? 0 : STALLED_BATCH_DELAY_MS);
      await this.producer.enqueue(QUEUES.campaignCloseOut, { campaignId }, { jobId: closeOutJobId(campaignId, p.batches), delay, ...CLOSEOUT_JOB_OPTIONS });
    }
    return run.progress ? `${run.outcome}: ${run.progress.status} ${run.progress.refunded}/${run.progress.total}` : run.outcome;
  }
}
