import { classifyDeliveryError } from './delivery-failure.js';
import { formatMoney, localeFor } from './money-format.js';
import { formatReceiptNumber } from './receipt-number.js';

describe('formatMoney', () => {
  it('shows two-, zero- and three-decimal currencies with their own precision', () => {
    expect(formatMoney(123450n, 'usd', 'en-US')).toBe('$1,234.50');
    expect(formatMoney(50n, 'eur', 'en-US')).toBe('€0.50');
    // JPY is zero-decimal: 1234 minor units are ¥1,234, not ¥12.34
    expect(formatMoney(1234n, 'jpy', 'en-US')).toBe('¥1,234');
    // KWD is three-decimal: 12340 minor units are 12.340 KWD
    expect(formatMoney(12340n, 'kwd', 'en-US')).toMatch(/^KWD\s12\.340$/);
    expect(formatMoney(1000n, 'bhd', 'en-US')).toMatch(/^BHD\s1\.000$/);
  });

  it('formats for Arabic with Latin digits and the currency placed for right-to-left text', () => {
    const usd = formatMoney(123450n, 'usd', localeFor('ar'));
    expect(usd).toContain('1,234.50');
    expect(usd).toContain('US$');
    expect(formatMoney(12340n, 'kwd', localeFor('ar'))).toContain('12.340');
    expect(formatMoney(12340n, 'kwd', localeFor('ar'))).toContain('د.ك');
  });

  it('is exact beyond the range of floating point numbers', () => {
    // 2^53 + 1 cents: a float would print ...992
    expect(formatMoney(9_007_199_254_740_993n, 'usd', 'en-US')).toBe('$90,071,992,547,409.93');
  });
});

describe('receipt numbers and delivery failures', () => {
  it('pads the per-year sequence', () => {
    expect(formatReceiptNumber(2026, 42)).toBe('R-2026-000042');
  });

  it('treats 5xx replies as permanent and 4xx or network errors as temporary', () => {
    expect(classifyDeliveryError({ responseCode: 550 })).toBe('permanent');
    expect(classifyDeliveryError({ responseCode: 451 })).toBe('transient');
    expect(classifyDeliveryError({ code: 'ECONNREFUSED' })).toBe('transient');
  });
});
