import type { Donation, GiftState, IdSource, SettlementFacts, SettlementPlan } from '@ataa/donations';
import { planSettlement } from '@ataa/donations';

/** A pending 50.00 USD card gift with a 3% platform fee, as the checkout recorded it. */
export function pendingGift(overrides: Partial<Donation> = {}): Donation {
  return {
    id: '22222222-2222-4222-8222-222222222222', campaignId: '11111111-1111-4111-8111-111111111111', organizationId: '33333333-3333-4333-8333-333333333333',
    status: 'pending', currency: 'usd', amount: 5_000n, chosenAmount: 5_000n, coveredFees: 0n, platformFeeBps: 300, platformFee: null, processingFee: null,
    refundedAmount: 0n, disputedAmount: 0n, donorName: 'Layla', donorEmail: 'layla@example.org', anonymous: false, publicMessage: 'For the well', messageReview: null,
    locale: 'en', donorCommitmentSalt: null, publicLeafIndex: null, stripeCheckoutSessionId: 'cs_test_1', stripePaymentIntentId: null, stripeChargeId: null,
    paymentStatus: null, createdAt: new Date('2026-03-01T10:00:00Z'), updatedAt: new Date('2026-03-01T10:00:00Z'), settledAt: null, ...overrides,
  };
}

export const stateOf = (donation: Donation): GiftState => ({ donation, posted: new Set(), refunds: [], disputes: [] });

let counter = 0;
/** Fixed ids: plans are the same in every run. */
export const FIXED_IDS: IdSource = {
  uuid: () => `00000000-0000-4000-8000-${String(++counter).padStart(12, '0')}`,
  salt: () => 'ab'.repeat(32),
};

export const CHARGED_AT = 1_772_359_300; // 2026-03-01T10:01:40Z
export const chargeFacts = (balanceTransaction: SettlementFacts['charge'] extends infer C ? C extends { balance_transaction: infer B } ? B : never : never = null): SettlementFacts => ({
  session: null, paymentIntentId: 'pi_1', refunds: null, disputes: null,
  charge: { id: 'ch_1', status: 'succeeded', paid: true, amount: 5_000, currency: 'usd', created: CHARGED_AT, balance_transaction: balanceTransaction },
});
/** Stripe's card fee on 50.00: 2.9% + 0.30 = 1.45 + 0.30 = 1.75. */
export const BALANCE_TRANSACTION = { id: 'txn_1', currency: 'usd', amount: 5_000, fee: 175, exchange_rate: null, created: CHARGED_AT + 2 };

/** Plans facts one after the other on the state each plan leaves (as a batch does). */
export function planAll(state: GiftState, facts: SettlementFacts[]): SettlementPlan[] {
  const plans: SettlementPlan[] = [];
  for (const f of facts) {
    const plan = planSettlement(state, f, FIXED_IDS);
    plans.push(plan);
    state = plan.next;
  }
  return plans;
}

/** Each entry as "kind source: account amount, ..." and its public amount, for readable expectations. */
export const describe_ = (plan: SettlementPlan) => plan.entries.map((e) => ({
  fact: `${e.input.kind}:${e.input.sourceId}`,
  postings: e.input.postings.map((p) => `${p.account.replace(/^campaign:[0-9a-f-]+:/, 'campaign:')} ${p.amount}`),
  public: e.public ? `${e.public.kind} ${e.public.amount}` : null,
}));
