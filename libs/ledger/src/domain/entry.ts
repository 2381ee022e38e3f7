import { describeAccount } from './accounts.js';

/** Kinds of business facts. The public projection and the campaign totals are keyed on them. */
export const ENTRY_KINDS = [
  'donation', 'processing_fee', 'platform_fee', 'refund', 'platform_fee_refund', 'refund_fee',
  'dispute', 'dispute_fee', 'dispute_reversal', 'dispute_fee_refund', 'payout', 'payout_reversal', 'adjustment',
  // Stripe's conversion of a fact from the charge's currency to the settlement currency (fx-entries.ts).
  'donation_fx', 'refund_fx', 'dispute_fx', 'dispute_reversal_fx',
  // A gift the organization received itself (cash, cheque, bank transfer) and recorded, and its void.
  'offline_gift', 'offline_gift_void',
] as const;
export type EntryKind = (typeof ENTRY_KINDS)[number];

export interface PostingInput {
  account: string;
  /** Signed minor units: debit > 0, credit < 0. */
  amount: bigint;
  /** The currency this posting moves in; default: the entry's. An entry balances per currency. */
  currency?: string;
  /** The designation (restricted fund) a posting to a campaign account moves; default: the entry's. */
  designation?: string;
}

export interface EntryInput {
  kind: EntryKind | string;
  /** The durable id of the fact (Stripe object id, balance transaction id, our payout id...). */
  sourceId: string;
  campaignId: string | null;
  currency: string;
  occurredAt: Date;
  postings: PostingInput[];
  memo?: string | null;
  metadata?: Record<string, unknown>;
  /**
   * The designation (restricted fund: `general`, `zakat`, ...) every campaign-account posting of the
   * entry moves unless the posting names its own; default `general`. Platform postings carry none.
   */
  designation?: string;
}

/** A designation code: lower-case letters, digits and single hyphens, at most 40 characters. */
export const DESIGNATION_CODE = /^[a-z0-9]+(-[a-z0-9]+)*$/;
export const GENERAL_DESIGNATION = 'general';

export function isDesignationCode(value: unknown): value is string {
  return typeof value === 'string' && value.length <= 40 && DESIGNATION_CODE.test(value);
}

/** The designation a posting records: its own or its entry's on campaign accounts (default `general`), none on platform accounts. */
export function postingDesignation(input: EntryInput, posting: PostingInput): string | null {
  if (!posting.account.startsWith('campaign:')) return null;
  return posting.designation ?? input.designation ?? GENERAL_DESIGNATION;
}

/** Checks an entry before it reaches the database (which checks the same again at commit). */
export function validateEntry(input: EntryInput): void {
  if (!/^[a-z_]{1,40}$/.test(input.kind)) throw new RangeError(`bad entry kind ${input.kind}`);
  if (!input.sourceId || input.sourceId.length > 255) throw new RangeError('an entry needs a source id');
  if (!/^[a-z]{3}$/.test(input.currency)) throw new RangeError(`bad currency ${input.currency}`);
  if (input.postings.length < 2) throw new RangeError('an entry needs at least two postings');
  const sums = new Map<string, bigint>();
  for (const p of input.postings) {
    const currency = p.currency ?? input.currency;
    if (!/^[a-z]{3}$/.test(currency)) throw new RangeError(`bad currency ${currency}`);
    if (typeof p.amount !== 'bigint') throw new TypeError('posting amounts are bigint minor units');
    if (p.amount === 0n) throw new RangeError('a posting cannot be zero');
    const account = describeAccount(p.account);
    const designation = p.designation ?? input.designation;
    if (designation !== undefined && !isDesignationCode(designation)) throw new RangeError(`bad designation ${designation}`);
    if (account.campaignId !== null && account.campaignId !== input.campaignId) {
      throw new RangeError(`posting to ${p.account} in an entry for campaign ${input.campaignId}`);
    }
    sums.set(currency, (sums.get(currency) ?? 0n) + p.amount);
  }
  for (const [currency, sum] of sums) {
    if (sum !== 0n) throw new RangeError(`entry ${input.kind}:${input.sourceId} does not balance: off by ${sum}${sums.size > 1 ? ` ${currency}` : ''}`);
  }
}

/** Which campaign total a kind moves; amounts are added from the campaign's point of view. */
export type TotalsColumn = 'raised' | 'processing_fees' | 'platform_fees' | 'refunded' | 'disputed' | 'paid_out' | 'other';

export function totalsColumnFor(kind: string): { column: TotalsColumn; sign: 1n | -1n } {
  switch (kind) {
    case 'donation': return { column: 'raised', sign: 1n };
    case 'processing_fee': case 'refund_fee': return { column: 'processing_fees', sign: -1n };
    case 'platform_fee': case 'platform_fee_refund': return { column: 'platform_fees', sign: -1n };
    case 'refund': return { column: 'refunded', sign: -1n };
    case 'dispute': case 'dispute_reversal': return { column: 'disputed', sign: -1n };
    case 'payout': case 'payout_reversal': return { column: 'paid_out', sign: -1n };
    default: return { column: 'other', sign: 1n };
  }
}
