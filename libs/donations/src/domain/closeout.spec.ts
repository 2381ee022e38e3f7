import {
  closeOutStatus, CloseOutGift, decideCloseOut, isDue, itemStatusForRefund, mayCloseOut, nextBatch, payoutsAllowed, planGiftRefund, planItems, raisedTowardGoal, tallyItems,
} from './closeout.js';

const now = new Date('2026-06-01T12:00:00Z');
const before = new Date('2026-06-01T11:59:59Z');
const after = new Date('2026-06-01T12:00:01Z');
const gift = (id: string, over: Partial<CloseOutGift> = {}): CloseOutGift => ({ id, status: 'succeeded', amount: 5_000n, refundedAmount: 0n, disputedAmount: 0n, ...over });

describe('close-out: is a campaign due?', () => {
  it('a running campaign is due once its end date has passed (the end instant included)', () => {
    expect(isDue({ status: 'published', endsAt: before }, now)).toBe(true);
    expect(isDue({ status: 'published', endsAt: now }, now)).toBe(true);
    expect(isDue({ status: 'paused', endsAt: before }, now)).toBe(true);
    expect(isDue({ status: 'published', endsAt: after }, now)).toBe(false);
    expect(isDue({ status: 'published', endsAt: null }, now)).toBe(false);
  });

  it('drafts, cancelled and already ended campaigns are not due; an ended or cancelled one is closed out (by hand, or resuming)', () => {
    expect(isDue({ status: 'draft', endsAt: before }, now)).toBe(false);
    expect(isDue({ status: 'cancelled', endsAt: before }, now)).toBe(false);
    expect(isDue({ status: 'ended', endsAt: before }, now)).toBe(false);
    expect(mayCloseOut({ status: 'ended', endsAt: before }, now)).toBe(true);
    expect(mayCloseOut({ status: 'ended', endsAt: null }, now)).toBe(true);
    expect(mayCloseOut({ status: 'cancelled', endsAt: after }, now)).toBe(true);
    expect(mayCloseOut({ status: 'ended', endsAt: after }, now)).toBe(true); // ended by hand before its end date
    expect(mayCloseOut({ status: 'draft', endsAt: before }, now)).toBe(false);
    expect(mayCloseOut({ status: 'published', endsAt: after }, now)).toBe(false);
  });
});

describe('close-out: goal missed?', () => {
  const goal = 100_000n;

  it('counts the money that stayed: gifts minus refunds and disputes (fees do not count against the goal)', () => {
    expect(raisedTowardGoal({ raised: 120_000n, refunded: 15_000n, disputed: 10_000n })).toBe(95_000n);
  });

  it('an all-or-nothing campaign below its goal refunds everything', () => {
    expect(decideCloseOut({ fundingModel: 'all_or_nothing', goalAmount: goal }, { raised: 99_999n, refunded: 0n, disputed: 0n }))
      .toEqual({ decision: 'refund_all', reason: 'goal_missed', raised: 99_999n });
    // reached gross, but a refund brought it back under the goal
    expect(decideCloseOut({ fundingModel: 'all_or_nothing', goalAmount: goal }, { raised: 100_500n, refunded: 1_000n, disputed: 0n }).decision).toBe('refund_all');
    // nothing raised at all: nothing to refund, still "missed"
    expect(decideCloseOut({ fundingModel: 'all_or_nothing', goalAmount: goal }, { raised: 0n, refunded: 0n, disputed: 0n }).reason).toBe('goal_missed');
  });

  it('exactly reaching the goal keeps the money', () => {
    expect(decideCloseOut({ fundingModel: 'all_or_nothing', goalAmount: goal }, { raised: 100_000n, refunded: 0n, disputed: 0n }))
      .toEqual({ decision: 'keep', reason: 'goal_met', raised: 100_000n });
  });

  it('a cancelled campaign refunds every gift, whatever its funding model and goal', () => {
    for (const fundingModel of ['flexible', 'all_or_nothing'] as const) {
      expect(decideCloseOut({ fundingModel, goalAmount: goal, status: 'cancelled' }, { raised: 150_000n, refunded: 0n, disputed: 0n }))
        .toEqual({ decision: 'refund_all', reason: 'cancelled', raised: 150_000n });
    }
    // ended by hand: the same decision as at the end date
    expect(decideCloseOut({ fundingModel: 'all_or_nothing', goalAmount: goal, status: 'ended' }, { raised: 1_000n, refunded: 0n, disputed: 0n }).reason).toBe('goal_missed');
    expect(decideCloseOut({ fundingModel: 'flexible', goalAmount: goal, status: 'ended' }, { raised: 1_000n, refunded: 0n, disputed: 0n }).decision).toBe('keep');
  });

  it('a flexible campaign keeps what it raised whatever the goal', () => {
    expect(decideCloseOut({ fundingModel: 'flexible', goalAmount: goal }, { raised: 1_000n, refunded: 0n, disputed: 0n }))
      .toEqual({ decision: 'keep', reason: 'flexible', raised: 1_000n });
  });
});

