import { campaignFundsAccount, type MoneyPlan } from '@ataa/ledger';
import { payoutsPendingAccount, planClose, planFailure, planHold, planReversals, planTransfer, type PayoutState } from '@ataa/payouts';
import { balances, liability } from './scenario-balances.js';

/**
 * Money scenario: three payout requests on a campaign that never leave it. 30.00 is cancelled by
 * the organization, 25.00 rejected by an operator, 45.00 fails at Stripe (its message and code cut
 * to what the columns hold). Each hold is released in full, so the campaign's funds and its
 * payouts_pending account end where they started, and nothing ever reaches the public ledger.
 *
 *   holds:     funds -30.00 -25.00 -45.00 = -100.00, pending +100.00
 *   releases:  funds +30.00 +25.00 +45.00 = +100.00, pending 0
 */
const campaignId = '11111111-1111-4111-8111-111111111111';
const funds = campaignFundsAccount(campaignId);
const pending = payoutsPendingAccount(campaignId);
const at = new Date('2026-11-20T10:00:00Z');
const later = new Date('2026-11-21T10:00:00Z');
const payout = (id: string, amount: bigint, status: PayoutState['status']): PayoutState => ({ id, campaignId, currency: 'usd', amount, status, purpose: 'Seeds', amountReversed: 0n });
const inputs = (...plans: MoneyPlan[]) => plans.flatMap((p) => p.entries.map((e) => e.input));

describe('scenario: a cancelled, a rejected and a failed payout', () => {
  const cancelled = payout('p-cancel', 3_000n, 'approved');
  const rejected = payout('p-reject', 2_500n, 'pending_approval');
  const failed = payout('p-fail', 4_500n, 'processing');
  const holds = [cancelled, rejected, failed].map((p) => planHold({ payoutId: p.id, campaignId, currency: 'usd', amount: p.amount, occurredAt: at }));
  const cancel = planClose(cancelled, 'cancelled', later);
  const reject = planClose(rejected, 'rejected', later);
  const failure = planFailure(failed, { code: 'x'.repeat(120), message: 'm'.repeat(1_200) }, later);

  it('the three holds take 30.00 + 25.00 + 45.00 = 100.00 from the funds into payouts_pending', () => {
    const b = balances(inputs(...holds));
    expect(liability(b, funds)).toBe(-10_000n);
    expect(liability(b, pending)).toBe(10_000n);
  });

  it('each release gives its whole hold back, with the reason in its metadata and a notice of that event', () => {
    expect([cancel, reject, failure].map((p) => p.entries.map((e) => [e.input.kind, e.input.sourceId, e.input.metadata]))).toEqual([
      [['payout_hold_release', 'p-cancel', { payout_id: 'p-cancel', reason: 'cancelled' }]],
      [['payout_hold_release', 'p-reject', { payout_id: 'p-reject', reason: 'rejected' }]],
      [['payout_hold_release', 'p-fail', { payout_id: 'p-fail', reason: 'failed' }]],
    ]);
    expect([cancel, reject, failure].flatMap((p) => p.outbox.map((m) => m.dedupeKey)))
      .toEqual(['payout_notice:cancelled:p-cancel', 'payout_notice:rejected:p-reject', 'payout_notice:failed:p-fail']);
    const b = balances(inputs(...holds, cancel, reject, failure));
    expect(liability(b, funds)).toBe(0n); // -100.00 + 100.00
    expect(liability(b, pending)).toBe(0n);
  });

  it('nothing of it is public', () => {
    expect([...holds, cancel, reject, failure].flatMap((p) => p.entries).filter((e) => e.public)).toEqual([]);
  });

  it('a cancel or rejection leaves the row to the caller (who decided); a failure records its code (100) and message (1000) cut', () => {
    expect(cancel.change).toBeNull();
    expect(reject.change).toBeNull();
    expect(failure.change).toEqual({ kind: 'failed', failureCode: 'x'.repeat(100), failureMessage: 'm'.repeat(1_000) });
  });

  it('a transfer of another amount or currency is never posted', () => {
    expect(() => planTransfer(failed, { id: 'tr_x', amount: 4_400, currency: 'usd', created: 1_795_000_000 }, [])).toThrow('transfer tr_x (4400 usd) does not match payout p-fail');
    expect(() => planTransfer(failed, { id: 'tr_y', amount: 4_500, currency: 'eur', created: 1_795_000_000 }, [])).toThrow('does not match payout p-fail');
  });

  it('reversals: none for a payout never paid; one still processing must be recorded first (retried)', () => {
    expect(planReversals(cancelled, 'tr_1', [{ id: 'trr_1', amount: 100, created: 1 }], new Set())).toMatchObject({ outcome: 'not_paid', entries: [], change: null });
    expect(() => planReversals(failed, 'tr_1', [{ id: 'trr_1', amount: 100, created: 1 }], new Set()))
      .toThrow('payout p-fail: transfer tr_1 is reversed but not recorded yet; retrying');
  });
});
