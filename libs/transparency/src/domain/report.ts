import { designationRowsOf, designationTotals, type DesignationKindRow, type DesignationTotals } from './designations.js';
import { EntryRedactions, isMoneyKind, MONEY_ENTRY_KINDS, MoneyEntryKind, PublicEntryKind, PublicLeaf, publicDonorIdentity } from './public-entry.js';

/**
 * A campaign's report, derived only from its public entries, so anyone can recompute it. The
 * server maintains the same numbers incrementally (never summing per request); the verifier
 * recomputes them from the entries and compares.
 *
 * Donors = distinct public donor names, each anonymous gift counting as one donor (an anonymous
 * donor is not linkable across gifts, on purpose).
 */
export interface KindTotal {
  count: number;
  /** Signed sum in minor units, as a string of digits. */
  amount: string;
}

export interface MonthTotals {
  month: string;
  raised: string;
  gifts: number;
  /** Signed sum of everything that left the campaign in the month (fees, refunds, disputes, payouts and their reversals). */
  out: string;
  /** Offline gifts recorded in the month, net of their voids (not in `raised`). */
  offline: string;
  /** raised + out + offline: what the month changed the balance by. */
  net: string;
}

export interface CampaignReport {
  currency: string;
  entries: number;
  raised: string;
  gifts: number;
  donors: number;
  fees: { processing: string; platform: string; total: string };
  refunds: KindTotal;
  disputes: { opened: KindTotal; reversed: KindTotal; net: string };
  payouts: { paid: KindTotal; reversed: KindTotal; net: string };
  /**
   * Offline gifts (cash, cheque, bank transfer): recorded by the organization, not verified by the
   * payment processor, so never part of `raised`/`gifts` (card gifts) but shown beside them; `net`
   * = recorded + voided (voids are negative). `balance` includes them.
   */
  offline: { recorded: KindTotal; voided: KindTotal; net: string };
  balance: string;
  /** Money kinds only: a `terms_changed` entry counts in `entries` and nowhere else. */
  byKind: Record<MoneyEntryKind, KindTotal>;
  monthly: MonthTotals[];
  /**
   * Money in and out per designation (docs/designations.md), sorted by code: one `general` line for
   * a campaign that declared none. Each line's `left` adds up to `balance` over all lines.
   */
  designations: DesignationTotals[];
}

/**
 * Stripe's fees taken in another currency than the campaign's (the platform's settlement currency)
 * and borne by the campaign converted back at the balance transaction's exchange rate (half to
 * even, to the campaign currency's minor unit): one row per settlement currency and rate. Not part
 * of the recomputable report (a public entry carries the fee in the campaign's currency only): it
 * is served beside it, so a reader can check each converted fee against its rate.
 */
export interface FeeExchange {
  settlementCurrency: string;
  /** Settlement-currency units per campaign-currency unit, as Stripe reported it. */
  rate: string;
  fees: number;
  /** Sum of the fees as Stripe took them, in minor units of the settlement currency. */
  settlementAmount: string;
  /** Sum of the same fees as the campaign bore them, in minor units of the campaign's currency. */
  amount: string;
}

/** Aggregated rows, as the server stores them: one per (month, kind). */
export interface MonthKindRow {
  month: string;
  kind: PublicEntryKind;
  count: number;
  amount: bigint;
}

