import { currencyExponent, formatMajorUnits } from '@ataa/common';

/**
 * Formats minor units for people, in a locale: "$1,234.50", "¥1,234", "KWD 1,234.500",
 * "‏1,234.50 US$" (Arabic). The exact decimal string goes to Intl (no float on the way), and the
 * number of decimals is the currency's Stripe exponent, so zero- and three-decimal currencies are right.
 */
export function formatMoney(amount: bigint, currency: string, locale: string): string {
  const exponent = currencyExponent(currency);
  const formatter = new Intl.NumberFormat(locale, {
    style: 'currency',
    currency: currency.toUpperCase(),
    minimumFractionDigits: exponent,
    maximumFractionDigits: exponent,
  });
  // Intl.NumberFormat formats decimal strings exactly (ECMA-402 "Intl.NumberFormat v3").
  return formatter.format(formatMajorUnits(amount, currency) as unknown as number);
}

/** The intl locale for a campaign language: Arabic uses Latin digits so numbers match the ledger. */
export function localeFor(language: string): string {
  return language === 'ar' ? 'ar' : 'en-US';
}

export function formatDate(date: Date, locale: string): string {
  return new Intl.DateTimeFormat(locale, { year: 'numeric', month: 'long', day: 'numeric', hour: '2-digit', minute: '2-digit', timeZone: 'UTC', timeZoneName: 'short' }).format(date);
}
