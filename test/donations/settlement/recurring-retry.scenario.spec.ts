import { nextRecurringStatus, type SettlementFacts } from '@ataa/donations';
import { describe_, pendingGift, planAll, stateOf } from './plan-kit.js';

/**
 * Scenario: a 20.00 USD monthly renewal fails, and Stripe's retry three days later succeeds.
 *   attempt 1 (charge ch_fail, declined): nothing is posted; the series is past due (the donor is e-mailed)
 *   retry (charge ch_ok): donation +20.00, platform fee 3% of 2000 = 60; Stripe's fee 2.9% + 0.30 = 58 + 30 = 88
 *   -> the campaign reads 20.00 - 0.60 - 0.88 = 18.52
 * A late payment_failed of the same invoice (its failed charge read after the retry paid) changes nothing.
 */
const RETRIED_AT = 1_775_300_000;
const gift = pendingGift({ amount: 2_000n, chosenAmount: 2_000n, publicMessage: null, stripeCheckoutSessionId: null, stripePaymentIntentId: 'pi_r' });
const failed: SettlementFacts = {
  session: null, paymentIntentId: 'pi_r', refunds: null, disputes: null,
  charge: { id: 'ch_fail', status: 'failed', paid: false, amount: 2_000, currency: 'usd', created: RETRIED_AT - 259_200, balance_transaction: null },
};
const retried: SettlementFacts = {
  session: null, paymentIntentId: 'pi_r', refunds: null, disputes: null,
  charge: { id: 'ch_ok', status: 'succeeded', paid: true, amount: 2_000, currency: 'usd', created: RETRIED_AT, balance_transaction: { id: 'txn_ok', currency: 'usd', amount: 2_000, fee: 88, exchange_rate: null, created: RETRIED_AT + 2 } },
};

describe('scenario: a renewal fails, then Stripe retries it successfully', () => {
  it('the failure posts nothing and makes the series past due', () => {
    // The invoice is not paid: it has no gift yet. Its failed charge, if a gift of it were planned, posts nothing either.
    const [plan] = planAll(stateOf(gift), [failed]);
    expect(plan.entries).toEqual([]);
    expect(plan.outbox).toEqual([]);
    expect(nextRecurringStatus('active', { kind: 'payment_failed' })).toBe('past_due');
  });

  it('the retry posts the gift once with its fee, one receipt; the late failure after it plans nothing', () => {
    const [paid, lateFailure, again] = planAll(stateOf(gift), [retried, failed, retried]);
    expect(describe_(paid)).toEqual([
      { fact: 'donation:ch_ok', postings: ['platform:stripe_balance 2000', 'campaign:funds -2000'], public: 'donation 2000' },
      { fact: 'platform_fee:ch_ok', postings: ['campaign:funds 60', 'platform:fee_revenue -60'], public: 'platform_fee -60' },
      { fact: 'processing_fee:txn_ok', postings: ['platform:processing_fees 88', 'platform:stripe_balance -88', 'campaign:funds 88', 'platform:processing_fees -88'], public: 'fee -88' },
    ]);
    expect(paid.outbox).toHaveLength(1);
    expect(paid.status).toBe('succeeded');
    expect(lateFailure.entries).toEqual([]);
    expect(lateFailure.status).toBe('succeeded');
    expect(again.entries).toEqual([]);
    const publicTotal = paid.entries.reduce((sum, e) => sum + (e.public?.amount ?? 0n), 0n);
    expect(publicTotal).toBe(1_852n);
    expect(nextRecurringStatus('past_due', { kind: 'paid' })).toBe('active');
    // payment_failed delivered after paid: the series stays active only if Stripe still says so; the worker reads the invoice (paid) and changes nothing.
  });
});
