import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Job } from 'bullmq';
import { JobPayload, QUEUES } from '@ataa/queue';
import { SubmissionReport, WitnessSubmissionService } from '@ataa/transparency';

/** Witness calls are I/O-bound and each bounded by its timeout: a few campaigns in parallel. */
export const WITNESS_CONCURRENCY = 4;

/** Thin: one job = bring every witness to one campaign log's latest checkpoint; a witness that did not cosign throws (retried with backoff). */
@Processor(QUEUES.transparencyWitness, { concurrency: WITNESS_CONCURRENCY })
export class WitnessProcessor extends WorkerHost {
  constructor(private readonly submissions: WitnessSubmissionService) {
    super();
  }

  async process(job: Job<JobPayload<'transparency-witness'>>): Promise<SubmissionReport> {
    return this.submissions.submit(job.data.campaignId);
  }
}
