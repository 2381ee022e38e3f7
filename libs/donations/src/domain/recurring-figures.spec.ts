import {
  churnBasisPoints, encodeSeriesCursor, figuresPeriod, liveAt, monthlyRecurringRevenue, parseSeriesListQuery,
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
