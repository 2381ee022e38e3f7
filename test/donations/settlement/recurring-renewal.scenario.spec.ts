import { nextRecurringStatus, type SettlementFacts } from '@ataa/donations';
import { describe_, pendingGift, planAll, stateOf } from './plan-kit.js';

/**
 * Scenario: a monthly gift of 10.00 USD, 3% platform fee. Each paid invoice becomes its own
 * donation row (made once: the invoice id is unique) and is planned exactly like a one-time gift.
 *   renewal (invoice in_2, charge ch_2): donation +10.00, platform fee 3% of 1000 = 30 -> 9.70
 *   its balance transaction:             Stripe's fee 2.9% + 0.30 = 29 + 30 = 59      -> 9.11
 * Over two renewals the campaign reads 2 x 9.11 = 18.22 on its public ledger.
 */
const CHARGED_AT = 1_775_000_000;
const renewal = (n: number) => pendingGift({
  id: `22222222-2222-4222-8222-00000000000${n}`, amount: 1_000n, chosenAmount: 1_000n, publicMessage: 'Every month',
  stripeCheckoutSessionId: null, stripePaymentIntentId: `pi_${n}`,
});
const paidIntent = (n: number): SettlementFacts => ({ session: { status: null, payment_status: 'paid' }, paymentIntentId: `pi_${n}`, charge: null, refunds: null, disputes: null });
const charge = (n: number, bt: boolean): SettlementFacts => ({
  session: null, paymentIntentId: `pi_${n}`, refunds: null, disputes: null,
  charge: {
    id: `ch_${n}`, status: 'succeeded', paid: true, amount: 1_000, currency: 'usd', created: CHARGED_AT + n * 2_592_000,
    balance_transaction: bt ? { id: `txn_${n}`, currency: 'usd', amount: 1_000, fee: 59, exchange_rate: null, created: CHARGED_AT + n * 2_592_000 + 2 } : null,
  },
});

describe('scenario: a monthly gift renews; each paid invoice is one gift, posted once', () => {
  // The invoice's events as the worker sees them: the PaymentIntent paid, the charge, the charge with its fee, all again.
  const second = planAll(stateOf(renewal(2)), [paidIntent(2), charge(2, false), charge(2, true), charge(2, true), paidIntent(2)]);
  const third = planAll(stateOf(renewal(3)), [charge(3, true), paidIntent(3), charge(3, false)]);

  it('the renewal is marked paid, then settled by its charge: donation and platform fee with their public entries, one receipt', () => {
    expect(second[0].entries).toEqual([]);
    expect(second[0].next.donation.paymentStatus).toBe('paid');
    expect(describe_(second[1])).toEqual([
      { fact: 'donation:ch_2', postings: ['platform:stripe_balance 1000', 'campaign:funds -1000'], public: 'donation 1000' },
      { fact: 'platform_fee:ch_2', postings: ['campaign:funds 30', 'platform:fee_revenue -30'], public: 'platform_fee -30' },
    ]);
    expect(second[1].outbox).toEqual([{ kind: 'donation_receipt', aggregateId: renewal(2).id, payload: { donationId: renewal(2).id } }]);
    expect(second[1].entries[0].public).toMatchObject({ donorDisplayName: 'Layla', publicMessage: 'Every month' });
  });

  it('its fee is posted once when the balance transaction comes; the duplicates plan nothing', () => {
    expect(describe_(second[2])).toEqual([{
      fact: 'processing_fee:txn_2',
      postings: ['platform:processing_fees 59', 'platform:stripe_balance -59', 'campaign:funds 59', 'platform:processing_fees -59'],
      public: 'fee -59',
    }]);
    for (const again of second.slice(3)) {
      expect(again.entries).toEqual([]);
      expect(again.outbox).toEqual([]);
    }
  });

  it('the next renewal in another order (fee first) posts the same, once', () => {
    expect(third[0].entries.map((e) => `${e.input.kind}:${e.input.sourceId}`)).toEqual(['donation:ch_3', 'platform_fee:ch_3', 'processing_fee:txn_3']);
    expect(third.slice(1).flatMap((p) => p.entries)).toEqual([]);
    expect(third.flatMap((p) => p.outbox)).toHaveLength(1);
  });

  it('the campaign reads 2 x (10.00 - 0.30 - 0.59) = 18.22 on its public ledger, and the series stays active', () => {
    const publicTotal = [...second, ...third].flatMap((p) => p.entries).reduce((sum, e) => sum + (e.public?.amount ?? 0n), 0n);
    expect(publicTotal).toBe(1_822n);
    expect(nextRecurringStatus(nextRecurringStatus('active', { kind: 'paid' }), { kind: 'paid' })).toBe('active');
  });
});
