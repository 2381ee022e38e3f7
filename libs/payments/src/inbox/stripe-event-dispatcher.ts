import { Injectable, Logger } from '@nestjs/common';
import type { Counter } from 'prom-client';
import type Stripe from 'stripe';
import { MetricsService } from '@ataa/observability';
import { StripeEventInbox } from './stripe-event-inbox.js';

/** What a handler did with an event, recorded in the inbox row. */
export type HandlerOutcome = string;

export type StripeEventHandler = (event: Stripe.Event) => Promise<HandlerOutcome>;

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
  private readonly deadLetteredTotal: Counter<'type'>;

  constructor(
    private readonly inbox: StripeEventInbox,
    metrics: MetricsService,
  ) {
    this.deadLetteredTotal = metrics.counter('ataa_stripe_events_dead_lettered_total', 'Stripe events dead-lettered after INBOX_MAX_ATTEMPTS failed attempts, by event type', ['type']);
  }

  register(types: readonly string[], handler: StripeEventHandler): void {
    for (const type of types) this.handlers.set(type, [...(this.handlers.get(type) ?? []), handler]);
  }

  handles(type: string): boolean {
    return this.handlers.has(type);
  }

  /**
   * Processes one stored event; on failure records the error and throws so the queue retries it,
   * except on the attempt that dead-letters the event: that one completes (answers `dead_lettered`)
   * so the queue stops retrying too.
   */
  async process(eventId: string): Promise<HandlerOutcome> {
    const stored = await this.inbox.find(eventId);
    if (!stored) return 'missing';
    if (stored.processedAt) return 'already_processed';
    if (stored.deadLetteredAt) return 'dead_lettered';
    const handlers = this.handlers.get(stored.type) ?? [];
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
