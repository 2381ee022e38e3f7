import { designationAvailable, planDraws, type LoggedMoney } from './payout-draws.js';

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
