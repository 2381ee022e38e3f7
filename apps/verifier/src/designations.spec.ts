import { checkEntryFields, designationLines, type EntryCheckState } from './verifier.js';
import { leafBytes, moneyByDesignation, payoutShares, publicLeafHash, type PublicLeaf } from '../../../libs/transparency/src/domain/index.js';

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

  /*
   * Offline gifts of a campaign that declared designations are format 4 too (USD, minor units):
   *   #0 donation +6000 zakat, #1 offline_gift +50000 zakat (cash), #2 offline_gift +20000 general (cheque),
   *   #3 offline_gift_void -20000 general (of #2), #4 payout -6000 zakat drawing 6000 from #0 only:
   *   the offline 500.00 of zakat is never drawn, so zakat's card money is 6000 - 6000 = 0 left,
   *   with 50000 of offline zakat apart; general's offline net is 20000 - 20000 = 0.
   */
  const offlineLog = [
    leaf(0, 'donation', 6000, 6000, { designation: 'zakat' }),
    leaf(1, 'offline_gift', 50000, 56000, { designation: 'zakat', purpose: 'cash' }),
    leaf(2, 'offline_gift', 20000, 76000, { designation: 'general', purpose: 'cheque' }),
    leaf(3, 'offline_gift_void', -20000, 56000, { designation: 'general', purpose: 'void of entry 2: Cheque bounced' }),
  ];

  it('accepts format-4 offline gifts and voids; a payout never draws them; offline money is printed apart', () => {
    const state = run([...offlineLog, leaf(4, 'payout', -6000, 50000, { designation: 'zakat', draws: [{ index: 0, amount: '6000' }] })]);
    // general: nothing left of anything (the cheque was voided), so no line.
    expect(designationLines(state)).toEqual([
      'designation zakat: gifts 6000, paid out 6000 (never beyond its funds; every payout\'s drawn-from list adds up, first in first out), left 0 usd; offline 50000 usd apart (recorded by the organization, never paid out)',
    ]);
  });

  it('refuses a payout that draws an offline gift, or that reaches past the card money into offline money', () => {
    expect(() => run([...offlineLog, leaf(4, 'payout', -6000, 50000, { designation: 'zakat', draws: [{ index: 0, amount: '5000' }, { index: 1, amount: '1000' }] })]))
      .toThrow('entry 4 (payout) draws 5000 from entry 0, 1000 from entry 1, but first in, first out within zakat gives 6000 from entry 0');
    // 7000 from zakat: the campaign holds 560.00, but zakat's card money is 60.00 (the offline 500.00 never counts).
    expect(() => run([...offlineLog, leaf(4, 'payout', -7000, 49000, { designation: 'zakat', draws: [{ index: 0, amount: '6000' }, { index: 1, amount: '1000' }] })]))
      .toThrow(/pays out 7000 from zakat, beyond its funds by 1000/);
  });

  it('refuses a void in another designation than its gift\'s, and a malformed offline designation', () => {
    const moved = [...offlineLog.slice(0, 3), leaf(3, 'offline_gift_void', -20000, 56000, { designation: 'zakat', purpose: 'void of entry 2: Cheque bounced' })];
    expect(() => run(moved)).toThrow('entry 3 voids entry 2 of general in zakat');
    // A format-3 void of a format-4 general gift: format 3 reads as general, so it is the same designation.
    expect(() => run([...offlineLog.slice(0, 3), leaf(3, 'offline_gift_void', -20000, 56000, { v: 3, purpose: 'void of entry 2: Cheque bounced' })])).not.toThrow();
    expect(() => run([leaf(0, 'offline_gift', 100, 100, { designation: 'Zakat!', purpose: 'cash' })])).toThrow('entry 0 (format 4) has a malformed designation');
  });
});

/*
 * Split payouts (leaf format 5) and refunds naming their gift, USD minor units:
 *   #0 donation +5000 general, #1 donation +4000 zakat, #2 donation +3000 zakat,
 *   #3 refund -3800 zakat "refund of entry 1: 4000" (4000 refunded, 200 platform fee returned),
 *   #4 payout -4000 split: general 1500 (from #0), zakat 2500 (from #2: #1 was refunded in full).
 * Balance: 5000, 9000, 12000, 8200, 4200. Zakat left: 7000 - 3800 - 2500 = 700; general 3500.
 */
const split = [
  leaf(0, 'donation', 5000, 5000, { designation: 'general' }),
  leaf(1, 'donation', 4000, 9000, { designation: 'zakat' }),
  leaf(2, 'donation', 3000, 12000, { designation: 'zakat' }),
  leaf(3, 'refund', -3800, 8200, { designation: 'zakat', purpose: 'refund of entry 1: 4000' }),
];
const splitPayout = (parts: unknown, extra: Partial<PublicLeaf> = {}): PublicLeaf => {
  const { designation: _d, ...rest } = leaf(4, 'payout', -4000, 4200, { v: 5, parts: parts as PublicLeaf['parts'], ...extra });
  return rest as PublicLeaf;
};
const honest = [
  { designation: 'general', amount: '1500', draws: [{ index: 0, amount: '1500' }] },
  { designation: 'zakat', amount: '2500', draws: [{ index: 2, amount: '2500' }] },
];

