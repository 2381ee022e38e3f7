import { DomainError } from '@ataa/common';
import type { RecurringEndReason, RecurringInterval, RecurringStatus } from './recurring-gift.js';

/*
 * An organization's recurring figures (issue 20, item 5), pure: recurring donors, monthly recurring
 * revenue, churn over a period and failed payments, from the series' facts and the failed attempts
 * recorded for them. Money stays in bigint minor units per currency; nothing converts currencies.
 */

export interface SeriesFact {
  /** Who gives (the donor's address, lower-cased): one donor may have several series. */
  donor: string;
  interval: RecurringInterval;
  amount: bigint;
  currency: string;
  status: RecurringStatus;
  /** The first paid invoice's settlement: a series that never paid was never live. */
  startedAt: Date | null;
  endedAt: Date | null;
  endReason: RecurringEndReason | null;
}

export interface FailureFact {
  recurringGiftId: string;
  amount: bigint;
  currency: string;
  failedAt: Date;
  /** The invoice was paid later (a retry or a new card): the failure was made good. */
  recovered: boolean;
}

/** A scheduled series (Ramadan nights, Fridays), as the figures count it. */
export interface ScheduledFact {
  /** The donor's address, lower-cased (null once erased). */
  donor: string | null;
  kind: 'ramadan_last_ten' | 'fridays';
  status: 'pending' | 'active' | 'completed' | 'cancelled';
  currency: string;
  amount: bigint;
  /** Occurrences still planned (to be charged). */
  planned: number;
  endedAt: Date | null;
  endReason: 'donor' | 'campaign_closed' | 'erasure' | null;
}

/** One occurrence of a scheduled series that was due (charged, or its charge failed). */
export interface ScheduledChargeFact {
  currency: string;
  amount: bigint;
  /** Its gift settled (charged off-session, or paid later on its link). */
  paid: boolean;
  /** The off-session charge failed (paid too when the donor paid on the link since). */
  failed: boolean;
  /** When its gift settled, else when its charge failed. */
  at: Date;
}

/** The scheduled series' figures: counted beside the subscriptions, never in their monthly revenue (they are not monthly). */
export interface ScheduledFigures {
  /** Distinct donors with an active series. */
  donors: number;
  /** Active series by schedule. */
  active: { ramadanLastTen: number; fridays: number };
  /** Series cancelled in the period, by reason. */
  cancelled: number;
  cancelledByReason: Partial<Record<'donor' | 'campaign_closed' | 'erasure', number>>;
  /** Per currency: what the active series' planned occurrences will charge. */
  stillPlanned: { currency: string; amount: bigint; occurrences: number }[];
  /** Occurrences settled or failed in the period: paid (per currency) and failed (paid later on the link: recovered). */
  paid: { occurrences: number; amounts: { currency: string; amount: bigint }[] };
  failed: { occurrences: number; recovered: number; amounts: { currency: string; amount: bigint }[] };
}

export interface Period {
  /** Inclusive. */
  from: Date;
  /** Exclusive. */
  to: Date;
}

export interface RecurringFigures {
  period: Period;
  /** Distinct donors with a live series (active, past due or paused) or an active scheduled series. */
  recurringDonors: number;
  /** The scheduled series (Ramadan nights, Fridays). */
  scheduled: ScheduledFigures;
  /** Live series by status. */
  series: { active: number; pastDue: number; paused: number };
  /** Per currency: what the collecting series (active, past due) bring in a month. */
  monthlyRecurringRevenue: { currency: string; amount: bigint; series: number }[];
  churn: {
    /** Series that had started and ended within the period (by the donor, a failed payment, the campaign closing...). */
    ended: number;
    endedByReason: Partial<Record<RecurringEndReason, number>>;
    /** Series live at the period's start. */
    liveAtStart: number;
    /** ended / liveAtStart in basis points (833 = 8.33 %), rounded half up; null when nothing was live at the start. */
    rateBasisPoints: number | null;
  };
  failedPayments: {
    /** Failed attempts in the period (each retry that fails counts). */
    attempts: number;
    /** Series with at least one failed attempt in the period. */
    series: number;
    /** Attempts whose invoice was paid later. */
    recovered: number;
    /** Per currency, the amounts of the failed attempts. */
    amounts: { currency: string; amount: bigint }[];
  };
}

const DAY_MS = 86_400_000;
/** The longest period asked for at once (a leap year). */
export const MAX_PERIOD_DAYS = 366;
/** The period when none is asked for: the 30 days up to today, today included. */
export const DEFAULT_PERIOD_DAYS = 30;

const refuse = (message: string, details?: Record<string, unknown>): never => {
  throw new DomainError('period_invalid', message, 400, details);
};

