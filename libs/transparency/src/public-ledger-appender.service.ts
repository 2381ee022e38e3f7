import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { DomainError, sanitizeStoredText, TEXT_LIMITS } from '@ataa/common';
import {
  ANONYMOUS, appendToFrontier, canonicalJson, decodeFrontier, emptyRoot, encodeFrontier, isTermChangeList, KIND_SIGN, LEAF_VERSION, monthOf,
  PUBLIC_ENTRY_KINDS, PublicEntryKind, PublicLeaf, publicDonorIdentity, publicLeafHash, TermChange, TERMS_LEAF_VERSION,
} from './domain/index.js';
import { PublicLedgerRepository } from './persistence/public-ledger.repository.js';

/** What the ledger hands over for each posting that concerns a campaign (contract 4). */
export interface PublicEntryInput {
  campaignId: string;
  kind: PublicEntryKind;
  /** Signed minor units from the campaign's point of view: gifts positive, fees/refunds/payouts negative. */
  amount: bigint;
  currency: string;
  occurredAt: Date;
  /** The donor's public name; null for an anonymous gift (shown as "Anonymous"). */
  donorDisplayName: string | null;
  /** Hex SHA-256 salted commitment (`donorCommitment(salt, name)`) for anonymous gifts; null otherwise. */
  donorCommitment: string | null;
  publicMessage: string | null;
  payoutPurpose: string | null;
  /** The journal entry id (for a term change, the campaign version): the same (sourceRef, kind) is appended at most once. */
  sourceRef: string;
  /** `terms_changed` only (amount 0, no donor, message or purpose): the changes, committed in the leaf. */
  terms?: TermChange[] | null;
}

export interface AppendedEntry {
  index: number;
  /** Hex SHA-256 leaf hash. */
  leafHash: string;
  /** False when (sourceRef, kind) had already been appended: the existing entry is returned. */
  created: boolean;
}

/**
 * Appends public entries to a campaign's Merkle log, inside the caller's transaction (the one that
 * posts the ledger entry), so the public ledger can never miss or invent a posting. O(log n): the
 * log row holds the frontier; only the nodes this leaf completes are written.
 */
@Injectable()
export class PublicLedgerAppender {
  constructor(private readonly repository: PublicLedgerRepository) {}

  async append(manager: EntityManager, input: PublicEntryInput): Promise<AppendedEntry> {
    const checked = this.validate(input);
    const log = await this.repository.lockLog(manager, input.campaignId, input.currency, emptyRoot());
    const existing = await this.repository.findBySource(manager, input.campaignId, input.sourceRef, input.kind);
    if (existing) return { index: existing.index, leafHash: existing.leafHash.toString('hex'), created: false };
    if (log.currency !== input.currency) {
      throw new DomainError('public_entry_currency_mismatch', `this campaign's public ledger is in ${log.currency}, not ${input.currency}`, 409);
    }
    const index = log.size;
    const balance = log.balance + input.amount;
    const time = input.occurredAt.toISOString();
    const terms = input.kind === 'terms_changed' ? input.terms! : null;
    const leaf: PublicLeaf = {
      v: terms ? TERMS_LEAF_VERSION : LEAF_VERSION,
      campaign: input.campaignId,
      index,
      time,
      kind: input.kind,
      amount: input.amount.toString(),
      currency: input.currency,
      donor: checked.donor,
      donorCommitment: input.donorCommitment ?? null,
      message: checked.message,
      purpose: checked.purpose,
      balance: balance.toString(),
      ...(terms ? { terms } : {}),
    };
    const hash = publicLeafHash(leaf);
    const appended = appendToFrontier(decodeFrontier(log.frontier), log.size, hash);
    const identity = input.kind === 'donation' ? publicDonorIdentity(leaf) : null;
    await this.repository.insertAppended(
      manager,
      {
        campaignId: input.campaignId, index, occurredAt: input.occurredAt, month: monthOf(time), kind: input.kind, amount: input.amount,
        currency: input.currency, donorName: checked.donor, donorCommitment: input.donorCommitment ?? null, publicMessage: checked.message,
        payoutPurpose: checked.purpose, balance, leafHash: hash, sourceRef: input.sourceRef, terms: terms ? canonicalJson(terms) : null,
      },
      appended.newNodes,
      { size: index + 1, rootHash: appended.root, frontier: encodeFrontier(appended.frontier), balance },
      { name: identity, anonymousGift: input.kind === 'donation' && identity === null },
    );
    return { index, leafHash: hash.toString('hex'), created: true };
  }

  private validate(input: PublicEntryInput): { donor: string | null; message: string | null; purpose: string | null } {
    const fail = (message: string) => new DomainError('public_entry_invalid', message, 400);
    if (!PUBLIC_ENTRY_KINDS.includes(input.kind)) throw fail(`unknown public entry kind ${String(input.kind)}`);
    if (input.kind === 'terms_changed') {
      if (input.amount !== 0n) throw fail('a terms_changed entry moves no money: its amount is 0');
      if (!isTermChangeList(input.terms)) throw fail('a terms_changed entry needs its changes (field, from, to), each term once');
      if (input.donorDisplayName || input.donorCommitment || input.publicMessage || input.payoutPurpose) throw fail('a terms_changed entry carries no donor, message or purpose');
    } else {
      if (input.terms != null) throw fail('only a terms_changed entry carries terms');
      if (typeof input.amount !== 'bigint' || input.amount === 0n) throw fail('amount must be a non-zero bigint');
      if ((input.amount > 0n ? 1 : -1) !== KIND_SIGN[input.kind]) throw fail(`a ${input.kind} must be ${KIND_SIGN[input.kind] > 0 ? 'positive' : 'negative'} for the campaign`);
    }
    if (!/^[a-z]{3}$/.test(input.currency)) throw fail('currency must be lower-case ISO 4217');
    if (!(input.occurredAt instanceof Date) || Number.isNaN(input.occurredAt.getTime())) throw fail('occurredAt must be a valid date');
    if (!input.sourceRef || input.sourceRef.length > 200) throw fail('sourceRef is required');
    if (input.donorCommitment !== null && input.donorCommitment !== undefined) {
      if (!/^[0-9a-f]{64}$/.test(input.donorCommitment)) throw fail('donorCommitment must be 64 lower-case hex digits');
      if (input.donorDisplayName) throw fail('an entry with a donor commitment is anonymous and carries no name');
    }
    // Public free text under the platform's text policy, with the limits the forms and DTOs use.
    // Posting must never fail on what a donor typed (the gift is paid by then): text that older code
    // let through is cleaned and cut to the limit rather than refused. Empty becomes null.
    const name = sanitizeStoredText(input.donorDisplayName, TEXT_LIMITS.donorName);
    const donor = name ?? (input.kind === 'donation' ? ANONYMOUS : null);
    return { donor, message: sanitizeStoredText(input.publicMessage, TEXT_LIMITS.publicMessage, true), purpose: sanitizeStoredText(input.payoutPurpose, TEXT_LIMITS.payoutPurpose) };
  }
}
