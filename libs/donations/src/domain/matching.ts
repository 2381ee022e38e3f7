import { DomainError, requireUserText, TEXT_LIMITS } from '@ataa/common';
import { offlineGiftAmount } from './offline-gifts.js';

/*
 * Matching gifts (issue 21, item 6), plain TypeScript: the checks of a new offer and the planner of
 * accruals. A sponsor matches a campaign's card gifts at `numerator/denominator` (1/1: doubled) up to
 * `cap` minor units, for gifts settled in [startsAt, endsAt). A gift accrues
 * min(floor(gift × ratio), cap − accrued) once (idempotent per gift and offer); a later refund or
 * lost/open dispute lowers the gift's base and so its match, but only by what the sponsor has not
 * paid yet (accrued − collected): a collected match stands. What accrues is the sponsor's pledge,
 * not money: nothing posts to the ledger until it is collected as an offline gift.
 */

/** Largest numerator or denominator of a ratio (100:1 is far beyond any real offer; a typo guard). */
export const MATCHING_RATIO_MAX = 100;

export interface MatchingOfferFacts {
  campaign: { id: string; currency: string };
  sponsorName: string;
  ratioNumerator: number;
  ratioDenominator: number;
  /** As typed, in major units of `currency` ("5,000"). */
  cap: string;
  currency: string;
  /** ISO 8601 times; a missing start is now. */
  startsAt: string | null;
  endsAt: string;
  now: Date;
}

export interface CheckedMatchingOffer {
  campaignId: string;
  sponsorName: string;
  ratioNumerator: number;
  ratioDenominator: number;
  cap: bigint;
  currency: string;
  startsAt: Date;
  endsAt: Date;
}

function problem(code: string, message: string, status = 400, details?: Record<string, unknown>): DomainError {
  return new DomainError(code, message, status, details);
}

function isoTime(field: string, text: string): Date {
  // A time with its zone (Z or ±hh:mm): a window edge without one would depend on the server's clock zone.
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/.test(text)) {
    throw problem('matching_window_invalid', `${field} must be an ISO 8601 time with its zone, such as 2026-12-31T23:59:00Z`, 400, { field });
  }
  const date = new Date(text);
  // Date rolls 31 February over into March: the calendar date typed must exist.
  const [y, mo, d] = text.slice(0, 10).split('-').map(Number);
  const day = new Date(Date.UTC(y, mo - 1, d));
  if (Number.isNaN(date.getTime()) || day.getUTCMonth() !== mo - 1 || day.getUTCDate() !== d) throw problem('matching_window_invalid', `${field} is not a real time`, 400, { field });
  return date;
}

