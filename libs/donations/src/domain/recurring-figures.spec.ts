import {
  churnBasisPoints, encodeSeriesCursor, figuresPeriod, liveAt, monthlyRecurringRevenue, parseSeriesListQuery, recurringFigures, scheduledFigures,
  type ScheduledChargeFact, type ScheduledFact,
} from './recurring-figures.js';

const now = new Date('2026-12-05T18:30:00Z');
const day = (iso: string) => new Date(`${iso}T00:00:00Z`);

describe('figuresPeriod', () => {
  it('defaults to the 30 days up to today, today included', () => {
    expect(figuresPeriod({}, now)).toEqual({ from: day('2026-11-06'), to: day('2026-12-06') });
  });

  it('takes whole UTC days, both included; from alone counts 29 days back from today', () => {
    expect(figuresPeriod({ from: '2026-11-01', to: '2026-11-30' }, now)).toEqual({ from: day('2026-11-01'), to: day('2026-12-01') });
    expect(figuresPeriod({ to: '2026-02-28' }, now)).toEqual({ from: day('2026-01-30'), to: day('2026-03-01') });
    expect(figuresPeriod({ from: '2026-12-05', to: '2026-12-05' }, now)).toEqual({ from: day('2026-12-05'), to: day('2026-12-06') });
  });

  it.each([
    [{ from: '2026-02-30' }, 'from'], [{ to: '2026-13-01' }, 'to'], [{ from: '1 Nov' }, 'from'], [{ to: ['2026-11-01'] }, 'to'],
    [{ from: '2026-12-01', to: '2026-11-30' }, 'from'], [{ from: '2025-01-01', to: '2026-01-02' }, 'from'],
  ])('refuses %j (400 period_invalid on %s)', (query, field) => {
    expect(() => figuresPeriod(query, now)).toThrow(expect.objectContaining({ code: 'period_invalid', status: 400, details: expect.objectContaining({ field }) }));
  });

  it('takes 366 days (a leap year)', () => {
    expect(figuresPeriod({ from: '2028-01-01', to: '2028-12-31' }, now).to).toEqual(day('2029-01-01'));
  });
});

describe('monthlyRecurringRevenue', () => {
  it('weekly amounts × 52 / 12, rounded half up once per currency', () => {
    // 1 × 52 / 12 = 4.33… → 4.
    expect(monthlyRecurringRevenue([{ interval: 'week', amount: 1n, currency: 'usd', status: 'active' }])).toEqual([{ currency: 'usd', amount: 4n, series: 1 }]);
    // Rounded once per currency: 3 weekly series of 1 are 3 × 52 / 12 = 13, not 3 × 4 = 12.
    expect(monthlyRecurringRevenue([1n, 1n, 1n].map((amount) => ({ interval: 'week' as const, amount, currency: 'usd', status: 'active' as const }))))
      .toEqual([{ currency: 'usd', amount: 13n, series: 3 }]);
    // 2 × 52 / 12 = 8.67 → 9 (a currency without decimals alike).
    expect(monthlyRecurringRevenue([{ interval: 'week', amount: 2n, currency: 'jpy', status: 'past_due' }])).toEqual([{ currency: 'jpy', amount: 9n, series: 1 }]);
  });

  it('leaves out paused, pending and stopped series', () => {
    const statuses = ['paused', 'pending', 'cancelled', 'ended'] as const;
    expect(monthlyRecurringRevenue(statuses.map((status) => ({ interval: 'month' as const, amount: 100n, currency: 'usd', status })))).toEqual([]);
  });
});

describe('churn helpers', () => {
  it('rounds basis points half up, null with nothing live', () => {
    expect(churnBasisPoints(1, 3)).toBe(3_333);
    expect(churnBasisPoints(2, 3)).toBe(6_667);
    expect(churnBasisPoints(1, 8)).toBe(1_250);
    expect(churnBasisPoints(1, 80_000)).toBe(0); // 0.125 bp rounds down
    expect(churnBasisPoints(1, 20_000)).toBe(1); // 0.5 bp rounds up
    expect(churnBasisPoints(0, 0)).toBeNull();
  });

  it('a series is live from its first payment until it ends', () => {
    const s = { startedAt: day('2026-11-02'), endedAt: day('2026-11-20') };
    expect([liveAt(s, day('2026-11-02')), liveAt(s, day('2026-11-03')), liveAt(s, day('2026-11-20')), liveAt(s, day('2026-11-21'))]).toEqual([false, true, true, false]);
    expect(liveAt({ startedAt: null, endedAt: null }, now)).toBe(false);
  });
});

