import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type Stripe from 'stripe';
import { DataSource, EntityManager } from 'typeorm';
import { ConflictError, NotFoundError } from '@ataa/common';
import { AppConfig } from '@ataa/config';
import { MetricsService } from '@ataa/observability';
import { JobPayload, JobProducer, QUEUES } from '@ataa/queue';

export interface InboxEvent {
  id: string;
  type: string;
  account: string | null;
  objectId: string | null;
  payload: Stripe.Event;
  receivedAt: Date;
  processedAt: Date | null;
  /** What processing did (`settled`, `no_donation`, ...), once processed. */
  outcome: string | null;
  attempts: number;
  lastError: string | null;
  lastAttemptAt: Date | null;
  /** Set once the event failed INBOX_MAX_ATTEMPTS times: no more retries until an operator retries it. */
  deadLetteredAt: Date | null;
}

/** An event as a gift's history shows it (no payload). */
export interface InboxEventSummary {
  id: string;
  type: string;
  objectId: string | null;
  stripeCreatedAt: Date;
  receivedAt: Date;
  processedAt: Date | null;
  outcome: string | null;
  attempts: number;
  lastError: string | null;
  deadLetteredAt: Date | null;
}

/** What a failed attempt left: the attempts so far and whether that made the event dead-lettered. */
export interface FailedAttempt {
  attempts: number;
  deadLettered: boolean;
  error: string;
}

export interface DeadLetterPage {
  items: InboxEvent[];
  nextCursor: string | null;
}

const ENQUEUE_TIMEOUT_MS = 1_000;
const EVENT_ID = /^evt_[A-Za-z0-9_]{1,250}$/;

/**
 * `stripe_events` is partitioned by month of `received_at` (migration 1795004800000); an event's
 * id and month are in `stripe_event_ids`. A lookup by id also names the month, so it reads one
 * month's partition (run-time pruning), not every month's primary key.
 */
const MONTH_OF = (idParam: string) => `received_at = (SELECT k.received_at FROM stripe_event_ids k WHERE k.id = ${idParam})`;
/** The same for several ids: (id, received_at) pairs from the key table. */
const MONTHS_OF = (idsParam: string) => `(id, received_at) IN (SELECT k.id, k.received_at FROM stripe_event_ids k WHERE k.id = ANY(${idsParam}))`;

/**
 * The Stripe event inbox. `receive` stores the verified event in one short statement (its own
 * transaction) and hands it to the queue without waiting on Redis: if Redis is down the row stays
 * unprocessed and the worker's sweep enqueues it later.
 */
@Injectable()
export class StripeEventInbox implements OnModuleInit {
  private readonly logger = new Logger('StripeEventInbox');

  constructor(
    private readonly dataSource: DataSource,
    private readonly producer: JobProducer,
    private readonly metrics: MetricsService,
    @Inject(AppConfig) private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    this.metrics.gauge('ataa_stripe_events_dead_lettered', 'Stripe events dead-lettered (failed INBOX_MAX_ATTEMPTS times) and not retried yet', () => this.countDeadLettered());
  }

  /** Types the batch path settles (registered by the dispatcher): their arrival wakes a batch instead of queueing a job each. */
  readonly batchTypes = new Set<string>();
  private waiting: { event: Stripe.Event; done: (result: { stored: boolean; pending: boolean }) => void; fail: (error: unknown) => void }[] = [];
  private inFlight = 0;
  private static readonly MAX_IN_FLIGHT = 2;
  private static readonly MAX_ROWS = 500;

  /**
   * Stores a verified event and answers once it is committed: whether this call stored it and
   * whether it still needs processing (false for an event already processed or dead-lettered).
   * Concurrent deliveries share one multi-row INSERT and one commit (at most two in flight, each
   * taking whatever arrived meanwhile), so a burst costs a few commits, not one per event.
   */
  receive(event: Stripe.Event): Promise<{ stored: boolean; pending: boolean }> {
    return new Promise((done, fail) => {
      this.waiting.push({ event, done, fail });
      if (this.inFlight < StripeEventInbox.MAX_IN_FLIGHT) void this.flush();
    });
  }

