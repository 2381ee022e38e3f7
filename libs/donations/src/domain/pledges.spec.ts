import {
  canMove, graceEnd, GRACE_DAYS, isFinal, mayCompleteNow, move, planChargeOutcome, planGrace, planPledgeBatch, pledgeChargeKey, pledgedTowardGoal,
  pledgeFigures, pledgesOpen, PLEDGE_STATES, PledgeTransitionError, type PledgeItem,
} from './pledges.js';
import { decideCloseOut } from './closeout.js';

const NOW = new Date('2026-12-05T12:00:00Z');
const item = (id: string, seq: number, state: PledgeItem['state'], amount = 1000n): PledgeItem => ({ id, seq, state, amount });

describe('pledge state machine', () => {
  it('allows the pledge lifecycle and nothing else', () => {
    expect(canMove('open', 'pledged')).toBe(true);
    expect(canMove('pledged', 'charging')).toBe(true);
    expect(canMove('charging', 'charging')).toBe(true); // unknown outcome: asked again under the same key
    expect(canMove('charging', 'collected')).toBe(true);
    expect(canMove('charging', 'awaiting_donor')).toBe(true);
    expect(canMove('awaiting_donor', 'collected')).toBe(true);
    expect(canMove('awaiting_donor', 'failed')).toBe(true);
    expect(canMove('pledged', 'released')).toBe(true);
    // Never charged twice, never released once charging, never back from a final state.
    expect(canMove('collected', 'charging')).toBe(false);
    expect(canMove('charging', 'released')).toBe(false);
    expect(canMove('open', 'charging')).toBe(false);
    expect(canMove('released', 'pledged')).toBe(false);
    expect(() => move('failed', 'collected')).toThrow(PledgeTransitionError);
    expect(move('pledged', 'charging')).toBe('charging');
  });

  it('has exactly four final states', () => {
    expect(PLEDGE_STATES.filter(isFinal)).toEqual(['collected', 'failed', 'released', 'cancelled']);
  });
});

describe('goal counted on pledged amounts', () => {
  it('counts only pledges with a saved card not decided yet', () => {
    // 25.00 + 40.00 pledged; the open one (card not saved) and the cancelled one do not count: 65.00.
    expect(pledgedTowardGoal([
      { state: 'pledged', amount: 2500n }, { state: 'pledged', amount: 4000n }, { state: 'open', amount: 9900n }, { state: 'cancelled', amount: 100n },
    ])).toBe(6500n);
  });
});

describe('the close-out decision counts pledges toward the goal', () => {
  const campaign = { fundingModel: 'all_or_nothing' as const, goalAmount: 100_000n };

  it('a goal reached by pledges alone is met (and they are charged)', () => {
    // Goal 1,000.00; no gift, pledges 600.00 + 400.00 = 1,000.00: met.
    expect(decideCloseOut(campaign, { raised: 0n, refunded: 0n, disputed: 0n, pledged: 100_000n })).toEqual({ decision: 'keep', reason: 'goal_met', raised: 100_000n });
  });

  it('a goal one cent short is missed (pledges released, gifts refunded)', () => {
    // 300.00 in gifts + 699.99 pledged = 999.99 < 1,000.00.
    expect(decideCloseOut(campaign, { raised: 30_000n, refunded: 0n, disputed: 0n, pledged: 69_999n })).toMatchObject({ decision: 'refund_all', reason: 'goal_missed' });
  });

  it('a cancelled campaign releases its pledges whatever they add up to', () => {
    expect(decideCloseOut({ ...campaign, status: 'cancelled' }, { raised: 0n, refunded: 0n, disputed: 0n, pledged: 500_000n }).decision).toBe('refund_all');
  });
});

