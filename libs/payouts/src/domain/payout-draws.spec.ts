import { designationAvailable, planDraws, planPartDraws, type LoggedMoney } from './payout-draws.js';

/*
 * The FIFO draw within a designation. Log (USD, minor units):
 *   #0 donation 5000 zakat, #1 donation 3000 general, #2 fee -150 zakat, #3 donation 4000 zakat.
 * A zakat payout of 7000 takes 5000 from #0 and 2000 from #3 (the general gift #1 is never touched).
 */
const gift = (index: number, amount: number, designation: string | null): LoggedMoney => ({ index, kind: 'donation', amount: String(amount), v: designation ? 4 : 3, designation });

describe('planDraws: first in, first out within the designation', () => {
  const log: LoggedMoney[] = [gift(0, 5000, 'zakat'), gift(1, 3000, 'general'), { index: 2, kind: 'fee', amount: '-150', v: 4, designation: 'zakat' }, gift(3, 4000, 'zakat')];

  it('takes the oldest gifts of the designation first', () => {
    expect(planDraws(log, 'zakat', 7000n)).toEqual([{ index: 0, amount: '5000' }, { index: 3, amount: '2000' }]);
    expect(planDraws(log, 'general', 1000n)).toEqual([{ index: 1, amount: '1000' }]);
  });

  it('continues after earlier payouts, and a reversal gives back the latest draws first', () => {
    // #4 payout -6000 zakat drew 5000 from #0 and 1000 from #3; #5 gives 1500 back: 1000 to #3 and 500 to #0.
    const after = [...log, { index: 4, kind: 'payout', amount: '-6000', v: 4, designation: 'zakat', draws: [{ index: 0, amount: '5000' }, { index: 3, amount: '1000' }] }];
    expect(planDraws(after, 'zakat', 3000n)).toEqual([{ index: 3, amount: '3000' }]);
    const reversed = [...after, { index: 5, kind: 'payout_reversal', amount: '1500', v: 4, designation: 'zakat' }];
    expect(planDraws(reversed, 'zakat', 1000n)).toEqual([{ index: 0, amount: '500' }, { index: 3, amount: '500' }]);
  });

  it('entries before format 4 (or of a campaign without designations) are general', () => {
    expect(planDraws([gift(0, 1000, null), gift(1, 1000, null)], 'general', 1500n)).toEqual([{ index: 0, amount: '1000' }, { index: 1, amount: '500' }]);
  });

  it('refuses to draw beyond the gifts of the designation', () => {
    expect(() => planDraws(log, 'general', 3001n)).toThrow(/short by 1/);
  });
});

describe('designationAvailable', () => {
  it('is the designation funds less its pending gifts and refunds in flight, capped by the campaign', () => {
    // 9000 zakat funds, 4000 of it pending, 500 refund in flight: 4500; the campaign could pay 20000.
    expect(designationAvailable({ funds: 9000n, pending: 4000n, refundsInFlight: 500n, campaignAvailable: 20000n })).toBe(4500n);
    expect(designationAvailable({ funds: 9000n, pending: 0n, refundsInFlight: 0n, campaignAvailable: 3000n })).toBe(3000n);
    expect(designationAvailable({ funds: 100n, pending: 400n, refundsInFlight: 0n, campaignAvailable: 3000n })).toBe(0n);
  });
});

/*
 * A refunded gift is never drawn (docs/designations.md, "drawable amount"). Log (USD, minor units):
 *   #0 donation 5000 zakat, #1 donation 3000 zakat, #2 refund -2850 zakat "refund of entry 0: 3000"
 *   (3000 refunded, 150 of platform fee returned with it), #3 donation 2000 zakat.
 * Drawable: #0 5000 - 3000 = 2000, #1 3000, #3 2000. A zakat payout of 4000 takes 2000 from #0, 2000 from #1.
 */
