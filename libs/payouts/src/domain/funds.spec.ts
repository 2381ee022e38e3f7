import { computeFunds, isGiftAvailable } from './funds.js';

const now = new Date('2026-11-23T12:00:00Z');
const day = (d: string) => new Date(`${d}T00:00:00Z`);

describe('computeFunds', () => {
  it('counts only gifts whose balance is available; the rest is pending by date', () => {
    // funds balance 300.00 = three gifts netting 100.00 each; one available, one on 11-25, one unknown
    const f = computeFunds({
      currency: 'usd', fundsBalance: 30_000n, reserved: 0n, paidOut: 0n, now,
      gifts: [
        { net: 10_000n, availableOn: day('2026-11-22'), available: false },
        { net: 10_000n, availableOn: day('2026-11-25'), available: false },
        { net: 10_000n, availableOn: null, available: false },
      ],
    });
    expect(f.available).toBe(10_000n);
    expect(f.pending).toBe(20_000n);
    expect(f.pendingByDate).toEqual([{ availableOn: day('2026-11-25'), amount: 10_000n }, { availableOn: null, amount: 10_000n }]);
  });

  it('trusts Stripe saying "available" even when its clock is ahead of ours', () => {
    expect(isGiftAvailable({ net: 1n, availableOn: day('2026-12-01'), available: true }, now)).toBe(true);
    expect(isGiftAvailable({ net: 1n, availableOn: day('2026-12-01'), available: false }, now)).toBe(false);
  });

  it('holds and payouts are already out of the funds balance; never negative', () => {
    // 94.80 net, 50.00 held: balance 44.80, all available
    expect(computeFunds({ currency: 'usd', fundsBalance: 4_480n, reserved: 5_000n, paidOut: 0n, now, gifts: [] })).toMatchObject({ available: 4_480n, reserved: 5_000n });
    // a refund of a still-pending gift: balance 0, pending 94.80 -> available 0, not -94.80
    expect(computeFunds({ currency: 'usd', fundsBalance: 0n, reserved: 0n, paidOut: 0n, now, gifts: [{ net: 9_480n, availableOn: day('2026-11-25'), available: false }] }).available).toBe(0n);
  });
});

describe('computeFunds with refunds in flight', () => {
  it('a refund reserved but not posted yet cannot be paid out meanwhile', () => {
    // funds 100.00, all available; a refund of 30.00 is on its way to Stripe -> 70.00 available
    const f = computeFunds({ currency: 'usd', fundsBalance: 10_000n, reserved: 0n, paidOut: 0n, gifts: [], refundsInFlight: 3_000n, now: new Date('2026-11-23T12:00:00Z') });
    expect(f.available).toBe(7_000n);
    expect(f.balance).toBe(10_000n);
  });
});