describe('parseSeriesListQuery', () => {
  it('reads status, limit and a cursor this list gave', () => {
    const row = { createdAt: new Date('2026-11-02T10:00:00.123Z'), id: '11111111-1111-4111-8111-111111111111' };
    expect(parseSeriesListQuery({ status: 'past_due', limit: '10', cursor: encodeSeriesCursor(row) })).toEqual({ status: 'past_due', limit: 10, after: row });
    expect(parseSeriesListQuery({})).toEqual({ status: null, limit: 50, after: null });
  });

  it.each([
    [{ status: 'pending' }, 'status'], [{ status: ['active'] }, 'status'], [{ limit: '0' }, 'limit'], [{ limit: '101' }, 'limit'], [{ limit: '1e2' }, 'limit'],
    [{ cursor: 'nonsense' }, 'cursor'], [{ cursor: Buffer.from('2026-11-02T10:00:00Z|not-a-uuid').toString('base64url') }, 'cursor'],
  ])('refuses %j (400 invalid_parameter on %s)', (query, field) => {
    expect(() => parseSeriesListQuery(query)).toThrow(expect.objectContaining({ code: 'invalid_parameter', status: 400, details: { field } }));
  });
});

describe('scheduled series in the figures', () => {
  const period = { from: day('2026-11-01'), to: day('2026-12-01') };
  const series = (over: Partial<ScheduledFact>): ScheduledFact => ({
    donor: 'a@example.org', kind: 'fridays', status: 'active', currency: 'usd', amount: 1500n, planned: 0, endedAt: null, endReason: null, ...over,
  });
  const charge = (over: Partial<ScheduledChargeFact>): ScheduledChargeFact => ({ currency: 'usd', amount: 1500n, paid: true, failed: false, at: day('2026-11-06'), ...over });

  it('counts active series by schedule, their donors, what is still planned, and the period\'s occurrences', () => {
    // Active: a (Fridays, 3 left of 15.00 = 45.00 USD), b (Ramadan, 10 nights of 2.000 KWD = 20.000 KWD), a again (Fridays, 1 left = 15.00):
    // 2 donors, 3 series; still planned 60.00 USD (4 occurrences) and 20.000 KWD (10).
    // Cancelled in November by the donor: c; completed: d (not live, nothing planned).
    const facts = [
      series({ planned: 3 }), series({ donor: 'b@example.org', kind: 'ramadan_last_ten', currency: 'kwd', amount: 2000n, planned: 10 }), series({ planned: 1 }),
      series({ donor: 'c@example.org', status: 'cancelled', endedAt: day('2026-11-20'), endReason: 'donor' }), series({ donor: 'd@example.org', status: 'completed' }),
      series({ donor: 'e@example.org', status: 'cancelled', endedAt: day('2026-10-20'), endReason: 'campaign_closed' }),
    ];
    // November: 3 paid (one of them failed first and was paid on its link), 1 failed and unpaid (20.00); October's are outside.
    const charges = [
      charge({}), charge({ at: day('2026-11-13') }), charge({ failed: true, at: day('2026-11-20') }), charge({ paid: false, failed: true, amount: 2000n, at: day('2026-11-27') }),
      charge({ at: day('2026-10-30') }),
    ];
    expect(scheduledFigures(facts, charges, period)).toEqual({
      donors: 2, active: { ramadanLastTen: 1, fridays: 2 }, cancelled: 1, cancelledByReason: { donor: 1 },
      stillPlanned: [{ currency: 'kwd', amount: 20000n, occurrences: 10 }, { currency: 'usd', amount: 6000n, occurrences: 4 }],
      paid: { occurrences: 3, amounts: [{ currency: 'usd', amount: 4500n }] },
      failed: { occurrences: 2, recovered: 1, amounts: [{ currency: 'usd', amount: 3500n }] },
    });
  });

  it('a donor with a subscription and a scheduled series is one recurring donor; a scheduled donor alone counts too', () => {
    const sub = { donor: 'a@example.org', interval: 'month' as const, amount: 1000n, currency: 'usd', status: 'active' as const, startedAt: day('2026-10-01'), endedAt: null, endReason: null };
    const figures = recurringFigures([sub], [], period, { series: [series({}), series({ donor: 'z@example.org' }), series({ donor: 'y@example.org', status: 'completed' })], charges: [] });
    expect(figures.recurringDonors).toBe(2);
    // Scheduled series are not monthly: the MRR is the subscription's alone.
    expect(figures.monthlyRecurringRevenue).toEqual([{ currency: 'usd', amount: 1000n, series: 1 }]);
  });
});
