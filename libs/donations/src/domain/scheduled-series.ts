import { DomainError } from '@ataa/common';

/*
 * Scheduled series (issue 20, item 1), pure: "every night of the last ten nights of Ramadan" and
 * "every Friday for N weeks", as fixed lists of occurrences — each a moment to charge the donor's
 * saved card off-session, in the donor's time zone. Ramadan is found with Intl's `islamic-umalqura`
 * calendar (the Umm al-Qura calendar Saudi Arabia publishes), never with a table of dates.
 * Why platform-driven charges rather than Stripe subscription schedules: docs/recurring.md.
 */

export const SCHEDULE_KINDS = ['ramadan_last_ten', 'fridays'] as const;
export type ScheduleKind = (typeof SCHEDULE_KINDS)[number];

/** Most Fridays a series may have (a year of Fridays). */
export const MAX_FRIDAYS = 52;
/** The local time a Ramadan night's gift is charged: after sunset (Maghrib) anywhere people live, before most sleep. */
export const RAMADAN_CHARGE_HOUR = 21;
/** The local time a Friday's gift is charged: the morning, before the Friday prayer. */
export const FRIDAY_CHARGE_HOUR = 9;

export interface Occurrence {
  /** 1-based: the idempotency key of its charge is per series and index. */
  index: number;
  /** The local calendar day (YYYY-MM-DD, the donor's time zone) it is charged on. */
  localDate: string;
  /** The instant it is charged. */
  chargeAt: Date;
  /** For Ramadan: the night's number (21-30) of the Islamic month. */
  night?: number;
}

const DAY_MS = 86_400_000;
const refuse = (code: string, message: string, status = 400, details?: Record<string, unknown>): never => {
  throw new DomainError(code, message, status, details);
};

/** An IANA time zone Intl knows (else 400 `time_zone_invalid`), in its canonical spelling. */
export function checkTimeZone(zone: unknown): string {
  if (typeof zone !== 'string' || zone.length === 0 || zone.length > 64) return refuse('time_zone_invalid', 'The time zone is not one we know (e.g. Asia/Amman)', 400, { field: 'timeZone' });
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: zone }).resolvedOptions().timeZone;
  } catch {
    return refuse('time_zone_invalid', 'The time zone is not one we know (e.g. Asia/Amman)', 400, { field: 'timeZone' });
  }
}

const civil = (iso: string) => {
  const [y, m, d] = iso.split('-').map(Number);
  return { y, m, d };
};
const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** The time zone's offset from UTC at `instant`, in ms (east positive). */
export function zoneOffset(instant: number, zone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: zone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit',
  }).formatToParts(new Date(instant));
  const get = (type: string) => Number(parts.find((p) => p.type === type)!.value);
  const asUtc = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  return asUtc - Math.floor(instant / 1000) * 1000;
}

/**
 * The instant a wall-clock time happens in a zone. A time skipped by a DST change (spring forward)
 * is taken at the same offset as before the change (it lands an hour later on the wall clock); a
 * time that happens twice (fall back) is its first occurrence. The hours used here (9:00, 21:00)
 * are never in a change anywhere today, but the rule keeps the function total.
 */
export function zonedInstant(localDate: string, hour: number, zone: string, minute = 0): Date {
  const { y, m, d } = civil(localDate);
  const wall = Date.UTC(y, m - 1, d, hour, minute);
  const first = wall - zoneOffset(wall, zone);
  const second = wall - zoneOffset(first, zone);
  // The earlier of the two candidates that shows the wall time asked for; else (a skipped hour) the first guess.
  const shows = (t: number) => t + zoneOffset(t, zone) === wall;
  const candidates = [first, second].filter(shows).sort((a, b) => a - b);
  return new Date(candidates[0] ?? first);
}

/** Today's date (YYYY-MM-DD) in the zone. */
export function localToday(now: Date, zone: string): string {
  return isoDay(now.getTime() + zoneOffset(now.getTime(), zone));
}

const umalqura = new Intl.DateTimeFormat('en-u-ca-islamic-umalqura', { day: 'numeric', month: 'numeric', year: 'numeric', timeZone: 'UTC' });

/** The Umm al-Qura date of a civil day (the Islamic day that is mostly this civil day). */
export function hijriOf(localDate: string): { year: number; month: number; day: number } {
  const parts = umalqura.formatToParts(new Date(`${localDate}T12:00:00Z`));
  const get = (type: string) => Number(parts.find((p) => p.type === type)!.value.replace(/\D/g, ''));
  return { year: get('year'), month: get('month'), day: get('day') };
}

/**
 * The civil days of Ramadan of the Hijri year on or after `fromDate` whose last ten nights are not
 * over: [first day, ..., last day] (29 or 30 days, as Umm al-Qura has them).
 */
