/**
 * The home page's "gifts per day" chart, as geometry for an inline SVG rendered on the server (pure:
 * no I/O, no DOM). Days are UTC calendar days; the series always has one entry per day, oldest first.
 */
export interface DayCount {
  /** YYYY-MM-DD (UTC). */
  day: string;
  gifts: number;
}

export interface ChartBar extends DayCount {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface BarChart {
  width: number;
  height: number;
  /** The plotting area's top and bottom (the axis line sits at `baseline`). */
  top: number;
  baseline: number;
  max: number;
  bars: ChartBar[];
  /** Horizontal grid lines with their value (0 and the top of the scale, and a middle one when it is whole). */
  ticks: { y: number; value: number }[];
}

const DAY_MS = 86_400_000;

/** Midnight UTC of `now`'s day. */
export function utcDayStart(now: Date): Date {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
}

/** The first day (UTC midnight) of a `days`-day window ending today. */
export function seriesStart(now: Date, days = 30): Date {
  return new Date(utcDayStart(now).getTime() - (days - 1) * DAY_MS);
}

/** One entry per day of the window ending today, the counts filled in from `counts` (other days 0). */
export function dailySeries(counts: readonly DayCount[], now: Date, days = 30): DayCount[] {
  const byDay = new Map(counts.map((c) => [c.day, c.gifts]));
  const start = seriesStart(now, days).getTime();
  return Array.from({ length: days }, (_, i) => {
    const day = new Date(start + i * DAY_MS).toISOString().slice(0, 10);
    return { day, gifts: byDay.get(day) ?? 0 };
  });
}

/** A scale top that is a "nice" number at or above the largest value (1, 2, 5 × 10^n; at least 1). */
export function niceMax(value: number): number {
  if (value <= 1) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 5, 10]) if (step * magnitude >= value) return step * magnitude;
  return 10 * magnitude;
}

/** Bars left to right in time order; a day with gifts is at least 1 unit tall so it stays visible. */
export function barChart(series: readonly DayCount[], options: { width?: number; height?: number; padding?: number } = {}): BarChart {
  const width = options.width ?? 600;
  const height = options.height ?? 200;
  const padding = options.padding ?? 24;
  const top = padding / 2;
  const baseline = height - padding;
  const plotHeight = baseline - top;
  const max = niceMax(Math.max(0, ...series.map((d) => d.gifts)));
  const slot = series.length > 0 ? (width - padding) / series.length : 0;
  const barWidth = Math.max(1, Math.round(slot * 0.7 * 100) / 100);
  const round = (n: number) => Math.round(n * 100) / 100;
  const bars = series.map((d, i) => {
    const h = d.gifts === 0 ? 0 : Math.max(1, (d.gifts / max) * plotHeight);
    return { ...d, x: round(padding + i * slot + (slot - barWidth) / 2), y: round(baseline - h), width: barWidth, height: round(h) };
  });
  const ticks = [{ y: baseline, value: 0 }, { y: top, value: max }];
  if (max % 2 === 0) ticks.splice(1, 0, { y: round(top + plotHeight / 2), value: max / 2 });
  return { width, height, top, baseline, max, bars, ticks };
}

/** Where "this week" (Monday, UTC) and "this month" (the 1st, UTC) start. */
export function periodStarts(now: Date): { weekStart: Date; monthStart: Date } {
  const today = utcDayStart(now);
  const sinceMonday = (today.getUTCDay() + 6) % 7;
  return {
    weekStart: new Date(today.getTime() - sinceMonday * DAY_MS),
    monthStart: new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1)),
  };
}