/** Checks an offer's terms; throws the first problem. A window that already ended is refused; one that began before now starts now (no gift before the offer is matched). */
export function checkMatchingOffer(f: MatchingOfferFacts): CheckedMatchingOffer {
  const currency = f.currency.trim().toLowerCase();
  if (!/^[a-z]{3}$/.test(currency)) throw problem('currency_invalid', 'The currency must be a three-letter ISO 4217 code');
  if (currency !== f.campaign.currency) {
    throw problem('matching_currency_mismatch', `This campaign raises ${f.campaign.currency.toUpperCase()}: the cap is in that currency, not ${currency.toUpperCase()}`, 422, {
      campaignCurrency: f.campaign.currency, currency,
    });
  }
  for (const [field, value] of [['ratioNumerator', f.ratioNumerator], ['ratioDenominator', f.ratioDenominator]] as const) {
    if (!Number.isSafeInteger(value) || value <= 0) throw problem('matching_ratio_not_positive', 'The ratio is two positive whole numbers (1 and 1: each gift doubled)', 422, { field });
    if (value > MATCHING_RATIO_MAX) throw problem('matching_ratio_too_large', `Each side of the ratio is at most ${MATCHING_RATIO_MAX}`, 422, { field });
  }
  let cap: bigint;
  try {
    cap = offlineGiftAmount(f.cap, currency);
  } catch (error) {
    // Same codes as an offline gift's amount, said of the cap.
    if (error instanceof DomainError) throw problem(error.code, `The cap: ${error.message.replace(/^An offline gift is/, 'it must be').replace(/one offline gift may record/, 'an offer may pledge')}`, error.status, { field: 'cap', ...(error.details ?? {}) });
    throw error;
  }
  const sponsorName = requireUserText('sponsorName', f.sponsorName, { max: TEXT_LIMITS.donorName, min: 1 });
  const endsAt = isoTime('endsAt', f.endsAt);
  const requestedStart = f.startsAt === null ? f.now : isoTime('startsAt', f.startsAt);
  if (endsAt.getTime() <= f.now.getTime()) {
    throw problem('matching_window_in_past', 'The matching window has already ended: its end must be in the future', 422, { endsAt: endsAt.toISOString(), now: f.now.toISOString() });
  }
  if (requestedStart.getTime() >= endsAt.getTime()) {
    throw problem('matching_window_inverted', 'The matching window must start before it ends', 422, { startsAt: requestedStart.toISOString(), endsAt: endsAt.toISOString() });
  }
  // A card gift's settlement time is its charge's, in whole seconds: a window starting now starts at this second.
  const startsAt = requestedStart.getTime() <= f.now.getTime() ? new Date(Math.floor(f.now.getTime() / 1000) * 1000) : requestedStart;
  return { campaignId: f.campaign.id, sponsorName, ratioNumerator: f.ratioNumerator, ratioDenominator: f.ratioDenominator, cap, currency, startsAt, endsAt };
}

/** An offer as recorded, with its running figures (read under its row lock when planning). */
export interface MatchingOfferState {
  id: string;
  currency: string;
  ratioNumerator: number;
  ratioDenominator: number;
  cap: bigint;
  startsAt: Date;
  endsAt: Date;
  accrued: bigint;
  collected: bigint;
}

/** A settled card gift as matching sees it: `base` is what stayed with the campaign (amount − refunded − disputed, never below 0). */
export interface MatchableGift {
  donationId: string;
  currency: string;
  settledAt: Date;
  base: bigint;
}

export interface ExistingAccrual {
  offerId: string;
  donationId: string;
  accrued: bigint;
  reduced: bigint;
}

export type MatchingStep =
  | { kind: 'accrue'; offerId: string; donationId: string; giftAmount: bigint; amount: bigint; settledAt: Date }
  | { kind: 'reduce'; offerId: string; donationId: string; amount: bigint };

/** floor(amount × n / d) in minor units: the sponsor never owes a fraction of a minor unit. */
export function matchOf(amount: bigint, numerator: number, denominator: number): bigint {
  if (amount <= 0n) return 0n;
  return (amount * BigInt(numerator)) / BigInt(denominator);
}

/** In the window: from its start (included) to its end (excluded). */
export function inWindow(offer: Pick<MatchingOfferState, 'startsAt' | 'endsAt'>, at: Date): boolean {
  return at.getTime() >= offer.startsAt.getTime() && at.getTime() < offer.endsAt.getTime();
}

/**
 * Plans the accruals and reductions of some gifts against a campaign's offers, gifts in the given
 * order, offers in the given order (each offer's cap is shared by every gift): returns the steps and
 * the offers as they are after them. Idempotent: planning again on the result plans nothing.
 */
