import type { StatementPeriod } from './statement-period.js';

/** The gift statuses a donor sees (money moved): never-paid checkouts are not gifts. */
export const DONOR_GIFT_STATUSES = ['succeeded', 'partially_refunded', 'refunded', 'disputed', 'dispute_won', 'dispute_lost'] as const;
export type DonorGiftStatus = (typeof DONOR_GIFT_STATUSES)[number];

/** One gift as the donor page and the statement show it (amounts in minor units). */
export interface DonorGift {
  id: string;
  organizationName: string;
  campaign: { id: string; slug: string; title: string; language: 'en' | 'ar' };
  /** What the donor paid (covered fees included). */
  amount: bigint;
  currency: string;
  refundedAmount: bigint;
  disputedAmount: bigint;
  status: DonorGiftStatus;
  anonymous: boolean;
  /** When it settled (what receipts and statements date it by); its checkout's time if not recorded. */
  givenAt: Date;
  /** The gift's leaf in the campaign's public log, once appended. */
  leaf: { index: string; hash: string; month: string } | null;
  /** The receipt's number, once sent. */
  receiptNumber: string | null;
  /** The designation the donor chose (null: the campaign declared none). */
  designation?: string | null;
  /** The payouts (public entry indexes) that drew from this gift and how much each, oldest first. */
  drawnInto?: { index: string; amount: bigint }[];
}

/**
 * What a gift still counts for on a statement: paid, less what was refunded, less a dispute the
 * organization lost (the charge was reversed to the donor). Never below zero.
 */
export function netAmount(gift: Pick<DonorGift, 'amount' | 'refundedAmount' | 'disputedAmount' | 'status'>): bigint {
  const lost = gift.status === 'dispute_lost' ? gift.disputedAmount : 0n;
  const net = gift.amount - gift.refundedAmount - lost;
  return net > 0n ? net : 0n;
}

export interface CurrencyTotal {
  currency: string;
  gifts: number;
  /** Sum of what was paid. */
  given: bigint;
  /** Sum of what went back (refunds, lost disputes). */
  returned: bigint;
  /** given - returned: what the statement certifies. */
  net: bigint;
}

/**
 * Totals per currency, never summing different currencies: one line per currency (lower-case ISO
 * code, as stored), in alphabetical order.
 */
export function totalsPerCurrency(gifts: readonly Pick<DonorGift, 'amount' | 'refundedAmount' | 'disputedAmount' | 'status' | 'currency'>[]): CurrencyTotal[] {
  const byCurrency = new Map<string, CurrencyTotal>();
  for (const gift of gifts) {
    const currency = gift.currency.toLowerCase();
    const total = byCurrency.get(currency) ?? { currency, gifts: 0, given: 0n, returned: 0n, net: 0n };
    const net = netAmount(gift);
    total.gifts += 1;
    total.given += gift.amount;
    total.net += net;
    total.returned += gift.amount - net;
    byCurrency.set(currency, total);
  }
  return [...byCurrency.values()].sort((a, b) => (a.currency < b.currency ? -1 : a.currency > b.currency ? 1 : 0));
}

/** The gifts dated within the period (start included, end excluded), oldest first. */
export function giftsInPeriod<T extends Pick<DonorGift, 'givenAt' | 'id'>>(gifts: readonly T[], period: Pick<StatementPeriod, 'start' | 'end'>): T[] {
  return gifts
    .filter((g) => g.givenAt.getTime() >= period.start.getTime() && g.givenAt.getTime() < period.end.getTime())
    .sort((a, b) => a.givenAt.getTime() - b.givenAt.getTime() || (a.id < b.id ? -1 : 1));
}
