import { Inject, Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { DomainError, sanitizeStoredText, TEXT_LIMITS } from '@ataa/common';
import { AppConfig } from '@ataa/config';
import { randomBytes } from 'node:crypto';
import { CHECKPOINT_SIGNER } from './checkpoint-signer.provider.js';
import {
  parseEvidencePurpose,
  ANONYMOUS, appendToFrontier, campaignOrigin, type CheckpointSigner, signCheckpoint, canonicalJson, commitPersonal, COMMITTED_LEAF_VERSION, DESIGNATED_LEAF_VERSION, isCommittedFormat, isDrawList, isPartList, isGiftReferenceKind, giftReferencePurpose, SPLIT_LEAF_VERSION, type PayoutDraw, type PayoutPart, PERSONAL_FIELDS, decodeFrontier, emptyRoot, encodeFrontier, isStoredNode, isTermChangeList, KIND_SIGN, monthOf,
  PUBLIC_ENTRY_KINDS, PublicEntryKind, PublicLeaf, publicDonorIdentity, publicLeafHash, TermChange,
} from './domain/index.js';
import { LogState, NewEntryRow, PublicLedgerRepository } from './persistence/public-ledger.repository.js';

type NewNode = { level: number; index: number; hash: Buffer };

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
  /**
   * The designation (restricted fund) the entry moves: set, the leaf is format 4 and commits to it;
   * null or absent, format 3 as before (a campaign that declared no designation).
   */
  designation?: string | null;
  /** A format-4 `payout` only: the gifts it drew from, first in first out within its designation. */
  draws?: PayoutDraw[] | null;
  /**
   * A `payout` or `payout_reversal` of a payout split across designations: its parts (leaf format 5;
   * `designation` and `draws` then stay unset), the payout's with their draws.
   */
  parts?: PayoutPart[] | null;
  /**
   * A refund, dispute or dispute reversal: the gift it concerns, by its public index or (a gift
   * appended in the same call) by its position among the inputs; `refunded` (refunds): the gift
   * amount refunded. The appender writes it as the entry's purpose (`giftReferencePurpose`).
   */
  gift?: GiftRef | null;
}

/** The gift a refund or dispute names: known index, or an earlier input of the same append. */
export type GiftRef = ({ index: number } | { input: number }) & { refunded?: bigint };

export interface AppendedEntry {
  index: number;
  /** Hex SHA-256 leaf hash. */
  leafHash: string;
  /** False when (sourceRef, kind) had already been appended: the existing entry is returned. */
  created: boolean;
}

/**
 * Appends public entries to a campaign's Merkle log, inside the caller's transaction (the one that
 * posts the ledger entry), so the public ledger can never miss or invent a posting, and stores the
 * signed checkpoint of every size the log grows to with it. O(log n): the
 * log row holds the frontier; only the nodes this leaf completes are written (from level
 * STORED_NODE_MIN_LEVEL up: proofs hash the lower ones from their leaves).
 */
@Injectable()
export class PublicLedgerAppender {
  /** Witnesses configured: each append also queues the grown logs for them (in the same statement). */
  private readonly witnessed: boolean;

  constructor(
    private readonly repository: PublicLedgerRepository,
    private readonly config: AppConfig,
    @Inject(CHECKPOINT_SIGNER) private readonly signer: CheckpointSigner,
  ) {
    this.witnessed = config.TRANSPARENCY_WITNESSES.length > 0;
  }

  async append(manager: EntityManager, input: PublicEntryInput): Promise<AppendedEntry> {
    const [appended] = await this.appendMany(manager, [input]);
    return appended;
  }

