import type { SettlementFacts, SettlementPlan } from '@ataa/donations';
import { SettlementMismatchError } from '@ataa/donations';
import { BALANCE_TRANSACTION, CHARGED_AT, chargeFacts, describe_, pendingGift, planAll, stateOf } from './plan-kit.js';

/**
 * Scenario: a 60.00 USD gift (3% platform fee = 1.80, Stripe fee 2.04), then a 10.00 refund and a
 * dispute of the other 50.00 (15.00 dispute fee), reported by a mix of events and full reads, in
 * every order. Whatever the order, the same facts are posted once each and the gift ends disputed:
 *   donation 6000, platform fee -180, fee -204, refund -(1000 - 30) (3% of the refund's fee share
 *   returned: 180 * 1000 / 6000 = 30), dispute -5000 -> public balance 6000-180-204-970-5000 = -354
 */
const gift = pendingGift({ amount: 6_000n, chosenAmount: 6_000n });
const bt = { ...BALANCE_TRANSACTION, amount: 6_000, fee: 204 };
const charge = { ...chargeFacts(bt).charge!, amount: 6_000 };
const refund = { id: 're_1', amount: 1_000, status: 'succeeded', created: CHARGED_AT + 60, metadata: {}, balance_transaction: null };
const dispute = {
  id: 'dp_1', amount: 5_000, status: 'needs_response', reason: 'fraudulent', created: CHARGED_AT + 120,
  balance_transactions: [{ id: 'txn_dp', currency: 'usd', amount: -5_000, fee: 1_500, exchange_rate: null, created: CHARGED_AT + 120, reporting_category: 'dispute' }],
};
const sources: Record<string, SettlementFacts> = {
  chargeEvent: { session: null, paymentIntentId: 'pi_1', charge: { ...charge, balance_transaction: null }, refunds: null, disputes: null },
  feeEvent: { session: null, paymentIntentId: 'pi_1', charge, refunds: null, disputes: null },
  refundRead: { session: null, paymentIntentId: 'pi_1', charge, refunds: [refund], disputes: [] },
  disputeRead: { session: { status: 'complete', payment_status: 'paid' }, paymentIntentId: 'pi_1', charge, refunds: [refund], disputes: [dispute] },
};
const permutations = <T>(items: T[]): T[][] => items.length <= 1 ? [items] : items.flatMap((x, i) => permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [x, ...rest]));

const facts = (plans: SettlementPlan[]) => plans.flatMap(describe_).sort((a, b) => (a.fact < b.fact ? -1 : 1));

describe('scenario: gift, fee, refund and dispute reported in any order', () => {
  const orders = permutations(Object.keys(sources));
  const outcomes = orders.map((order) => planAll(stateOf(gift), order.map((k) => sources[k])));

  it('every one of the 24 orders posts the same facts once each', () => {
    const first = facts(outcomes[0]);
    expect(first.map((f) => f.fact)).toEqual([
      'dispute:dp_1', 'dispute_fee:dp_1', 'donation:ch_1', 'platform_fee:ch_1', 'platform_fee_refund:re_1', 'processing_fee:txn_1', 'refund:re_1',
    ]);
    for (const plans of outcomes) expect(facts(plans)).toEqual(first);
  });

  it('every order ends disputed, 10.00 refunded, 50.00 disputed, fee 2.04, platform fee 1.80, one receipt and one refund notice', () => {
    for (const plans of outcomes) {
      const last = plans[plans.length - 1].next.donation;
      expect({ status: last.status, refunded: last.refundedAmount, disputed: last.disputedAmount, fee: last.processingFee, platformFee: last.platformFee })
        .toEqual({ status: 'disputed', refunded: 1_000n, disputed: 5_000n, fee: 204n, platformFee: 180n });
      expect(plans.flatMap((p) => p.outbox).map((m) => m.kind).sort()).toEqual(['donation_receipt', 'refund_notice']);
    }
  });

  it('publicly: 6000 - 180 - 204 - 970 - 5000 = -354 (the dispute fee is the platform\'s, not shown)', () => {
    for (const plans of outcomes) {
      expect(plans.flatMap((p) => p.entries).reduce((sum, e) => sum + (e.public?.amount ?? 0n), 0n)).toBe(-354n);
    }
  });

  it('a charge that does not match the gift is refused, never posted', () => {
    expect(() => planAll(stateOf(gift), [{ ...sources.chargeEvent, charge: { ...charge, amount: 5_999 } }])).toThrow(SettlementMismatchError);
  });

  it('an anonymous gift carries a salted commitment and no name; the salt is kept for the receipt', () => {
    const [plan] = planAll(stateOf(pendingGift({ anonymous: true })), [chargeFacts()]);
    expect(plan.entries[0].public).toMatchObject({ donorDisplayName: null, donorCommitment: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(plan.newCommitmentSalt).toBe('ab'.repeat(32));
    expect(plan.next.donation.donorCommitmentSalt).toBe('ab'.repeat(32));
  });

  it('a paid session before its charge marks the gift paid and pending; the charge settles it', () => {
    const [paid, settled] = planAll(stateOf(gift), [
      { session: { status: 'complete', payment_status: 'paid' }, paymentIntentId: 'pi_1', charge: null, refunds: null, disputes: null },
      sources.chargeEvent,
    ]);
    expect(paid).toMatchObject({ status: 'pending', entries: [], donation: { kind: 'unsettled', status: 'pending', paymentStatus: 'paid', paymentIntentId: 'pi_1' } });
    expect(paid.next.donation.paymentStatus).toBe('paid');
    expect(settled.status).toBe('succeeded');
    expect(settled.entries.map((e) => e.input.kind)).toEqual(['donation', 'platform_fee']);
  });

  it('an expired session before payment expires the gift; a later charge still settles it (money received is never ignored)', () => {
    const [expired, settled] = planAll(stateOf(gift), [
      { session: { status: 'expired', payment_status: 'unpaid' }, paymentIntentId: null, charge: null, refunds: null, disputes: null },
      sources.chargeEvent,
    ]);
    expect(expired.status).toBe('expired');
    expect(expired.entries).toEqual([]);
    expect(settled.status).toBe('succeeded');
  });
});
