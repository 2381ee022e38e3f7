import { DomainError } from '@ataa/common';
import { donationAmount, type AmountRules } from './donation-amount.js';

/*
 * Recurring gifts (issue 20, item 1), pure: what the donor may ask for (frequency, amount, an
 * optional end) and the series' state machine. A series is a Stripe Subscription; its state here
 * follows what Stripe reports (subscription status, paid and failed invoices) and what the donor,
 * the organization or the platform asked (pause, cancel, campaign closed), never going back from a
 * final state.
 */

/** The frequencies offered (Stripe price `recurring.interval`). */
export const RECURRING_INTERVALS = ['month', 'week'] as const;
export type RecurringInterval = (typeof RECURRING_INTERVALS)[number];

/** The form's choice: once (a one-time gift) or one of the offered frequencies. */
export const GIFT_FREQUENCIES = ['once', 'monthly', 'weekly'] as const;
export type GiftFrequency = (typeof GIFT_FREQUENCIES)[number];

export const RECURRING_STATUSES = ['pending', 'active', 'past_due', 'paused', 'cancelled', 'ended'] as const;
export type RecurringStatus = (typeof RECURRING_STATUSES)[number];

export const RECURRING_END_REASONS = ['donor', 'campaign_closed', 'payment_failed', 'schedule', 'stripe', 'erasure'] as const;
export type RecurringEndReason = (typeof RECURRING_END_REASONS)[number];

/** The most payments a series may be limited to, and the furthest end date (about ten years). */
export const MAX_PAYMENTS = 520;
export const MAX_END_DAYS = 3660;

export interface RecurringRequest {
  frequency: string;
  /** Major units as typed. */
  amount: string;
  /** `YYYY-MM-DD` (the series' last day, UTC), or empty. */
  endDate?: string | null;
  /** A number of payments, or empty. */
  payments?: string | null;
}

export interface RecurringTerms {
  interval: RecurringInterval;
  amount: bigint;
  /** The subscription is cancelled at this moment (end of the chosen day, UTC), or null. */
  endsAt: Date | null;
  maxPayments: number | null;
}

const refuse = (code: string, message: string, status = 400, details?: Record<string, unknown>): never => {
  throw new DomainError(code, message, status, details);
};

/** The interval a form frequency names, or null for a one-time gift. Anything else is refused (400 `interval_not_offered`). */
export function intervalOf(frequency: string | null | undefined): RecurringInterval | null {
  if (frequency === undefined || frequency === null || frequency === '' || frequency === 'once') return null;
  if (frequency === 'monthly') return 'month';
  if (frequency === 'weekly') return 'week';
  return refuse('interval_not_offered', 'Gifts can be given once, monthly or weekly', 400, { offered: GIFT_FREQUENCIES });
}

/**
 * Validates a recurring gift's terms: an offered frequency, an amount the currency and the campaign
 * accept (the one-time rules; fees are not covered on recurring gifts), and at most one end — a
 * date after the start (422 `end_before_start`) and no further than ten years, or a number of payments.
 */
