import { isPayoutNoticeEvent, payoutNoticeText } from './payout-notice.js';

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
});
