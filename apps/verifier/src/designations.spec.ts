import { checkEntryFields, designationLines, type EntryCheckState } from './verifier.js';
import type { PublicLeaf } from '../../../libs/transparency/src/domain/index.js';

/*
 * The verifier's designated-funds checks, on a log it reads entry by entry (USD, minor units):
 *   #0 donation +6000 zakat, #1 donation +3000 general (format 3: general), #2 donation +2000 zakat,
 *   #3 payout -7000 zakat drawing 6000 from #0 and 1000 from #2 (first in, first out).
 */
const leaf = (index: number, kind: PublicLeaf['kind'], amount: number, balance: number, extra: Partial<PublicLeaf> = {}): PublicLeaf => ({
  v: 4, campaign: 'c', index, time: '2026-03-01T00:00:00.000Z', kind, amount: String(amount), currency: 'usd',
  donorHash: null, donorCommitment: null, messageHash: null, purpose: kind === 'payout' ? 'Food' : null, balance: String(balance), ...extra,
});
const gifts = [
  leaf(0, 'donation', 6000, 6000, { designation: 'zakat' }),
  leaf(1, 'donation', 3000, 9000, { v: 3 }),
  leaf(2, 'donation', 2000, 11000, { designation: 'zakat' }),
];
const run = (entries: PublicLeaf[]) => {
  const state: EntryCheckState = { campaignId: 'c', currency: null, balance: 0n };
  entries.forEach((e, i) => checkEntryFields(e, { donor: null, message: null }, i, state));
  return state;
};

describe('verifier: designated funds', () => {
  it('accepts FIFO draws that add up, and prints one line per designation', () => {
    const state = run([...gifts, leaf(3, 'payout', -7000, 4000, { designation: 'zakat', draws: [{ index: 0, amount: '6000' }, { index: 2, amount: '1000' }] })]);
    expect(designationLines(state)).toEqual([
      'designation general: gifts 3000, paid out 0 (never beyond its funds; every payout\'s drawn-from list adds up, first in first out), left 3000 usd',
      'designation zakat: gifts 8000, paid out 7000 (never beyond its funds; every payout\'s drawn-from list adds up, first in first out), left 1000 usd',
    ]);
  });

  it('refuses draws that do not add up, that are not first in first out, or a payout beyond its designation', () => {
    expect(() => run([...gifts, leaf(3, 'payout', -7000, 4000, { designation: 'zakat', draws: [{ index: 0, amount: '6000' }] })]))
      .toThrow('entry 3 (payout) draws 6000 from its gifts but pays out 7000');
    expect(() => run([...gifts, leaf(3, 'payout', -2000, 9000, { designation: 'zakat', draws: [{ index: 2, amount: '2000' }] })]))
      .toThrow('entry 3 (payout) draws 2000 from entry 2, but first in, first out within zakat gives 2000 from entry 0');
    // 9000 general (3000 of it) cannot pay 4000, although the campaign holds 11000.
    expect(() => run([...gifts, leaf(3, 'payout', -4000, 7000, { designation: 'general', draws: [{ index: 1, amount: '3000' }] })]))
      .toThrow(/pays out 4000 from general, beyond its funds by 1000/);
  });

  it('refuses a format-4 entry without a well-formed designation', () => {
    expect(() => run([leaf(0, 'donation', 100, 100, { designation: 'Zakat!' })])).toThrow('entry 0 (format 4) has a malformed designation');
  });
});