function ramadanDays(fromDate: string): string[] {
  let t = Date.parse(`${fromDate}T12:00:00Z`);
  // At most a Hijri year (354-355 days) to the next Ramadan.
  for (let i = 0; i < 400; i += 1, t += DAY_MS) {
    const h = hijriOf(isoDay(t));
    if (h.month === 9) {
      // Back to its first day, then forward to its last.
      let start = t;
      while (hijriOf(isoDay(start - DAY_MS)).month === 9) start -= DAY_MS;
      const days: string[] = [];
      for (let day = start; hijriOf(isoDay(day)).month === 9; day += DAY_MS) days.push(isoDay(day));
      return days;
    }
  }
  throw new Error('no Ramadan within 400 days: the Intl calendar is missing');
}

/**
 * Every night of the last ten nights of Ramadan: the nights of the 21st to the month's last day
 * (10 nights when Umm al-Qura's Ramadan has 30 days, 9 when it has 29 — the 30th night does not
 * exist then). An Islamic night precedes its day: the night of the 21st begins at sunset on the
 * civil day before the 21st, so each gift is charged at 21:00 local time on that evening. The
 * Ramadan chosen is the next whose first such evening is still ahead in the donor's zone (this
 * year's while it is before its 21st night's charge, else next year's).
 */
export function ramadanLastTenNights(now: Date, zone: string): Occurrence[] {
  const tz = checkTimeZone(zone);
  for (let from = isoDay(now.getTime() - 40 * DAY_MS), tries = 0; tries < 3; tries += 1) {
    const days = ramadanDays(from);
    const nights = days.slice(20).map((day, i) => {
      const evening = isoDay(Date.parse(`${day}T12:00:00Z`) - DAY_MS);
      return { index: i + 1, night: 21 + i, localDate: evening, chargeAt: zonedInstant(evening, RAMADAN_CHARGE_HOUR, tz) };
    });
    if (nights[0].chargeAt > now) return nights;
    from = isoDay(Date.parse(`${days[days.length - 1]}T12:00:00Z`) + DAY_MS);
  }
  throw new Error('no Ramadan ahead');
}

/**
 * Every Friday for `weeks` weeks (1 to 52, else 422 `weeks_out_of_range`), Fridays of the donor's
 * time zone, each charged at 9:00 local time: the first is the next Friday whose 9:00 is still
 * ahead there (today, if it is Friday before 9:00). A Friday in Kiritimati (UTC+14) is still
 * Thursday in UTC, one in Samoa's neighbour Pago Pago (UTC-11) already Saturday: the day is the donor's.
 */
export function fridays(weeks: number, now: Date, zone: string): Occurrence[] {
  const tz = checkTimeZone(zone);
  if (!Number.isInteger(weeks) || weeks < 1 || weeks > MAX_FRIDAYS) refuse('weeks_out_of_range', `Every Friday for 1 to ${MAX_FRIDAYS} weeks`, 422, { minimum: 1, maximum: MAX_FRIDAYS });
  let day = Date.parse(`${localToday(now, tz)}T12:00:00Z`);
  while (new Date(day).getUTCDay() !== 5 || zonedInstant(isoDay(day), FRIDAY_CHARGE_HOUR, tz) <= now) day += DAY_MS;
  return Array.from({ length: weeks }, (_, i) => {
    const localDate = isoDay(day + i * 7 * DAY_MS);
    return { index: i + 1, localDate, chargeAt: zonedInstant(localDate, FRIDAY_CHARGE_HOUR, tz) };
  });
}

/** The occurrences of a schedule the donor chose. */
export function scheduleOccurrences(kind: string, options: { weeks?: number; timeZone: string }, now: Date): Occurrence[] {
  if (kind === 'ramadan_last_ten') return ramadanLastTenNights(now, options.timeZone);
  if (kind === 'fridays') return fridays(options.weeks ?? 0, now, options.timeZone);
  return refuse('schedule_not_offered', 'The schedules offered are the last ten nights of Ramadan and every Friday', 400, { offered: SCHEDULE_KINDS });
}

/** The idempotency key of an occurrence's off-session charge: one PaymentIntent per series and occurrence, whatever retries. */
export const scheduledChargeKey = (seriesId: string, index: number): string => `scheduled-charge:${seriesId}:${index}`;

/** The occurrences due at `now` and not yet charged, oldest first. */
export function dueOccurrences(occurrences: readonly Occurrence[], charged: ReadonlySet<number>, now: Date): Occurrence[] {
  return occurrences.filter((o) => o.chargeAt <= now && !charged.has(o.index));
}

/** The campaign form's frequencies that start a scheduled series (beside once / monthly / weekly). */
export const SCHEDULE_FREQUENCIES = ['ramadan_last_ten', 'fridays'] as const;
export const isScheduleFrequency = (frequency: unknown): frequency is ScheduleKind => (SCHEDULE_FREQUENCIES as readonly unknown[]).includes(frequency);