  /**
   * Appends several entries in the caller's transaction, in the order given: per campaign, one log
   * lock (campaigns locked in id order, so concurrent batches cannot deadlock), k leaves folded into
   * the frontier in memory, and one multi-row write for all campaigns (entries, nodes, totals,
   * donors, log heads). The leaves, their indexes and the roots are exactly those that appending the
   * same entries one at a time gives.
   */
  async appendMany(manager: EntityManager, inputs: readonly PublicEntryInput[]): Promise<AppendedEntry[]> {
    if (inputs.length === 0) return [];
    const checked = inputs.map((input) => this.validate(input));
    const firstOf = new Map<string, string>();
    for (const i of inputs) if (!firstOf.has(i.campaignId)) firstOf.set(i.campaignId, i.currency);
    const logs = await this.repository.lockLogs(manager, [...firstOf].map(([campaignId, currency]) => ({ campaignId, currency })), emptyRoot());
    const existing = await this.repository.findManyBySource(manager, inputs.map((i) => ({ campaignId: i.campaignId, sourceRef: i.sourceRef, kind: i.kind })));
    const results: AppendedEntry[] = new Array(inputs.length);
    const work = new Map<string, { log: LogState; frontier: Buffer[]; size: number; balance: bigint; root: Buffer; rows: NewEntryRow[]; nodes: NewNode[]; donors: Set<string>; anonymous: number }>();
    const seen = new Set<string>();
    for (const [i, input] of inputs.entries()) {
      const key = `${input.campaignId}\u0000${input.sourceRef}\u0000${input.kind}`;
      const found = existing.get(key);
      if (found) {
        results[i] = { index: found.index, leafHash: found.leafHash.toString('hex'), created: false };
        continue;
      }
      if (seen.has(key)) throw new DomainError('public_entry_invalid', `public entry ${input.kind} for ${input.sourceRef} appears twice in one batch`, 400);
      seen.add(key);
      const log = logs.get(input.campaignId)!;
      if (log.currency !== input.currency) {
        throw new DomainError('public_entry_currency_mismatch', `this campaign's public ledger is in ${log.currency}, not ${input.currency}`, 409);
      }
      let w = work.get(input.campaignId);
      if (!w) {
        w = { log, frontier: decodeFrontier(log.frontier), size: log.size, balance: log.balance, root: log.rootHash, rows: [], nodes: [], donors: new Set(), anonymous: 0 };
        work.set(input.campaignId, w);
      }
      const index = w.size;
      const balance = w.balance + input.amount;
      const time = input.occurredAt.toISOString();
      const terms = input.kind === 'terms_changed' ? input.terms! : null;
      if (input.gift) checked[i] = { ...checked[i], purpose: this.giftPurpose(input, inputs, results) };
      const { leaf, committed } = this.leafOf(input, index, time, balance, terms, checked[i], this.drawSalts(input.campaignId, index));
      const { donor, message, purpose } = checked[i];
      const hash = publicLeafHash(leaf);
      const appended = appendToFrontier(w.frontier, index, hash);
      w.frontier = appended.frontier;
      w.root = appended.root;
      w.size = index + 1;
      w.balance = balance;
      w.nodes.push(...appended.newNodes.filter(isStoredNode));
      const identity = input.kind === 'donation' ? publicDonorIdentity({ donor, donorCommitment: leaf.donorCommitment }) : null;
      if (identity !== null) w.donors.add(identity);
      else if (input.kind === 'donation') w.anonymous++;
      w.rows.push({
        campaignId: input.campaignId, index, occurredAt: input.occurredAt, month: monthOf(time), kind: input.kind, amount: input.amount,
        currency: input.currency, donorName: donor, donorCommitment: input.donorCommitment ?? null, publicMessage: message,
        payoutPurpose: purpose, balance, leafHash: hash, sourceRef: input.sourceRef, terms: terms ? canonicalJson(terms) : null,
        leafFormat: isCommittedFormat(leaf.v) ? leaf.v : null, ...committed,
        designation: leaf.designation ?? null, draws: leaf.draws ? canonicalJson(leaf.draws) : null, parts: leaf.parts ? canonicalJson(leaf.parts) : null,
      });
      results[i] = { index, leafHash: hash.toString('hex'), created: true };
    }
    if (work.size > 0) {
      await this.repository.insertAppendedMany(manager, [...work.values()].map((w) => ({
        campaignId: w.log.campaignId, previousSize: w.log.size, entries: w.rows, nodes: w.nodes, donorNames: [...w.donors], anonymousGifts: w.anonymous,
        state: { size: w.size, rootHash: w.root, frontier: encodeFrontier(w.frontier), balance: w.balance },
        // Signed here, stored with the head it signs: a read never has to sign (and write) one, and a
        // replica that has the head has its checkpoint. One Ed25519 signature per campaign per batch.
        checkpoint: {
          keyName: this.signer.keyName,
          note: signCheckpoint({ origin: campaignOrigin(this.config.TRANSPARENCY_ORIGIN, w.log.campaignId), size: w.size, rootHash: w.root }, this.signer),
        },
      })), this.witnessed);
    }
    return results;
  }

