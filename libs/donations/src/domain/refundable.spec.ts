import { refundableAmount, refundRefusal, reservedByRefunds } from './refundable.js';

describe('what a gift can still refund', () => {
  const gift = { status: 'succeeded' as const, stripeChargeId: 'ch_1', amount: 4000n, refundedAmount: 1500n, disputedAmount: 0n };

  it('is the amount charged less refunds made and refunds in flight', () => {
    const reserved = reservedByRefunds([{ status: 'succeeded', amount: 1500n }, { status: 'pending', amount: 500n }, { status: 'requested', amount: 100n }, { status: 'failed', amount: 900n }]);
    expect(reserved).toBe(600n);
    expect(refundableAmount(gift, reserved)).toBe(1900n);
    expect(refundableAmount({ ...gift, refundedAmount: 4000n }, 100n)).toBe(0n);
  });

  it('refuses an unsettled, disputed or spent gift with the service\u2019s codes', () => {
    expect(refundRefusal(gift, 0n)).toBeNull();
    expect(refundRefusal({ ...gift, status: 'pending' }, 0n)).toBe('donation_not_refundable');
    expect(refundRefusal({ ...gift, stripeChargeId: null }, 0n)).toBe('donation_not_refundable');
    expect(refundRefusal({ ...gift, status: 'disputed' }, 0n)).toBe('donation_disputed');
    expect(refundRefusal({ ...gift, status: 'refunded', refundedAmount: 4000n }, 0n)).toBe('nothing_to_refund');
  });
});
