import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import { Job, WorkerOptions } from 'bullmq';
import { AppConfig } from '@ataa/config';
import { DeliveryOutcome, ReceiptDeliveryService } from '@ataa/notifications';
import { JobPayload, QUEUES } from '@ataa/queue';

/** Receipts are I/O-bound (SMTP) with a short CPU burst (PDF): a few in parallel per worker process. */
export const NOTIFICATIONS_CONCURRENCY = 4;

/**
 * A job whose worker died keeps its lock until NOTIFICATIONS_JOB_LOCK_MS lapses; a live worker's
 * stalled check (every NOTIFICATIONS_STALLED_INTERVAL_MS) then puts it back in the queue.
 */
export function notificationsWorkerOptions(config: AppConfig): Partial<WorkerOptions> {
  return { concurrency: NOTIFICATIONS_CONCURRENCY, lockDuration: config.NOTIFICATIONS_JOB_LOCK_MS, stalledInterval: config.NOTIFICATIONS_STALLED_INTERVAL_MS };
}

/** Thin: one job = one outbox message; retries and backoff come from the queue's job options. */
@Injectable()
export class NotificationsProcessor extends WorkerHost {
  constructor(private readonly delivery: ReceiptDeliveryService) {
    super();
  }

  async process(job: Job<JobPayload<'notifications'>>): Promise<DeliveryOutcome> {
    const finalAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    return this.delivery.deliver(job.data.outboxId, { finalAttempt });
  }
}

/**
 * @Processor's worker options are static class metadata, and the lock and stall settings come
 * from the configuration: each app gets a subclass decorated with its own (BullMQ's explorer reads
 * a factory provider's metadata from the instance's class).
 */
export function createNotificationsProcessor(config: AppConfig, delivery: ReceiptDeliveryService): NotificationsProcessor {
  @Processor(QUEUES.notifications, notificationsWorkerOptions(config))
  class ConfiguredNotificationsProcessor extends NotificationsProcessor {}
  return new ConfiguredNotificationsProcessor(delivery);
}
