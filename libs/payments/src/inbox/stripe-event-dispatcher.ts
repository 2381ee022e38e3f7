import { Injectable, Logger } from '@nestjs/common';
import type { Counter, Histogram } from 'prom-client';
import type Stripe from 'stripe';
import { DataSource, EntityManager } from 'typeorm';
import { MetricsService } from '@ataa/observability';
import { StripeEventInbox } from './stripe-event-inbox.js';

/** What a handler did with an event, recorded in the inbox row. */
export type HandlerOutcome = string;

export type StripeEventHandler = (event: Stripe.Event) => Promise<HandlerOutcome>;

/**
 * Handles many events in one transaction (the caller's, which also claimed them and marks them
 * processed): answers an outcome per event, or null for an event it cannot handle from its own
 * data, which then goes to the per-event path (`single`).
 */
export interface StripeEventBatchHandler {
  handle(manager: EntityManager, events: Stripe.Event[]): Promise<(HandlerOutcome | null)[]>;
  single: StripeEventHandler;
}

/** How many events one batch takes at most; fewer when fewer are waiting (one, when idle). */
export const SETTLEMENT_BATCH_MAX = 500;

/**
 * Routes inbox events to the handlers the feature libs register (donations, organizations,
 * payouts). Handlers must be idempotent and order-independent: they re-read the current Stripe
 * objects rather than trusting the event's snapshot. An event no handler wants is marked ignored.
 * An event that fails INBOX_MAX_ATTEMPTS times is dead-lettered: logged at error level, counted,
 * and no longer retried (neither by the queue nor by the sweep) until an operator retries it.
 */
@Injectable()
export class StripeEventDispatcher {
  private readonly logger = new Logger('StripeEventDispatcher');
  private readonly handlers = new Map<string, StripeEventHandler[]>();
  private readonly batchHandlers = new Map<string, StripeEventBatchHandler>();
  private readonly deadLetteredTotal: Counter<'type'>;
  private readonly batchSize: Histogram;
  private draining: Promise<void> | null = null;
  private drainAgain = false;

  constructor(
    private readonly inbox: StripeEventInbox,
    private readonly dataSource: DataSource,
    metrics: MetricsService,
  ) {
    this.deadLetteredTotal = metrics.counter('ataa_stripe_events_dead_lettered_total', 'Stripe events dead-lettered after INBOX_MAX_ATTEMPTS failed attempts, by event type', ['type']);
    this.batchSize = metrics.histogram('ataa_stripe_event_batch_size', 'Stripe events settled per batch transaction', [], [1, 2, 5, 10, 20, 50, 100, 200, 500]);
  }

  register(types: readonly string[], handler: StripeEventHandler): void {
    for (const type of types) this.handlers.set(type, [...(this.handlers.get(type) ?? []), handler]);
  }

  /** Types handled in batches; each falls back to `handler.single` on the per-event path. */
  registerBatch(types: readonly string[], handler: StripeEventBatchHandler): void {
    for (const type of types) {
      this.batchHandlers.set(type, handler);
      this.inbox.batchTypes.add(type);
    }
  }

  handles(type: string): boolean {
    return this.handlers.has(type) || this.batchHandlers.has(type);
  }

  /** A type goes in batches only when nothing but its batch handler wants it. */
  private batchable(type: string): boolean {
    return this.batchHandlers.has(type) && !this.handlers.has(type);
  }

  private batchTypes(): string[] {
    return [...this.batchHandlers.keys()];
  }

  /**
   * Settles waiting batchable events, batch after batch, until none is left. Concurrent callers in
   * one process share the run (a call during a run makes it go round once more).
   */
  drain(): Promise<void> {
    if (this.draining) {
      this.drainAgain = true;
      return this.draining;
    }
    this.draining = (async () => {
      try {
        do {
          this.drainAgain = false;
          while ((await this.settleBatch(SETTLEMENT_BATCH_MAX)) > 0);
        } while (this.drainAgain);
      } finally {
        this.draining = null;
      }
    })();
    return this.draining;
  }