  /** The purpose of a refund/dispute naming its gift: the gift's index, resolved when it is appended in the same call. */
  private giftPurpose(input: PublicEntryInput, inputs: readonly PublicEntryInput[], results: readonly AppendedEntry[]): string {
    const ref = input.gift!;
    let index: number;
    if ('input' in ref) {
      const target = inputs[ref.input];
      if (!target || ref.input >= inputs.indexOf(input) || target.kind !== 'donation' || target.campaignId !== input.campaignId || !results[ref.input]) {
        throw new DomainError('public_entry_invalid', 'a refund or dispute names an earlier gift of its campaign', 400);
      }
      index = results[ref.input].index;
    } else {
      index = ref.index;
    }
    return giftReferencePurpose(input.kind as 'refund' | 'dispute' | 'dispute_reversal', index, ref.refunded);
  }

  /**
   * 32 random bytes per personal field (PERSONAL_FIELDS order) for the entry at `index`: the salts of
   * its commitments. A method of its own so that a test comparing two runs byte for byte (batched
   * settlement against one event at a time) can make them deterministic; nothing else overrides it.
   */
  protected drawSalts(_campaignId: string, _index: number): Buffer {
    return randomBytes(32 * PERSONAL_FIELDS.length);
  }

  /**
   * The leaf of a new entry: format 3, the personal fields committed (SHA-256(salt || value), a salt
   * of its own each: `salts` holds 32 bytes per personal field), and the commitments and salts to
   * store beside it. A method of its own so the transparency benchmark can measure format-1 leaves
   * (what every entry was before) against format-3 ones in one run; nothing else changes it.
   */
  protected leafOf(
    input: PublicEntryInput, index: number, time: string, balance: bigint, terms: TermChange[] | null,
    checked: { donor: string | null; message: string | null; purpose: string | null }, salts: Buffer,
  ): { leaf: PublicLeaf; committed: Pick<NewEntryRow, 'donorHash' | 'donorSalt' | 'messageHash' | 'messageSalt'> } {
    const donor = commitPersonal('donor', checked.donor, salts.subarray(0, 32));
    const message = commitPersonal('message', checked.message, salts.subarray(32, 64));
    const designated = typeof input.designation === 'string';
    const split = Array.isArray(input.parts);
    const leaf: PublicLeaf = {
      v: split ? SPLIT_LEAF_VERSION : designated ? DESIGNATED_LEAF_VERSION : COMMITTED_LEAF_VERSION,
      campaign: input.campaignId,
      index,
      time,
      kind: input.kind,
      amount: input.amount.toString(),
      currency: input.currency,
      donorHash: donor ? donor.hash.toString('hex') : null,
      donorCommitment: input.donorCommitment ?? null,
      messageHash: message ? message.hash.toString('hex') : null,
      purpose: checked.purpose,
      balance: balance.toString(),
      ...(terms ? { terms } : {}),
      ...(designated ? { designation: input.designation! } : {}),
      ...(designated && input.kind === 'payout' ? { draws: input.draws ?? [] } : {}),
      ...(split ? { parts: input.parts! } : {}),
    };
    return { leaf, committed: { donorHash: donor?.hash ?? null, donorSalt: donor?.salt ?? null, messageHash: message?.hash ?? null, messageSalt: message?.salt ?? null } };
  }

