import { CONSOLE_ERRORS, CONSOLE_MESSAGES } from './console-messages.js';

describe('operator console messages', () => {
  const entries = (o: object, prefix = ''): [string, string][] =>
    Object.entries(o).flatMap(([k, v]) => (typeof v === 'object' ? entries(v, `${prefix}${k}.`) : [[`${prefix}${k}`, String(v)] as [string, string]]));
  const placeholders = (s: string) => (s.match(/\{\w+\}/g) ?? []).sort().join(' ');

  it('say the same things in English and Arabic', () => {
    expect(entries(CONSOLE_MESSAGES.ar).map(([k]) => k).sort()).toEqual(entries(CONSOLE_MESSAGES.en).map(([k]) => k).sort());
    expect(Object.keys(CONSOLE_ERRORS.ar).sort()).toEqual(Object.keys(CONSOLE_ERRORS.en).sort());
  });

  it('keep the same placeholders in both languages, and no text is left empty', () => {
    const ar = new Map(entries(CONSOLE_MESSAGES.ar));
    for (const [key, en] of entries(CONSOLE_MESSAGES.en)) {
      expect([key, placeholders(ar.get(key)!)]).toEqual([key, placeholders(en)]);
      expect([key, en.trim().length > 0, ar.get(key)!.trim().length > 0]).toEqual([key, true, true]);
    }
  });

  it('name every payout status, run status, trigger and difference kind the libs have', async () => {
    const { PAYOUT_STATUSES } = await import('@ataa/payouts');
    const { DIFFERENCE_KINDS } = await import('@ataa/reconciliation');
    for (const language of ['en', 'ar'] as const) {
      const t = CONSOLE_MESSAGES[language];
      expect(Object.keys(t.payoutStatuses).sort()).toEqual([...PAYOUT_STATUSES].sort());
      expect(Object.keys(t.kinds).sort()).toEqual([...DIFFERENCE_KINDS].sort());
    }
  });
});
