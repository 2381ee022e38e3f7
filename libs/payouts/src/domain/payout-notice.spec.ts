import { isPayoutNoticeEvent, payoutNoticeText, reversalSummary } from './payout-notice.js';

describe('payout notices', () => {
  it('has a headline and an explanation for every event a payout goes through', () => {
    for (const event of ['requested', 'approved', 'rejected', 'cancelled', 'paid', 'failed', 'reversed'] as const) {
      expect(isPayoutNoticeEvent(event)).toBe(true);
      const text = payoutNoticeText(event);
      expect(text.headline).toMatch(/^Payout /);
      expect(text.explanation.length).toBeGreaterThan(20);
    }
    expect(payoutNoticeText('failed').explanation).toContain('available again');
  });

  it('refuses unknown events (an outbox row from the future is skipped, not mis-sent)', () => {
    expect(isPayoutNoticeEvent('exploded')).toBe(false);
    expect(isPayoutNoticeEvent(undefined)).toBe(false);
    expect(isPayoutNoticeEvent('toString')).toBe(false);
  });

  it('states a reversal by its own amount, the total reversed up to it and what stays paid out', () => {
    expect(reversalSummary(2_000n, 500n, 500n)).toEqual({ reversed: 500n, reversedSoFar: 500n, remaining: 1_500n });
    expect(reversalSummary(2_000n, 1_500n, 2_000n)).toEqual({ reversed: 1_500n, reversedSoFar: 2_000n, remaining: 0n });
    expect(() => reversalSummary(2_000n, 0n, 0n)).toThrow(RangeError);
    expect(() => reversalSummary(2_000n, 500n, 400n)).toThrow(RangeError);
    expect(() => reversalSummary(2_000n, 500n, 2_500n)).toThrow(RangeError);
  });
});