  private validate(input: PublicEntryInput): { donor: string | null; message: string | null; purpose: string | null } {
    const fail = (message: string) => new DomainError('public_entry_invalid', message, 400);
    if (!PUBLIC_ENTRY_KINDS.includes(input.kind)) throw fail(`unknown public entry kind ${String(input.kind)}`);
    if (input.kind === 'terms_changed') {
      if (input.amount !== 0n) throw fail('a terms_changed entry moves no money: its amount is 0');
      if (!isTermChangeList(input.terms)) throw fail('a terms_changed entry needs its changes (field, from, to), each term once');
      if (input.donorDisplayName || input.donorCommitment || input.publicMessage || input.payoutPurpose) throw fail('a terms_changed entry carries no donor, message or purpose');
    } else if (input.kind === 'evidence') {
      if (input.terms != null) throw fail('only a terms_changed entry carries terms');
      if (input.amount !== 0n) throw fail('an evidence entry moves no money: its amount is 0');
      if (!parseEvidencePurpose(input.payoutPurpose)) throw fail('an evidence entry names its payout entry and file: evidence for entry <index>: sha256 <hex> <type> <bytes>');
      if (input.donorDisplayName || input.donorCommitment || input.publicMessage) throw fail('an evidence entry carries no donor or message');
    } else {
      if (input.terms != null) throw fail('only a terms_changed entry carries terms');
      if (typeof input.amount !== 'bigint' || input.amount === 0n) throw fail('amount must be a non-zero bigint');
      if ((input.amount > 0n ? 1 : -1) !== KIND_SIGN[input.kind]) throw fail(`a ${input.kind} must be ${KIND_SIGN[input.kind] > 0 ? 'positive' : 'negative'} for the campaign`);
    }
    if (input.designation != null) {
      if (typeof input.designation !== 'string' || !/^[a-z0-9]+(-[a-z0-9]+)*$/.test(input.designation) || input.designation.length > 40) throw fail('a designation is a code of lower-case letters, digits and hyphens');
      if (input.kind === 'terms_changed' || input.kind === 'evidence') throw fail(`a ${input.kind} entry moves no designation`);
    }
    if (input.draws != null) {
      if (input.kind !== 'payout' || input.designation == null) throw fail('only a designated payout lists the gifts it drew from');
      if (!isDrawList(input.draws)) throw fail('draws must list gift indexes in increasing order with positive amounts');
      if (input.draws.reduce((sum, d) => sum + BigInt(d.amount), 0n) !== -input.amount) throw fail('a payout draws exactly its amount from its gifts');
    }
    if (input.parts != null) {
      if (input.kind !== 'payout' && input.kind !== 'payout_reversal') throw fail('only a payout or its reversal is split into parts');
      if (input.designation != null || input.draws != null) throw fail('a split payout names its designations and draws in its parts');
      if (!isPartList(input.parts, input.kind === 'payout')) throw fail('parts must list distinct designations in order with positive amounts (a payout\'s with draws adding up to each)');
      if (input.parts.reduce((sum, p) => sum + BigInt(p.amount), 0n) !== (input.amount < 0n ? -input.amount : input.amount)) throw fail('the parts add up to the entry\'s amount');
    }
    if (input.gift != null) {
      if (!isGiftReferenceKind(input.kind)) throw fail('only a refund or dispute names its gift');
      if (input.payoutPurpose) throw fail('an entry naming its gift carries no other purpose');
      if ('index' in input.gift && (!Number.isSafeInteger(input.gift.index) || input.gift.index < 0)) throw fail('a gift index is a non-negative integer');
      if (input.kind === 'refund' && (typeof input.gift.refunded !== 'bigint' || input.gift.refunded < -input.amount)) throw fail('a refund names the gift amount refunded (at least the entry\'s)');
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
    const donor = name ?? (input.kind === 'donation' || input.kind === 'offline_gift' ? ANONYMOUS : null);
    return { donor, message: sanitizeStoredText(input.publicMessage, TEXT_LIMITS.publicMessage, true), purpose: sanitizeStoredText(input.payoutPurpose, TEXT_LIMITS.payoutPurpose) };
  }
}
