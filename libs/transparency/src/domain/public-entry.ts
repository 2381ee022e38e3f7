import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { canonicalJsonBytes } from './canonical-json.js';
import { leafHash } from './merkle.js';

/** Kinds that move money: every one is a journal entry's public face. */
export const MONEY_ENTRY_KINDS = ['donation', 'fee', 'platform_fee', 'refund', 'dispute', 'dispute_reversal', 'payout', 'payout_reversal'] as const;
export type MoneyEntryKind = (typeof MONEY_ENTRY_KINDS)[number];
/**
 * `terms_changed`: a change to a live campaign's terms (goal, dates, funding model), amount 0, the
 * changes committed in the leaf's `terms` field (leaf format 2). It moves no money and counts in no
 * total but the number of entries.
 */
export const PUBLIC_ENTRY_KINDS = [...MONEY_ENTRY_KINDS, 'terms_changed'] as const;
export type PublicEntryKind = (typeof PUBLIC_ENTRY_KINDS)[number];

/** Money into the campaign is positive, money out negative; each kind has one direction (0: no money). */
export const KIND_SIGN: Readonly<Record<PublicEntryKind, 1 | -1 | 0>> = {
  donation: 1, fee: -1, platform_fee: -1, refund: -1, dispute: -1, dispute_reversal: 1, payout: -1, payout_reversal: 1, terms_changed: 0,
};

export function isMoneyKind(kind: string): kind is MoneyEntryKind {
  return (MONEY_ENTRY_KINDS as readonly string[]).includes(kind);
}

export const ANONYMOUS = 'Anonymous';
/** Leaf format of money entries (unchanged since the first entry). */
export const LEAF_VERSION = 1;
/** Leaf format 2 = format 1 plus `terms`; used by `terms_changed` entries only. */
export const TERMS_LEAF_VERSION = 2;

/** The campaign terms a public entry may record a change of. */
export const TERM_FIELDS = ['goal', 'fundingModel', 'startsAt', 'endsAt'] as const;
export type TermField = (typeof TERM_FIELDS)[number];

/**
 * One change of a term: amounts as strings of digits in minor units, dates as ISO 8601 UTC
 * (`Date#toISOString`), null for "none" (no end date).
 */
export interface TermChange {
  field: TermField;
  from: string | null;
  to: string | null;
}

/** Whether `value` is a well-formed, non-empty list of term changes, each field once, in TERM_FIELDS order. */
export function isTermChangeList(value: unknown): value is TermChange[] {
  if (!Array.isArray(value) || value.length === 0 || value.length > TERM_FIELDS.length) return false;
  let last = -1;
  for (const item of value) {
    if (typeof item !== 'object' || item === null || Array.isArray(item)) return false;
    const keys = Object.keys(item).sort().join(',');
    if (keys !== 'field,from,to') return false;
    const { field, from, to } = item as Record<string, unknown>;
    const position = (TERM_FIELDS as readonly unknown[]).indexOf(field);
    if (position <= last) return false;
    last = position;
    for (const v of [from, to]) if (v !== null && (typeof v !== 'string' || v.length === 0 || v.length > 64)) return false;
    if (from === to) return false;
  }
  return true;
}

/**
 * One public ledger entry exactly as it is hashed into the Merkle log. Everything is public and
 * nothing identifies a person who asked to stay anonymous: no e-mails, no Stripe or card details.
 * Amounts are signed strings of digits in the currency's minor unit, from the campaign's view.
 */
export interface PublicLeaf {
  v: number;
  campaign: string;
  index: number;
  time: string;
  kind: PublicEntryKind;
  amount: string;
  currency: string;
  donor: string | null;
  donorCommitment: string | null;
  message: string | null;
  purpose: string | null;
  balance: string;
  /** Leaf format 2 only (`terms_changed`): the changes. Absent, not null, from format-1 leaves. */
  terms?: TermChange[];
}

/** The hashed fields of a format-1 leaf (every money entry). */
export const LEAF_FIELDS: readonly (keyof PublicLeaf)[] = ['v', 'campaign', 'index', 'time', 'kind', 'amount', 'currency', 'donor', 'donorCommitment', 'message', 'purpose', 'balance'];
/** The hashed fields of a format-2 leaf: format 1 plus `terms`. */
export const LEAF_FIELDS_V2: readonly (keyof PublicLeaf)[] = [...LEAF_FIELDS, 'terms'];

/**
 * Picks exactly the hashed fields from a served entry (which may carry more, e.g. leafHash): the
 * format-1 fields, plus `terms` when the entry says it is format 2. A format-1 leaf hashes exactly
 * as it always did.
 */
export function toLeaf(entry: object): PublicLeaf {
  const leaf: Record<string, unknown> = {};
  const source = entry as Record<string, unknown>;
  const fields = source.v === TERMS_LEAF_VERSION ? LEAF_FIELDS_V2 : LEAF_FIELDS;
  for (const field of fields) leaf[field] = source[field] === undefined ? null : source[field];
  return leaf as unknown as PublicLeaf;
}

/** A term change in words (English), for logs, CSV and the verifier's messages. */
export function describeTermChange(change: TermChange): string {
  return `${change.field} changed from ${change.from ?? 'none'} to ${change.to ?? 'none'}`;
}

export function leafBytes(leaf: PublicLeaf): Buffer {
  return canonicalJsonBytes(toLeaf(leaf));
}

export function publicLeafHash(leaf: PublicLeaf): Buffer {
  return leafHash(leafBytes(leaf));
}

/** The origin line of a campaign's checkpoints: names the log, so a checkpoint of another campaign fails. */
export function campaignOrigin(platformOrigin: string, campaignId: string): string {
  return `${platformOrigin}/campaigns/${campaignId}`;
}

const COMMITMENT_DOMAIN = Buffer.from('ataa/donor-commitment/v1', 'utf8');

function lengthPrefixed(bytes: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(bytes.length);
  return Buffer.concat([length, bytes]);
}

/**
 * Salted commitment to a donor's name: SHA-256(domain || 0x00 || len(salt) || salt || len(name) || name),
 * lengths as 4-byte big-endian. Public: the hex commitment. In the donor's receipt: the salt.
 */
export function donorCommitment(saltHex: string, name: string): string {
  if (!/^[0-9a-f]{64}$/.test(saltHex)) throw new RangeError('commitment salt must be 32 bytes of lower-case hex');
  return createHash('sha256')
    .update(COMMITMENT_DOMAIN)
    .update(Buffer.from([0]))
    .update(lengthPrefixed(Buffer.from(saltHex, 'hex')))
    .update(lengthPrefixed(Buffer.from(name.normalize('NFC'), 'utf8')))
    .digest('hex');
}

export function createDonorCommitment(name: string): { salt: string; commitment: string } {
  const salt = randomBytes(32).toString('hex');
  return { salt, commitment: donorCommitment(salt, name) };
}

export function verifyDonorCommitment(saltHex: string, name: string, commitmentHex: string): boolean {
  if (!/^[0-9a-f]{64}$/.test(commitmentHex)) return false;
  return timingSafeEqual(Buffer.from(donorCommitment(saltHex, name), 'hex'), Buffer.from(commitmentHex, 'hex'));
}

/** The public identity a gift counts under in the donor total: the name, or null for an anonymous gift. */
export function publicDonorIdentity(leaf: Pick<PublicLeaf, 'donor' | 'donorCommitment'>): string | null {
  return leaf.donorCommitment !== null || leaf.donor === null || leaf.donor === ANONYMOUS ? null : leaf.donor;
}
