import { RECURRING_END_REASONS, RECURRING_INTERVALS, RECURRING_STATUSES } from '@ataa/donations';
import { RECURRING_MESSAGES } from './recurring-messages.js';

describe('recurring page messages', () => {
  const keys = (o: object): string[] => Object.entries(o).flatMap(([k, v]) => (typeof v === 'object' ? keys(v).map((s) => `${k}.${s}`) : [k])).sort();

  it('say the same things in English and Arabic, with the same placeholders', () => {
    expect(keys(RECURRING_MESSAGES.ar)).toEqual(keys(RECURRING_MESSAGES.en));
    const placeholders = (s: string) => (s.match(/\{\w+\}/g) ?? []).sort();
    for (const [key, en] of Object.entries(RECURRING_MESSAGES.en)) {
      if (typeof en === 'string') expect([key, placeholders((RECURRING_MESSAGES.ar as Record<string, unknown>)[key] as string)]).toEqual([key, placeholders(en)]);
    }
  });

  it('name every status, interval and end reason', () => {
    for (const language of ['en', 'ar'] as const) {
      const t = RECURRING_MESSAGES[language];
      expect(RECURRING_STATUSES.filter((s) => !t.statuses[s])).toEqual([]);
      expect(RECURRING_INTERVALS.filter((s) => !t.intervals[s])).toEqual([]);
      expect(RECURRING_END_REASONS.filter((s) => !t.reasons[s])).toEqual([]);
    }
  });
});