  private async flush(): Promise<void> {
    if (this.waiting.length === 0 || this.inFlight >= StripeEventInbox.MAX_IN_FLIGHT) return;
    const items = this.waiting.splice(0, StripeEventInbox.MAX_ROWS);
    this.inFlight++;
    try {
      const unique = [...new Map(items.map((i) => [i.event.id, i.event])).values()];
      const objectId = (e: Stripe.Event) => {
        const o = e.data?.object as { id?: unknown } | undefined;
        return typeof o?.id === 'string' ? o.id : null;
      };
      const rows: { id: string; processed_at: Date | null; dead_lettered_at: Date | null; inserted: boolean }[] = await this.dataSource.query(
        // The dedupe is the key table's (stripe_events is partitioned by month): claim the ids, store the events claimed.
        `WITH claimed AS (
           INSERT INTO stripe_event_ids (id, received_at) SELECT i, now() FROM unnest($1::text[]) AS i
           ON CONFLICT (id) DO NOTHING RETURNING id),
         ins AS (
           INSERT INTO stripe_events (id, type, api_version, livemode, account, object_id, stripe_created_at, payload, received_at)
           SELECT i, t, v, l, a, o, to_timestamp(c), p, now() FROM unnest($1::text[], $2::text[], $3::text[], $4::boolean[], $5::text[], $6::text[], $7::float8[], $8::jsonb[])
             WITH ORDINALITY AS u(i, t, v, l, a, o, c, p, n) WHERE i IN (SELECT id FROM claimed) ORDER BY n
           RETURNING id)
         SELECT id, NULL::timestamptz AS processed_at, NULL::timestamptz AS dead_lettered_at, true AS inserted FROM ins
         UNION ALL SELECT id, processed_at, dead_lettered_at, false FROM stripe_events WHERE ${MONTHS_OF('$1::text[]')} AND id NOT IN (SELECT id FROM claimed)`,
        [unique.map((e) => e.id), unique.map((e) => e.type), unique.map((e) => e.api_version ?? null), unique.map((e) => e.livemode === true),
          unique.map((e) => e.account ?? null), unique.map(objectId), unique.map((e) => e.created), unique.map((e) => JSON.stringify(e))],
      );
      const byId = new Map(rows.map((r) => [r.id, r]));
      const answered = new Set<string>();
      let wake = false;
      for (const item of items) {
        const row = byId.get(item.event.id);
        // A dead-lettered event delivered again waits for the operator's retry like the first copy.
        const pending = !row || (row.processed_at === null && row.dead_lettered_at === null);
        const stored = row?.inserted === true && !answered.has(item.event.id);
        if (pending && !answered.has(item.event.id)) {
          if (this.batchTypes.has(item.event.type)) wake = true;
          else this.enqueueSoon(item.event.id);
        }
        answered.add(item.event.id);
        item.done({ stored, pending });
      }
      if (wake) this.wakeBatch();
    } catch (error) {
      for (const item of items) item.fail(error);
    } finally {
      this.inFlight--;
      if (this.waiting.length > 0) void this.flush();
    }
  }

  /** Hands the event to the queue (job id = event id), never blocking the caller on Redis. */
  enqueueSoon(eventId: string): void {
    this.enqueueWithoutWaiting({ inboxEventId: eventId }, eventId, `event ${eventId} stays in the inbox until the sweep`);
  }

  /** Wakes a worker to settle waiting batchable events (one job per flush, never blocking on Redis). */
  private wakeBatch(): void {
    this.enqueueWithoutWaiting({ drain: true }, `drain-${randomUUID()}`, 'batchable events wait for the sweep');
  }

