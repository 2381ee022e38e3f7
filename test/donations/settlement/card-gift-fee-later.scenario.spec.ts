import type { SettlementFacts } from '@ataa/donations';
import { describe_, pendingGift, planAll, stateOf, chargeFacts, BALANCE_TRANSACTION } from './plan-kit.js';

/**
 * Scenario: a 50.00 USD card gift, 3% platform fee, planned from Stripe's events alone. The charge
 * arrives first (charge.succeeded: no balance transaction yet), its fee later (charge.updated, the
 * balance transaction listed in bulk). Between the two the gift is settled with its fee pending.
 *   charge.succeeded: donation +50.00, platform fee 3% of 5000 = 150 -> campaign reads 48.50
 *   charge.updated:   Stripe's fee 1.75 (2.9% + 0.30)             -> campaign reads 46.75
 */
describe('scenario: card gift settled from its events, fee posted when its balance transaction arrives', () => {
  const [settled, fee, again] = planAll(stateOf(pendingGift()), [chargeFacts(), chargeFacts(BALANCE_TRANSACTION), chargeFacts(BALANCE_TRANSACTION)]);

  it('the charge settles the gift: donation and platform fee posted, each with its public entry; one receipt queued', () => {
    expect(describe_(settled)).toEqual([
      { fact: 'donation:ch_1', postings: ['platform:stripe_balance 5000', 'campaign:funds -5000'], public: 'donation 5000' },
      { fact: 'platform_fee:ch_1', postings: ['campaign:funds 150', 'platform:fee_revenue -150'], public: 'platform_fee -150' },
    ]);
    expect(settled.status).toBe('succeeded');
    expect(settled.outbox).toEqual([{ kind: 'donation_receipt', aggregateId: settled.donationId, payload: { donationId: settled.donationId } }]);
    // The named donor and the message go on the gift's own public entry only.
    expect(settled.entries[0].public).toMatchObject({ donorDisplayName: 'Layla', donorCommitment: null, publicMessage: 'For the well' });
    expect(settled.entries[1].public).toMatchObject({ donorDisplayName: null, publicMessage: null });
  });

  it('until the balance transaction comes, the fee is pending: processing fee null, never a guessed amount', () => {
    expect(settled.donation).toMatchObject({ kind: 'settled', platformFee: 150n, processingFee: null, chargeId: 'ch_1' });
    expect(settled.next.donation.processingFee).toBeNull();
  });

  it('the balance transaction posts the processing fee once (4 postings: Stripe keeps it, the campaign bears it), with no second receipt', () => {
    expect(describe_(fee)).toEqual([{
      fact: 'processing_fee:txn_1',
      postings: ['platform:processing_fees 175', 'platform:stripe_balance -175', 'campaign:funds 175', 'platform:processing_fees -175'],
      public: 'fee -175',
    }]);
    expect(fee.outbox).toEqual([]);
    expect(fee.donation).toMatchObject({ kind: 'settled', status: 'succeeded', platformFee: 150n, processingFee: 175n });
  });

  it('the same event again plans nothing, and leaves the donation row alone', () => {
    expect(again.entries).toEqual([]);
    expect(again.donation).toBeNull();
    expect(again.outbox).toEqual([]);
    expect(again.status).toBe('succeeded');
  });

  it('the campaign reads 50.00 - 1.50 - 1.75 = 46.75 on its public ledger', () => {
    const publicTotal = [settled, fee].flatMap((p) => p.entries).reduce((sum, e) => sum + (e.public?.amount ?? 0n), 0n);
    expect(publicTotal).toBe(4_675n);
  });

  it('a balance transaction with no fee makes the fee known (0), not pending', () => {
    const [plan] = planAll(stateOf(pendingGift()), [chargeFacts({ ...BALANCE_TRANSACTION, fee: 0 })]);
    expect(plan.donation).toMatchObject({ processingFee: 0n });
    expect(plan.entries.map((e) => e.input.kind)).toEqual(['donation', 'platform_fee']);
  });
});

describe('scenario: the events of one payment that add nothing leave the donation row alone', () => {
  const paid = (paymentIntentId: string | null): SettlementFacts => ({ session: { status: 'complete', payment_status: 'paid' }, paymentIntentId, charge: null, refunds: null, disputes: null });

  it('the session marks the gift paid; the payment intent event after it changes nothing and writes nothing', () => {
    const [session, intent] = planAll(stateOf(pendingGift()), [paid('pi_1'), paid('pi_1')]);
    expect(session.donation).toMatchObject({ kind: 'unsettled', status: 'pending', paymentStatus: 'paid', paymentIntentId: 'pi_1' });
    expect(intent.donation).toBeNull();
    expect(intent.next.donation).toMatchObject({ status: 'pending', paymentStatus: 'paid', stripePaymentIntentId: 'pi_1' });
  });

  it('once settled, the payment events and the charge again write nothing; the fee still does', () => {
    const [settled, session, again, fee] = planAll(stateOf(pendingGift()), [chargeFacts(), paid('pi_1'), chargeFacts(), chargeFacts(BALANCE_TRANSACTION)]);
    expect(settled.donation).toMatchObject({ kind: 'settled', processingFee: null });
    expect(session.donation).toBeNull();
    expect(again.donation).toBeNull();
    expect(fee.donation).toMatchObject({ kind: 'settled', processingFee: 175n });
  });
});
