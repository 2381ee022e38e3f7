import { convertMinorUnits, parseExchangeRate } from '@ataa/common';
import {
  campaignFundsAccount, donationEntry, EntryInput, feeInPresentment, fxConversionEntry, fxProcessingFeeEntry, platformFee, platformFeeEntry, validateEntry,
} from '@ataa/ledger';

/**
 * Scenario: a 10.000 KWD gift to a KWD campaign, paid on a platform account that settles in USD,
 * at a fixed exchange rate of 3.25 USD per KWD (Stripe's `exchange_rate` on the balance transaction).
 * Stripe's card fee is 2.9% + 0.30 USD on the settled amount; the platform fee is 2% (200 bps).
 *
 *   gross (presentment)      10.000 KWD = 10000 fils
 *   settled by Stripe        10000 fils × 3.25 × 10^2 / 10^3 = 3250 cents = 32.50 USD (exact here)
 *   Stripe fee (USD)         2.9% of 3250 = 94.25 -> 94 (half up, Stripe's price) + 30 = 124 cents
 *   net on Stripe (USD)      3250 - 124 = 3126 cents
 *   fee borne by campaign    124 cents / 3.25 = 124 × 10^3 / (3.25 × 10^2) = 381.538... fils -> 382 fils (half even)
 *   platform fee (KWD)       2% of 10000 fils = 200 fils
 *   campaign funds (KWD)     10000 - 382 - 200 = 9418 fils = 9.418 KWD
 *
 * Ledger, per account and currency (signed sums of postings, debit > 0):
 *   stripe_balance   KWD  +10000 (gift) -10000 (conversion)             = 0
 *                    USD  +3250 (conversion) -124 (fee)                 = +3126 = Stripe's net
 *   fx_conversion    KWD  +10000 (conversion) -382 (fee converted back) = +9618 = 9418 funds + 200 platform fee
 *                    USD  -3250 (conversion) +124 (fee converted back)  = -3126 = minus the Stripe balance
 *   processing_fees  USD  +124 -124                                     = 0 (recovered from the campaign)
 *   fee_revenue      KWD  -200
 *   campaign funds   KWD  -10000 +382 +200                              = -9418 (reads +9.418 KWD)
 * The rounding: 9618 fils at 3.25 are 3125.85 cents, the platform holds 3126; the 0.15 cent
 * (0.462 fils) is the fee's half-even rounding, carried by the FX account and recorded exactly in
 * the fee entry's metadata (fee_exact = 4960/13 fils = 381.538...).
 */
const campaignId = '11111111-1111-4111-8111-111111111111';
const base = { campaignId, currency: 'kwd', occurredAt: new Date('2026-01-01T00:00:00Z'), sourceId: 'ch_1' };
const rate = parseExchangeRate(3.25);
const settlement = { currency: 'usd', rate, balanceTransactionId: 'txn_1' };

function sums(entries: EntryInput[]): Map<string, bigint> {
  const out = new Map<string, bigint>();
  for (const e of entries) {
    for (const p of e.postings) {
      const key = `${p.account} ${p.currency ?? e.currency}`;
      out.set(key, (out.get(key) ?? 0n) + p.amount);
    }
  }
  return out;
}

