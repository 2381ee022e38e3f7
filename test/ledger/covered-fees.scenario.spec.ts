import { estimatedCardPricing, estimatedStripeFee, grossUpForCoveredFees, platformFee } from '@ataa/ledger';

/**
 * Scenario: the donor gives 100.00 USD and covers the fees (card 2.9% + 0.30, platform 2%).
 * Closed form: (10000 + 30) / (1 - 0.029 - 0.02) = 10030 / 0.951 = 10546.79 -> try 10547:
 *   Stripe fee = round(10547 * 0.029) + 30 = round(305.863) + 30 = 306 + 30 = 336
 *   platform fee = round(10547 * 0.02) = round(210.94) = 211
 *   net = 10547 - 336 - 211 = 10000  (exactly the chosen amount)
 * and 10546 nets 10546 - 336 - 211 = 9999 < 10000, so 10547 is the smallest gross.
 */
describe('scenario: covering fees on a 100.00 USD gift', () => {
  const usd = estimatedCardPricing('usd', 50n);

  it('charges 105.47 so the campaign nets exactly 100.00', () => {
    const gross = grossUpForCoveredFees(10_000n, usd, 200);
    expect(gross).toBe(10_547n);
    expect(estimatedStripeFee(gross, usd)).toBe(336n);
    expect(platformFee(gross, 200)).toBe(211n);
    expect(gross - 336n - 211n).toBe(10_000n);
  });

  it('is the smallest such gross for many amounts (exhaustive over a range)', () => {
    for (let chosen = 50n; chosen < 5_000n; chosen += 7n) {
      const gross = grossUpForCoveredFees(chosen, usd, 200);
      const net = (g: bigint) => g - estimatedStripeFee(g, usd) - platformFee(g, 200);
      expect(net(gross)).toBeGreaterThanOrEqual(chosen);
      expect(net(gross - 1n)).toBeLessThan(chosen);
    }
  });

  it('JPY (3.6%, no fixed part, zero decimals): 10,000 JPY with 5% platform fee -> 10,627 JPY', () => {
    // 10000 / (1 - 0.036 - 0.05) = 10940.9 -> 10941: fee round(393.876)=394, platform round(547.05)=547, net 10000
    const jpy = estimatedCardPricing('jpy', 50n);
    const gross = grossUpForCoveredFees(10_000n, jpy, 500);
    expect(gross).toBe(10_941n);
    expect(gross - estimatedStripeFee(gross, jpy) - platformFee(gross, 500)).toBe(10_000n);
  });

  it('KWD (three decimals) rounds the gross up to a multiple of 10 fils', () => {
    // 10.000 KWD, 2.9% + 0.120 (3/5 of the 0.200 minimum), 2%: (10000+120)/0.951 = 10641.4 -> 10650 (step 10)
    const kwd = estimatedCardPricing('kwd', 200n);
    const gross = grossUpForCoveredFees(10_000n, kwd, 200, 10n);
    expect(gross % 10n).toBe(0n);
    expect(gross).toBe(10_650n);
    expect(gross - estimatedStripeFee(gross, kwd) - platformFee(gross, 200)).toBeGreaterThanOrEqual(10_000n);
  });
});
