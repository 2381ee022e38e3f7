import { AppConfig, loadConfig } from '@ataa/config';
import { retentionRules } from '../retention-rules.js';
import { RETENTION_PERIOD_KEYS, retentionCutoff, secondsLeft } from './retention.js';

describe('retention periods', () => {
  const now = new Date('2030-03-31T12:00:00.000Z');

  it('the cutoff is now minus the period in whole days', () => {
    expect(retentionCutoff(now, 1).toISOString()).toBe('2030-03-30T12:00:00.000Z');
    expect(retentionCutoff(now, 30).toISOString()).toBe('2030-03-01T12:00:00.000Z');
    // days are 86 400 s (UTC), whatever daylight saving does to local clocks
    expect(now.getTime() - retentionCutoff(now, 90).getTime()).toBe(90 * 86_400_000);
  });

  it('refuses a period that is not a whole number of days, at least one', () => {
    for (const days of [0, -1, 1.5, Number.NaN]) expect(() => retentionCutoff(now, days)).toThrow(/whole number of days/);
  });

  it('secondsLeft turns a cutoff back into a lifetime (at least one second)', () => {
    expect(secondsLeft(now, retentionCutoff(now, 7))).toBe(7 * 86_400);
    expect(secondsLeft(now, now)).toBe(1);
  });

  it('every rule names a period the configuration validates, with the documented defaults', () => {
    const rules = retentionRules({} as never, {} as never);
    expect(rules.map((r) => r.name)).toEqual(['checkout_sessions', 'webhook_payloads', 'ip_addresses', 'mail_bodies', 'export_requests', 'sign_in_tokens']);
    expect(rules.map((r) => r.periodConfigKey).sort()).toEqual([...RETENTION_PERIOD_KEYS].sort());
    const defaults = new AppConfig();
    expect(Object.fromEntries(RETENTION_PERIOD_KEYS.map((k) => [k, defaults[k]]))).toEqual({
      RETENTION_CHECKOUT_DAYS: 30, RETENTION_WEBHOOK_PAYLOAD_DAYS: 30, RETENTION_IP_DAYS: 7, RETENTION_MAIL_BODY_DAYS: 90, RETENTION_EXPORT_REQUEST_DAYS: 30, RETENTION_SIGN_IN_TOKEN_DAYS: 7,
    });
    expect(loadConfig({ NODE_ENV: 'test', RETENTION_IP_DAYS: '3' }).RETENTION_IP_DAYS).toBe(3);
    expect(() => loadConfig({ NODE_ENV: 'test', RETENTION_CHECKOUT_DAYS: '1' })).toThrow(/RETENTION_CHECKOUT_DAYS/);
    expect(() => loadConfig({ NODE_ENV: 'test', RETENTION_MAIL_BODY_DAYS: 'ninety' })).toThrow(/RETENTION_MAIL_BODY_DAYS/);
  });

  it('the IP rule caps rate-limit records at the period, in seconds', async () => {
    const calls: [number, number][] = [];
    const rules = retentionRules({} as never, { capLifetime: async (max: number, page: number) => (calls.push([max, page]), 0) } as never, () => now);
    const ip = rules.find((r) => r.name === 'ip_addresses')!;
    await ip.purge({} as never, retentionCutoff(now, 7), 500);
    expect(calls).toEqual([[7 * 86_400, 500]]);
  });
});
