import { formatMoney, localeFor } from '@ataa/notifications';
import type { ConsoleLanguage } from './console-messages.js';

/** How the console writes dates, amounts and counts in a language (Intl; dates in UTC like the dashboard). */
export function consoleFormat(language: ConsoleLanguage) {
  const locale = localeFor(language);
  const dateTime = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' });
  const number = new Intl.NumberFormat(locale);
  const kilobytes = new Intl.NumberFormat(locale, { style: 'unit', unit: 'kilobyte', maximumFractionDigits: 0 });
  const megabytes = new Intl.NumberFormat(locale, { style: 'unit', unit: 'megabyte', maximumFractionDigits: 1 });
  return {
    locale,
    date: (d: Date | string) => dateTime.format(new Date(d)),
    iso: (d: Date | string) => new Date(d).toISOString(),
    money: (amount: bigint, currency: string) => formatMoney(amount, currency, locale),
    /** A signed amount that may be missing (a reconciliation side that has nothing). */
    maybeMoney: (amount: bigint | null, currency: string, none: string) => (amount === null ? none : formatMoney(amount, currency, locale)),
    count: (n: number | bigint) => number.format(n),
    /** A file's size in the language's words (1 kB at least, so a small file never reads "0"). */
    fileSize: (bytes: number) => (bytes >= 1024 * 1024 ? megabytes.format(bytes / 1024 / 1024) : kilobytes.format(Math.max(1, Math.round(bytes / 1024)))),
  };
}
