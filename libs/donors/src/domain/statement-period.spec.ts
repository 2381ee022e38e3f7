import { MAX_CUSTOM_DAYS, resolveStatementPeriod, StatementPeriodError } from './statement-period.js';

const now = new Date('2026-12-05T15:00:00Z');

function refusal(input: Record<string, unknown>): { code: string; status: number; field: unknown } {
  try {
    resolveStatementPeriod(input, now);
  } catch (error) {
    if (error instanceof StatementPeriodError) return { code: error.code, status: error.status, field: error.details?.field };
    throw error;
  }
  throw new Error('accepted');
}

describe('statement periods', () => {
  it('defaults to the current calendar year, 1 January to 31 December included', () => {
    const p = resolveStatementPeriod({}, now);
    expect(p).toMatchObject({ kind: 'calendar', fromDay: '2026-01-01', toDay: '2026-12-31' });
    expect(p.start.toISOString()).toBe('2026-01-01T00:00:00.000Z');
    expect(p.end.toISOString()).toBe('2027-01-01T00:00:00.000Z');
    expect(resolveStatementPeriod({ period: 'calendar', year: '2024' }, now)).toMatchObject({ fromDay: '2024-01-01', toDay: '2024-12-31' });
  });

  it('a fiscal year runs twelve months from the chosen month of the year it starts in', () => {
    // April 2026 to March 2027
    expect(resolveStatementPeriod({ period: 'fiscal', startMonth: '4', year: '2026' }, now)).toMatchObject({ kind: 'fiscal', fromDay: '2026-04-01', toDay: '2027-03-31', startMonth: 4 });
    // July start, no year: the fiscal year running on 5 December 2026 started in July 2026
    expect(resolveStatementPeriod({ period: 'fiscal', startMonth: '7' }, now)).toMatchObject({ fromDay: '2026-07-01', toDay: '2027-06-30' });
    // on 30 November 2026 a fiscal year starting in December is the one that started in December 2025
    expect(resolveStatementPeriod({ period: 'fiscal', startMonth: '12' }, new Date('2026-11-30T23:59:59Z'))).toMatchObject({ fromDay: '2025-12-01', toDay: '2026-11-30' });
    // a February end in a leap year: March 2027 to February 2028 (29 days)
    expect(resolveStatementPeriod({ period: 'fiscal', startMonth: '03', year: '2027' }, now)).toMatchObject({ fromDay: '2027-03-01', toDay: '2028-02-29' });
    // January start is the calendar year
    expect(resolveStatementPeriod({ period: 'fiscal', startMonth: '1', year: '2025' }, now)).toMatchObject({ fromDay: '2025-01-01', toDay: '2025-12-31' });
  });

  it('custom dates include both ends; one day is a range', () => {
    const p = resolveStatementPeriod({ period: 'custom', from: '2026-03-10', to: '2026-03-10' }, now);
    expect(p).toMatchObject({ kind: 'custom', fromDay: '2026-03-10', toDay: '2026-03-10' });
    expect(p.end.getTime() - p.start.getTime()).toBe(86_400_000);
    expect(resolveStatementPeriod({ period: 'custom', from: ' 2025-12-31 ', to: '2026-01-02' }, now)).toMatchObject({ fromDay: '2025-12-31', toDay: '2026-01-02' });
  });

  it('refuses an end before the start, with its own code', () => {
    expect(refusal({ period: 'custom', from: '2026-03-10', to: '2026-03-09' })).toEqual({ code: 'statement_range_reversed', status: 400, field: 'to' });
  });

  it('refuses what it does not understand: period, year, month, impossible dates, arrays, too long a range', () => {
    expect(refusal({ period: 'weekly' })).toMatchObject({ code: 'statement_period_invalid', field: 'period' });
    for (const year of ['26', '1999', '2101', '２０２６', '2026.0', '-2026']) expect(refusal({ year })).toMatchObject({ code: 'statement_period_invalid', field: 'year' });
    for (const startMonth of [undefined, '0', '13', 'April', '1.5']) expect(refusal({ period: 'fiscal', startMonth })).toMatchObject({ code: 'statement_period_invalid', field: 'startMonth' });
    for (const from of ['2026-02-30', '2026-13-01', '2026-2-1', '10/03/2026', '', ['2026-01-01']]) {
      expect(refusal({ period: 'custom', from, to: '2026-12-31' })).toMatchObject({ code: 'statement_period_invalid', field: 'from' });
    }
    expect(refusal({ period: 'custom', from: '2026-01-01' })).toMatchObject({ code: 'statement_period_invalid', field: 'to' });
    expect(refusal({ period: ['calendar'] })).toMatchObject({ code: 'statement_period_invalid', field: 'period' });
    // five years of 366 days at most: 2020-01-01 to 2025-01-03 is 1,830 days (accepted), a day more is not
    expect(resolveStatementPeriod({ period: 'custom', from: '2020-01-01', to: '2025-01-03' }, now).toDay).toBe('2025-01-03');
    expect(MAX_CUSTOM_DAYS).toBe(1830);
    expect(refusal({ period: 'custom', from: '2020-01-01', to: '2025-01-04' })).toMatchObject({ code: 'statement_range_too_long', field: 'to' });
  });
});
