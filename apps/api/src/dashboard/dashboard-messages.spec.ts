import { DASHBOARD_ERRORS, DASHBOARD_MESSAGES, giftsCount } from './dashboard-messages.js';

describe('dashboard messages', () => {
  const keys = (o: object): string[] => Object.entries(o).flatMap(([k, v]) => (typeof v === 'object' ? keys(v).map((s) => `${k}.${s}`) : [k])).sort();

  it('say the same things in English and Arabic', () => {
    expect(keys(DASHBOARD_MESSAGES.ar)).toEqual(keys(DASHBOARD_MESSAGES.en));
    expect(Object.keys(DASHBOARD_ERRORS.ar).sort()).toEqual(Object.keys(DASHBOARD_ERRORS.en).sort());
  });

  it('keep the same placeholders in both languages', () => {
    const placeholders = (s: string) => (s.match(/\{\w+\}/g) ?? []).sort();
    for (const key of Object.keys(DASHBOARD_MESSAGES.en) as (keyof typeof DASHBOARD_MESSAGES.en)[]) {
      const en = DASHBOARD_MESSAGES.en[key];
      if (typeof en === 'string') expect([key, placeholders(DASHBOARD_MESSAGES.ar[key] as string)]).toEqual([key, placeholders(en)]);
    }
  });

  it('count gifts with Arabic plural forms', () => {
    expect(giftsCount('en', 1, 'en-US')).toBe('1 gift');
    expect(giftsCount('en', 1200, 'en-US')).toBe('1,200 gifts');
    expect(giftsCount('ar', 0, 'ar')).toBe('لا تبرعات');
    expect(giftsCount('ar', 1, 'ar')).toBe('تبرع واحد');
    expect(giftsCount('ar', 2, 'ar')).toBe('تبرعان');
    expect(giftsCount('ar', 3, 'en-US')).toBe('3 تبرعات');
    expect(giftsCount('ar', 11, 'en-US')).toBe('11 تبرعًا');
    expect(giftsCount('ar', 100, 'en-US')).toBe('100 تبرع');
  });
});