  /** Queues a job without waiting for Redis: after ENQUEUE_TIMEOUT_MS the caller has moved on and `late` is logged. */
  private enqueueWithoutWaiting(payload: JobPayload<'stripe-events'>, jobId: string, late: string): void {
    const attempt = this.producer.enqueue(QUEUES.stripeEvents, payload, { jobId });
    const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error('timeout')), ENQUEUE_TIMEOUT_MS).unref());
    Promise.race([attempt, timeout]).catch((error: Error) => {
      this.logger.warn(`${late}: ${error.message}`);
    });
    attempt.catch(() => undefined);
  }

  async find(eventId: string, manager: EntityManager = this.dataSource.manager): Promise<InboxEvent | null> {
    const [row] = await manager.query(`SELECT * FROM stripe_events WHERE id = $1 AND ${MONTH_OF('$1')}`, [eventId]);
    return row ? toInbox(row) : null;
  }

  /** The events about these Stripe objects (a gift's session, payment intent, charge, refunds, disputes), in Stripe's order. */
  async eventsForObjects(objectIds: readonly string[], limit = 200): Promise<InboxEventSummary[]> {
    const ids = objectIds.filter((id) => id.length > 0);
    if (ids.length === 0) return [];
    const rows: Record<string, unknown>[] = await this.dataSource.query(
      `SELECT id, type, object_id, stripe_created_at, received_at, processed_at, outcome, attempts, last_error, dead_lettered_at
         FROM stripe_events WHERE object_id = ANY($1::text[]) ORDER BY stripe_created_at, received_at, id LIMIT $2`,
      [ids, limit],
    );
    return rows.map((row) => ({
      id: row.id as string, type: row.type as string, objectId: row.object_id as string | null, stripeCreatedAt: row.stripe_created_at as Date,
      receivedAt: row.received_at as Date, processedAt: row.processed_at as Date | null, outcome: (row.outcome as string | null) ?? null,
      attempts: row.attempts as number, lastError: (row.last_error as string | null) ?? null, deadLetteredAt: (row.dead_lettered_at as Date | null) ?? null,
    }));
  }

  async markProcessed(eventId: string, outcome: string, manager: EntityManager = this.dataSource.manager): Promise<void> {
    await manager.query(
      `UPDATE stripe_events SET processed_at = now(), outcome = $2, attempts = attempts + 1, last_attempt_at = now(), last_error = NULL, dead_lettered_at = NULL
       WHERE id = $1 AND ${MONTH_OF('$1')} AND processed_at IS NULL`,
      [eventId, outcome.slice(0, 200)],
    );
  }

  /**
   * Records a failed attempt. The attempt that reaches INBOX_MAX_ATTEMPTS also dead-letters the
   * event (one statement, so concurrent attempts cannot both miss or both claim it). Null when the
   * event is processed, already dead-lettered or unknown (nothing recorded).
   */
  async markFailed(eventId: string, error: unknown): Promise<FailedAttempt | null> {
    const message = (error instanceof Error ? `${error.name}: ${error.message}` : String(error)).slice(0, 1000);
    const [rows] = await this.dataSource.query(
      `UPDATE stripe_events SET attempts = attempts + 1, last_attempt_at = now(), last_error = $2,
         dead_lettered_at = CASE WHEN attempts + 1 >= $3 THEN now() END
       WHERE id = $1 AND ${MONTH_OF('$1')} AND processed_at IS NULL AND dead_lettered_at IS NULL
       RETURNING attempts, dead_lettered_at`,
      [eventId, message, this.config.INBOX_MAX_ATTEMPTS],
    );
    const row = (rows as { attempts: number; dead_lettered_at: Date | null }[])[0];
    return row ? { attempts: row.attempts, deadLettered: row.dead_lettered_at !== null, error: message } : null;
  }

  /**
   * Locks up to `limit` fresh events of these types (never attempted: not failed, not handed to the
   * per-event path), oldest first, skipping those another batch holds; in the caller's transaction.
   */
  async claimBatch(manager: EntityManager, types: readonly string[], limit: number, onlyIds?: readonly string[]): Promise<InboxEvent[]> {
    const rows: Record<string, unknown>[] = await manager.query(
      `SELECT * FROM stripe_events
       WHERE processed_at IS NULL AND dead_lettered_at IS NULL AND last_attempt_at IS NULL AND type = ANY($1::text[])
         AND ($3::text[] IS NULL OR id = ANY($3::text[]))
       ORDER BY received_at, id LIMIT $2 FOR UPDATE SKIP LOCKED`,
      [types, limit, onlyIds ?? null],
    );
    return rows.map(toInbox);
  }

  /** Marks a batch's events processed, each with its outcome, in the caller's transaction. */
  async markProcessedMany(manager: EntityManager, outcomes: readonly { id: string; outcome: string }[]): Promise<void> {
    if (outcomes.length === 0) return;
    await manager.query(
      `UPDATE stripe_events e SET processed_at = now(), outcome = t.outcome, attempts = e.attempts + 1, last_attempt_at = now(), last_error = NULL
       FROM unnest($1::text[], $2::text[]) AS t(id, outcome) JOIN stripe_event_ids k ON k.id = t.id
       WHERE e.id = t.id AND e.received_at = k.received_at AND e.processed_at IS NULL`,
      [outcomes.map((o) => o.id), outcomes.map((o) => o.outcome.slice(0, 200))],
    );
  }

  /**
   * Hands events to the per-event path (a batch could not plan them from their own data, or the
   * batch failed): stamped so no batch claims them again, and queued (job id = event id). No
   * attempt is counted: the per-event path counts its own.
   */
  async deferToSingle(eventIds: readonly string[], manager: EntityManager = this.dataSource.manager): Promise<void> {
    if (eventIds.length === 0) return;
    await manager.query(`UPDATE stripe_events SET last_attempt_at = now() WHERE ${MONTHS_OF('$1::text[]')} AND processed_at IS NULL`, [eventIds]);
  }

  /** Queues events for the per-event path once their deferral is committed (without waiting on Redis). */
  async requeueForSingle(eventIds: readonly string[]): Promise<void> {
    for (const id of eventIds) {
      await this.requeue(id).catch((error: Error) => this.logger.warn(`event ${id} stays in the inbox until the sweep: ${error.message}`));
    }
  }

  /** The event's row once no batch holds it (waits for a batch in flight to commit or roll back). */
  async findSettled(eventId: string): Promise<InboxEvent | null> {
    return this.dataSource.transaction(async (manager) => {
      const [row] = await manager.query(`SELECT * FROM stripe_events WHERE id = $1 AND ${MONTH_OF('$1')} FOR UPDATE`, [eventId]);
      return row ? toInbox(row) : null;
    });
  }

  /** Unprocessed events received more than `olderThanMs` ago, oldest first (for the sweep); never dead-lettered ones. */
  async unprocessed(olderThanMs: number, limit = 500): Promise<string[]> {
    const rows: { id: string }[] = await this.dataSource.query(
      `SELECT id FROM stripe_events WHERE processed_at IS NULL AND dead_lettered_at IS NULL AND received_at < now() - make_interval(secs => $1::float8 / 1000)
       ORDER BY received_at LIMIT $2`,
      [olderThanMs, limit],
    );
    return rows.map((r) => r.id);
  }

  /** Events still to be processed (dead-lettered ones are counted apart: they wait for an operator). */
  async backlog(): Promise<{ unprocessed: number; oldestSeconds: number; deadLettered: number }> {
    const [row] = await this.dataSource.query(
      `SELECT count(*) FILTER (WHERE dead_lettered_at IS NULL)::int AS n,
              coalesce(extract(epoch FROM now() - min(received_at) FILTER (WHERE dead_lettered_at IS NULL)), 0)::float8 AS age,
              count(*) FILTER (WHERE dead_lettered_at IS NOT NULL)::int AS dead
       FROM stripe_events WHERE processed_at IS NULL`,
    );
    return { unprocessed: row.n, oldestSeconds: Number(row.age), deadLettered: row.dead };
  }

  async countDeadLettered(): Promise<number> {
    const [row] = await this.dataSource.query(`SELECT count(*)::int AS n FROM stripe_events WHERE dead_lettered_at IS NOT NULL`);
    return row.n;
  }

  /** Dead-lettered events, most recently dead-lettered first; `cursor` is the last id of the previous page. */
  async deadLettered(options: { limit: number; cursor?: string | null }): Promise<DeadLetterPage> {
    const params: unknown[] = [options.limit + 1];
    let after = '';
    if (options.cursor) {
      params.push(options.cursor);
      after = `AND (e.dead_lettered_at, e.id) < (SELECT c.dead_lettered_at, c.id FROM stripe_events c WHERE c.id = $2 AND c.dead_lettered_at IS NOT NULL)`;
    }
    const rows: Record<string, unknown>[] = await this.dataSource.query(
      `SELECT e.* FROM stripe_events e WHERE e.dead_lettered_at IS NOT NULL ${after} ORDER BY e.dead_lettered_at DESC, e.id DESC LIMIT $1`,
      params,
    );
    const items = rows.slice(0, options.limit).map(toInbox);
    return { items, nextCursor: rows.length > options.limit ? items[items.length - 1].id : null };
  }

  /**
   * An operator's retry of a dead-lettered event (once its cause is fixed): clears the dead letter,
   * starts its attempts again from zero and hands it to the queue. Processing stays idempotent (the
   * row's processed_at, the handlers' own checks), so a retry posts the event at most once.
   * 404 for an unknown event, 409 `stripe_event_not_dead_lettered` for one that is not dead-lettered.
   */
  async retryDeadLettered(eventId: string): Promise<{ event: InboxEvent; enqueued: boolean }> {
    if (!EVENT_ID.test(eventId)) throw new NotFoundError('Stripe event', 'stripe_event_not_found');
    const [rows] = await this.dataSource.query(
      `UPDATE stripe_events SET dead_lettered_at = NULL, attempts = 0 WHERE id = $1 AND ${MONTH_OF('$1')} AND dead_lettered_at IS NOT NULL RETURNING *`, [eventId],
    );
    const row = (rows as Record<string, unknown>[])[0];
    if (!row) {
      const existing = await this.find(eventId);
      if (!existing) throw new NotFoundError('Stripe event', 'stripe_event_not_found');
      throw new ConflictError('stripe_event_not_dead_lettered', existing.processedAt
        ? 'This Stripe event is already processed'
        : 'This Stripe event is not dead-lettered: it is still being retried', { processed: existing.processedAt !== null });
    }
    const event = toInbox(row);
    this.logger.log(`event ${eventId} (${event.type}) retried by an operator after dead-lettering`);
    let enqueued = true;
    try {
      await this.requeue(eventId);
    } catch (error) {
      // The row is live again: the worker's sweep enqueues it once Redis answers.
      enqueued = false;
      this.logger.warn(`event ${eventId} stays in the inbox until the sweep: ${(error as Error).message}`);
    }
    return { event, enqueued };
  }

  /**
   * The inbox's monthly partitions (migration 1795004800000): creates the next two months' if
   * missing, and the month of any row that fell into `stripe_events_default`, moving it out
   * (logged by PostgreSQL as a WARNING: the default should stay empty). Idempotent; concurrent
   * calls run one after the other (the SQL function takes an advisory lock). A short lock timeout,
   * so a long transaction on the inbox makes this run fail and the next retry, never makes the
   * inbox queue behind it. Answers the partitions created.
   */
  async ensurePartitions(): Promise<string[]> {
    return this.dataSource.transaction(async (manager) => {
      await manager.query(`SET LOCAL lock_timeout = '5s'`);
      const [row]: { created: string[] }[] = await manager.query(`SELECT stripe_events_ensure_partitions() AS created`);
      if (row.created.length > 0) this.logger.log(`stripe_events partitions created: ${row.created.join(', ')}`);
      return row.created;
    });
  }

  /** A finished job keeps its id for a while: remove it first, or BullMQ would ignore the new one. */
  private async requeue(eventId: string): Promise<void> {
    const within = <T>(p: Promise<T>) => Promise.race([p, new Promise<never>((_, reject) => setTimeout(() => reject(new Error('redis timeout')), ENQUEUE_TIMEOUT_MS * 2).unref())]);
    const job = await within(this.producer.queue(QUEUES.stripeEvents).getJob(eventId));
    if (job) {
      const state = await within(job.getState());
      if (state === 'waiting' || state === 'delayed' || state === 'active' || state === 'prioritized' || state === 'waiting-children') return;
      await within(job.remove()).catch(() => undefined);
    }
    await within(this.producer.enqueue(QUEUES.stripeEvents, { inboxEventId: eventId }, { jobId: eventId }));
  }
}

function toInbox(row: Record<string, unknown>): InboxEvent {
  return {
    id: row.id as string, type: row.type as string, account: row.account as string | null, objectId: row.object_id as string | null,
    payload: row.payload as Stripe.Event, receivedAt: row.received_at as Date, processedAt: row.processed_at as Date | null, outcome: (row.outcome as string | null) ?? null, attempts: row.attempts as number,
    lastError: (row.last_error as string | null) ?? null, lastAttemptAt: (row.last_attempt_at as Date | null) ?? null,
    deadLetteredAt: (row.dead_lettered_at as Date | null) ?? null,
  };
}
