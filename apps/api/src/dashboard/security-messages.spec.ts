import { SECURITY_MESSAGES } from './security-messages.js';

describe('account security messages', () => {
  it('say the same things in English and Arabic, with the same placeholders', () => {
    expect(Object.keys(SECURITY_MESSAGES.ar).sort()).toEqual(Object.keys(SECURITY_MESSAGES.en).sort());
    const placeholders = (s: string) => (s.match(/\{\w+\}/g) ?? []).sort();
    for (const key of Object.keys(SECURITY_MESSAGES.en) as (keyof typeof SECURITY_MESSAGES.en)[]) {
      expect([key, placeholders(SECURITY_MESSAGES.ar[key])]).toEqual([key, placeholders(SECURITY_MESSAGES.en[key])]);
      expect([key, SECURITY_MESSAGES.ar[key].trim().length > 0]).toEqual([key, true]);
    }
  });
});