describe('close-out: which gifts to refund', () => {
  it('refunds what remains of a settled gift', () => {
    expect(planGiftRefund(gift('a'))).toEqual({ kind: 'refund', amount: 5_000n });
    expect(planGiftRefund(gift('b', { status: 'partially_refunded', refundedAmount: 1_200n }))).toEqual({ kind: 'refund', amount: 3_800n });
    expect(planGiftRefund(gift('c', { status: 'dispute_won' }))).toEqual({ kind: 'refund', amount: 5_000n });
  });

  it('never refunds a gift that was not charged or is already fully refunded', () => {
    for (const status of ['pending', 'failed', 'expired'] as const) expect(planGiftRefund(gift('p', { status }))).toEqual({ kind: 'nothing' });
    expect(planGiftRefund(gift('r', { status: 'refunded', refundedAmount: 5_000n }))).toEqual({ kind: 'nothing' });
  });

  it('leaves a gift under or lost to a dispute to the dispute', () => {
    expect(planGiftRefund(gift('d', { status: 'disputed', disputedAmount: 5_000n }))).toEqual({ kind: 'nothing' });
    expect(planGiftRefund(gift('d2', { status: 'disputed', disputedAmount: 2_000n }))).toEqual({ kind: 'skip', reason: 'disputed', amount: 3_000n });
    expect(planGiftRefund(gift('l', { status: 'dispute_lost', disputedAmount: 5_000n }))).toEqual({ kind: 'nothing' });
  });

  it('numbers new items after the last one, in the order given, skipping what needs nothing', () => {
    const items = planItems([gift('a'), gift('x', { status: 'expired' }), gift('b', { amount: 700n }), gift('d', { status: 'disputed', disputedAmount: 1_000n })], 3);
    expect(items).toEqual([
      { donationId: 'a', seq: 4, amount: 5_000n, status: 'pending', note: null },
      { donationId: 'b', seq: 5, amount: 700n, status: 'pending', note: null },
      { donationId: 'd', seq: 6, amount: 4_000n, status: 'skipped', note: 'disputed' },
    ]);
    expect(planItems([], 9)).toEqual([]);
  });

  it('tallies what new items add to the close-out: 3 items, 1 skipped, 50.00 + 7.00 = 57.00 to refund (the skipped 40.00 not counted)', () => {
    const items = planItems([gift('a'), gift('b', { amount: 700n }), gift('d', { status: 'disputed', disputedAmount: 1_000n })], 0);
    expect(tallyItems(items)).toEqual({ total: 3, skipped: 1, amount: 5_700n });
    // only skipped items: total = skipped, so the close-out does not start refunding again
    expect(tallyItems(items.filter((i) => i.status === 'skipped'))).toEqual({ total: 1, skipped: 1, amount: 0n });
    expect(tallyItems([])).toEqual({ total: 0, skipped: 0, amount: 0n });
  });
});

describe('close-out: batches and progress', () => {
  const items = [
    { seq: 3, status: 'pending' as const }, { seq: 1, status: 'refunded' as const }, { seq: 2, status: 'submitted' as const },
    { seq: 5, status: 'pending' as const }, { seq: 4, status: 'failed' as const }, { seq: 6, status: 'skipped' as const },
  ];

  it('takes open items (pending, or submitted with an unknown outcome) lowest sequence first, at most the batch size', () => {
    expect(nextBatch(items, 2).map((i) => i.seq)).toEqual([2, 3]);
    expect(nextBatch(items, 10).map((i) => i.seq)).toEqual([2, 3, 5]);
    expect(nextBatch(items.filter((i) => i.status !== 'pending' && i.status !== 'submitted'), 10)).toEqual([]);
  });

  it('refuses a batch size that is not a positive integer', () => {
    expect(() => nextBatch(items, 0)).toThrow(RangeError);
    expect(() => nextBatch(items, 1.5)).toThrow(RangeError);
  });

  it('is done once every item is final; an empty close-out is done at once', () => {
    expect(closeOutStatus({ total: 5, refunded: 3, failed: 1, skipped: 0 })).toBe('refunding');
    expect(closeOutStatus({ total: 5, refunded: 3, failed: 1, skipped: 1 })).toBe('done');
    expect(closeOutStatus({ total: 0, refunded: 0, failed: 0, skipped: 0 })).toBe('done');
  });

  it('maps refund states to item states', () => {
    expect(itemStatusForRefund('succeeded')).toBe('refunded');
    expect(itemStatusForRefund('failed')).toBe('failed');
    expect(itemStatusForRefund('canceled')).toBe('failed');
    expect(itemStatusForRefund('pending')).toBe('submitted');
    expect(itemStatusForRefund('requested')).toBe('submitted');
  });
});

describe('close-out: payouts', () => {
  it('an all-or-nothing campaign pays out only after its close-out kept the money; a flexible one any time', () => {
    expect(payoutsAllowed('flexible', null)).toBe(true);
    expect(payoutsAllowed('all_or_nothing', null)).toBe(false);
    expect(payoutsAllowed('all_or_nothing', 'refund_all')).toBe(false);
    expect(payoutsAllowed('all_or_nothing', 'keep')).toBe(true);
    // cancelled, or refunding everything: never
    expect(payoutsAllowed('flexible', null, 'cancelled')).toBe(false);
    expect(payoutsAllowed('flexible', 'refund_all', 'cancelled')).toBe(false);
    expect(payoutsAllowed('all_or_nothing', 'keep', 'cancelled')).toBe(false);
    expect(payoutsAllowed('flexible', 'keep', 'ended')).toBe(true);
  });
});
