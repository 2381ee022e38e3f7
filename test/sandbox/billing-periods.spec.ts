import { addInterval, RETRY_DELAY_DAYS } from '../../apps/stripe-sandbox/src/core/billing.js';

const at = (y: number, m: number, d: number, h = 12) => Date.UTC(y, m - 1, d, h) / 1000;
const iso = (unix: number) => new Date(unix * 1000).toISOString();

/** Billing periods as Stripe counts them: calendar months kept on the anchor's day, clamped to short months. */
describe('sandbox billing periods', () => {
  it('keeps a monthly subscription on its anchor day, clamping to the month\'s last day (31 Jan → 28 Feb → 31 Mar)', () => {
    const anchor = at(2027, 1, 31);
    const february = addInterval(anchor, anchor, 'month', 1);
    expect(iso(february)).toBe('2027-02-28T12:00:00.000Z');
    // The next period goes back to the 31st: the anchor's day, not the previous period's.
    expect(iso(addInterval(february, anchor, 'month', 1))).toBe('2027-03-31T12:00:00.000Z');
    // Leap year: 29 February 2028.
    expect(iso(addInterval(at(2028, 1, 31), at(2028, 1, 31), 'month', 1))).toBe('2028-02-29T12:00:00.000Z');
  });

  it('counts weeks as 7 days, years as 12 months, and interval_count', () => {
    const start = at(2027, 3, 5);
    expect(addInterval(start, start, 'week', 2) - start).toBe(14 * 86_400);
    expect(iso(addInterval(start, start, 'year', 1))).toBe('2028-03-05T12:00:00.000Z');
    expect(iso(addInterval(start, start, 'month', 3))).toBe('2027-06-05T12:00:00.000Z');
    // Across a year end: 15 November + 3 months = 15 February.
    expect(iso(addInterval(at(2027, 11, 15), at(2027, 11, 15), 'month', 3))).toBe('2028-02-15T12:00:00.000Z');
  });

  it('retries a failed renewal three times over 15 days', () => {
    expect([...RETRY_DELAY_DAYS]).toEqual([3, 5, 7]);
    expect(RETRY_DELAY_DAYS.reduce((a, b) => a + b, 0)).toBe(15);
  });
});
