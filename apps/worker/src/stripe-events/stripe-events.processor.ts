import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Job } from 'bullmq';
import { StripeEventDispatcher } from '@ataa/payments';
import { JobPayload, QUEUES } from '@ataa/queue';

/** Stripe calls dominate: several events in parallel per worker; one donation is serialized by its row lock. */
export const STRIPE_EVENTS_CONCURRENCY = 8;

/** Thin: a drain job settles the waiting batchable events; any other job is one inbox event (retries with backoff from the queue's job options). */
@Processor(QUEUES.stripeEvents, { concurrency: STRIPE_EVENTS_CONCURRENCY })
export class StripeEventsProcessor extends WorkerHost {
  constructor(private readonly dispatcher: StripeEventDispatcher) {
    super();
  }

  async process(job: Job<JobPayload<'stripe-events'>>): Promise<string> {
    if (job.data.drain) {
      await this.dispatcher.drain();
      return 'drained';
    }
    return this.dispatcher.process(job.data.inboxEventId);
  }
}
