// @ts-expect-error the in-browser verifier is plain JavaScript (no types); its replay is a pure function
import { replayDesignations } from '../../public/verify-ledger.js';

/*
 * The in-browser verifier's replay of designated funds (what the CLI's DesignationReplay checks), on
 * a served log (USD, minor units):
 *   #0 donation +5000 general   #1 donation +4000 zakat   #2 donation +3000 zakat
 *   #3 refund -3800 zakat "refund of entry 1: 4000" (gift #1 refunded in full)
 *   #4 payout -4000 split (format 5): general 1500 from #0, zakat 2500 from #2
 *   #5 payout_reversal +1000 (format 5): zakat 1000 back
 *   #6 payout -500 zakat (format 4): 500 from #2 (what the reversal gave back)
 */
const entry = (index: number, kind: string, amount: number, extra: Record<string, unknown> = {}) => ({ v: 4, index, kind, amount: String(amount), purpose: null, ...extra });
const honestParts = [
  { designation: 'general', amount: '1500', draws: [{ index: 0, amount: '1500' }] },
  { designation: 'zakat', amount: '2500', draws: [{ index: 2, amount: '2500' }] },
];
const log = (parts: unknown = honestParts, lastDraws: unknown = [{ index: 2, amount: '500' }]) => [
  entry(0, 'donation', 5000, { designation: 'general' }),
  entry(1, 'donation', 4000, { designation: 'zakat' }),
  entry(2, 'donation', 3000, { designation: 'zakat' }),
  entry(3, 'refund', -3800, { designation: 'zakat', purpose: 'refund of entry 1: 4000' }),
  { v: 5, index: 4, kind: 'payout', amount: '-4000', purpose: 'Parcels', parts },
  { v: 5, index: 5, kind: 'payout_reversal', amount: '1000', purpose: 'Parcels', parts: [{ designation: 'zakat', amount: '1000' }] },
  entry(6, 'payout', -500, { designation: 'zakat', purpose: 'Parcels', draws: lastDraws }),
];

describe('in-browser verifier: designated funds replay', () => {
  it('accepts FIFO draws per part that skip the refunded gift, and a reversal given back to the latest draw', () => {
    expect(replayDesignations(log())).toEqual([]);
  });

  it('catches a draw from the refunded gift, a forged draw, parts not adding up, and a designation overdrawn', () => {
    expect(replayDesignations(log([honestParts[0], { designation: 'zakat', amount: '2500', draws: [{ index: 1, amount: '2500' }] }])))
      .toEqual(['entry 4 (payout, part zakat) does not draw first in, first out within zakat']);
    expect(replayDesignations(log(honestParts, [{ index: 1, amount: '500' }]))).toEqual(['entry 6 (payout) does not draw first in, first out within zakat']);
    expect(replayDesignations(log([{ designation: 'general', amount: '1000', draws: [{ index: 0, amount: '1000' }] }, honestParts[1]]))).toEqual(['entry 4 has parts adding up to 3500']);
    const over = [entry(0, 'donation', 1000, { designation: 'zakat' }), entry(1, 'fee', -500, { designation: 'zakat' }), entry(2, 'payout', -1000, { designation: 'zakat', draws: [{ index: 0, amount: '1000' }] })];
    expect(replayDesignations(over)).toEqual(['entry 2 pays out 1000 from zakat, beyond its funds']);
    // A zakat refund naming a general gift.
    expect(replayDesignations([entry(0, 'donation', 1000, { designation: 'general' }), entry(1, 'refund', -1000, { designation: 'zakat', purpose: 'refund of entry 0: 1000' })]))
      .toEqual(['entry 1 (refund) does not name an earlier gift of zakat']);
  });
});