export function planMatching(offers: readonly MatchingOfferState[], gifts: readonly MatchableGift[], existing: readonly ExistingAccrual[]): { steps: MatchingStep[]; offers: MatchingOfferState[] } {
  const next = offers.map((o) => ({ ...o }));
  const had = new Map(existing.map((a) => [`${a.offerId}|${a.donationId}`, a]));
  const steps: MatchingStep[] = [];
  for (const gift of gifts) {
    for (const offer of next) {
      const accrual = had.get(`${offer.id}|${gift.donationId}`);
      const due = matchOf(gift.base, offer.ratioNumerator, offer.ratioDenominator);
      if (!accrual) {
        if (gift.currency !== offer.currency || !inWindow(offer, gift.settledAt)) continue;
        const amount = due < offer.cap - offer.accrued ? due : offer.cap - offer.accrued;
        if (amount <= 0n) continue;
        steps.push({ kind: 'accrue', offerId: offer.id, donationId: gift.donationId, giftAmount: gift.base, amount, settledAt: gift.settledAt });
        offer.accrued += amount;
        had.set(`${offer.id}|${gift.donationId}`, { offerId: offer.id, donationId: gift.donationId, accrued: amount, reduced: 0n });
        continue;
      }
      const current = accrual.accrued - accrual.reduced;
      if (due >= current) continue;
      const uncollected = offer.accrued - offer.collected;
      const amount = current - due < uncollected ? current - due : uncollected;
      if (amount <= 0n) continue;
      steps.push({ kind: 'reduce', offerId: offer.id, donationId: gift.donationId, amount });
      offer.accrued -= amount;
      had.set(`${offer.id}|${gift.donationId}`, { ...accrual, reduced: accrual.reduced + amount });
    }
  }
  return { steps, offers: next };
}

/** What is left of an offer's cap, and whether it matches gifts at `now` (in its window, cap not reached). */
export function matchingStatus(offer: MatchingOfferState, now: Date): { left: bigint; active: boolean } {
  const left = offer.cap - offer.accrued;
  return { left, active: left > 0n && inWindow(offer, now) };
}

export const MATCHING_SPONSOR_MAX = TEXT_LIMITS.donorName;

/**
 * What a sponsor's card payment collects when it first settles (collection by card): what fits the
 * offer now (at most accrued − collected, which an offline collection or another card payment may
 * have lowered since the session was opened); the rest (`excess`) stays an ordinary gift to the
 * campaign (it is in its funds, never matched, not counted as collected).
 */
export function planCardCollection(offer: Pick<MatchingOfferState, 'accrued' | 'collected'>, paid: bigint): { amount: bigint; excess: bigint } {
  const owed = offer.accrued - offer.collected;
  const amount = paid <= 0n || owed <= 0n ? 0n : paid < owed ? paid : owed;
  return { amount, excess: (paid > 0n ? paid : 0n) - amount };
}

/**
 * How much more of a card collection a refund or a lost dispute of the sponsor's payment reopens:
 * the pledge is owed again for the part of the collection the campaign no longer keeps. `kept` is
 * what stays of the payment now (paid − refunded − lost in a dispute); the excess (the ordinary-gift
 * part, `giftAmount − amount`) is given back first. Only ever grows: a dispute won later does not
 * collect again (the amount stays an ordinary gift, as a won dispute does not raise a match).
 */
export function planCardReopening(collection: { giftAmount: bigint; amount: bigint; reopened: bigint }, kept: bigint): bigint {
  const covered = kept <= 0n ? 0n : kept < collection.amount ? kept : collection.amount;
  const reopen = collection.amount - covered - collection.reopened;
  return reopen > 0n ? reopen : 0n;
}

/** A sponsor's Checkout Session still open (collection by card): its donation and the amount it asks. */
export interface OpenCardSession {
  donationId: string;
  amount: bigint;
}

/**
 * Which open card sessions of an offer to expire once its `collected` rose (an offline collection,
 * another card payment): those asking more than the offer owes now (accrued − collected). One that
 * still fits stays open (paying it collects all of it). Paid anyway before the expiry lands, a
 * session that no longer fits collects what fits and the rest stays an ordinary gift (`planCardCollection`).
 */
export function planCardSessionExpiries(offer: Pick<MatchingOfferState, 'accrued' | 'collected'>, open: readonly OpenCardSession[]): string[] {
  const owed = offer.accrued - offer.collected;
  return open.filter((s) => s.amount > owed).map((s) => s.donationId);
}
