import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Job } from 'bullmq';
import { DeliveryOutcome, ReceiptDeliveryService } from '@ataa/notifications';
import { JobPayload, QUEUES } from '@ataa/queue';

/** Receipts are I/O-bound (SMTP) with a short CPU burst (PDF): a few in parallel per worker process. */
export const NOTIFICATIONS_CONCURRENCY = 4;

/** Thin: one job = one outbox message; retries and backoff come from the queue's job options. */
@Processor(QUEUES.notifications, { concurrency: NOTIFICATIONS_CONCURRENCY })
export class NotificationsProcessor extends WorkerHost {
  constructor(private readonly delivery: ReceiptDeliveryService) {
    super();
  }

  async process(job: Job<JobPayload<'notifications'>>): Promise<DeliveryOutcome> {
    const finalAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    return this.delivery.deliver(job.data.outboxId, { finalAttempt });
  }
}
