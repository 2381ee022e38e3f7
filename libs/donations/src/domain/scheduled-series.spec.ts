import {
  checkTimeZone, defaultTimeZone, dueOccurrences, fridays, hijriOf, isScheduleFrequency, OFFERED_TIME_ZONES, ramadanLastTenNights, scheduleOccurrences, scheduledChargeKey,
  scheduledFormTerms, zonedInstant, zoneOffset,
} from './scheduled-series.js';

const at = (iso: string) => new Date(iso);

describe('the Umm al-Qura calendar (Intl islamic-umalqura)', () => {
  it('finds Ramadan 1446 (1-29 Ramadan = 1-29 March 2025) and 1447 (18 February - 19 March 2026)', () => {
    expect(hijriOf('2025-03-01')).toEqual({ year: 1446, month: 9, day: 1 });
    expect(hijriOf('2025-03-29')).toEqual({ year: 1446, month: 9, day: 29 });
    expect(hijriOf('2025-03-30')).toEqual({ year: 1446, month: 10, day: 1 });
    expect(hijriOf('2026-02-18')).toEqual({ year: 1447, month: 9, day: 1 });
    expect(hijriOf('2026-03-19')).toEqual({ year: 1447, month: 9, day: 30 });
  });
});

describe('every night of the last ten nights of Ramadan', () => {
  it('Ramadan 1447 has 30 days: 10 nights, the 21st night beginning on the evening of 9 March 2026, at 21:00 in Amman (UTC+3)', () => {
    const nights = ramadanLastTenNights(at('2026-01-10T00:00:00Z'), 'Asia/Amman');
    expect(nights).toHaveLength(10);
    expect(nights[0]).toEqual({ index: 1, night: 21, localDate: '2026-03-09', chargeAt: at('2026-03-09T18:00:00Z') });
    expect(nights[9]).toEqual({ index: 10, night: 30, localDate: '2026-03-18', chargeAt: at('2026-03-18T18:00:00Z') });
  });

  it('Ramadan 1446 had 29 days: 9 nights (21st to 29th), from the evening of 20 March 2025', () => {
    const nights = ramadanLastTenNights(at('2025-02-01T00:00:00Z'), 'Europe/London');
    expect(nights.map((n) => n.night)).toEqual([21, 22, 23, 24, 25, 26, 27, 28, 29]);
    expect(nights[0]).toMatchObject({ localDate: '2025-03-20', chargeAt: at('2025-03-20T21:00:00Z') });
    // London moved to summer time on 30 March 2025: the last night (28 March) is still UTC+0.
    expect(nights[8]).toMatchObject({ localDate: '2025-03-28', chargeAt: at('2025-03-28T21:00:00Z') });
  });

  it('once this year\'s 21st night has been charged, it is next year\'s Ramadan (1448: 8 February - 8 March 2027)', () => {
    const nights = ramadanLastTenNights(at('2026-03-10T00:00:00Z'), 'Asia/Amman');
    expect(nights[0]).toMatchObject({ night: 21, localDate: '2027-02-27' });
    expect(hijriOf('2027-02-28')).toEqual({ year: 1448, month: 9, day: 21 });
  });

  it('the same night is charged at each donor\'s own 21:00: New York (UTC-5 before its DST change) and Jakarta (UTC+7)', () => {
    const now = at('2026-01-10T00:00:00Z');
    expect(ramadanLastTenNights(now, 'America/New_York')[0].chargeAt).toEqual(at('2026-03-10T01:00:00Z'));
    expect(ramadanLastTenNights(now, 'Asia/Jakarta')[0].chargeAt).toEqual(at('2026-03-09T14:00:00Z'));
  });
});

