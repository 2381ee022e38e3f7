import { isSupportedCurrency, parseTypedAmount } from '@ataa/common';
import { DONATION_STATUSES, type DonationListFilter, type DonationStatus } from '@ataa/donations';

/**
 * What people type on the Donations pages, read into what the donations lib takes. Pure: no I/O.
 * - The list's filters (a GET form): campaign, status, dates (UTC days), amount range typed in the
 *   currency's units, anonymous yes/no. What cannot be read is marked on its field.
 * - The refund form: full or partial, the amount typed in the currency's units, a reason. The lib
 *   (RefundsService) checks the money rules again under the gift's row lock.
 */

/** Field → error code. */
export type FieldErrors = Record<string, string>;

export interface DonationFilterValues {
  campaign: string;
  status: string;
  from: string;
  to: string;
  currency: string;
  min: string;
  max: string;
  anonymous: string;
}

export type DonationFilter = Omit<DonationListFilter, 'organizationId' | 'cursor' | 'limit'>;

/** The filters in the form's order (the error summary and the links follow it). */
export const FILTER_FIELDS = ['campaign', 'status', 'from', 'to', 'currency', 'min', 'max', 'anonymous'] as const;
const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MAX_FILTER_LENGTH = 64;

const text = (value: unknown): string => (typeof value === 'string' ? value.trim().slice(0, MAX_FILTER_LENGTH) : '');

export function readDonationFilters(query: Record<string, unknown> | undefined): DonationFilterValues {
  const q = query ?? {};
  return {
    campaign: text(q.campaign), status: text(q.status), from: text(q.from), to: text(q.to), currency: text(q.currency).toLowerCase(),
    min: text(q.min), max: text(q.max), anonymous: text(q.anonymous),
  };
}

/** A UTC day typed as YYYY-MM-DD (what `<input type="date">` sends), or null. */
export function parseDay(value: string): Date | null {
  const match = DAY.exec(value);
  if (!match) return null;
  const date = new Date(`${value}T00:00:00Z`);
  return Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== value ? null : date;
}

/**
 * The lib's filter for the typed values, and the fields that could not be read. Amounts need a
 * currency: the one chosen, else the chosen campaign's, else the organization's only one.
 */
export function donationFilterOf(values: DonationFilterValues, campaigns: readonly { id: string; currency: string }[]): { filter: DonationFilter; errors: FieldErrors } {
  const errors: FieldErrors = {};
  const filter: DonationFilter = {};
  let campaignCurrency: string | undefined;
  if (values.campaign) {
    const found = UUID.test(values.campaign) ? campaigns.find((c) => c.id === values.campaign.toLowerCase()) : undefined;
    if (found) {
      filter.campaignId = found.id;
      campaignCurrency = found.currency;
    } else errors.campaign = 'invalid_choice';
  }
  if (values.status) {
    if ((DONATION_STATUSES as readonly string[]).includes(values.status)) filter.status = [values.status as DonationStatus];
    else errors.status = 'invalid_choice';
  }
  const from = values.from ? parseDay(values.from) : null;
  const to = values.to ? parseDay(values.to) : null;
  if (values.from && !from) errors.from = 'invalid_date';
  if (values.to && !to) errors.to = 'invalid_date';
  if (from && to && from > to) errors.to = 'invalid_date_range';
  if (from && !errors.to) filter.createdFrom = from;
  if (to && !errors.to) filter.createdTo = new Date(to.getTime() + 86_400_000); // the whole last day
  if (values.currency) {
    if (/^[a-z]{3}$/.test(values.currency) && isSupportedCurrency(values.currency)) filter.currency = values.currency;
    else errors.currency = 'invalid_currency';
  }
  if (values.anonymous) {
    if (values.anonymous === 'yes' || values.anonymous === 'no') filter.anonymous = values.anonymous === 'yes';
    else errors.anonymous = 'invalid_choice';
  }
  if (values.min || values.max) {
    const currencies = [...new Set(campaigns.map((c) => c.currency))];
    const currency = filter.currency ?? campaignCurrency ?? (currencies.length === 1 ? currencies[0] : undefined);
    if (!currency) {
      if (!errors.currency) errors.currency = 'amount_needs_currency';
    } else {
      filter.currency = currency;
      for (const field of ['min', 'max'] as const) {
        if (!values[field]) continue;
        const parsed = parseTypedAmount(values[field], currency);
        if (!parsed.ok) errors[field] = parsed.problem;
        else if (field === 'min') filter.amountMin = parsed.minor;
        else filter.amountMax = parsed.minor;
      }
      if (filter.amountMin !== undefined && filter.amountMax !== undefined && filter.amountMin > filter.amountMax) {
        errors.max = 'invalid_amount_range';
        delete filter.amountMax;
      }
    }
  }
  return { filter, errors };
}

/** The filters as a query string (non-empty values only), for the next page and the CSV link. */
export function filterQuery(values: DonationFilterValues, extra: Record<string, string> = {}): string {
  const params = new URLSearchParams();
  for (const field of FILTER_FIELDS) if (values[field]) params.set(field, values[field]);
  for (const [k, v] of Object.entries(extra)) params.set(k, v);
  const query = params.toString();
  return query ? `?${query}` : '';
}

export const REFUND_REASONS = ['requested_by_customer', 'duplicate', 'fraudulent'] as const;
export type RefundReason = (typeof REFUND_REASONS)[number];

export interface RefundFormValues {
  kind: string;
  amount: string;
  reason: string;
}

export function readRefundForm(body: Record<string, unknown> | undefined): RefundFormValues {
  const b = body ?? {};
  return { kind: text(b.kind) || 'full', amount: typeof b.amount === 'string' ? b.amount.slice(0, 40) : '', reason: text(b.reason) || 'requested_by_customer' };
}

/**
 * The refund asked for: the whole refundable amount ("full") or the typed one ("partial"), in minor
 * units, with its reason; or the fields that are wrong. `refundable`: what can still be refunded.
 */
export function refundOf(values: RefundFormValues, currency: string, refundable: bigint): { amount: bigint; reason: RefundReason } | { errors: FieldErrors } {
  const errors: FieldErrors = {};
  let amount = refundable;
  if (!(REFUND_REASONS as readonly string[]).includes(values.reason)) errors.reason = 'invalid_choice';
  if (values.kind === 'partial') {
    if (values.amount.trim() === '') errors.amount = 'amount_required';
    else {
      const parsed = parseTypedAmount(values.amount, currency);
      if (!parsed.ok) errors.amount = parsed.problem;
      else if (parsed.minor <= 0n) errors.amount = 'amount_not_positive';
      else if (parsed.minor > refundable) errors.amount = 'refund_exceeds_remaining';
      else amount = parsed.minor;
    }
  } else if (values.kind !== 'full') errors.kind = 'invalid_choice';
  if (Object.keys(errors).length > 0) return { errors };
  return { amount, reason: values.reason as RefundReason };
}

/** The confirmation form's hidden fields, read back: minor units, a reason, the idempotency key minted with the confirmation. */
export function readRefundConfirmation(body: Record<string, unknown> | undefined): { amount: bigint; reason: RefundReason; key: string } | null {
  const b = body ?? {};
  const amount = typeof b.amount === 'string' && /^[1-9]\d{0,14}$/.test(b.amount) ? BigInt(b.amount) : null;
  const reason = (REFUND_REASONS as readonly string[]).includes(b.reason as string) ? (b.reason as RefundReason) : null;
  const key = typeof b.key === 'string' && UUID.test(b.key) ? b.key.toLowerCase() : null;
  return amount !== null && reason !== null && key !== null ? { amount, reason, key } : null;
}
