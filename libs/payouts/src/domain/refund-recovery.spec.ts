import { planRecovery, refundAllowed, type ReversibleTransfer } from './refund-recovery.js';

const t = (transferId: string, amount: bigint, reversed: bigint, day: number): ReversibleTransfer => ({
  payoutId: `p-${transferId}`, transferId, amount, reversed, executedAt: new Date(Date.UTC(2026, 10, day)),
});
const base = { refundsInFlight: 0n, held: 0n };

describe('planRecovery', () => {
  it('funds that cover the refund reverse nothing', () => {
    // funds 50.00, refund costs 49.00 -> 1.00 left
    const plan = planRecovery({ ...base, fundsBalance: 5_000n, cost: 4_900n, transfers: [t('tr_1', 10_000n, 0n, 1)] });
    expect(plan).toEqual({ shortfall: 0n, needed: 0n, reversals: [], uncovered: 0n });
    expect(refundAllowed(plan)).toBe(true);
  });

  it('funds exactly covering the refund reverse nothing', () => {
    expect(planRecovery({ ...base, fundsBalance: 4_900n, cost: 4_900n, transfers: [t('tr_1', 10_000n, 0n, 1)] }).reversals).toEqual([]);
  });

  it('short by X reverses X from the latest transfer', () => {
    // funds 10.00, refund costs 98.00: short by 88.00; the 11-03 transfer is the latest
    const plan = planRecovery({ ...base, fundsBalance: 1_000n, cost: 9_800n, transfers: [t('tr_old', 20_000n, 0n, 1), t('tr_new', 10_000n, 0n, 3)] });
    expect(plan.reversals).toEqual([{ payoutId: 'p-tr_new', transferId: 'tr_new', amount: 8_800n }]);
    expect(plan).toMatchObject({ shortfall: 8_800n, needed: 8_800n, uncovered: 0n });
  });

  it('a latest transfer too small spills over to the previous one, never past what is unreversed', () => {
    // short by 98.00; latest 50.00 with 20.00 already reversed (30.00 left), then 60.00, then 100.00
    const plan = planRecovery({
      ...base, fundsBalance: 0n, cost: 9_800n,
      transfers: [t('tr_a', 10_000n, 0n, 1), t('tr_b', 6_000n, 0n, 2), t('tr_c', 5_000n, 2_000n, 3)],
    });
    expect(plan.reversals).toEqual([
      { payoutId: 'p-tr_c', transferId: 'tr_c', amount: 3_000n },
      { payoutId: 'p-tr_b', transferId: 'tr_b', amount: 6_000n },
      { payoutId: 'p-tr_a', transferId: 'tr_a', amount: 800n },
    ]);
    expect(plan.uncovered).toBe(0n);
  });

  it('skips fully reversed transfers', () => {
    const plan = planRecovery({ ...base, fundsBalance: 0n, cost: 500n, transfers: [t('tr_a', 1_000n, 0n, 1), t('tr_b', 1_000n, 1_000n, 2)] });
    expect(plan.reversals).toEqual([{ payoutId: 'p-tr_a', transferId: 'tr_a', amount: 500n }]);
  });

  it('refunds reserved but not posted yet count against the funds', () => {
    // funds 100.00, another refund of 60.00 in flight, this one costs 49.00: short by 9.00
    const plan = planRecovery({ ...base, fundsBalance: 10_000n, refundsInFlight: 6_000n, cost: 4_900n, transfers: [t('tr_1', 10_000n, 0n, 1)] });
    expect(plan.reversals).toEqual([{ payoutId: 'p-tr_1', transferId: 'tr_1', amount: 900n }]);
  });

  it('with no payout at all nothing is reversed: the deficit (Stripe fees kept) is not the payouts\'', () => {
    // one gift of 100.00 nets 94.80; a full refund costs 98.00 -> -3.20 with or without any check
    const plan = planRecovery({ ...base, fundsBalance: 9_480n, cost: 9_800n, transfers: [] });
    expect(plan).toEqual({ shortfall: 320n, needed: 0n, reversals: [], uncovered: 0n });
    expect(refundAllowed(plan)).toBe(true);
  });

  it('only the part of the deficit the payouts caused is recovered', () => {
    // the single gift above, all 94.80 paid out: funds 0, full refund costs 98.00, short by 98.00;
    // 94.80 came from the payout, 3.20 is the Stripe fee the campaign bears anyway
    const plan = planRecovery({ ...base, fundsBalance: 0n, cost: 9_800n, transfers: [t('tr_1', 9_480n, 0n, 1)] });
    expect(plan).toEqual({ shortfall: 9_800n, needed: 9_480n, reversals: [{ payoutId: 'p-tr_1', transferId: 'tr_1', amount: 9_480n }], uncovered: 0n });
  });

  it('nothing to reverse while the shortfall sits in a payout hold: refuse', () => {
    // funds 0 after a 94.80 hold not executed yet; a refund costing 49.00 has no transfer to reverse
    const plan = planRecovery({ ...base, fundsBalance: 0n, held: 9_480n, cost: 4_900n, transfers: [] });
    expect(plan).toEqual({ shortfall: 4_900n, needed: 4_900n, reversals: [], uncovered: 4_900n });
    expect(refundAllowed(plan)).toBe(false);
  });

  it('transfers that cannot cover what the payouts caused: reverse what they can, the rest is uncovered', () => {
    // short by 49.00; one transfer with 10.00 unreversed and a 60.00 hold
    const plan = planRecovery({ ...base, fundsBalance: 0n, held: 6_000n, cost: 4_900n, transfers: [t('tr_1', 1_000n, 0n, 1)] });
    expect(plan.reversals).toEqual([{ payoutId: 'p-tr_1', transferId: 'tr_1', amount: 1_000n }]);
    expect(plan.uncovered).toBe(3_900n);
    expect(refundAllowed(plan)).toBe(false);
  });

  it('a posted dispute (cost 0) recovers the funds already below zero', () => {
    const plan = planRecovery({ ...base, fundsBalance: -2_500n, cost: 0n, transfers: [t('tr_1', 9_000n, 0n, 1)] });
    expect(plan.reversals).toEqual([{ payoutId: 'p-tr_1', transferId: 'tr_1', amount: 2_500n }]);
  });

  it('refuses negative inputs', () => {
    expect(() => planRecovery({ ...base, fundsBalance: 0n, cost: -1n, transfers: [] })).toThrow(RangeError);
  });
});
