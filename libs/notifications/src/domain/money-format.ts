import { currencyExponent, formatMajorUnits } from '@ataa/common';

const MAX_FORMATTERS = 256;
const formatters = new Map<string, Intl.NumberFormat>();

/**
 * Formats minor units for people, in a locale: "$1,234.50", "¥1,234", "KWD 1,234.500",
 * "‏1,234.50 US$" (Arabic). The exact decimal string goes to Intl (no float on the way), and the
 * number of decimals is the currency's Stripe exponent, so zero- and three-decimal currencies are right.
 */
export function formatMoney(amount: bigint, currency: string, locale: string): string {
  // Intl.NumberFormat objects are costly to build and immutable: one per (locale, currency).
  const key = `${locale}|${currency}`;
  let formatter = formatters.get(key);
  if (!formatter) {
    const exponent = currencyExponent(currency);
    formatter = new Intl.NumberFormat(locale, {
      style: 'currency',
      currency: currency.toUpperCase(),
      minimumFractionDigits: exponent,
      maximumFractionDigits: exponent,
    });
    if (formatters.size >= MAX_FORMATTERS) formatters.clear();
    formatters.set(key, formatter);
  }
  // Intl.NumberFormat formats decimal strings exactly (ECMA-402 "Intl.NumberFormat v3").
  return formatter.format(formatMajorUnits(amount, currency) as unknown as number);
}

/** The intl locale for a campaign language: Arabic uses Latin digits so numbers match the ledger. */
export function localeFor(language: string): string {
  return language === 'ar' ? 'ar' : 'en-US';
}

const dateFormatters = new Map<string, Intl.DateTimeFormat>();

export function formatDate(date: Date, locale: string): string {
  // Built once per locale, like the number formatters (building one cost more than the rest of a receipt's view).
  let formatter = dateFormatters.get(locale);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat(locale, { year: 'numeric', month: 'long', day: 'numeric', hour: '2-digit', minute: '2-digit', timeZone: 'UTC', timeZoneName: 'short' });
    if (dateFormatters.size >= MAX_FORMATTERS) dateFormatters.clear();
    dateFormatters.set(locale, formatter);
  }
  return formatter.format(date);
}
