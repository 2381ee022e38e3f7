import { recurringFigures, type FailureFact, type SeriesFact } from '@ataa/donations';

/**
 * Scenario: an organization's recurring gifts in November 2026 (period 1-30 November, UTC).
 *
 *   A  amal@      25.00 USD monthly   started 2026-09-03   active
 *   B  amal@      10.00 USD weekly    started 2026-10-02   active          (Amal's second series)
 *   C  badr@      15.00 USD weekly    started 2026-10-20   past_due        (failed 2026-11-20, attempt 1 and its retry 2026-11-23)
 *   D  dana@      50.00 USD monthly   started 2026-08-01   paused          (brings nothing in while paused)
 *   E  eman@      30.000 KWD monthly  started 2026-06-15   active
 *   F  fadi@      20.00 USD monthly   started 2026-07-01   cancelled 2026-11-10 by the donor
 *   G  ghada@      5.00 USD weekly    started 2026-10-01   cancelled 2026-11-28 after its last retry failed
 *                                                           (failed 2026-11-07, retried 11-10, 11-15, 11-22: four attempts, none recovered)
 *   H  hala@      12.00 USD monthly   started 2026-11-05   cancelled 2026-11-25 by the donor (started in the period)
 *   I  imad@      40.00 USD monthly   started 2026-05-01   ended 2026-10-31 (its last payment; before the period)
 *   J  jana@       8.00 USD monthly   never paid (Checkout abandoned), cancelled 2026-11-12: never live, not churn
 *   K  karim@      9.00 USD monthly   started 2026-11-02   active; failed 2026-11-02 then paid on the retry (recovered)
 *
 * Recurring donors (live: active, past_due, paused): amal (A, B), badr (C), dana (D), eman (E), karim (K) = 5.
 * Monthly recurring revenue (active and past due):
 *   USD monthly: A 25.00 + K 9.00 = 34.00 (3400); weekly: B 10.00 + C 15.00 = 25.00 (2500) a week
 *       2500 × 52 / 12 = 10833.33…, rounded half up: 10833 → 3400 + 10833 = 14233 (142.33 USD), 4 series
 *   KWD: E 30.000 = 30000 (three decimals), 1 series
 * Live at 1 November 00:00: A, B, C, D, E, F, G = 7 (I ended 31 October; H and K started later; J never did).
 * Ended in November, having paid: F (donor), G (payment_failed), H (donor) = 3.
 * Churn: 3 / 7 = 0.428571… = 4285.71 basis points, rounded half up: 4286 (42.86 %).
 * Failed attempts in November: C 2 + G 4 + K 1 = 7, on 3 series, 1 recovered (K's);
 *   amounts: C 2 × 1500 + G 4 × 500 + K 900 = 3000 + 2000 + 900 = 5900 USD.
 */
const at = (iso: string) => new Date(`${iso}T12:00:00Z`);
const series = (over: Partial<SeriesFact> & Pick<SeriesFact, 'donor' | 'amount' | 'interval' | 'status'>): SeriesFact =>
  ({ currency: 'usd', startedAt: null, endedAt: null, endReason: null, ...over });

