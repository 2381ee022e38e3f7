import { DomainError } from '@ataa/common';
import { intervalOf, nextRecurringStatus, reachedLastPayment, recurringTerms, RECURRING_STATUSES, type RecurringStatus } from './recurring-gift.js';

const usd = { currency: 'usd', minimumAmount: null, maximumAmount: null, platformFeeBps: 500, offerCoverFees: true };
const kwd = { ...usd, currency: 'kwd' };
const now = new Date(Date.UTC(2027, 0, 15, 12));

function refusal(fn: () => unknown): { code: string; status: number } {
  try {
    fn();
  } catch (error) {
    if (error instanceof DomainError) return { code: error.code, status: error.status };
    throw error;
  }
  throw new Error('not refused');
}

describe('recurring gift terms', () => {
  it('reads the form frequency: once is a one-time gift, monthly and weekly are the intervals offered', () => {
    expect(intervalOf(undefined)).toBeNull();
    expect(intervalOf('')).toBeNull();
    expect(intervalOf('once')).toBeNull();
    expect(intervalOf('monthly')).toBe('month');
    expect(intervalOf('weekly')).toBe('week');
  });

  it.each(['daily', 'yearly', 'month', 'Monthly', 'every-friday'])('refuses the interval %s with 400 interval_not_offered', (frequency) => {
    expect(refusal(() => intervalOf(frequency))).toEqual({ code: 'interval_not_offered', status: 400 });
    expect(refusal(() => recurringTerms({ frequency, amount: '10' }, usd, now))).toEqual({ code: 'interval_not_offered', status: 400 });
  });

  it('takes an amount in the campaign currency exactly, without covered fees', () => {
    // 25.50 USD = 2550 cents; a KWD amount has three decimals (Stripe charges whole tens of fils): 5.120 KWD = 5120 fils.
    expect(recurringTerms({ frequency: 'monthly', amount: '25.50' }, usd, now)).toEqual({ interval: 'month', amount: 2550n, endsAt: null, maxPayments: null });
    expect(recurringTerms({ frequency: 'weekly', amount: '5.120' }, kwd, now).amount).toBe(5120n);
  });

  it('refuses an amount below the currency minimum (Stripe: 0.50 USD) and below the campaign minimum', () => {
    expect(refusal(() => recurringTerms({ frequency: 'monthly', amount: '0.49' }, usd, now))).toEqual({ code: 'amount_below_minimum', status: 400 });
    expect(refusal(() => recurringTerms({ frequency: 'monthly', amount: '4' }, { ...usd, minimumAmount: 500n }, now))).toEqual({ code: 'amount_below_minimum', status: 400 });
    expect(refusal(() => recurringTerms({ frequency: 'monthly', amount: 'ten' }, usd, now))).toEqual({ code: 'amount_not_integer', status: 400 });
  });

  it('takes an end date after today, the series running through that day (UTC)', () => {
    const terms = recurringTerms({ frequency: 'monthly', amount: '10', endDate: '2027-12-31' }, usd, now);
    expect(terms.endsAt).toEqual(new Date(Date.UTC(2027, 11, 31, 23, 59, 59)));
    expect(terms.maxPayments).toBeNull();
  });

  it.each([['2027-01-15', 'today'], ['2027-01-14', 'yesterday'], ['2020-06-01', 'years ago']])('refuses the end date %s (%s) with 422 end_before_start', (endDate) => {
    expect(refusal(() => recurringTerms({ frequency: 'monthly', amount: '10', endDate }, usd, now))).toEqual({ code: 'end_before_start', status: 422 });
  });

  it('refuses dates that are not dates, ends too far away, and both kinds of end at once', () => {
    expect(refusal(() => recurringTerms({ frequency: 'monthly', amount: '10', endDate: '2027-02-30' }, usd, now)).code).toBe('end_date_invalid');
    expect(refusal(() => recurringTerms({ frequency: 'monthly', amount: '10', endDate: '31/12/2027' }, usd, now)).code).toBe('end_date_invalid');
    expect(refusal(() => recurringTerms({ frequency: 'monthly', amount: '10', endDate: '2040-01-01' }, usd, now))).toEqual({ code: 'end_date_too_far', status: 422 });
    expect(refusal(() => recurringTerms({ frequency: 'monthly', amount: '10', endDate: '2027-12-31', payments: '12' }, usd, now)).code).toBe('end_ambiguous');
  });

  it('takes a number of payments from 2 to 520', () => {
    expect(recurringTerms({ frequency: 'weekly', amount: '10', payments: '12' }, usd, now).maxPayments).toBe(12);
    expect(refusal(() => recurringTerms({ frequency: 'weekly', amount: '10', payments: '1' }, usd, now))).toEqual({ code: 'payments_out_of_range', status: 422 });
    expect(refusal(() => recurringTerms({ frequency: 'weekly', amount: '10', payments: '521' }, usd, now))).toEqual({ code: 'payments_out_of_range', status: 422 });
    expect(refusal(() => recurringTerms({ frequency: 'weekly', amount: '10', payments: '3.5' }, usd, now)).code).toBe('payments_invalid');
    expect(refusal(() => recurringTerms({ frequency: 'weekly', amount: '10', payments: '-3' }, usd, now)).code).toBe('payments_invalid');
  });

  it('knows when the last payment was made', () => {
    expect(reachedLastPayment(null, 500)).toBe(false);
    expect(reachedLastPayment(12, 11)).toBe(false);
    expect(reachedLastPayment(12, 12)).toBe(true);
  });
});