describe('every Friday for N weeks, across time zones', () => {
  // Thursday 4 December 2025, 22:00 UTC: already Friday 5 December in Auckland (UTC+13) and Kiritimati (UTC+14).
  const thursdayNight = at('2025-12-04T22:00:00Z');

  it('in Amman (UTC+3) it is Friday 01:00: the first gift is today at 9:00 local', () => {
    expect(fridays(3, thursdayNight, 'Asia/Amman')).toEqual([
      { index: 1, localDate: '2025-12-05', chargeAt: at('2025-12-05T06:00:00Z') },
      { index: 2, localDate: '2025-12-12', chargeAt: at('2025-12-12T06:00:00Z') },
      { index: 3, localDate: '2025-12-19', chargeAt: at('2025-12-19T06:00:00Z') },
    ]);
  });

  it('in Kiritimati (UTC+14) it is Friday noon, past 9:00: the first gift is next Friday, which is Thursday in UTC', () => {
    const [first] = fridays(1, thursdayNight, 'Pacific/Kiritimati');
    expect(first).toEqual({ index: 1, localDate: '2025-12-12', chargeAt: at('2025-12-11T19:00:00Z') });
    expect(first.chargeAt.getUTCDay()).toBe(4);
  });

  it('in Pago Pago (UTC-11) it is Thursday 11:00: the first is tomorrow, which is Friday 20:00 UTC', () => {
    expect(fridays(1, thursdayNight, 'Pacific/Pago_Pago')[0]).toEqual({ index: 1, localDate: '2025-12-05', chargeAt: at('2025-12-05T20:00:00Z') });
  });

  it('follows daylight saving: New York Fridays at 9:00 are 14:00 UTC in winter, 13:00 UTC after 8 March 2026', () => {
    const weeks = fridays(4, at('2026-02-27T15:00:00Z'), 'America/New_York');
    expect(weeks.map((w) => [w.localDate, w.chargeAt.toISOString()])).toEqual([
      ['2026-03-06', '2026-03-06T14:00:00.000Z'],
      ['2026-03-13', '2026-03-13T13:00:00.000Z'],
      ['2026-03-20', '2026-03-20T13:00:00.000Z'],
      ['2026-03-27', '2026-03-27T13:00:00.000Z'],
    ]);
  });

  it('refuses 0 or 53 weeks (422) and an unknown time zone (400)', () => {
    expect(() => fridays(0, thursdayNight, 'Asia/Amman')).toThrow(expect.objectContaining({ code: 'weeks_out_of_range', status: 422 }));
    expect(() => fridays(53, thursdayNight, 'Asia/Amman')).toThrow(expect.objectContaining({ code: 'weeks_out_of_range', status: 422 }));
    expect(() => fridays(4, thursdayNight, 'Mars/Olympus')).toThrow(expect.objectContaining({ code: 'time_zone_invalid', status: 400 }));
    expect(() => checkTimeZone('')).toThrow(expect.objectContaining({ code: 'time_zone_invalid' }));
    expect(() => scheduleOccurrences('daily', { timeZone: 'UTC' }, thursdayNight)).toThrow(expect.objectContaining({ code: 'schedule_not_offered' }));
  });
});

describe('zoned time', () => {
  it('a wall time skipped by spring-forward keeps the earlier offset; one repeated in the fall is the first', () => {
    // 8 March 2026, 02:30 does not exist in New York: taken at UTC-5, 07:30 UTC (03:30 EDT on the wall).
    expect(zonedInstant('2026-03-08', 2, 'America/New_York', 30).toISOString()).toBe('2026-03-08T07:30:00.000Z');
    // 1 November 2026, 01:00 happens twice: the first (EDT, UTC-4) is 05:00 UTC.
    expect(zonedInstant('2026-11-01', 1, 'America/New_York').toISOString()).toBe('2026-11-01T05:00:00.000Z');
    expect(zoneOffset(Date.parse('2026-07-01T00:00:00Z'), 'Asia/Kathmandu')).toBe((5 * 60 + 45) * 60_000);
  });
});

describe('charging occurrences', () => {
  it('one key per series and occurrence; due occurrences not yet charged, oldest first', () => {
    const weeks = fridays(3, at('2025-12-04T22:00:00Z'), 'Asia/Amman');
    expect(scheduledChargeKey('s1', 2)).toBe('scheduled-charge:s1:2');
    expect(dueOccurrences(weeks, new Set([1]), at('2025-12-20T00:00:00Z')).map((o) => o.index)).toEqual([2, 3]);
    expect(dueOccurrences(weeks, new Set(), at('2025-12-05T05:59:59Z'))).toEqual([]);
  });
});

describe('the campaign form of a scheduled series', () => {
  it('takes 1 to 52 weeks as digits, none for Ramadan; refuses an end (the schedule has its own)', () => {
    expect(scheduledFormTerms({ frequency: 'fridays', weeks: ' 4 ' })).toEqual({ kind: 'fridays', weeks: 4 });
    expect(scheduledFormTerms({ frequency: 'fridays', weeks: '52' })).toEqual({ kind: 'fridays', weeks: 52 });
    expect(scheduledFormTerms({ frequency: 'ramadan_last_ten', weeks: 'anything' })).toEqual({ kind: 'ramadan_last_ten' });
    for (const weeks of ['0', '53', '', '4.5', '-1', 'four', '1e1', null]) {
      expect(() => scheduledFormTerms({ frequency: 'fridays', weeks })).toThrow(expect.objectContaining({ code: 'weeks_out_of_range', status: 422 }));
    }
    expect(() => scheduledFormTerms({ frequency: 'fridays', weeks: '4', endDate: '2027-01-01' })).toThrow(expect.objectContaining({ code: 'end_not_offered', status: 400, details: { field: 'endDate' } }));
    expect(() => scheduledFormTerms({ frequency: 'ramadan_last_ten', payments: '3' })).toThrow(expect.objectContaining({ code: 'end_not_offered', details: { field: 'payments' } }));
  });

  it('offers first the zone of the campaign currency\'s country, else UTC; every zone listed is one Intl knows', () => {
    expect(defaultTimeZone('kwd')).toBe('Asia/Kuwait');
    expect(defaultTimeZone('JOD')).toBe('Asia/Amman');
    expect(defaultTimeZone('usd')).toBe('UTC');
    for (const zone of OFFERED_TIME_ZONES) expect(checkTimeZone(zone)).toBeTruthy();
    expect(new Set(OFFERED_TIME_ZONES).size).toBe(OFFERED_TIME_ZONES.length);
    expect(isScheduleFrequency('fridays')).toBe(true);
    expect(isScheduleFrequency('monthly')).toBe(false);
  });
});