function utcDay(value: string, field: string): Date {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  const day = m ? new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))) : null;
  if (!m || !day || Number.isNaN(day.getTime()) || day.toISOString().slice(0, 10) !== value) refuse(`${field} is not a date (YYYY-MM-DD)`, { field });
  return day!;
}

/**
 * The period asked for: `from` and `to` are whole UTC days, both included (`to` defaults to today,
 * `from` to 29 days before `to`); at most 366 days; `from` after `to` is refused (400 `period_invalid`).
 */
export function figuresPeriod(query: { from?: unknown; to?: unknown }, now: Date): Period {
  for (const field of ['from', 'to'] as const) {
    if (query[field] !== undefined && query[field] !== '' && typeof query[field] !== 'string') refuse(`${field} is not a date (YYYY-MM-DD)`, { field });
  }
  const today = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
  const lastDay = query.to ? utcDay(query.to as string, 'to') : today;
  const firstDay = query.from ? utcDay(query.from as string, 'from') : new Date(lastDay.getTime() - (DEFAULT_PERIOD_DAYS - 1) * DAY_MS);
  if (firstDay > lastDay) refuse('from is after to', { field: 'from' });
  const to = new Date(lastDay.getTime() + DAY_MS);
  if ((to.getTime() - firstDay.getTime()) / DAY_MS > MAX_PERIOD_DAYS) refuse(`A period is at most ${MAX_PERIOD_DAYS} days`, { field: 'from', maximumDays: MAX_PERIOD_DAYS });
  return { from: firstDay, to };
}

const LIVE: readonly RecurringStatus[] = ['active', 'past_due', 'paused'];
/** Series that are collecting: a paused series brings nothing in while paused. */
const COLLECTING: readonly RecurringStatus[] = ['active', 'past_due'];

/**
 * A month's worth of a currency's collecting series: monthly amounts as they are, weekly ones
 * × 52 / 12 (a year of weeks spread over twelve months), rounded half up once per currency (not per
 * series, so a hundred weekly series do not gain or lose a hundred roundings).
 */
export function monthlyRecurringRevenue(series: readonly Pick<SeriesFact, 'interval' | 'amount' | 'currency' | 'status'>[]) {
  const sums = new Map<string, { monthly: bigint; weekly: bigint; series: number }>();
  for (const s of series) {
    if (!COLLECTING.includes(s.status)) continue;
    const sum = sums.get(s.currency) ?? { monthly: 0n, weekly: 0n, series: 0 };
    if (s.interval === 'month') sum.monthly += s.amount;
    else sum.weekly += s.amount;
    sum.series += 1;
    sums.set(s.currency, sum);
  }
  return [...sums.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([currency, sum]) => ({ currency, amount: sum.monthly + (sum.weekly * 52n + 6n) / 12n, series: sum.series }));
}

/** A series was live at `t` when it had started (its first payment) and had not ended yet. */
export const liveAt = (s: Pick<SeriesFact, 'startedAt' | 'endedAt'>, t: Date): boolean =>
  s.startedAt !== null && s.startedAt < t && (s.endedAt === null || s.endedAt >= t);

/** ended / live in basis points, rounded half up. */
export function churnBasisPoints(ended: number, live: number): number | null {
  if (live === 0) return null;
  return Math.floor((ended * 10_000 * 2 + live) / (2 * live));
}

const perCurrency = (rows: readonly { currency: string; amount: bigint }[]) => {
  const sums = new Map<string, bigint>();
  for (const r of rows) sums.set(r.currency, (sums.get(r.currency) ?? 0n) + r.amount);
  return [...sums.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([currency, amount]) => ({ currency, amount }));
};

/** The scheduled series' part of the figures (pure). */
export function scheduledFigures(series: readonly ScheduledFact[], charges: readonly ScheduledChargeFact[], period: Period): ScheduledFigures {
  const active = series.filter((s) => s.status === 'active');
  const cancelled = series.filter((s) => s.status === 'cancelled' && s.endedAt !== null && s.endedAt >= period.from && s.endedAt < period.to);
  const cancelledByReason: ScheduledFigures['cancelledByReason'] = {};
  for (const s of cancelled) if (s.endReason) cancelledByReason[s.endReason] = (cancelledByReason[s.endReason] ?? 0) + 1;
  const planned = new Map<string, { amount: bigint; occurrences: number }>();
  for (const s of active) {
    const sum = planned.get(s.currency) ?? { amount: 0n, occurrences: 0 };
    planned.set(s.currency, { amount: sum.amount + s.amount * BigInt(s.planned), occurrences: sum.occurrences + s.planned });
  }
  const due = charges.filter((c) => c.at >= period.from && c.at < period.to);
  const paid = due.filter((c) => c.paid);
  const failed = due.filter((c) => c.failed);
  return {
    donors: new Set(active.flatMap((s) => (s.donor ? [s.donor] : []))).size,
    active: { ramadanLastTen: active.filter((s) => s.kind === 'ramadan_last_ten').length, fridays: active.filter((s) => s.kind === 'fridays').length },
    cancelled: cancelled.length, cancelledByReason,
    stillPlanned: [...planned.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([currency, p]) => ({ currency, ...p })),
    paid: { occurrences: paid.length, amounts: perCurrency(paid) },
    failed: { occurrences: failed.length, recovered: failed.filter((c) => c.paid).length, amounts: perCurrency(failed) },
  };
}

