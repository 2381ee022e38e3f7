import { DomainError } from '@ataa/common';

/**
 * The date range of a donor's statement (pure). Days are calendar days in UTC (gifts are dated by
 * when they settled, in UTC, as on receipts).
 * - `calendar` (the default): 1 January to 31 December of `year` (default: the current year).
 * - `fiscal`: twelve months from the first day of `startMonth` (1 to 12) of `year` (the year the
 *   fiscal year starts), e.g. startMonth 4, year 2026: 1 April 2026 to 31 March 2027.
 * - `custom`: `from` to `to`, both included (YYYY-MM-DD); `to` before `from` is refused, as is a
 *   range longer than MAX_CUSTOM_DAYS.
 */
export type StatementPeriodKind = 'calendar' | 'fiscal' | 'custom';

export interface StatementPeriodInput {
  period?: unknown;
  year?: unknown;
  startMonth?: unknown;
  from?: unknown;
  to?: unknown;
}

export interface StatementPeriod {
  kind: StatementPeriodKind;
  /** First day, included (YYYY-MM-DD). */
  fromDay: string;
  /** Last day, included (YYYY-MM-DD). */
  toDay: string;
  /** Midnight UTC starting `fromDay`. */
  start: Date;
  /** Midnight UTC after `toDay` (exclusive end). */
  end: Date;
  /** Fiscal years: the month they start (1 to 12). */
  startMonth?: number;
}

export const MIN_STATEMENT_YEAR = 2000;
export const MAX_STATEMENT_YEAR = 2100;
/** A custom range covers at most about five years. */
export const MAX_CUSTOM_DAYS = 5 * 366;

const DAY_MS = 86_400_000;

/** 400 `statement_period_invalid` (a field not understood) or `statement_range_reversed` (end before start). */
export class StatementPeriodError extends DomainError {
  constructor(code: 'statement_period_invalid' | 'statement_range_reversed' | 'statement_range_too_long', message: string, field: string) {
    super(code, message, 400, { field });
  }
}

function text(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') return '\u0000'; // an array or object: never valid
  const trimmed = value.trim();
  return trimmed === '' ? undefined : trimmed;
}

function yearOf(value: unknown, fallback: number): number {
  const raw = text(value);
  if (raw === undefined) return fallback;
  if (!/^\d{4}$/.test(raw) || Number(raw) < MIN_STATEMENT_YEAR || Number(raw) > MAX_STATEMENT_YEAR) {
    throw new StatementPeriodError('statement_period_invalid', `year must be a year from ${MIN_STATEMENT_YEAR} to ${MAX_STATEMENT_YEAR}`, 'year');
  }
  return Number(raw);
}

/** A real calendar day written YYYY-MM-DD (no 2026-02-30), as midnight UTC. */
export function parseDay(value: unknown, field: string): Date {
  const raw = text(value);
  const match = raw === undefined ? null : /^(\d{4})-(\d{2})-(\d{2})$/.exec(raw);
  if (!match) throw new StatementPeriodError('statement_period_invalid', `${field} must be a date written YYYY-MM-DD`, field);
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  if (year < MIN_STATEMENT_YEAR || year > MAX_STATEMENT_YEAR || date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) {
    throw new StatementPeriodError('statement_period_invalid', `${field} is not a date from ${MIN_STATEMENT_YEAR} to ${MAX_STATEMENT_YEAR}`, field);
  }
  return date;
}

export function dayString(date: Date): string {
  return date.toISOString().slice(0, 10);
}

function period(kind: StatementPeriodKind, start: Date, endExclusive: Date, startMonth?: number): StatementPeriod {
  return {
    kind, start, end: endExclusive, fromDay: dayString(start), toDay: dayString(new Date(endExclusive.getTime() - DAY_MS)),
    ...(startMonth !== undefined ? { startMonth } : {}),
  };
}

/** Reads the statement form (or query); `now` picks the default year. Throws StatementPeriodError. */
export function resolveStatementPeriod(input: StatementPeriodInput, now: Date = new Date()): StatementPeriod {
  const kind = text(input.period) ?? 'calendar';
  const currentYear = now.getUTCFullYear();
  switch (kind) {
    case 'calendar': {
      const year = yearOf(input.year, currentYear);
      return period('calendar', new Date(Date.UTC(year, 0, 1)), new Date(Date.UTC(year + 1, 0, 1)));
    }
    case 'fiscal': {
      const rawMonth = text(input.startMonth);
      if (rawMonth === undefined || !/^(0?[1-9]|1[0-2])$/.test(rawMonth)) {
        throw new StatementPeriodError('statement_period_invalid', 'startMonth must be a month from 1 to 12', 'startMonth');
      }
      const month = Number(rawMonth);
      // Default: the fiscal year running now (it started this year if its first month has come, else last year).
      const running = now.getUTCMonth() + 1 >= month ? currentYear : currentYear - 1;
      const year = yearOf(input.year, running);
      return period('fiscal', new Date(Date.UTC(year, month - 1, 1)), new Date(Date.UTC(year + 1, month - 1, 1)), month);
    }
    case 'custom': {
      const from = parseDay(input.from, 'from');
      const to = parseDay(input.to, 'to');
      if (to.getTime() < from.getTime()) throw new StatementPeriodError('statement_range_reversed', 'to is before from: the range ends before it starts', 'to');
      const days = (to.getTime() - from.getTime()) / DAY_MS + 1;
      if (days > MAX_CUSTOM_DAYS) throw new StatementPeriodError('statement_range_too_long', `a custom range covers at most ${MAX_CUSTOM_DAYS} days`, 'to');
      return period('custom', from, new Date(to.getTime() + DAY_MS));
    }
    default:
      throw new StatementPeriodError('statement_period_invalid', 'period must be calendar, fiscal or custom', 'period');
  }
}