describe('recurring gift state machine', () => {
  const stripe = (status: string, pausedCollection = false) => ({ kind: 'stripe_status', status, pausedCollection }) as const;

  it('follows a series from checkout to renewals, a failure, a retry that succeeds, and cancellation', () => {
    let s: RecurringStatus = 'pending';
    s = nextRecurringStatus(s, stripe('incomplete')); // the subscription made by Checkout, first invoice not paid yet
    expect(s).toBe('pending');
    s = nextRecurringStatus(s, { kind: 'paid' });
    expect(s).toBe('active');
    s = nextRecurringStatus(s, { kind: 'payment_failed' });
    expect(s).toBe('past_due');
    s = nextRecurringStatus(s, stripe('past_due'));
    expect(s).toBe('past_due');
    s = nextRecurringStatus(s, { kind: 'paid' }); // Stripe's retry succeeded
    expect(s).toBe('active');
    s = nextRecurringStatus(s, { kind: 'stop', reason: 'donor' });
    expect(s).toBe('cancelled');
  });

  it('never leaves a final state, whatever comes after (late or reordered events)', () => {
    for (const final of ['cancelled', 'ended'] as const) {
      for (const event of [{ kind: 'paid' }, { kind: 'payment_failed' }, { kind: 'pause' }, { kind: 'resume' }, stripe('active'), { kind: 'stop', reason: 'donor' }] as const) {
        expect(nextRecurringStatus(final, event)).toBe(final);
      }
    }
  });

  it('ends a series that reached its end and cancels any other stop', () => {
    expect(nextRecurringStatus('active', { kind: 'stop', reason: 'schedule' })).toBe('ended');
    for (const reason of ['donor', 'campaign_closed', 'payment_failed', 'stripe', 'erasure'] as const) {
      expect(nextRecurringStatus('past_due', { kind: 'stop', reason })).toBe('cancelled');
    }
  });

  it('pauses and resumes a live series; a payment already under way does not resume a paused one', () => {
    expect(nextRecurringStatus('active', { kind: 'pause' })).toBe('paused');
    expect(nextRecurringStatus('past_due', { kind: 'pause' })).toBe('paused');
    expect(nextRecurringStatus('paused', { kind: 'paid' })).toBe('paused');
    expect(nextRecurringStatus('paused', { kind: 'payment_failed' })).toBe('paused');
    expect(nextRecurringStatus('paused', { kind: 'resume' })).toBe('active');
    expect(nextRecurringStatus('active', { kind: 'resume' })).toBe('active');
    expect(() => nextRecurringStatus('pending', { kind: 'pause' })).toThrow(DomainError);
  });

  it('maps Stripe subscription statuses', () => {
    expect(nextRecurringStatus('pending', stripe('active'))).toBe('active');
    expect(nextRecurringStatus('active', stripe('past_due'))).toBe('past_due');
    expect(nextRecurringStatus('active', stripe('unpaid'))).toBe('past_due');
    expect(nextRecurringStatus('active', stripe('active', true))).toBe('paused');
    expect(nextRecurringStatus('past_due', stripe('canceled'))).toBe('cancelled');
    expect(nextRecurringStatus('active', stripe('something_new'))).toBe('active');
  });

  it('lists every state', () => {
    expect(RECURRING_STATUSES).toEqual(['pending', 'active', 'past_due', 'paused', 'cancelled', 'ended']);
  });
});
