import type { ChargeFact, SettlementFacts } from './settlement.js';

/*
 * What a signed Stripe event says about a gift on its own (authentic once its signature checked:
 * no read from Stripe needed). The events a card gift brings — charge.succeeded, charge.updated
 * (its balance transaction attached), payment_intent.succeeded, checkout.session.completed — and
 * an expired session are planned from their own data. An event names its charge's balance
 * transaction by id only: the fee stays pending, and the worker's fee sweep (fee-sweep.service.ts)
 * lists balance transactions 100 a page and posts the fees of every gift waiting for one. A paid session or payment intent whose
 * charge has not come yet marks the gift paid (its charge event settles it; a gift still waiting
 * after AWAITING_CHARGE_SECONDS is read from Stripe by the worker's sweep). Anything an event cannot
 * carry (refunds and disputes in full, a failed charge) is read by the per-event path instead.
 */

/** Stripe ids that name the gift an event is about. */
export interface EventLinks {
  donationId: string | null;
  sessionId: string | null;
  paymentIntentId: string | null;
  chargeId: string | null;
}

export type EventRoute =
  /** Plan from the event (a balance transaction named by id only leaves the fee pending: the fee sweep posts it). */
  | { kind: 'facts'; links: EventLinks; facts: SettlementFacts }
  /** The event cannot be planned from its own data: the per-event path reads Stripe. */
  | { kind: 'read' };

/** The event types the batch pipeline plans from their own data (each still takes the read path when `routeEvent` says so). */
export const EVENT_PLANNED_TYPES = [
  'charge.succeeded', 'charge.updated', 'payment_intent.succeeded', 'checkout.session.completed', 'checkout.session.async_payment_succeeded', 'checkout.session.expired',
] as const;

const idOf = (v: unknown): string | null => (typeof v === 'string' ? v : v && typeof v === 'object' && typeof (v as { id?: unknown }).id === 'string' ? (v as { id: string }).id : null);
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isSafeInteger(v) ? v : null);

export function routeEvent(event: { type: string; data: { object: unknown } }): EventRoute {
  const o = (event.data?.object ?? {}) as Record<string, unknown>;
  const metadata = (o.metadata && typeof o.metadata === 'object' ? o.metadata : {}) as Record<string, unknown>;
  const donationId = str(metadata.donation_id);
  switch (event.type) {
    case 'charge.succeeded':
    case 'charge.updated': {
      if (o.object !== 'charge' || o.status !== 'succeeded' || o.paid === false) return { kind: 'read' };
      const id = str(o.id);
      const amount = num(o.amount);
      const created = num(o.created);
      const currency = str(o.currency);
      if (!id || amount === null || created === null || !currency) return { kind: 'read' };
      const bt = o.balance_transaction;
      const charge: ChargeFact = {
        id, status: 'succeeded', paid: true, amount, currency, created,
        balance_transaction: bt && typeof bt === 'object' ? (bt as ChargeFact['balance_transaction']) : null,
      };
      const paymentIntentId = idOf(o.payment_intent);
      return {
        kind: 'facts', links: { donationId, sessionId: null, paymentIntentId, chargeId: id },
        facts: { session: null, paymentIntentId, charge, refunds: null, disputes: null },
      };
    }
    case 'payment_intent.succeeded': {
      if (o.object !== 'payment_intent') return { kind: 'read' };
      const id = str(o.id);
      return {
        kind: 'facts', links: { donationId, sessionId: null, paymentIntentId: id, chargeId: idOf(o.latest_charge) },
        // Paid, but only the charge says what was charged: a gift not settled yet is marked paid and awaits it.
        facts: { session: { status: null, payment_status: 'paid' }, paymentIntentId: id, charge: null, refunds: null, disputes: null },
      };
    }
    case 'checkout.session.completed':
    case 'checkout.session.async_payment_succeeded':
    case 'checkout.session.expired': {
      if (o.object !== 'checkout.session') return { kind: 'read' };
      const id = str(o.id);
      const paymentIntentId = idOf(o.payment_intent);
      const session = { status: str(o.status), payment_status: str(o.payment_status) };
      // Paid: the money is there, but only the charge says what was charged; a gift not settled yet
      // is marked paid and awaits its charge event (read from Stripe by the sweep if it is late).
      return {
        kind: 'facts', links: { donationId, sessionId: id, paymentIntentId, chargeId: null },
        facts: { session, paymentIntentId, charge: null, refunds: null, disputes: null },
      };
    }
    default:
      return { kind: 'read' };
  }
}