describe('scenario: 10.000 KWD gift on a USD-settling account at 3.25 USD/KWD', () => {
  const gross = 10_000n;
  const settled = convertMinorUnits(gross, 'kwd', 'usd', rate);
  const stripeFee = 124n; // 2.9% of 3250 = 94.25 -> 94, + 30
  const platform = platformFee(gross, 200);
  const entries = [
    donationEntry(base, gross),
    fxConversionEntry(base, 'donation', gross, settled, settlement),
    fxProcessingFeeEntry({ ...base, sourceId: 'txn_1' }, stripeFee, settlement),
    platformFeeEntry(base, platform),
  ];
  const funds = campaignFundsAccount(campaignId);

  it('Stripe settles 10.000 KWD as 32.50 USD; the fee converts back to 0.382 KWD (half even)', () => {
    expect(settled).toBe(3_250n);
    expect(feeInPresentment(stripeFee, 'kwd', settlement)).toEqual({ amount: 382n, exact: '4960/13' });
    expect(platform).toBe(200n);
  });

  it('every entry balances in each of its currencies, and only in them', () => {
    for (const e of entries) expect(() => validateEntry(e)).not.toThrow();
    // Balanced in total but not per currency: refused.
    const mixed: EntryInput = { ...entries[1], postings: [{ account: 'platform:stripe_balance', amount: 3_250n, currency: 'usd' }, { account: funds, amount: -3_250n }] };
    expect(() => validateEntry(mixed)).toThrow(/does not balance/);
  });

  it('the campaign holds 9.418 KWD; the Stripe balance 31.26 USD (Stripe\'s net), nothing in KWD', () => {
    const s = sums(entries);
    expect(s.get(`${funds} kwd`)).toBe(-9_418n);
    expect(s.get('platform:stripe_balance kwd')).toBe(0n);
    expect(s.get('platform:stripe_balance usd')).toBe(3_126n);
    expect(s.get('platform:processing_fees usd')).toBe(0n);
    expect(s.has('platform:processing_fees kwd')).toBe(false);
    expect(s.get('platform:fee_revenue kwd')).toBe(-200n);
    expect(s.get('platform:fx_conversion kwd')).toBe(9_618n);
    expect(s.get('platform:fx_conversion usd')).toBe(-3_126n);
    // gross = net + processing fee + platform fee, in the campaign's currency: 10000 = 9418 + 382 + 200
    expect(9_418n + 382n + 200n).toBe(gross);
    // Every currency sums to zero over all accounts.
    for (const currency of ['kwd', 'usd']) {
      expect([...s].filter(([k]) => k.endsWith(` ${currency}`)).reduce((a, [, v]) => a + v, 0n)).toBe(0n);
    }
  });

  it('the entries carry the rate and Stripe\'s figures', () => {
    expect(entries[1]).toMatchObject({ kind: 'donation_fx', sourceId: 'ch_1', currency: 'kwd', metadata: { fx: { rate: '3.25', settlement_currency: 'usd', settlement_amount: '3250' } } });
    expect(entries[2]).toMatchObject({ kind: 'processing_fee', sourceId: 'txn_1', metadata: { fx: { rate: '3.25', settlement_fee: '124', fee: '382', rounding: 'half_even' } } });
  });

  it('a full refund at a later rate of 3.30 leaves the campaign at the fees and the FX account with the platform\'s loss', () => {
    const refundRate = { currency: 'usd', rate: parseExchangeRate('3.3'), balanceTransactionId: 'txn_2' };
    const refundSettled = -convertMinorUnits(gross, 'kwd', 'usd', refundRate.rate); // -3300 cents
    expect(refundSettled).toBe(-3_300n);
    const refund: EntryInput = {
      kind: 'refund', sourceId: 're_1', campaignId, currency: 'kwd', occurredAt: base.occurredAt, metadata: {},
      postings: [{ account: funds, amount: gross }, { account: 'platform:stripe_balance', amount: -gross }],
    };
    const conversion = fxConversionEntry({ ...base, sourceId: 're_1' }, 'refund', -gross, refundSettled, refundRate);
    expect(() => validateEntry(conversion)).not.toThrow();
    const s = sums([...entries, refund, conversion]);
    // Stripe: 3126 - 3300 = -174 cents; the campaign: 9418 - 10000 = -582 fils (the fees it bore).
    expect(s.get('platform:stripe_balance usd')).toBe(-174n);
    expect(s.get('platform:stripe_balance kwd')).toBe(0n);
    expect(s.get(`${funds} kwd`)).toBe(582n);
    expect(s.get('platform:fx_conversion kwd')).toBe(-382n);
    expect(s.get('platform:fx_conversion usd')).toBe(174n);
  });
});
