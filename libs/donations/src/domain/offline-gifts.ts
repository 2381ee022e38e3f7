import { DomainError, optionalUserText, parseTypedAmount, requireUserText, TEXT_LIMITS } from '@ataa/common';
import { campaignOfflineFundsAccount, campaignOfflineReceiptsAccount, type MoneyPlan } from '@ataa/ledger';
import { OFFLINE_GIFT_METHODS, offlineVoidPurpose, type OfflineGiftMethod } from '@ataa/transparency';
import type { Designation } from '@ataa/campaigns';
import { giftDesignation } from './gift-designation.js';

/**
 * Offline gifts (issue 21, item 5): cash, cheque or bank-transfer gifts the organization received
 * itself and an owner or finance member records. Plain TypeScript: checks the typed facts and plans
 * the journal entry (with its public entry) and the receipt, or the reversing entry of a void.
 *
 * The money never passes through the platform, so it never touches the campaign's `funds` account
 * (what the platform holds on Stripe and pays out): a gift debits the campaign's `offline_receipts`
 * (money the organization holds) and credits its `offline_funds`; a void posts the exact reverse.
 * Reconciliation with Stripe reads only Stripe-sourced kinds, so it never sees them.
 *
 * A gift has a designation by the card gifts' rule (giftDesignation): its postings carry it and its
 * public entry is leaf format 4 with it when the campaign declared designations; a void reverses it
 * in the same designation. Still never payable: `offline_funds` is not `funds`, so a payout's
 * designation availability (the `funds` balance per designation) never counts it.
 */
export { OFFLINE_GIFT_METHODS, type OfflineGiftMethod };

/** The most one offline gift may record, in minor units (a typo guard, far above any real gift). */
export const MAXIMUM_OFFLINE_GIFT = 999_999_999_999n;
/** Longest void reason: the public purpose `void of entry <index>: <reason>` stays within TEXT_LIMITS.payoutPurpose. */
export const OFFLINE_VOID_REASON_MAX = 400;
export const OFFLINE_REFERENCE_MAX = 200;
/**
 * "Not in the future" is judged against the latest calendar date anywhere on Earth (UTC+14), so a
 * gift received today in any time zone is accepted whatever the server's clock zone.
 */
const LATEST_ZONE_MS = 14 * 3600 * 1000;
const EARLIEST_DATE = '2000-01-01';

export interface OfflineGiftFacts {
  /** Our durable id for the gift (uuid), chosen before planning. */
  giftId: string;
  /** The campaign: its currency, and the designations it declared (none: the implicit general). */
  campaign: { id: string; currency: string; designations?: readonly Designation[] };
  /** The designation chosen (absent: the first declared; unknown: 422 unknown_designation). */
  designation?: string | null;
  /** The amount as typed ("1,250.50"; parseTypedAmount), in `currency`. */
  amount: string;
  currency: string;
  /** YYYY-MM-DD, the date the organization received the money. */
  receivedOn: string;
  method: string;
  reference: string;
  anonymous: boolean;
  donorName: string | null;
  donorEmail: string | null;
  message: string | null;
  now: Date;
}

export interface CheckedOfflineGift {
  giftId: string;
  campaignId: string;
  amount: bigint;
  currency: string;
  receivedOn: string;
  method: OfflineGiftMethod;
  reference: string;
  anonymous: boolean;
  donorName: string | null;
  donorEmail: string | null;
  message: string | null;
  /** Null: the campaign declared none (implicit general, format-3 public entry). */
  designation: string | null;
}

function invalid(code: string, message: string, details?: Record<string, unknown>): DomainError {
  return new DomainError(code, message, 400, details);
}

/** The typed amount in minor units: positive, at most the currency's decimals, at most MAXIMUM_OFFLINE_GIFT. */
export function offlineGiftAmount(text: string, currency: string): bigint {
  const trimmed = text.trim();
  if (trimmed.startsWith('-') || trimmed.startsWith('\u2212')) throw invalid('amount_not_positive', 'An offline gift is a positive amount; a gift recorded by mistake is voided instead');
  const typed = parseTypedAmount(trimmed, currency);
  if (!typed.ok) {
    if (typed.problem === 'amount_wrong_precision') throw invalid('amount_wrong_precision', `${currency.toUpperCase()} amounts have at most the currency's decimals`, { currency });
    if (typed.problem === 'amount_ambiguous') throw invalid('amount_ambiguous', `The amount can be read as ${typed.readings[0]} or ${typed.readings[1]}`, { readings: typed.readings });
    throw invalid('amount_invalid', 'The amount must be a number such as 25 or 25.50');
  }
  if (typed.minor <= 0n) throw invalid('amount_not_positive', 'An offline gift is a positive amount');
  if (typed.minor > MAXIMUM_OFFLINE_GIFT) throw invalid('amount_too_large', 'The amount is larger than one offline gift may record');
  return typed.minor;
}

/** The date the money was received: a real calendar date, not in the future, not before 2000. */
export function offlineGiftDate(text: string, now: Date): string {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) throw invalid('received_on_invalid', 'The date received must be a date (YYYY-MM-DD)');
  const date = new Date(`${text}T00:00:00.000Z`);
  if (Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== text) throw invalid('received_on_invalid', 'The date received is not a calendar date');
  const latest = new Date(now.getTime() + LATEST_ZONE_MS).toISOString().slice(0, 10);
  if (text > latest) throw invalid('received_on_in_future', 'The date received cannot be in the future');
  if (text < EARLIEST_DATE) throw invalid('received_on_invalid', `The date received cannot be before ${EARLIEST_DATE}`);
  return text;
}

