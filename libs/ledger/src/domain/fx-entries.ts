import { convertBackExact, divideRoundHalfEven, fractionText, type ExchangeRate } from '@ataa/common';
import { campaignFundsAccount, PLATFORM_ACCOUNTS as P } from './accounts.js';
import { EntryInput, PostingInput } from './entry.js';
import type { EntryBase } from './donation-entries.js';

/**
 * Gifts in one currency, Stripe balance in another.
 *
 * Stripe charges the donor in the campaign's (presentment) currency and books the money on the
 * platform's balance in the account's settlement currency: the charge's balance transaction carries
 * `amount`, `fee` and `net` in the settlement currency and the `exchange_rate` it used. The ledger
 * records each amount in the currency it moved in:
 *   - the campaign's funds in the presentment currency (the gift, the platform fee, the fee it bears,
 *     refunds and disputes: exactly the entries a same-currency gift gets);
 *   - the platform's Stripe balance and Stripe's fees in the settlement currency;
 *   - and, between the two, one conversion entry per converted Stripe fact (`<kind>_fx`, keyed on the
 *     same Stripe id as the fact it converts), a pair of legs through `platform:fx_conversion`:
 *       stripe_balance(P) -A, fx_conversion(P) +A, fx_conversion(S) -S, stripe_balance(S) +S
 *     where A is the fact's amount in the presentment currency and S its amount in the settlement
 *     currency **exactly as Stripe reported it** (the balance transaction's `amount`, never
 *     recomputed). The fact itself keeps its same-currency postings, so the Stripe balance holds the
 *     presentment amount only until Stripe's balance transaction tells how much it became.
 *
 * Stripe's fee is taken in the settlement currency. The platform pays it from its Stripe balance in
 * that currency and the campaign bears it in its own currency: converted back at the same balance
 * transaction's `exchange_rate`, rounded half to even to the presentment minor unit
 * (`convertBackMinorUnits`, exact integer arithmetic on the currencies' exponents). Every currency
 * of the entry balances exactly; the rounding remainder is less than half a presentment minor unit,
 * so it cannot be posted as such: it is the difference, at the rate, between the fee's two legs in
 * `platform:fx_conversion` (the platform's FX account carries it), and the entry's metadata records
 * the exact value (`fx.fee_exact`, a fraction) next to the rounded one.
 *
 * Worked example: 10.000 KWD gift, USD settlement at 3.25 USD per KWD, fee 2.9% + 0.30 USD:
 *   Stripe: amount 3250 (32.50 USD), fee 124 (94.25 -> 94, + 30), net 3126
 *   fee in KWD: 124 cents / 3.25 = 381.538... fils -> 382 fils (half-even)
 */
type Base = EntryBase;

export type ConvertedKind = 'donation' | 'refund' | 'dispute' | 'dispute_reversal';

export interface Settlement {
  /** The balance transaction's currency (the platform's settlement currency). */
  currency: string;
  /** Its exchange_rate: settlement major units per presentment major unit. */
  rate: ExchangeRate;
  balanceTransactionId: string;
}

/** A fact needs a conversion when Stripe settled it in another currency than the charge's. */
export function isConverted(presentmentCurrency: string, settlementCurrency: string | null | undefined): boolean {
  return !!settlementCurrency && settlementCurrency !== presentmentCurrency;
}

/**
 * Stripe's conversion of one fact: `presentment` and `settlement` are signed as the fact moves the
 * platform's Stripe balance (a gift +, a refund or dispute withdrawal -), in minor units of each.
 */
export function fxConversionEntry(base: Base, kind: ConvertedKind, presentment: bigint, settlement: bigint, s: Settlement): EntryInput {
  if (presentment === 0n || settlement === 0n || (presentment > 0n) !== (settlement > 0n)) {
    throw new RangeError(`a conversion moves both currencies the same way: ${presentment} ${base.currency} / ${settlement} ${s.currency}`);
  }
  if (s.currency === base.currency) throw new RangeError('a conversion needs two currencies');
  const postings: PostingInput[] = [
    { account: P.stripeBalance, amount: -presentment },
    { account: P.fxConversion, amount: presentment },
    { account: P.fxConversion, amount: -settlement, currency: s.currency },
    { account: P.stripeBalance, amount: settlement, currency: s.currency },
  ];
  return {
    kind: `${kind}_fx`, sourceId: base.sourceId, campaignId: base.campaignId, currency: base.currency, occurredAt: base.occurredAt,
    memo: base.memo ?? null, ...(base.designation ? { designation: base.designation } : {}),
    metadata: {
      ...(base.metadata ?? {}),
      fx: { rate: s.rate.text, settlement_currency: s.currency, settlement_amount: settlement.toString(), balance_transaction: s.balanceTransactionId },
    },
    postings,
  };
}

/** Stripe's fee (settlement currency) in the presentment currency, and its exact value as a fraction. */
export function feeInPresentment(fee: bigint, presentmentCurrency: string, s: Settlement): { amount: bigint; exact: string } {
  const { n, d } = convertBackExact(fee, s.currency, presentmentCurrency, s.rate);
  return { amount: divideRoundHalfEven(n, d), exact: fractionText(n, d) };
}

/**
 * Stripe's processing fee when it was taken in the settlement currency: the platform pays `fee`
 * (settlement) from its Stripe balance, the campaign bears `feePresentment` (the fee converted back,
 * `feeInPresentment`), the two meeting in the FX account. Same-currency fees keep processingFeeEntry.
 *   processing_fees(S) +fee, stripe_balance(S) -fee          Stripe kept it
 *   funds(P) +feeP, fx_conversion(P) -feeP                     the campaign bears it in its currency
 *   fx_conversion(S) +fee, processing_fees(S) -fee             converted: the expense is recovered
 */
export function fxProcessingFeeEntry(base: Base, fee: bigint, s: Settlement): EntryInput {
  if (fee <= 0n) throw new RangeError(`fee must be positive, got ${fee}`);
  const converted = feeInPresentment(fee, base.currency, s);
  const postings: PostingInput[] = [
    { account: P.processingFees, amount: fee, currency: s.currency },
    { account: P.stripeBalance, amount: -fee, currency: s.currency },
  ];
  if (converted.amount > 0n) {
    postings.push(
      { account: campaignFundsAccount(base.campaignId), amount: converted.amount },
      { account: P.fxConversion, amount: -converted.amount },
    );
  }
  postings.push({ account: P.fxConversion, amount: fee, currency: s.currency }, { account: P.processingFees, amount: -fee, currency: s.currency });
  return {
    kind: 'processing_fee', sourceId: base.sourceId, campaignId: base.campaignId, currency: base.currency, occurredAt: base.occurredAt,
    memo: base.memo ?? null, ...(base.designation ? { designation: base.designation } : {}),
    metadata: {
      ...(base.metadata ?? {}),
      fx: {
        rate: s.rate.text, settlement_currency: s.currency, settlement_fee: fee.toString(), fee: converted.amount.toString(), fee_exact: converted.exact,
        rounding: 'half_even', balance_transaction: s.balanceTransactionId,
      },
    },
    postings,
  };
}
