import { Injectable, Logger } from '@nestjs/common';
import type Stripe from 'stripe';
import { DataSource, EntityManager } from 'typeorm';
import { JobProducer, QUEUES } from '@ataa/queue';

export interface InboxEvent {
  id: string;
  type: string;
  account: string | null;
  objectId: string | null;
  payload: Stripe.Event;
  receivedAt: Date;
  processedAt: Date | null;
  attempts: number;
}

const ENQUEUE_TIMEOUT_MS = 1_000;

/**
 * The Stripe event inbox. `receive` stores the verified event in one short statement (its own
 * transaction) and hands it to the queue without waiting on Redis: if Redis is down the row stays
 * unprocessed and the worker's sweep enqueues it later.
 */
@Injectable()
export class StripeEventInbox {
  private readonly logger = new Logger('StripeEventInbox');

  constructor(
    private readonly dataSource: DataSource,
    private readonly producer: JobProducer,
  ) {}

  /** Returns whether the event still needs processing (false for an event already processed). */
  async receive(event: Stripe.Event): Promise<{ stored: boolean; pending: boolean }> {
    const object = event.data?.object as { id?: unknown } | undefined;
    const rows: { processed_at: Date | null; inserted: boolean }[] = await this.dataSource.query(
      `WITH ins AS (
         INSERT INTO stripe_events (id, type, api_version, livemode, account, object_id, stripe_created_at, payload)
         VALUES ($1, $2, $3, $4, $5, $6, to_timestamp($7), $8)
         ON CONFLICT (id) DO NOTHING RETURNING processed_at, true AS inserted)
       SELECT processed_at, inserted FROM ins
       UNION ALL SELECT processed_at, false FROM stripe_events WHERE id = $1 AND NOT EXISTS (SELECT 1 FROM ins)`,
      [event.id, event.type, event.api_version ?? null, event.livemode === true, event.account ?? null,
        typeof object?.id === 'string' ? object.id : null, event.created, JSON.stringify(event)],
    );
    const row = rows[0];
    const pending = !row || row.processed_at === null;
    if (pending) this.enqueueSoon(event.id);
    return { stored: row?.inserted === true, pending };
  }

  /** Hands the event to the queue (job id = event id), never blocking the caller on Redis. */
  enqueueSoon(eventId: string): void {
    const attempt = this.producer.enqueue(QUEUES.stripeEvents, { inboxEventId: eventId }, { jobId: eventId });
    const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error('timeout')), ENQUEUE_TIMEOUT_MS).unref());
    Promise.race([attempt, timeout]).catch((error: Error) => {
      this.logger.warn(`event ${eventId} stays in the inbox until the sweep: ${error.message}`);
    });
    attempt.catch(() => undefined);
  }

  async find(eventId: string, manager: EntityManager = this.dataSource.manager): Promise<InboxEvent | null> {
    const [row] = await manager.query(`SELECT * FROM stripe_events WHERE id = $1`, [eventId]);
    return row ? toInbox(row) : null;
  }

  async markProcessed(eventId: string, outcome: string, manager: EntityManager = this.dataSource.manager): Promise<void> {
    await manager.query(
      `UPDATE stripe_events SET processed_at = now(), outcome = $2, attempts = attempts + 1, last_attempt_at = now(), last_error = NULL
       WHERE id = $1 AND processed_at IS NULL`,
      [eventId, outcome.slice(0, 200)],
    );
  }

  async markFailed(eventId: string, error: unknown): Promise<void> {
    const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    await this.dataSource.query(
      `UPDATE stripe_events SET attempts = attempts + 1, last_attempt_at = now(), last_error = $2 WHERE id = $1 AND processed_at IS NULL`,
      [eventId, message.slice(0, 1000)],
    );
  }

  /** Unprocessed events received more than `olderThanMs` ago, oldest first (for the sweep). */
  async unprocessed(olderThanMs: number, limit = 500): Promise<string[]> {
    const rows: { id: string }[] = await this.dataSource.query(
      `SELECT id FROM stripe_events WHERE processed_at IS NULL AND received_at < now() - make_interval(secs => $1::float8 / 1000)
       ORDER BY received_at LIMIT $2`,
      [olderThanMs, limit],
    );
    return rows.map((r) => r.id);
  }

  async backlog(): Promise<{ unprocessed: number; oldestSeconds: number }> {
    const [row] = await this.dataSource.query(
      `SELECT count(*)::int AS n, coalesce(extract(epoch FROM now() - min(received_at)), 0)::float8 AS age FROM stripe_events WHERE processed_at IS NULL`,
    );
    return { unprocessed: row.n, oldestSeconds: Number(row.age) };
  }
}

function toInbox(row: Record<string, unknown>): InboxEvent {
  return {
    id: row.id as string, type: row.type as string, account: row.account as string | null, objectId: row.object_id as string | null,
    payload: row.payload as Stripe.Event, receivedAt: row.received_at as Date, processedAt: row.processed_at as Date | null, attempts: row.attempts as number,
  };
}