/** Checks every fact of a gift to record; throws the first problem (a 4xx DomainError). */
export function checkOfflineGift(facts: OfflineGiftFacts): CheckedOfflineGift {
  const currency = facts.currency.trim().toLowerCase();
  if (!/^[a-z]{3}$/.test(currency)) throw invalid('currency_invalid', 'The currency must be a three-letter ISO 4217 code');
  if (currency !== facts.campaign.currency) {
    throw new DomainError('offline_gift_currency_mismatch', `This campaign raises ${facts.campaign.currency.toUpperCase()}: record the gift in that currency (converted by the organization), not ${currency.toUpperCase()}`, 422, {
      campaignCurrency: facts.campaign.currency, currency,
    });
  }
  const amount = offlineGiftAmount(facts.amount, currency);
  const receivedOn = offlineGiftDate(facts.receivedOn, facts.now);
  if (!(OFFLINE_GIFT_METHODS as readonly string[]).includes(facts.method)) throw invalid('method_invalid', `The method must be one of ${OFFLINE_GIFT_METHODS.join(', ')}`);
  const designation = giftDesignation({ designations: facts.campaign.designations ?? [] }, facts.designation);
  const reference = requireUserText('reference', facts.reference, { max: OFFLINE_REFERENCE_MAX, min: 1 });
  const donorName = facts.anonymous ? optionalUserText('donorName', facts.donorName, { max: TEXT_LIMITS.donorName }) : requireUserText('donorName', facts.donorName ?? '', { max: TEXT_LIMITS.donorName, min: 1 });
  const message = optionalUserText('message', facts.message, { max: TEXT_LIMITS.publicMessage, multiline: true });
  const email = facts.donorEmail === null ? null : facts.donorEmail.trim().toLowerCase() || null;
  if (email !== null && (email.length > 254 || !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email))) throw invalid('donor_email_invalid', 'The donor e-mail is not an address');
  return {
    giftId: facts.giftId, campaignId: facts.campaign.id, amount, currency, receivedOn, method: facts.method as OfflineGiftMethod, reference,
    anonymous: facts.anonymous, donorName, donorEmail: email, message, designation,
  };
}

/**
 * The plan of a checked gift: one `offline_gift` journal entry (offline_receipts debit, offline_funds
 * credit) showing publicly as an `offline_gift` (the method as its purpose; the donor's name and
 * message committed as a card gift's; "Anonymous" when anonymous, whatever name the organization
 * kept), and the receipt when the donor gave an e-mail.
 */
export function planOfflineGift(gift: CheckedOfflineGift, now: Date): MoneyPlan {
  return {
    entries: [{
      input: {
        kind: 'offline_gift', sourceId: `offline_gift:${gift.giftId}`, campaignId: gift.campaignId, currency: gift.currency, occurredAt: now,
        postings: [
          { account: campaignOfflineReceiptsAccount(gift.campaignId), amount: gift.amount },
          { account: campaignOfflineFundsAccount(gift.campaignId), amount: -gift.amount },
        ],
        memo: `offline gift (${gift.method}) received ${gift.receivedOn}`,
        metadata: { offlineGiftId: gift.giftId, method: gift.method, receivedOn: gift.receivedOn },
        ...(gift.designation ? { designation: gift.designation } : {}),
      },
      public: {
        campaignId: gift.campaignId, kind: 'offline_gift', amount: gift.amount, currency: gift.currency, occurredAt: now,
        donorDisplayName: gift.anonymous ? null : gift.donorName, donorCommitment: null, publicMessage: gift.message, payoutPurpose: gift.method,
        designation: gift.designation,
      },
    }],
    outbox: gift.donorEmail ? [{ kind: 'offline_receipt', aggregateId: gift.giftId }] : [],
  };
}

export interface RecordedOfflineGift {
  id: string;
  campaignId: string;
  amount: bigint;
  currency: string;
  publicIndex: number | null;
  voidedAt: Date | null;
  /** The gift's designation (null: none declared); its void reverses it there. */
  designation?: string | null;
}

/** The void's reason under the text policy (it is published). */
export function offlineVoidReason(text: string): string {
  return requireUserText('reason', text, { max: OFFLINE_VOID_REASON_MAX, min: 1 });
}

/**
 * The reversing entry of a recorded gift: the exact reverse postings, public as an
 * `offline_gift_void` of the gift's amount naming its entry and the reason, in the gift's designation.
 * A gift is voided once.
 */
export function planOfflineGiftVoid(gift: RecordedOfflineGift, reason: string, now: Date): MoneyPlan {
  if (gift.voidedAt !== null) throw new DomainError('offline_gift_already_voided', 'This offline gift was already voided', 409);
  if (gift.publicIndex === null) throw new Error(`offline gift ${gift.id} has no public entry`);
  return {
    entries: [{
      input: {
        kind: 'offline_gift_void', sourceId: `offline_gift:${gift.id}`, campaignId: gift.campaignId, currency: gift.currency, occurredAt: now,
        postings: [
          { account: campaignOfflineReceiptsAccount(gift.campaignId), amount: -gift.amount },
          { account: campaignOfflineFundsAccount(gift.campaignId), amount: gift.amount },
        ],
        memo: 'offline gift voided',
        metadata: { offlineGiftId: gift.id, reason },
        ...(gift.designation ? { designation: gift.designation } : {}),
      },
      public: {
        campaignId: gift.campaignId, kind: 'offline_gift_void', amount: -gift.amount, currency: gift.currency, occurredAt: now,
        donorDisplayName: null, donorCommitment: null, publicMessage: null, payoutPurpose: offlineVoidPurpose(gift.publicIndex, reason),
        designation: gift.designation ?? null,
      },
    }],
    outbox: [],
  };
}