/**
 * The form's fields for a scheduled series, checked before anything is written: the number of
 * Fridays as typed (digits only, 1 to 52, else 422 `weeks_out_of_range`; a Ramadan series takes
 * none), and no end date or number of payments (those are a monthly or weekly gift's: a schedule
 * has its own end; 400 `end_not_offered`). The time zone and the dates are checked by `scheduleOccurrences`.
 */
export function scheduledFormTerms(form: { frequency: ScheduleKind; weeks?: string | null; endDate?: string | null; payments?: string | null }): { kind: ScheduleKind; weeks?: number } {
  if ((form.endDate ?? '').trim() !== '' || (form.payments ?? '').trim() !== '') {
    refuse('end_not_offered', 'A scheduled series ends by itself: leave the end date and the number of payments empty', 400, { field: (form.endDate ?? '').trim() !== '' ? 'endDate' : 'payments' });
  }
  if (form.frequency === 'ramadan_last_ten') return { kind: 'ramadan_last_ten' };
  const typed = (form.weeks ?? '').trim();
  const weeks = /^\d{1,3}$/.test(typed) ? Number(typed) : NaN;
  if (!Number.isInteger(weeks) || weeks < 1 || weeks > MAX_FRIDAYS) refuse('weeks_out_of_range', `Every Friday for 1 to ${MAX_FRIDAYS} weeks`, 422, { minimum: 1, maximum: MAX_FRIDAYS, field: 'weeks' });
  return { kind: 'fridays', weeks };
}

/**
 * The time zone the form offers first: the campaign currency's country where it has one zone,
 * else UTC. The donor picks another (or a small script picks the browser's); nothing depends on
 * the visitor, so the cached page stays the same for everyone.
 */
const CURRENCY_ZONES: Record<string, string> = {
  aed: 'Asia/Dubai', bhd: 'Asia/Bahrain', egp: 'Africa/Cairo', gbp: 'Europe/London', iqd: 'Asia/Baghdad', jod: 'Asia/Amman', kwd: 'Asia/Kuwait',
  lbp: 'Asia/Beirut', mad: 'Africa/Casablanca', omr: 'Asia/Muscat', qar: 'Asia/Qatar', sar: 'Asia/Riyadh', tnd: 'Africa/Tunis', try: 'Europe/Istanbul',
  pkr: 'Asia/Karachi', myr: 'Asia/Kuala_Lumpur', idr: 'Asia/Jakarta',
};
export function defaultTimeZone(currency: string): string {
  return CURRENCY_ZONES[currency.toLowerCase()] ?? 'UTC';
}

/**
 * The zones the form lists (a select): one or more for every UTC offset people live at, the
 * Muslim-majority countries' capitals and the large diasporas' cities. A zone the browser names
 * that is not here is added by the page's optional script; the server accepts any zone Intl knows.
 */
export const OFFERED_TIME_ZONES = [
  'Pacific/Pago_Pago', 'Pacific/Honolulu', 'America/Anchorage', 'America/Los_Angeles', 'America/Denver', 'America/Chicago', 'America/New_York',
  'America/Toronto', 'America/Halifax', 'America/Sao_Paulo', 'Atlantic/Azores', 'UTC', 'Europe/London', 'Africa/Casablanca', 'Africa/Lagos',
  'Europe/Paris', 'Europe/Berlin', 'Europe/Stockholm', 'Africa/Tunis', 'Africa/Algiers', 'Africa/Cairo', 'Africa/Khartoum', 'Asia/Amman', 'Asia/Beirut',
  'Asia/Damascus', 'Asia/Gaza', 'Asia/Jerusalem', 'Europe/Istanbul', 'Asia/Baghdad', 'Asia/Kuwait', 'Asia/Riyadh', 'Asia/Bahrain', 'Asia/Qatar',
  'Africa/Nairobi', 'Africa/Mogadishu', 'Asia/Aden', 'Asia/Tehran', 'Asia/Dubai', 'Asia/Muscat', 'Asia/Baku', 'Asia/Kabul', 'Asia/Karachi',
  'Asia/Tashkent', 'Asia/Kolkata', 'Asia/Kathmandu', 'Asia/Dhaka', 'Asia/Yangon', 'Asia/Bangkok', 'Asia/Jakarta', 'Asia/Kuala_Lumpur',
  'Asia/Singapore', 'Asia/Shanghai', 'Asia/Manila', 'Australia/Perth', 'Asia/Tokyo', 'Australia/Adelaide', 'Australia/Sydney', 'Pacific/Noumea',
  'Pacific/Auckland', 'Pacific/Tongatapu', 'Pacific/Kiritimati',
] as const;
