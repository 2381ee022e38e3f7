import { nextRecurringStatus, type RecurringStatus, type SettlementFacts } from '@ataa/donations';
import { describe_, pendingGift, planAll, stateOf } from './plan-kit.js';

/**
 * Scenario: a weekly gift of 5.00 USD is cancelled by its donor (one-click link) right after a
 * payment was taken; that invoice's events arrive after the cancellation.
 *   the last payment (ch_last): donation +5.00, platform fee 3% of 500 = 15; Stripe's fee 2.9% + 0.30 = 14.5 -> 15 (Stripe rounds) + 30 = 45
 *   -> the campaign reads 5.00 - 0.15 - 0.45 = 4.40; nothing after it.
 * Money Stripe took is posted whatever the series' state; the series stays cancelled.
 */
const PAID_AT = 1_775_600_000;
const last: SettlementFacts = {
  session: null, paymentIntentId: 'pi_last', refunds: null, disputes: null,
  charge: { id: 'ch_last', status: 'succeeded', paid: true, amount: 500, currency: 'usd', created: PAID_AT, balance_transaction: { id: 'txn_last', currency: 'usd', amount: 500, fee: 45, exchange_rate: null, created: PAID_AT + 2 } },
};

describe('scenario: a recurring gift cancelled while its last payment is still being reported', () => {
  it('the cancellation is final: the late paid invoice, a failure, a pause or Stripe saying active change nothing', () => {
    let s: RecurringStatus = nextRecurringStatus('active', { kind: 'stop', reason: 'donor' });
    expect(s).toBe('cancelled');
    for (const late of [{ kind: 'paid' }, { kind: 'payment_failed' }, { kind: 'resume' }, { kind: 'stripe_status', status: 'active', pausedCollection: false }] as const) {
      s = nextRecurringStatus(s, late);
    }
    expect(s).toBe('cancelled');
    // And the deletion event Stripe sends afterwards names no other reason: still cancelled (by the donor).
    expect(nextRecurringStatus(s, { kind: 'stop', reason: 'stripe' })).toBe('cancelled');
  });

  it('the payment taken before the cancellation is posted once, with its receipt', () => {
    const gift = pendingGift({ amount: 500n, chosenAmount: 500n, publicMessage: null, stripeCheckoutSessionId: null, stripePaymentIntentId: 'pi_last' });
    const [paid, again] = planAll(stateOf(gift), [last, last]);
    expect(describe_(paid).map((e) => e.public)).toEqual(['donation 500', 'platform_fee -15', 'fee -45']);
    expect(paid.outbox).toHaveLength(1);
    expect(again.entries).toEqual([]);
    expect(paid.entries.reduce((sum, e) => sum + (e.public?.amount ?? 0n), 0n)).toBe(440n);
  });
});
