import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Job } from 'bullmq';
import { ExecutionOutcome, PayoutExecutionService } from '@ataa/payouts';
import { JobPayload, QUEUES } from '@ataa/queue';

/** Transfers are few and Stripe-bound: a couple in parallel; one payout is serialized by its row lock. */
export const PAYOUTS_CONCURRENCY = 2;

/** Thin: one job = one payout; an unknown Stripe outcome throws and the queue retries with the same key. */
@Processor(QUEUES.payouts, { concurrency: PAYOUTS_CONCURRENCY })
export class PayoutsProcessor extends WorkerHost {
  constructor(private readonly execution: PayoutExecutionService) {
    super();
  }

  async process(job: Job<JobPayload<'payouts'>>): Promise<ExecutionOutcome> {
    return this.execution.execute(job.data.payoutId);
  }
}