describe('planDraws: refunds and disputes name their gift', () => {
  const base: LoggedMoney[] = [
    gift(0, 5000, 'zakat'), gift(1, 3000, 'zakat'),
    { index: 2, kind: 'refund', amount: '-2850', v: 4, designation: 'zakat', purpose: 'refund of entry 0: 3000' },
    gift(3, 2000, 'zakat'),
  ];

  it('draws only what was not refunded of a gift', () => {
    expect(planDraws(base, 'zakat', 4000n)).toEqual([{ index: 0, amount: '2000' }, { index: 1, amount: '2000' }]);
  });

  it('skips a gift refunded in full', () => {
    const full: LoggedMoney[] = [gift(0, 5000, 'zakat'), { index: 1, kind: 'refund', amount: '-4750', v: 4, designation: 'zakat', purpose: 'refund of entry 0: 5000' }, gift(2, 3000, 'zakat')];
    expect(planDraws(full, 'zakat', 1000n)).toEqual([{ index: 2, amount: '1000' }]);
  });

  it('a dispute takes from its gift and a won dispute gives it back', () => {
    const disputed: LoggedMoney[] = [gift(0, 5000, 'zakat'), gift(1, 3000, 'zakat'), { index: 2, kind: 'dispute', amount: '-5000', v: 4, designation: 'zakat', purpose: 'dispute of entry 0' }];
    expect(planDraws(disputed, 'zakat', 1000n)).toEqual([{ index: 1, amount: '1000' }]);
    const won = [...disputed, { index: 3, kind: 'dispute_reversal', amount: '5000', v: 4, designation: 'zakat', purpose: 'dispute reversal of entry 0' }];
    expect(planDraws(won, 'zakat', 1000n)).toEqual([{ index: 0, amount: '1000' }]);
  });

  it('a refund after the gift was drawn leaves the draw standing and only shrinks what is left', () => {
    // #4 payout 4000 drew 2000 from #0 and 2000 from #1; #5 refunds 2500 of #1 (1000 of it was left undrawn):
    // #1 has nothing left (3000 - 2500 - 2000 < 0), so the next payout goes to #3.
    const drawn: LoggedMoney[] = [
      ...base, { index: 4, kind: 'payout', amount: '-4000', v: 4, designation: 'zakat', draws: [{ index: 0, amount: '2000' }, { index: 1, amount: '2000' }] },
      { index: 5, kind: 'refund', amount: '-2500', v: 4, designation: 'zakat', purpose: 'refund of entry 1: 2500' },
    ];
    expect(planDraws(drawn, 'zakat', 500n)).toEqual([{ index: 3, amount: '500' }]);
  });

  it('a refund without a named gift (before this rule) reduces nothing but its designation', () => {
    const legacy: LoggedMoney[] = [gift(0, 5000, 'zakat'), { index: 1, kind: 'refund', amount: '-4750', v: 4, designation: 'zakat', purpose: null }];
    expect(planDraws(legacy, 'zakat', 100n)).toEqual([{ index: 0, amount: '100' }]);
  });
});

/*
 * A payout split across designations: each part draws within its own designation.
 *   #0 donation 5000 zakat, #1 donation 3000 general, #2 donation 4000 zakat.
 * Parts general 2500 + zakat 6000: general takes 2500 from #1; zakat 5000 from #0 and 1000 from #2.
 */
describe('planPartDraws', () => {
  const log: LoggedMoney[] = [gift(0, 5000, 'zakat'), gift(1, 3000, null), gift(2, 4000, 'zakat')];

  it('draws each part first in, first out within its designation, parts in designation order', () => {
    expect(planPartDraws(log, [{ designation: 'zakat', amount: 6000n }, { designation: 'general', amount: 2500n }])).toEqual([
      { designation: 'general', amount: '2500', draws: [{ index: 1, amount: '2500' }] },
      { designation: 'zakat', amount: '6000', draws: [{ index: 0, amount: '5000' }, { index: 2, amount: '1000' }] },
    ]);
  });

  it('later payouts continue after a split payout, and its reversal gives back per part', () => {
    const after: LoggedMoney[] = [...log, {
      index: 3, kind: 'payout', amount: '-8500', v: 5, parts: [
        { designation: 'general', amount: '2500', draws: [{ index: 1, amount: '2500' }] },
        { designation: 'zakat', amount: '6000', draws: [{ index: 0, amount: '5000' }, { index: 2, amount: '1000' }] },
      ],
    }];
    expect(planDraws(after, 'zakat', 3000n)).toEqual([{ index: 2, amount: '3000' }]);
    expect(() => planDraws(after, 'general', 501n)).toThrow(/short by 1/);
    const reversed: LoggedMoney[] = [...after, { index: 4, kind: 'payout_reversal', amount: '2000', v: 5, parts: [{ designation: 'zakat', amount: '2000' }] }];
    // Zakat's latest draws come back first: 1000 to #2, then 1000 to #0.
    expect(planDraws(reversed, 'zakat', 1000n)).toEqual([{ index: 0, amount: '1000' }]);
    expect(planDraws(reversed, 'general', 500n)).toEqual([{ index: 1, amount: '500' }]);
  });

  it('refuses a part its designation\'s gifts cannot cover', () => {
    expect(() => planPartDraws(log, [{ designation: 'general', amount: 3001n }, { designation: 'zakat', amount: 1n }])).toThrow(/general cannot cover the payout: short by 1/);
  });
});
