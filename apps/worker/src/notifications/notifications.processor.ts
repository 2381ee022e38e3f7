import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import { Job, Worker, WorkerOptions } from 'bullmq';
import { AppConfig } from '@ataa/config';
import { DeliveryOutcome, ReceiptDeliveryService } from '@ataa/notifications';
import { JobPayload, QUEUES } from '@ataa/queue';

/**
 * Receipts are I/O-bound on this thread (database, SMTP); their PDF is drawn on the rendering
 * threads (ReceiptPdfPool): a few in parallel per worker process.
 */
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
export class NotificationsProcessor extends WorkerHost implements OnApplicationShutdown {
  constructor(private readonly delivery: ReceiptDeliveryService) {
    super();
  }

  /**
   * On shutdown, stops taking jobs and lets the running ones finish first, while the rendering
   * threads are still there (ReceiptPdfPool closes in NotificationsModule, after this module; the
   * BullMQ module, global, would only close this worker after every other module).
   */
  async onApplicationShutdown(): Promise<void> {
    let worker: Worker;
    try {
      worker = this.worker;
    } catch {
      return; // never started
    }
    await worker.close();
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
