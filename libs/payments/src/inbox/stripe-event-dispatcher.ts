import { Injectable, Logger } from '@nestjs/common';
import type Stripe from 'stripe';
import { StripeEventInbox } from './stripe-event-inbox.js';

/** What a handler did with an event, recorded in the inbox row. */
export type HandlerOutcome = string;

export type StripeEventHandler = (event: Stripe.Event) => Promise<HandlerOutcome>;

/**
 * Routes inbox events to the handlers the feature libs register (donations, organizations,
 * payouts). Handlers must be idempotent and order-independent: they re-read the current Stripe
 * objects rather than trusting the event's snapshot. An event no handler wants is marked ignored.
 */
@Injectable()
export class StripeEventDispatcher {
  private readonly logger = new Logger('StripeEventDispatcher');
  private readonly handlers = new Map<string, StripeEventHandler[]>();

  constructor(private readonly inbox: StripeEventInbox) {}

  register(types: readonly string[], handler: StripeEventHandler): void {
    for (const type of types) this.handlers.set(type, [...(this.handlers.get(type) ?? []), handler]);
  }

  handles(type: string): boolean {
    return this.handlers.has(type);
  }

  /** Processes one stored event; throws (after recording the error) so the queue retries it. */
  async process(eventId: string): Promise<HandlerOutcome> {
    const stored = await this.inbox.find(eventId);
    if (!stored) return 'missing';
    if (stored.processedAt) return 'already_processed';
    const handlers = this.handlers.get(stored.type) ?? [];
    try {
      const outcomes: string[] = [];
      for (const handler of handlers) outcomes.push(await handler(stored.payload));
      const outcome = handlers.length === 0 ? 'ignored' : outcomes.join(',');
      await this.inbox.markProcessed(eventId, outcome);
      return outcome;
    } catch (error) {
      this.logger.warn(`event ${eventId} (${stored.type}) failed: ${(error as Error).message}`);
      await this.inbox.markFailed(eventId, error).catch(() => undefined);
      throw error;
    }
  }
}