describe('batching planner', () => {
  const pledges = [item('c', 3, 'pledged'), item('a', 1, 'collected'), item('b', 2, 'charging'), item('d', 4, 'pledged'), item('e', 5, 'awaiting_donor')];

  it('charges open pledges lowest sequence first, each under its own key, at most the batch size', () => {
    expect(planPledgeBatch('collect', pledges, 2)).toEqual([
      { kind: 'charge', pledgeId: 'b', amount: 1000n, idempotencyKey: 'pledge-charge:b' },
      { kind: 'charge', pledgeId: 'c', amount: 1000n, idempotencyKey: 'pledge-charge:c' },
    ]);
  });

  it('asks a charging pledge again under the very same key (a resumed run charges it once)', () => {
    const first = planPledgeBatch('collect', [item('b', 2, 'charging')], 10);
    const again = planPledgeBatch('collect', [item('b', 2, 'charging')], 10);
    expect(first).toEqual(again);
    expect(first[0]).toMatchObject({ idempotencyKey: pledgeChargeKey('b') });
  });

  it('releases only pledged ones when the goal is missed', () => {
    expect(planPledgeBatch('release', pledges, 10)).toEqual([{ kind: 'release', pledgeId: 'c' }, { kind: 'release', pledgeId: 'd' }]);
  });

  it('says when work remains and refuses a bad batch size', () => {
    expect(pledgesOpen('collect', pledges)).toBe(true);
    expect(pledgesOpen('collect', [item('a', 1, 'collected'), item('e', 2, 'awaiting_donor')])).toBe(false);
    expect(() => planPledgeBatch('collect', pledges, 0)).toThrow(RangeError);
  });
});

describe('charge outcomes and the grace period', () => {
  it('collects on success, waits for the donor on a card error, stays charging when the outcome is unknown', () => {
    expect(planChargeOutcome({ kind: 'succeeded', paymentIntentId: 'pi_1' }, NOW)).toEqual({ next: 'collected', paymentIntentId: 'pi_1' });
    expect(planChargeOutcome({ kind: 'card_error', code: 'authentication_required', paymentIntentId: 'pi_2' }, NOW)).toEqual({
      next: 'awaiting_donor', paymentIntentId: 'pi_2', reason: 'authentication_required', graceEndsAt: new Date('2026-12-12T12:00:00Z'), notifyDonor: true,
    });
    expect(planChargeOutcome({ kind: 'unknown', reason: 'timeout' }, NOW)).toEqual({ next: 'charging', paymentIntentId: null, reason: 'timeout' });
  });

  it('gives the donor seven days', () => {
    expect(GRACE_DAYS).toBe(7);
    const ends = graceEnd(NOW);
    expect(planGrace({ state: 'awaiting_donor', graceEndsAt: ends, giftSettled: false }, new Date(ends.getTime() - 1))).toBe('waiting');
    expect(planGrace({ state: 'awaiting_donor', graceEndsAt: ends, giftSettled: false }, ends)).toBe('failed');
    // Paid on the last second: collected, even if the sweep runs after the end.
    expect(planGrace({ state: 'awaiting_donor', graceEndsAt: ends, giftSettled: true }, new Date(ends.getTime() + 1000))).toBe('collected');
    expect(planGrace({ state: 'collected', graceEndsAt: null, giftSettled: true }, NOW)).toBe('not_waiting');
    expect(mayCompleteNow({ state: 'awaiting_donor', graceEndsAt: ends }, NOW)).toBe(true);
    expect(mayCompleteNow({ state: 'awaiting_donor', graceEndsAt: ends }, ends)).toBe(false);
    expect(mayCompleteNow({ state: 'failed', graceEndsAt: ends }, NOW)).toBe(false);
  });
});

describe('public figures', () => {
  it('keeps pledged and collected apart', () => {
    // Pledged (unverified): 10.00 + 20.00 = 30.00 in 2 pledges; collected: 50.00 in 1.
    expect(pledgeFigures([
      { state: 'pledged', amount: 1000n }, { state: 'charging', amount: 2000n }, { state: 'collected', amount: 5000n },
      { state: 'awaiting_donor', amount: 700n }, { state: 'released', amount: 300n },
    ])).toEqual({ pledgedCount: 2, pledgedAmount: 3000n, collectedCount: 1, collectedAmount: 5000n, awaitingCount: 1 });
    // The same from groups read with GROUP BY state: 3 pledged summing to 45.00.
    expect(pledgeFigures([{ state: 'pledged', amount: 4500n, count: 3 }])).toMatchObject({ pledgedCount: 3, pledgedAmount: 4500n });
  });
});
