import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger } from '@nestjs/common';
import { JobsOptions, Queue } from 'bullmq';
import { JobPayload, QUEUES, QueueName } from './queues.js';
import { AppConfig } from '@ataa/config';

/** Typed access to every queue. The job id makes enqueueing idempotent (BullMQ ignores a duplicate id). */
@Injectable()
export class JobProducer {
  private readonly queues: Record<QueueName, Queue>;
  private readonly logger = new Logger('Queues');
  private lastErrorLoggedAt = 0;

  constructor(
    @InjectQueue(QUEUES.stripeEvents) stripeEvents: Queue,
    @InjectQueue(QUEUES.notifications) notifications: Queue,
    @InjectQueue(QUEUES.payouts) payouts: Queue,
    @InjectQueue(QUEUES.campaignCloseOut) closeOut: Queue,
    @InjectQueue(QUEUES.reconciliation) reconciliation: Queue,
    @InjectQueue(QUEUES.maintenance) maintenance: Queue,
    @InjectQueue(QUEUES.retention) retention: Queue,
    private readonly config: AppConfig,
    @InjectQueue(QUEUES.erasures) erasures: Queue,
    @InjectQueue(QUEUES.transparencyWitness) transparencyWitness: Queue,
  ) {
    this.queues = {
      'stripe-events': stripeEvents,
      notifications,
      payouts,
      'campaign-close-out': closeOut,
      reconciliation,
      maintenance,
      retention,
      erasures,
      'transparency-witness': transparencyWitness,
    };
    // Without a listener a Redis outage would print every reconnect attempt; one line every 10 s is
    // enough to say Redis is unreachable (work is delayed, not lost: the outbox and inbox keep it).
    for (const queue of Object.values(this.queues)) {
      queue.on('error', (error: Error) => {
        if (Date.now() - this.lastErrorLoggedAt < 10_000) return;
        this.lastErrorLoggedAt = Date.now();
        this.logger.warn(`Redis unreachable for queue ${queue.name}: ${(error as { code?: string }).code ?? error.message}`);
      });
    }
  }

  async enqueue<Q extends QueueName>(queue: Q, payload: JobPayload<Q>, options: JobsOptions & { jobId: string }): Promise<void> {
    await this.queues[queue].add(queue, payload, options);
  }

  /**
   * enqueue for a request path: gives up waiting after REDIS_REQUEST_TIMEOUT_MS (the BullMQ
   * connection queues commands while Redis is away, so `enqueue` alone could wait for the whole
   * outage). Only for work a sweep enqueues again later: the job may still be added once Redis is
   * back (the job id makes that harmless), or not at all. Never throws.
   */
  async enqueueFromRequest<Q extends QueueName>(queue: Q, payload: JobPayload<Q>, options: JobsOptions & { jobId: string }): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const attempt = this.enqueue(queue, payload, options).then(() => true);
    const timeout = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), this.config.REDIS_REQUEST_TIMEOUT_MS)));
    try {
      return await Promise.race([attempt, timeout]);
    } catch {
      return false;
    } finally {
      clearTimeout(timer);
      attempt.catch(() => undefined);
    }
  }

  queue(name: QueueName): Queue {
    return this.queues[name];
  }

  all(): Queue[] {
    return Object.values(this.queues);
  }
}