export function recurringTerms(request: RecurringRequest, rules: AmountRules, now: Date): RecurringTerms {
  const interval = intervalOf(request.frequency);
  if (!interval) return refuse('interval_not_offered', 'A recurring gift is monthly or weekly', 400, { offered: GIFT_FREQUENCIES });
  const amount = donationAmount(request.amount, false, rules).gross;
  const endDate = request.endDate?.trim() || null;
  const payments = request.payments?.trim() || null;
  if (endDate && payments) refuse('end_ambiguous', 'Choose an end date or a number of payments, not both');
  let endsAt: Date | null = null;
  if (endDate) {
    const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(endDate);
    const day = m ? new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))) : null;
    if (!m || !day || day.getUTCFullYear() !== Number(m[1]) || day.getUTCMonth() !== Number(m[2]) - 1 || day.getUTCDate() !== Number(m[3])) {
      refuse('end_date_invalid', 'The end date is not a date (YYYY-MM-DD)');
    }
    // The series runs through the chosen day.
    endsAt = new Date(day!.getTime() + 86_400_000 - 1000);
    const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
    if (day!.getTime() <= today) refuse('end_before_start', 'The end date must be after today, the first payment', 422);
    if (day!.getTime() > today + MAX_END_DAYS * 86_400_000) refuse('end_date_too_far', 'The end date is more than ten years away', 422);
  }
  let maxPayments: number | null = null;
  if (payments) {
    if (!/^\d{1,4}$/.test(payments)) refuse('payments_invalid', 'The number of payments is a whole number');
    maxPayments = Number(payments);
    if (maxPayments < 2 || maxPayments > MAX_PAYMENTS) refuse('payments_out_of_range', `A recurring gift has 2 to ${MAX_PAYMENTS} payments`, 422, { minimum: 2, maximum: MAX_PAYMENTS });
  }
  return { interval, amount, endsAt, maxPayments };
}

/** What happened to a series. */
export type RecurringEvent =
  /** Stripe's subscription status, as last read. */
  | { kind: 'stripe_status'; status: string; pausedCollection: boolean }
  /** An invoice of the series was paid. */
  | { kind: 'paid' }
  /** A payment failed (Stripe retries it). */
  | { kind: 'payment_failed' }
  | { kind: 'pause' }
  | { kind: 'resume' }
  /** The series stops (Stripe deleted the subscription, or we cancelled it) for `reason`. */
  | { kind: 'stop'; reason: RecurringEndReason };

export const isFinal = (s: RecurringStatus): boolean => s === 'cancelled' || s === 'ended';

/** A series that reached its end (date or number of payments) `ended`; any other stop `cancelled`. */
export function stoppedStatus(reason: RecurringEndReason): RecurringStatus {
  return reason === 'schedule' ? 'ended' : 'cancelled';
}

/**
 * The state machine. Final states never change; a paid invoice makes a live series active (unless
 * the donor paused it: a payment that was already under way does not resume it); a failed payment
 * makes it past due; pause and resume apply to live series only. Stripe's status is authoritative for
 * live series: `active`/`trialing` (or `past_due` with collection paused), `past_due`/`unpaid`,
 * `canceled`/`incomplete_expired` (a stop, reason `stripe` unless known).
 */
export function nextRecurringStatus(current: RecurringStatus, event: RecurringEvent): RecurringStatus {
  if (isFinal(current)) return current;
  switch (event.kind) {
    case 'stop':
      return stoppedStatus(event.reason);
    case 'paid':
      return current === 'paused' ? 'paused' : 'active';
    case 'payment_failed':
      return current === 'paused' ? 'paused' : 'past_due';
    case 'pause':
      return current === 'pending' ? refuse('recurring_not_started', 'The recurring gift has not started yet', 409) : 'paused';
    case 'resume':
      return current === 'paused' ? 'active' : current;
    case 'stripe_status': {
      const s = event.status;
      if (s === 'canceled' || s === 'incomplete_expired') return 'cancelled';
      if (s === 'incomplete') return current;
      if (event.pausedCollection) return 'paused';
      if (s === 'past_due' || s === 'unpaid') return 'past_due';
      if (s === 'active' || s === 'trialing') return 'active';
      if (s === 'paused') return 'paused';
      return current;
    }
  }
}

/** Whether the donor (or the organization) may still change the series. */
export function assertLive(status: RecurringStatus): void {
  if (isFinal(status)) refuse('recurring_gift_stopped', 'This recurring gift has already stopped', 409, { status });
  if (status === 'pending') refuse('recurring_not_started', 'The recurring gift has not started yet', 409);
}

/** Whether the series has made its last payment (a limit on the number of payments). */
export function reachedLastPayment(maxPayments: number | null, paid: number): boolean {
  return maxPayments !== null && paid >= maxPayments;
}
