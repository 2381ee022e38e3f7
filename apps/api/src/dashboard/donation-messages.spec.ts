import { DONATION_ERRORS, DONATION_MESSAGES } from './donation-messages.js';

const keys = (o: object): string[] => Object.entries(o).flatMap(([k, v]) => (typeof v === 'object' ? keys(v).map((s) => `${k}.${s}`) : [k])).sort();
const leaves = (o: object, prefix = ''): [string, string][] => Object.entries(o).flatMap(([k, v]) => (typeof v === 'object' ? leaves(v, `${prefix}${k}.`) : [[`${prefix}${k}`, v as string]]));

describe('donation messages', () => {
  it('say the same things in English and Arabic, with the same placeholders', () => {
    expect(keys(DONATION_MESSAGES.ar)).toEqual(keys(DONATION_MESSAGES.en));
    expect(Object.keys(DONATION_ERRORS.ar).sort()).toEqual(Object.keys(DONATION_ERRORS.en).sort());
    const placeholders = (s: string) => (s.match(/\{\w+\}/g) ?? []).sort();
    const ar = new Map(leaves(DONATION_MESSAGES.ar));
    for (const [key, en] of leaves(DONATION_MESSAGES.en)) expect([key, placeholders(ar.get(key)!)]).toEqual([key, placeholders(en)]);
    for (const [key, text] of [...leaves(DONATION_MESSAGES.en), ...leaves(DONATION_MESSAGES.ar)]) expect([key, text.trim().length > 0]).toEqual([key, true]);
  });
});