export function recurringFigures(
  series: readonly SeriesFact[], failures: readonly FailureFact[], period: Period,
  scheduled: { series: readonly ScheduledFact[]; charges: readonly ScheduledChargeFact[] } = { series: [], charges: [] },
): RecurringFigures {
  const live = series.filter((s) => LIVE.includes(s.status));
  const ended = series.filter((s) => s.startedAt !== null && s.endedAt !== null && s.endedAt >= period.from && s.endedAt < period.to);
  const endedByReason: Partial<Record<RecurringEndReason, number>> = {};
  for (const s of ended) {
    const reason = s.endReason ?? 'stripe';
    endedByReason[reason] = (endedByReason[reason] ?? 0) + 1;
  }
  const liveAtStart = series.filter((s) => liveAt(s, period.from)).length;
  const inPeriod = failures.filter((f) => f.failedAt >= period.from && f.failedAt < period.to);
  const failedAmounts = new Map<string, bigint>();
  for (const f of inPeriod) failedAmounts.set(f.currency, (failedAmounts.get(f.currency) ?? 0n) + f.amount);
  return {
    period,
    recurringDonors: new Set([...live.map((s) => s.donor), ...scheduled.series.flatMap((s) => (s.status === 'active' && s.donor ? [s.donor] : []))]).size,
    scheduled: scheduledFigures(scheduled.series, scheduled.charges, period),
    series: {
      active: live.filter((s) => s.status === 'active').length,
      pastDue: live.filter((s) => s.status === 'past_due').length,
      paused: live.filter((s) => s.status === 'paused').length,
    },
    monthlyRecurringRevenue: monthlyRecurringRevenue(series),
    churn: { ended: ended.length, endedByReason, liveAtStart, rateBasisPoints: churnBasisPoints(ended.length, liveAtStart) },
    failedPayments: {
      attempts: inPeriod.length,
      series: new Set(inPeriod.map((f) => f.recurringGiftId)).size,
      recovered: inPeriod.filter((f) => f.recovered).length,
      amounts: [...failedAmounts.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([currency, amount]) => ({ currency, amount })),
    },
  };
}

export interface SeriesListQuery {
  status: RecurringStatus | null;
  limit: number;
  after: { createdAt: Date; id: string } | null;
}

export const SERIES_LIST_STATUSES = ['active', 'past_due', 'paused', 'cancelled', 'ended'] as const;
export const SERIES_PAGE = { default: 50, max: 100 } as const;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const invalid = (field: string, message: string): never => {
  throw new DomainError('invalid_parameter', message, 400, { field });
};

/** The next page's cursor: the last row's creation time and id. */
export function encodeSeriesCursor(row: { createdAt: Date; id: string }): string {
  return Buffer.from(`${row.createdAt.toISOString()}|${row.id}`).toString('base64url');
}

/** The list's query: `status` (a live or final state), `limit` 1-100, `cursor`; anything else 400 `invalid_parameter`. */
export function parseSeriesListQuery(query: Record<string, unknown>): SeriesListQuery {
  const { status, limit, cursor } = query;
  if (status !== undefined && (typeof status !== 'string' || !(SERIES_LIST_STATUSES as readonly string[]).includes(status))) {
    invalid('status', `status is one of ${SERIES_LIST_STATUSES.join(', ')}`);
  }
  let size: number = SERIES_PAGE.default;
  if (limit !== undefined) {
    if (typeof limit !== 'string' || !/^\d{1,3}$/.test(limit) || Number(limit) < 1 || Number(limit) > SERIES_PAGE.max) invalid('limit', `limit is 1 to ${SERIES_PAGE.max}`);
    size = Number(limit);
  }
  let after: SeriesListQuery['after'] = null;
  if (cursor !== undefined) {
    const [at, id] = typeof cursor === 'string' && cursor.length <= 200 ? Buffer.from(cursor, 'base64url').toString('utf8').split('|') : [];
    const createdAt = at ? new Date(at) : null;
    if (!createdAt || Number.isNaN(createdAt.getTime()) || !id || !UUID.test(id)) return invalid('cursor', 'cursor is not one this list gave');
    after = { createdAt, id };
  }
  return { status: (status as RecurringStatus | undefined) ?? null, limit: size, after };
}