  /**
   * One batch: claims up to `max` fresh batchable events (SKIP LOCKED: concurrent workers take
   * disjoint batches), lets their handlers plan and record them, and marks them processed, all in
   * one transaction. Events a handler cannot plan from their own data go to the per-event path; if
   * the batch fails, all of them do (each then fails or succeeds on its own, with its own attempts).
   * Answers how many events were claimed.
   */
  async settleBatch(max: number, onlyIds?: readonly string[]): Promise<number> {
    const types = this.batchTypes();
    if (types.length === 0) return 0;
    let claimedIds: string[] = [];
    let deferred: string[] = [];
    try {
      await this.dataSource.transaction(async (manager) => {
        const claimed = await this.inbox.claimBatch(manager, types, max, onlyIds);
        claimedIds = claimed.map((e) => e.id);
        deferred = [];
        if (claimed.length === 0) return;
        const done: { id: string; outcome: string }[] = [];
        const groups = new Map<StripeEventBatchHandler, typeof claimed>();
        for (const e of claimed) {
          // Another handler wants this type in this process: it goes to the per-event path.
          if (!this.batchable(e.type)) deferred.push(e.id);
          else groups.set(this.batchHandlers.get(e.type)!, [...(groups.get(this.batchHandlers.get(e.type)!) ?? []), e]);
        }
        for (const [handler, events] of groups) {
          const outcomes = await handler.handle(manager, events.map((e) => e.payload));
          events.forEach((e, i) => (outcomes[i] === null ? deferred.push(e.id) : done.push({ id: e.id, outcome: outcomes[i]! })));
        }
        await this.inbox.markProcessedMany(manager, done);
        await this.inbox.deferToSingle(deferred, manager);
      });
    } catch (error) {
      if (claimedIds.length === 0) throw error;
      this.logger.warn(`a batch of ${claimedIds.length} events failed (${(error as Error).message}); each goes to the per-event path`);
      deferred = claimedIds;
      await this.inbox.deferToSingle(deferred);
    }
    if (claimedIds.length > 0) this.batchSize.observe(claimedIds.length);
    await this.inbox.requeueForSingle(deferred);
    return claimedIds.length;
  }

  /**
   * Processes one stored event; on failure records the error and throws so the queue retries it,
   * except on the attempt that dead-letters the event: that one completes (answers `dead_lettered`)
   * so the queue stops retrying too.
   */
  async process(eventId: string): Promise<HandlerOutcome> {
    let stored = await this.inbox.find(eventId);
    if (!stored) return 'missing';
    if (stored.processedAt) return 'already_processed';
    if (stored.deadLetteredAt) return 'dead_lettered';
    if (this.batchable(stored.type) && stored.lastAttemptAt === null) {
      // A fresh batchable event: settle the waiting batch (it is in it, or in another worker's).
      await this.drain();
      stored = await this.inbox.find(eventId);
      if (!stored || stored.processedAt) return stored?.outcome ?? 'already_processed';
      // Still fresh: another worker's batch holds it (wait for its outcome), or no batch took it yet.
      if (stored.lastAttemptAt === null) stored = await this.inbox.findSettled(eventId);
      if (!stored || stored.processedAt) return stored?.outcome ?? 'already_processed';
      if (stored.deadLetteredAt) return 'dead_lettered';
      if (stored.lastAttemptAt === null && (await this.settleBatch(1, [eventId])) > 0) {
        stored = await this.inbox.findSettled(eventId);
        if (!stored || stored.processedAt) return stored?.outcome ?? 'already_processed';
      }
      if (!stored) return 'missing';
    }
    const single = this.batchHandlers.get(stored.type)?.single;
    const handlers = [...(single ? [single] : []), ...(this.handlers.get(stored.type) ?? [])];
    try {
      const outcomes: string[] = [];
      for (const handler of handlers) outcomes.push(await handler(stored.payload));
      const outcome = handlers.length === 0 ? 'ignored' : outcomes.join(',');
      await this.inbox.markProcessed(eventId, outcome);
      return outcome;
    } catch (error) {
      this.logger.warn(`event ${eventId} (${stored.type}) failed: ${(error as Error).message}`);
      const failed = await this.inbox.markFailed(eventId, error).catch(() => null);
      if (failed?.deadLettered) {
        this.deadLetteredTotal.inc({ type: stored.type });
        this.logger.error(
          `event ${eventId} (${stored.type}) dead-lettered after ${failed.attempts} attempts: ${failed.error}`
          + ` (object ${stored.objectId ?? '-'}; retry it with POST /operator/stripe-events/${eventId}/retry once the cause is fixed)`,
        );
        return 'dead_lettered';
      }
      throw error;
    }
  }
}
