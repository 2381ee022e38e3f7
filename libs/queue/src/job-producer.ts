import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger } from '@nestjs/common';
import { JobsOptions, Queue } from 'bullmq';
import { JobPayload, QUEUES, QueueName } from './queues.js';

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
  ) {
    this.queues = {
      'stripe-events': stripeEvents,
      notifications,
      payouts,
      'campaign-close-out': closeOut,
      reconciliation,
      maintenance,
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

  queue(name: QueueName): Queue {
    return this.queues[name];
  }

  all(): Queue[] {
    return Object.values(this.queues);
  }
}