const facts: SeriesFact[] = [
  series({ donor: 'amal@example.org', amount: 2_500n, interval: 'month', status: 'active', startedAt: at('2026-09-03') }),
  series({ donor: 'amal@example.org', amount: 1_000n, interval: 'week', status: 'active', startedAt: at('2026-10-02') }),
  series({ donor: 'badr@example.org', amount: 1_500n, interval: 'week', status: 'past_due', startedAt: at('2026-10-20') }),
  series({ donor: 'dana@example.org', amount: 5_000n, interval: 'month', status: 'paused', startedAt: at('2026-08-01') }),
  series({ donor: 'eman@example.org', amount: 30_000n, interval: 'month', status: 'active', currency: 'kwd', startedAt: at('2026-06-15') }),
  series({ donor: 'fadi@example.org', amount: 2_000n, interval: 'month', status: 'cancelled', startedAt: at('2026-07-01'), endedAt: at('2026-11-10'), endReason: 'donor' }),
  series({ donor: 'ghada@example.org', amount: 500n, interval: 'week', status: 'cancelled', startedAt: at('2026-10-01'), endedAt: at('2026-11-28'), endReason: 'payment_failed' }),
  series({ donor: 'hala@example.org', amount: 1_200n, interval: 'month', status: 'cancelled', startedAt: at('2026-11-05'), endedAt: at('2026-11-25'), endReason: 'donor' }),
  series({ donor: 'imad@example.org', amount: 4_000n, interval: 'month', status: 'ended', startedAt: at('2026-05-01'), endedAt: at('2026-10-31'), endReason: 'schedule' }),
  series({ donor: 'jana@example.org', amount: 800n, interval: 'month', status: 'cancelled', endedAt: at('2026-11-12'), endReason: 'donor' }),
  series({ donor: 'karim@example.org', amount: 900n, interval: 'month', status: 'active', startedAt: at('2026-11-02') }),
];
const failure = (recurringGiftId: string, amount: bigint, day: string, recovered = false): FailureFact => ({ recurringGiftId, amount, currency: 'usd', failedAt: at(day), recovered });
const failures: FailureFact[] = [
  failure('C', 1_500n, '2026-11-20'), failure('C', 1_500n, '2026-11-23'),
  failure('G', 500n, '2026-11-07'), failure('G', 500n, '2026-11-10'), failure('G', 500n, '2026-11-15'), failure('G', 500n, '2026-11-22'),
  failure('K', 900n, '2026-11-02', true),
  // October's failure of G's first invoice is outside the period.
  failure('G', 500n, '2026-10-20', true),
];
const november = { from: new Date('2026-11-01T00:00:00Z'), to: new Date('2026-12-01T00:00:00Z') };

describe('scenario: recurring figures for November 2026', () => {
  const figures = recurringFigures(facts, failures, november);

  it('counts 5 recurring donors (Amal once for two series) and the live series by status', () => {
    expect(figures.recurringDonors).toBe(5);
    expect(figures.series).toEqual({ active: 4, pastDue: 1, paused: 1 });
  });

  it('monthly recurring revenue: 142.33 USD (34.00 monthly + 25.00 a week × 52 / 12) and 30.000 KWD, never converted', () => {
    expect(figures.monthlyRecurringRevenue).toEqual([
      { currency: 'kwd', amount: 30_000n, series: 1 },
      { currency: 'usd', amount: 14_233n, series: 4 },
    ]);
  });

  it('churn: 3 series ended of 7 live on 1 November = 4286 basis points; the never-paid series is not churn', () => {
    expect(figures.churn).toEqual({ ended: 3, endedByReason: { donor: 2, payment_failed: 1 }, liveAtStart: 7, rateBasisPoints: 4_286 });
  });

  it('failed payments: 7 attempts on 3 series, 1 made good, 59.00 USD', () => {
    expect(figures.failedPayments).toEqual({ attempts: 7, series: 3, recovered: 1, amounts: [{ currency: 'usd', amount: 5_900n }] });
  });

  it('December, nothing happening: the 7 series live on 1 December, no churn, no failures; MRR the same', () => {
    const december = recurringFigures(facts, failures, { from: new Date('2026-12-01T00:00:00Z'), to: new Date('2027-01-01T00:00:00Z') });
    // Live on 1 December: A, B, C, D, E, K = 6 (F, G, H ended in November).
    expect(december.churn).toEqual({ ended: 0, endedByReason: {}, liveAtStart: 6, rateBasisPoints: 0 });
    expect(december.failedPayments).toEqual({ attempts: 0, series: 0, recovered: 0, amounts: [] });
    expect(december.monthlyRecurringRevenue).toEqual(figures.monthlyRecurringRevenue);
  });
});