describe('verifier: split payouts and refunded gifts', () => {
  it('accepts a split payout whose parts draw FIFO within each designation, skipping the refunded gift', () => {
    const state = run([...split, splitPayout(honest)]);
    expect(designationLines(state)).toEqual([
      'designation general: gifts 5000, paid out 1500 (never beyond its funds; every payout\'s drawn-from list adds up, first in first out), left 3500 usd',
      'designation zakat: gifts 7000, paid out 2500 (never beyond its funds; every payout\'s drawn-from list adds up, first in first out), left 700 usd',
    ]);
    // The accessor the report and statements read: how much of the payout went to which designation.
    expect(payoutShares(splitPayout(honest)).map((x) => `${x.designation} ${x.amount}`)).toEqual(['general 1500', 'zakat 2500']);
    expect(moneyByDesignation(splitPayout(honest))).toEqual([{ designation: 'general', amount: -1500n }, { designation: 'zakat', amount: -2500n }]);
  });

  it('catches a draw from the refunded gift, a forged draw, parts not adding up, and a malformed parts list', () => {
    const fromRefunded = [honest[0], { designation: 'zakat', amount: '2500', draws: [{ index: 1, amount: '2500' }] }];
    expect(() => run([...split, splitPayout(fromRefunded)]))
      .toThrow('entry 4 (payout, part zakat) draws 2500 from entry 1, but first in, first out within zakat gives 2500 from entry 2');
    const forged = [{ designation: 'general', amount: '1500', draws: [{ index: 2, amount: '1500' }] }, honest[1]];
    expect(() => run([...split, splitPayout(forged)])).toThrow(/part general\) draws 1500 from entry 2, but first in, first out within general gives 1500 from entry 0/);
    const short = [{ designation: 'general', amount: '1000', draws: [{ index: 0, amount: '1000' }] }, honest[1]];
    expect(() => run([...split, splitPayout(short)])).toThrow('entry 4 (payout) has parts adding up to 3500, not 4000');
    expect(() => run([...split, splitPayout([honest[1], honest[0]])])).toThrow('entry 4 (payout) has a malformed parts list');
    expect(() => run([...split, leaf(4, 'donation', 1, 8201, { v: 5 })])).toThrow('entry 4 (donation) cannot be leaf format 5');
  });

  it('catches a split payout beyond one designation although the campaign holds enough', () => {
    // A general fee of 3000 (#4) leaves general 2000: a part of 2500 overdraws it by 500 (the campaign holds 5200).
    const over = [{ designation: 'general', amount: '2500', draws: [{ index: 0, amount: '2500' }] }, { designation: 'zakat', amount: '1500', draws: [{ index: 2, amount: '1500' }] }];
    const { designation: _d, ...payout } = leaf(5, 'payout', -4000, 1200, { v: 5, parts: over });
    expect(() => run([...split, leaf(4, 'fee', -3000, 5200, { designation: 'general' }), payout as PublicLeaf])).toThrow('entry 5 pays out 2500 from general, beyond its funds by 500');
  });

  it('catches a refund naming something that is not an earlier gift of its designation, or more than the gift', () => {
    expect(() => run([...split.slice(0, 3), leaf(3, 'refund', -3800, 8200, { designation: 'zakat', purpose: 'refund of entry 0: 4000' })]))
      .toThrow('entry 3 (refund) names entry 0, which is not an earlier gift of zakat');
    expect(() => run([...split.slice(0, 3), leaf(3, 'refund', -3800, 8200, { designation: 'zakat', purpose: 'refund of entry 1: 3000' })]))
      .toThrow('entry 3 (refund) takes 3800 but says 3000 was refunded');
    expect(() => run([...split.slice(0, 3), leaf(3, 'dispute', -5000, 7000, { designation: 'zakat', purpose: 'dispute of entry 1' })]))
      .toThrow('entry 3 (dispute) takes entry 1 beyond its amount 4000');
    expect(() => run([...split.slice(0, 3), leaf(3, 'refund', -3800, 8200, { designation: 'zakat', purpose: 'refunded entry 1' })]))
      .toThrow('entry 3 (refund) does not name its gift in the expected form');
  });

  it('hashes format 5 over its parts, and a format-4 payout exactly as before', () => {
    const v5 = splitPayout(honest);
    expect(leafBytes(v5).toString()).toContain('"parts":[{"amount":"1500","designation":"general","draws":[{"amount":"1500","index":0}]}');
    expect(publicLeafHash(splitPayout([honest[0], { ...honest[1], draws: [{ index: 1, amount: '2500' }] }])).equals(publicLeafHash(v5))).toBe(false);
    const v4 = leaf(3, 'payout', -7000, 4000, { designation: 'zakat', draws: [{ index: 0, amount: '6000' }, { index: 2, amount: '1000' }] });
    expect(leafBytes(v4).toString()).toBe('{"amount":"-7000","balance":"4000","campaign":"c","currency":"usd","designation":"zakat","donorCommitment":null,"donorHash":null,'
      + '"draws":[{"amount":"6000","index":0},{"amount":"1000","index":2}],"index":3,"kind":"payout","messageHash":null,"purpose":"Food","time":"2026-03-01T00:00:00.000Z","v":4}');
  });
});
