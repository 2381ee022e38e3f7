import { TEAM_ERRORS, TEAM_MESSAGES } from './team-messages.js';

const keys = (o: object): string[] => Object.entries(o).flatMap(([k, v]) => (typeof v === 'object' ? keys(v).map((s) => `${k}.${s}`) : [k])).sort();
const leaves = (o: object, prefix = ''): [string, string][] => Object.entries(o).flatMap(([k, v]) => (typeof v === 'object' ? leaves(v, `${prefix}${k}.`) : [[`${prefix}${k}`, v as string]]));
const placeholders = (s: string) => (s.match(/\{\w+\}/g) ?? []).sort();

describe('team messages', () => {
  it('have the same keys in English and Arabic', () => {
    expect(keys(TEAM_MESSAGES.ar)).toEqual(keys(TEAM_MESSAGES.en));
    expect(Object.keys(TEAM_ERRORS.ar).sort()).toEqual(Object.keys(TEAM_ERRORS.en).sort());
  });

  it('keep the same placeholders, and no empty text, in both languages', () => {
    const ar = new Map(leaves(TEAM_MESSAGES.ar));
    for (const [key, en] of leaves(TEAM_MESSAGES.en)) {
      expect([key, placeholders(ar.get(key)!)]).toEqual([key, placeholders(en)]);
      expect([key, en.trim().length > 0, ar.get(key)!.trim().length > 0]).toEqual([key, true, true]);
    }
    for (const [code, en] of Object.entries(TEAM_ERRORS.en)) expect([code, placeholders(TEAM_ERRORS.ar[code])]).toEqual([code, placeholders(en)]);
  });

  it('name every role and the API-key role hints the forms show', () => {
    expect(Object.keys(TEAM_MESSAGES.en.roleHints).sort()).toEqual(['admin', 'finance', 'owner', 'viewer']);
  });
});