export function buildReport(
  currency: string, rows: readonly MonthKindRow[], donors: number, balance: bigint, entries: number, designations: readonly DesignationKindRow[],
): CampaignReport {
  const byKind = Object.fromEntries(MONEY_ENTRY_KINDS.map((k) => [k, { count: 0, amount: 0n }])) as Record<MoneyEntryKind, { count: number; amount: bigint }>;
  const months = new Map<string, { raised: bigint; gifts: number; out: bigint; offline: bigint }>();
  for (const row of rows) {
    if (!isMoneyKind(row.kind)) continue;
    byKind[row.kind].count += row.count;
    byKind[row.kind].amount += row.amount;
    const month = months.get(row.month) ?? { raised: 0n, gifts: 0, out: 0n, offline: 0n };
    if (row.kind === 'donation') {
      month.raised += row.amount;
      month.gifts += row.count;
    } else if (row.kind === 'offline_gift' || row.kind === 'offline_gift_void') {
      month.offline += row.amount;
    } else {
      month.out += row.amount;
    }
    months.set(row.month, month);
  }
  const total = (k: MoneyEntryKind): KindTotal => ({ count: byKind[k].count, amount: byKind[k].amount.toString() });
  const processing = -byKind.fee.amount;
  const platform = -byKind.platform_fee.amount;
  return {
    currency,
    entries,
    raised: byKind.donation.amount.toString(),
    gifts: byKind.donation.count,
    donors,
    fees: { processing: processing.toString(), platform: platform.toString(), total: (processing + platform).toString() },
    refunds: total('refund'),
    disputes: { opened: total('dispute'), reversed: total('dispute_reversal'), net: (byKind.dispute.amount + byKind.dispute_reversal.amount).toString() },
    payouts: { paid: total('payout'), reversed: total('payout_reversal'), net: (byKind.payout.amount + byKind.payout_reversal.amount).toString() },
    offline: { recorded: total('offline_gift'), voided: total('offline_gift_void'), net: (byKind.offline_gift.amount + byKind.offline_gift_void.amount).toString() },
    balance: balance.toString(),
    byKind: Object.fromEntries(MONEY_ENTRY_KINDS.map((k) => [k, total(k)])) as Record<MoneyEntryKind, KindTotal>,
    monthly: [...months.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([month, m]) => ({ month, raised: m.raised.toString(), gifts: m.gifts, out: m.out.toString(), offline: m.offline.toString(), net: (m.raised + m.out + m.offline).toString() })),
    designations: designationTotals(designations),
  };
}

/** `YYYY-MM` of an ISO time, in UTC. */
export function monthOf(time: string): string {
  return time.slice(0, 7);
}

/**
 * Recomputes the report from the entries alone (what the independent verifier does). Entries are
 * served entries (a format-3 leaf holds no name: the served value counts). A gift whose donor name
 * was redacted counts as one donor here, but the platform counted it when appended, so it may have
 * been a name already counted: `donors` is then an upper bound (see `donorBounds`).
 */
export function reportFromEntries(currency: string, entries: readonly (PublicLeaf & { redacted?: EntryRedactions | null })[]): CampaignReport {
  const rows = new Map<string, MonthKindRow>();
  const designations: DesignationKindRow[] = [];
  let balance = 0n;
  for (const entry of entries) {
    designations.push(...designationRowsOf(entry));
    const key = `${monthOf(entry.time)}|${entry.kind}`;
    const row = rows.get(key) ?? { month: monthOf(entry.time), kind: entry.kind, count: 0, amount: 0n };
    row.count++;
    row.amount += BigInt(entry.amount);
    rows.set(key, row);
    balance += BigInt(entry.amount);
  }
  return buildReport(currency, [...rows.values()], donorBounds(entries).max, balance, entries.length, designations);
}

/**
 * The donor count the entries allow: distinct public names plus one per anonymous gift (`min`), and
 * up to one more per gift whose name was redacted (`max`): the platform counted those names when it
 * appended them, and a redaction never changes the count. Without redactions `min === max`.
 */
export function donorBounds(entries: readonly (PublicLeaf & { redacted?: EntryRedactions | null })[]): { min: number; max: number } {
  const donors = new Set<string>();
  let anonymousGifts = 0;
  let redactedNames = 0;
  for (const entry of entries) {
    if (entry.kind !== 'donation') continue;
    if (entry.redacted?.donor) {
      redactedNames++;
      continue;
    }
    const identity = publicDonorIdentity(entry);
    if (identity === null) anonymousGifts++;
    else donors.add(identity);
  }
  const min = donors.size + anonymousGifts;
  return { min, max: min + redactedNames };
}
