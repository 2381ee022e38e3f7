import { payoutHistory, type PayoutHistoryFacts } from './payout-history.js';

const t = (minute: number) => new Date(Date.UTC(2030, 0, 1, 10, minute));
const base: PayoutHistoryFacts = {
  status: 'pending_approval', approval: null, requestedBy: 'user:u1', decidedBy: null, decidedAt: null, cancelledBy: null,
  amountReversed: 0n, createdAt: t(0), updatedAt: t(0), executedAt: null,
};
const statuses = (f: Partial<PayoutHistoryFacts>) => payoutHistory({ ...base, ...f }).map((s) => s.status);

describe('payoutHistory', () => {
  it('places each step of an automatic payout that was paid, then wholly reversed', () => {
    const steps = payoutHistory({ ...base, status: 'reversed', approval: 'automatic', decidedBy: 'automatic', decidedAt: t(0), executedAt: t(2), updatedAt: t(9), amountReversed: 100n });
    expect(steps).toEqual([
      { status: 'pending_approval', at: t(0), by: 'user:u1' },
      { status: 'approved', at: t(0), by: 'automatic' },
      { status: 'processing', at: null, by: null },
      { status: 'paid', at: t(2), by: null },
      { status: 'reversed', at: t(9), by: null },
    ]);
  });

  it('an operator\u2019s approval comes at its decision time; a rejection or a cancel ends the history', () => {
    expect(payoutHistory({ ...base, status: 'approved', approval: 'operator', decidedBy: 'operator', decidedAt: t(5), updatedAt: t(5) })[1])
      .toEqual({ status: 'approved', at: t(5), by: 'operator' });
    expect(payoutHistory({ ...base, status: 'rejected', approval: 'operator', decidedBy: 'operator', decidedAt: t(4), updatedAt: t(4) }).at(-1))
      .toEqual({ status: 'rejected', at: t(4), by: 'operator' });
    expect(statuses({ status: 'cancelled', cancelledBy: 'user:u2', updatedAt: t(3) })).toEqual(['pending_approval', 'cancelled']);
    expect(statuses({ status: 'cancelled', approval: 'automatic', decidedAt: t(0), cancelledBy: 'user:u2', updatedAt: t(3) })).toEqual(['pending_approval', 'approved', 'cancelled']);
  });

  it('stops at the current status: waiting, processing, failed, paid with a partial reversal', () => {
    expect(statuses({})).toEqual(['pending_approval']);
    expect(statuses({ status: 'processing', approval: 'automatic', decidedAt: t(0) })).toEqual(['pending_approval', 'approved', 'processing']);
    expect(statuses({ status: 'failed', approval: 'automatic', decidedAt: t(0), updatedAt: t(1) })).toEqual(['pending_approval', 'approved', 'processing', 'failed']);
    expect(statuses({ status: 'paid', approval: 'automatic', decidedAt: t(0), executedAt: t(1), amountReversed: 50n })).toEqual(['pending_approval', 'approved', 'processing', 'paid']);
  });
});
