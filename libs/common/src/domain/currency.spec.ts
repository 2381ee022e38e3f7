import {
  chargeAmountProblem, chargeAmountStep, currencyExponent, displayDecimals, formatMajorUnits, isSupportedCurrency, MAXIMUM_CHARGE, minimumChargeAmount,
  parseMajorUnits, payoutAmountProblem, SUPPORTED_CURRENCIES, THREE_DECIMAL_CURRENCIES, ZERO_DECIMAL_CURRENCIES,
} from './currency.js';

/** Stripe's presentment currencies ("Supported currencies"), plus its three-decimal currencies. */
const STRIPE_PRESENTMENT = `
  usd aed afn all amd ang aoa ars aud awg azn bam bbd bdt bgn bif bmd bnd bob brl bsd bwp byn bzd cad cdf chf clp cny cop crc cve czk
  djf dkk dop dzd egp etb eur fjd fkp gbp gel gip gmd gnf gtq gyd hkd hnl htg huf idr ils inr isk jmd jpy kes kgs khr kmf krw kyd kzt
  lak lbp lkr lrd lsl mad mdl mga mkd mmk mnt mop mur mvr mwk mxn myr mzn nad ngn nio nok npr nzd pab pen pgk php pkr pln pyg qar ron
  rsd rub rwf sar sbd scr sek sgd shp sle sos srd std szl thb tjs top try ttd twd tzs uah ugx uyu uzs vnd vuv wst xaf xcd xof xpf yer
  zar zmw bhd jod kwd omr tnd`.trim().split(/\s+/);

describe('Stripe currencies', () => {
  it('supports every Stripe presentment currency, and nothing else', () => {
    expect(STRIPE_PRESENTMENT.filter((c) => !isSupportedCurrency(c))).toEqual([]);
    expect([...SUPPORTED_CURRENCIES].sort()).toEqual([...new Set(STRIPE_PRESENTMENT)].sort());
    for (const c of [...ZERO_DECIMAL_CURRENCIES, ...THREE_DECIMAL_CURRENCIES]) expect(isSupportedCurrency(c)).toBe(true);
    expect(isSupportedCurrency('USD')).toBe(false);
    expect(isSupportedCurrency('hrk')).toBe(false); // Croatia moved to the euro
    expect(isSupportedCurrency('toString')).toBe(false);
  });

  it('gives every currency a chargeable minimum: the minimum passes, one step below does not', () => {
    const wrong: string[] = [];
    for (const c of SUPPORTED_CURRENCIES) {
      const min = minimumChargeAmount(c);
      const step = chargeAmountStep(c);
      if (!(min > 0n && min <= MAXIMUM_CHARGE && min % step === 0n)) wrong.push(`${c}: ${min}`);
      if (chargeAmountProblem(min, c) !== null) wrong.push(`${c}: minimum refused (${chargeAmountProblem(min, c)})`);
      if (chargeAmountProblem(min - step, c) !== (min - step > 0n ? 'amount_below_minimum' : 'amount_not_positive')) wrong.push(`${c}: below minimum accepted`);
    }
    expect(wrong).toEqual([]);
    expect(() => minimumChargeAmount('xyz')).toThrow(RangeError);
  });

  it("uses Stripe's published minimums where Stripe publishes one", () => {
    expect(Object.fromEntries(['usd', 'eur', 'gbp', 'aed', 'czk', 'dkk', 'hkd', 'huf', 'jpy', 'mxn', 'thb'].map((c) => [c, minimumChargeAmount(c)]))).toEqual({
      usd: 50n, eur: 50n, gbp: 30n, aed: 200n, czk: 1500n, dkk: 250n, hkd: 400n, huf: 17500n, jpy: 50n, mxn: 1000n, thb: 1000n,
    });
  });

  it.each(['isk', 'ugx'])('%s: whole units for people, two decimals in the API, amounts in multiples of 100', (c) => {
    expect(currencyExponent(c)).toBe(2);
    expect(displayDecimals(c)).toBe(0);
    expect(ZERO_DECIMAL_CURRENCIES.has(c)).toBe(false);
    expect(parseMajorUnits('5000', c)).toBe(500_000n);
    expect(parseMajorUnits('5000.50', c)).toBeNull();
    expect(parseMajorUnits('5000.5', c)).toBeNull();
    expect(formatMajorUnits(500_000n, c)).toBe('5000');
    expect(formatMajorUnits(-700n, c)).toBe('-7');
    // An amount Stripe computed with hundredths (a fee) stays exact.
    expect(formatMajorUnits(12_345n, c)).toBe('123.45');
    expect(chargeAmountProblem(500_000n, c)).toBeNull();
    expect(chargeAmountProblem(500_050n, c)).toBe('amount_wrong_precision');
    expect(chargeAmountProblem(500_001n, c)).toBe('amount_wrong_precision');
    expect(payoutAmountProblem(500_050n, c)).toBe('amount_wrong_precision');
  });

  it.each(['huf', 'twd'])('%s: charges take two decimals, payouts only whole units', (c) => {
    expect(currencyExponent(c)).toBe(2);
    expect(displayDecimals(c)).toBe(2);
    expect(parseMajorUnits('1000.45', c)).toBe(100_045n);
    expect(formatMajorUnits(100_045n, c)).toBe('1000.45');
    expect(chargeAmountProblem(100_045n, c)).toBeNull();
    expect(payoutAmountProblem(100_045n, c)).toBe('amount_wrong_precision');
    expect(payoutAmountProblem(100_000n, c)).toBeNull();
  });

  it('other currencies pay out in their minor unit; three-decimal and zero-decimal rules hold', () => {
    expect(payoutAmountProblem(1_001n, 'usd')).toBeNull();
    expect(payoutAmountProblem(0n, 'usd')).toBe('amount_not_positive');
    expect(payoutAmountProblem(100n, 'xyz')).toBe('unsupported_currency');
    expect(chargeAmountStep('kwd')).toBe(10n);
    expect(chargeAmountStep('jpy')).toBe(1n);
    expect(displayDecimals('kwd')).toBe(3);
    expect(displayDecimals('jpy')).toBe(0);
    expect(parseMajorUnits('500', 'jpy')).toBe(500n);
    expect(formatMajorUnits(1_234n, 'bif')).toBe('1234');
  });
});
