/**
 * An organization's donors as CSV (pure). One row per donor e-mail address (compared without
 * case), with the name of the latest gift that gave one, the gift count, the total given per
 * currency (minor units as digits, one column per currency present), the first and last gift
 * dates and the choices the donor made at checkout. Free text is guarded against spreadsheet
 * formula injection the same way as the public ledger's CSV (a leading `'` before `=`, `+`, `-`,
 * `@`, tab or CR) and quoted when it holds `,`, `"`, LF or CR (`csvText`, @ataa/common: the donations CSV uses it too).
 */
import { csvText } from '@ataa/common';

export { csvText };

export interface DonorSummary {
  email: string;
  name: string | null;
  gifts: number;
  totals: Readonly<Record<string, bigint>>;
  firstGiftAt: Date;
  lastGiftAt: Date;
  /** Gifts on which the donor chose to show their name on the public wall (not anonymous). */
  namedGifts: number;
  /** Whether the latest gift showed the donor's name (the current choice). */
  latestShowsName: boolean;
  /** Gifts with a public message. */
  messages: number;
}

/** The currencies present, sorted, so the columns are stable. */
export function donorCsvCurrencies(donors: readonly DonorSummary[]): string[] {
  const set = new Set<string>();
  for (const d of donors) for (const c of Object.keys(d.totals)) set.add(c);
  return [...set].sort();
}

export function donorCsvHeader(currencies: readonly string[]): string {
  return ['email', 'name', 'gifts', ...currencies.map((c) => `total_${c}_minor`), 'first_gift_at', 'last_gift_at',
    'name_shown_publicly', 'named_gifts', 'public_messages'].join(',') + '\n';
}

export function donorCsvLine(d: DonorSummary, currencies: readonly string[]): string {
  return [
    csvText(d.email), csvText(d.name), String(d.gifts),
    ...currencies.map((c) => (d.totals[c] ?? 0n).toString()),
    d.firstGiftAt.toISOString(), d.lastGiftAt.toISOString(),
    d.latestShowsName ? 'yes' : 'no', String(d.namedGifts), String(d.messages),
  ].join(',') + '\n';
}

export function donorCsv(donors: readonly DonorSummary[]): string {
  const currencies = donorCsvCurrencies(donors);
  return donorCsvHeader(currencies) + donors.map((d) => donorCsvLine(d, currencies)).join('');
}
