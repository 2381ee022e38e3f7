import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { canonicalJsonBytes } from './canonical-json.js';
import { leafHash } from './merkle.js';

/** Kinds that move money: every one is a journal entry's public face. */
export const MONEY_ENTRY_KINDS = ['donation', 'fee', 'platform_fee', 'refund', 'dispute', 'dispute_reversal', 'payout', 'payout_reversal', 'offline_gift', 'offline_gift_void'] as const;
export type MoneyEntryKind = (typeof MONEY_ENTRY_KINDS)[number];
/**
 * `terms_changed`: a change to a live campaign's terms (goal, dates, funding model), amount 0, the
 * changes committed in the leaf's `terms` field (leaf format 2). It moves no money and counts in no
 * total but the number of entries.
 */
export const PUBLIC_ENTRY_KINDS = [...MONEY_ENTRY_KINDS, 'terms_changed', 'evidence'] as const;
export type PublicEntryKind = (typeof PUBLIC_ENTRY_KINDS)[number];

/** Money into the campaign is positive, money out negative; each kind has one direction (0: no money). */
export const KIND_SIGN: Readonly<Record<PublicEntryKind, 1 | -1 | 0>> = {
  donation: 1, fee: -1, platform_fee: -1, refund: -1, dispute: -1, dispute_reversal: 1, payout: -1, payout_reversal: 1, terms_changed: 0,
  offline_gift: 1, offline_gift_void: -1, evidence: 0,
};

/**
 * `evidence` (issue 21, item 3): a spending evidence file (invoice, photo, report) the organization
 * made public for a payout, amount 0, leaf format 3. Its `purpose` names the payout's entry and
 * commits to the file: `evidence for entry <index>: sha256 <64 hex> <media type> <bytes>`, so the
 * file served later must hash to what the signed log holds (it cannot be swapped). The title and
 * the file stay beside the log (files can be large; a title is the organization's words).
 */
export const EVIDENCE_MEDIA_TYPES = ['application/pdf', 'image/jpeg', 'image/png', 'image/webp'] as const;
export type EvidenceMediaType = (typeof EVIDENCE_MEDIA_TYPES)[number];

export interface EvidenceReference {
  /** The public index of the payout entry the file evidences. */
  index: number;
  sha256: string;
  mediaType: EvidenceMediaType;
  bytes: number;
}

export function evidencePurpose(e: EvidenceReference): string {
  return `evidence for entry ${e.index}: sha256 ${e.sha256} ${e.mediaType} ${e.bytes}`;
}

const EVIDENCE_EXTENSIONS: Readonly<Record<EvidenceMediaType, string>> = { 'application/pdf': 'pdf', 'image/jpeg': 'jpg', 'image/png': 'png', 'image/webp': 'webp' };

/** The public path of an evidence file: named by its hash, so the address itself says what the bytes must hash to. */
export function evidenceFilePath(e: Pick<EvidenceReference, 'sha256' | 'mediaType'>): string {
  return `/media/evidence/${e.sha256}.${EVIDENCE_EXTENSIONS[e.mediaType]}`;
}

/** Reads an evidence entry's purpose; null when it is not of that form. */
export function parseEvidencePurpose(purpose: unknown): EvidenceReference | null {
  if (typeof purpose !== 'string') return null;
  const match = /^evidence for entry (0|[1-9]\d{0,14}): sha256 ([0-9a-f]{64}) (\S+) ([1-9]\d{0,12})$/.exec(purpose);
  if (!match || !(EVIDENCE_MEDIA_TYPES as readonly string[]).includes(match[3])) return null;
  return { index: Number(match[1]), sha256: match[2], mediaType: match[3] as EvidenceMediaType, bytes: Number(match[4]) };
}

/**
 * Offline gifts (issue 21): cash, cheque or bank-transfer gifts the organization recorded itself.
 * They are **recorded by the organization, not verified by the payment processor**: every page,
 * export and verifier says so beside them, and the report shows them apart from card gifts.
 * - `offline_gift`: positive; `purpose` is the method (one of OFFLINE_GIFT_METHODS); donor and message
 *   committed like a card gift's (format 3).
 * - `offline_gift_void`: negative, the exact amount of one earlier `offline_gift` of the log, which
 *   it reverses (a gift is never edited or deleted); `purpose` is `void of entry <index>: <reason>`.
 */
export const OFFLINE_ENTRY_KINDS = ['offline_gift', 'offline_gift_void'] as const;
export const OFFLINE_GIFT_METHODS = ['cash', 'cheque', 'bank_transfer'] as const;
export type OfflineGiftMethod = (typeof OFFLINE_GIFT_METHODS)[number];
export const OFFLINE_NOTICE = 'recorded by the organization, not verified by the payment processor';

export function isOfflineKind(kind: string): boolean {
  return (OFFLINE_ENTRY_KINDS as readonly string[]).includes(kind);
}

/** The purpose of a void entry: names the entry it reverses and why. */
export function offlineVoidPurpose(index: number, reason: string): string {
  return `void of entry ${index}: ${reason}`;
}

/** Reads a void entry's purpose; null when it is not of that form. */
export function parseOfflineVoidPurpose(purpose: unknown): { index: number; reason: string } | null {
  if (typeof purpose !== 'string') return null;
  const match = /^void of entry (0|[1-9]\d{0,14}): (\S[\s\S]*)$/.exec(purpose);
  return match ? { index: Number(match[1]), reason: match[2] } : null;
}

export function isMoneyKind(kind: string): kind is MoneyEntryKind {
  return (MONEY_ENTRY_KINDS as readonly string[]).includes(kind);
}

export const ANONYMOUS = 'Anonymous';
/** Leaf format of money entries appended before format 3 (unchanged since the first entry). */
export const LEAF_VERSION = 1;
/** Leaf format 2 = format 1 plus `terms`; `terms_changed` entries appended before format 3. */
export const TERMS_LEAF_VERSION = 2;
/**
 * Leaf format 3 (issue 17's "v2 leaf": 2 was already taken by term changes): every personal field
 * is committed in the leaf, never hashed in clear, so it can be redacted later without touching the
 * leaf hash. Every entry appended since is format 3, `terms_changed` ones included (they carry `terms`).
 */
export const COMMITTED_LEAF_VERSION = 3;
/**
 * Leaf format 4 (issue 21, designated funds): format 3 plus `designation` (the restricted fund the
 * entry moves: "general", "zakat", ...), and on a `payout` plus `draws` (the gifts it drew from, first
 * in first out within the designation). Used by entries of campaigns that declared designations and
 * by every payout; everything else stays format 3. Personal fields are committed as in format 3.
 */
export const DESIGNATED_LEAF_VERSION = 4;
/**
 * Leaf format 5 (issue 21, a payout split across designations): format 3 plus `parts`, on a `payout`
 * or `payout_reversal` whose payout spends more than one designation: `[{ designation, amount, draws }]`
 * on the payout (each part's FIFO draw within its designation), `[{ designation, amount }]` on a
 * reversal; parts sorted by designation code, each once, amounts positive and adding up to the
 * entry's. Such an entry has no `designation` of its own. Single-designation payouts stay format 4.
 */
export const SPLIT_LEAF_VERSION = 5;
/** The leaf formats a verifier of this code reads. */
export const LEAF_VERSIONS = [LEAF_VERSION, TERMS_LEAF_VERSION, COMMITTED_LEAF_VERSION, DESIGNATED_LEAF_VERSION, SPLIT_LEAF_VERSION] as const;

/** Formats 3, 4 and 5 commit the personal fields (hash and salt) instead of hashing them in clear. */
export function isCommittedFormat(v: unknown): boolean {
  return v === COMMITTED_LEAF_VERSION || v === DESIGNATED_LEAF_VERSION || v === SPLIT_LEAF_VERSION;
}

/** One gift a payout drew from: the gift's public index and the minor units taken from it. */
export interface PayoutDraw {
  index: number;
  amount: string;
}

/** Whether `value` is a well-formed draw list: gift indexes strictly increasing, positive amounts. */
export function isDrawList(value: unknown): value is PayoutDraw[] {
  if (!Array.isArray(value) || value.length > 100_000) return false;
  let last = -1;
  for (const item of value) {
    if (typeof item !== 'object' || item === null || Array.isArray(item) || Object.keys(item).sort().join(',') !== 'amount,index') return false;
    const { index, amount } = item as Record<string, unknown>;
    if (!Number.isSafeInteger(index) || (index as number) <= last || typeof amount !== 'string' || !/^[1-9]\d{0,17}$/.test(amount)) return false;
    last = index as number;
  }
  return true;
}

/** One designation's part of a split payout (format 5): on the payout with its draws, on a reversal without. */
export interface PayoutPart {
  designation: string;
  /** Positive minor units, as a string of digits. */
  amount: string;
  draws?: PayoutDraw[];
}

/** At most this many parts (a campaign declares at most 20 designations, plus general). */
export const MAX_PAYOUT_PARTS = 21;
const DESIGNATION_CODE = /^[a-z0-9]+(-[a-z0-9]+)*$/;

/**
 * Whether `value` is a well-formed parts list of a format-5 entry: 1 to MAX_PAYOUT_PARTS parts, designation
 * codes strictly increasing, positive amounts, and draws (a draw list adding up to the part) exactly
 * when `withDraws` (the payout; a reversal's parts have none).
 */
export function isPartList(value: unknown, withDraws: boolean): value is PayoutPart[] {
  if (!Array.isArray(value) || value.length === 0 || value.length > MAX_PAYOUT_PARTS) return false;
  let last = '';
  for (const item of value) {
    if (typeof item !== 'object' || item === null || Array.isArray(item)) return false;
    if (Object.keys(item).sort().join(',') !== (withDraws ? 'amount,designation,draws' : 'amount,designation')) return false;
    const { designation, amount, draws } = item as Record<string, unknown>;
    if (typeof designation !== 'string' || designation.length > 40 || !DESIGNATION_CODE.test(designation) || designation <= last) return false;
    if (typeof amount !== 'string' || !/^[1-9]\d{0,17}$/.test(amount)) return false;
    if (withDraws && (!isDrawList(draws) || draws.reduce((s, d) => s + BigInt(d.amount), 0n) !== BigInt(amount))) return false;
    last = designation;
  }
  return true;
}

/**
 * The gift a refund, dispute or dispute reversal concerns, named in its `purpose` (hashed in every
 * leaf format, as an offline void names its gift), so the public log alone tells each gift's
 * drawable amount (docs/designations.md):
 *   `refund of entry <gift index>: <minor units of the gift refunded>` (the entry's amount is that
 *   less the platform fee returned with it), `dispute of entry <i>`, `dispute reversal of entry <i>`.
 * Entries appended before this rule have no purpose (they reduce their designation, not a gift).
 */
export const GIFT_REFERENCE_KINDS = ['refund', 'dispute', 'dispute_reversal'] as const;
export type GiftReferenceKind = (typeof GIFT_REFERENCE_KINDS)[number];
const REFERENCE_WORDS: Readonly<Record<GiftReferenceKind, string>> = { refund: 'refund', dispute: 'dispute', dispute_reversal: 'dispute reversal' };

export function isGiftReferenceKind(kind: string): kind is GiftReferenceKind {
  return (GIFT_REFERENCE_KINDS as readonly string[]).includes(kind);
}

/** The purpose naming the gift (`refunded`: the gross amount refunded, refunds only). */
export function giftReferencePurpose(kind: GiftReferenceKind, giftIndex: number, refunded?: bigint): string {
  if (!Number.isSafeInteger(giftIndex) || giftIndex < 0) throw new RangeError('a gift index is a non-negative integer');
  if (kind === 'refund') {
    if (refunded === undefined || refunded <= 0n) throw new RangeError('a refund names the amount of the gift refunded');
    return `refund of entry ${giftIndex}: ${refunded}`;
  }
  return `${REFERENCE_WORDS[kind]} of entry ${giftIndex}`;
}

/** Reads the gift a refund/dispute/dispute reversal names; null when its purpose is not of that form. */
export function parseGiftReference(kind: string, purpose: unknown): { index: number; refunded: bigint | null } | null {
  if (!isGiftReferenceKind(kind) || typeof purpose !== 'string') return null;
  if (kind === 'refund') {
    const m = /^refund of entry (0|[1-9]\d{0,14}): ([1-9]\d{0,17})$/.exec(purpose);
    return m ? { index: Number(m[1]), refunded: BigInt(m[2]) } : null;
  }
  const m = new RegExp(`^${REFERENCE_WORDS[kind]} of entry (0|[1-9]\\d{0,14})$`).exec(purpose);
  return m ? { index: Number(m[1]), refunded: null } : null;
}

/**
 * The personal fields of a public entry: free text a person typed about themselves. In a format-3
 * leaf each is replaced by its commitment `<field>Hash` = hex SHA-256(salt || UTF-8 value), with a
 * random 32-byte salt of its own (`<field>Salt`), served beside the leaf with the value. A future
 * free-text field is one more line here (plus its columns). "Anonymous" is not personal: an
 * anonymous gift commits no name (null hash) and is served as `donor: "Anonymous"`.
 */
export const PERSONAL_FIELDS = [
  { field: 'donor', hash: 'donorHash', salt: 'donorSalt' },
  { field: 'message', hash: 'messageHash', salt: 'messageSalt' },
] as const;
export type PersonalField = (typeof PERSONAL_FIELDS)[number]['field'];
export const PERSONAL_FIELD_NAMES: readonly PersonalField[] = PERSONAL_FIELDS.map((f) => f.field);

/** Why a personal field was removed from a public entry: the person's erasure, or moderation. */
export const REDACTION_REASONS = ['erased', 'hidden'] as const;
export type RedactionReasonCode = (typeof REDACTION_REASONS)[number];
/** What the served entry shows in place of a redacted field. `note` is never personal data. */
export interface FieldRedaction {
  reason: RedactionReasonCode;
  note: string | null;
  /** ISO 8601 UTC. */
  at: string;
}
export type EntryRedactions = Partial<Record<PersonalField, FieldRedaction>>;

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
 * Formats 1 and 2 hash `donor` and `message` in clear; format 3 hashes `donorHash` and
 * `messageHash` instead (the values and salts are served beside the leaf: `ServedEntry`).
 */
export interface PublicLeaf {
  v: number;
  campaign: string;
  index: number;
  time: string;
  kind: PublicEntryKind;
  amount: string;
  currency: string;
  /** Formats 1 and 2: hashed. Format 3: not in the leaf (served beside it). */
  donor?: string | null;
  /** A private donor's name, committed for their receipt alone (salt never public); all formats. */
  donorCommitment: string | null;
  /** Formats 1 and 2: hashed. Format 3: not in the leaf (served beside it). */
  message?: string | null;
  /** Format 3: hex SHA-256(donorSalt || UTF-8 donor), null when no name is given (anonymous, or no donor). */
  donorHash?: string | null;
  /** Format 3: hex SHA-256(messageSalt || UTF-8 message), null when there is no message. */
  messageHash?: string | null;
  purpose: string | null;
  balance: string;
  /** Format 2, and format 3 `terms_changed`: the changes. Absent, not null, elsewhere. */
  terms?: TermChange[];
  /** Format 4: the designation (restricted fund) the entry moves. */
  designation?: string;
  /** Format 4 `payout` only: the gifts it drew from (FIFO within the designation). */
  draws?: PayoutDraw[];
  /** Format 5 (`payout`/`payout_reversal` of a payout split across designations): its parts. */
  parts?: PayoutPart[];
}

/**
 * A public entry as the API serves it (JSON pages): the leaf's fields, the leaf hash and, beside the
 * leaf, each personal field's value and salt (format 3) and what was redacted.
 */
export interface ServedEntry extends PublicLeaf {
  donor: string | null;
  message: string | null;
  /** Format 3: the salts opening `donorHash` / `messageHash`; null when the field is empty or redacted. */
  donorSalt?: string | null;
  messageSalt?: string | null;
  /** The personal fields removed from this entry (value and salt), why and when; null when none. */
  redacted: EntryRedactions | null;
  /** Offline gifts and their voids only: recorded by the organization, not verified by the payment processor. */
  recordedBy?: 'organization';
  /** Offline gifts and their voids only: OFFLINE_NOTICE, in words. */
  notice?: string;
  leafHash: string;
}

/** The hashed fields of a format-1 leaf (money entries before format 3). */
export const LEAF_FIELDS: readonly (keyof PublicLeaf)[] = ['v', 'campaign', 'index', 'time', 'kind', 'amount', 'currency', 'donor', 'donorCommitment', 'message', 'purpose', 'balance'];
/** The hashed fields of a format-2 leaf: format 1 plus `terms`. */
export const LEAF_FIELDS_V2: readonly (keyof PublicLeaf)[] = [...LEAF_FIELDS, 'terms'];
/** The hashed fields of a format-3 leaf: the personal fields replaced by their commitments (plus `terms` on a terms_changed entry). */
export const LEAF_FIELDS_V3: readonly (keyof PublicLeaf)[] = ['v', 'campaign', 'index', 'time', 'kind', 'amount', 'currency', 'donorHash', 'donorCommitment', 'messageHash', 'purpose', 'balance'];

/** The hashed fields of a format-4 leaf: format 3 plus `designation` (plus `draws` on a payout). */
export const LEAF_FIELDS_V4: readonly (keyof PublicLeaf)[] = [...LEAF_FIELDS_V3, 'designation'];
const LEAF_FIELDS_V4_PAYOUT: readonly (keyof PublicLeaf)[] = [...LEAF_FIELDS_V4, 'draws'];
/** The hashed fields of a format-5 leaf (a split payout or its reversal): format 3 plus `parts`. */
export const LEAF_FIELDS_V5: readonly (keyof PublicLeaf)[] = [...LEAF_FIELDS_V3, 'parts'];

/** The hashed fields of an entry, by its format (unknown formats: format 1's, which will not verify). */
export function leafFieldsOf(entry: object): readonly (keyof PublicLeaf)[] {
  const source = entry as Record<string, unknown>;
  if (source.v === DESIGNATED_LEAF_VERSION) return source.kind === 'payout' ? LEAF_FIELDS_V4_PAYOUT : LEAF_FIELDS_V4;
  if (source.v === SPLIT_LEAF_VERSION) return LEAF_FIELDS_V5;
  if (source.v === TERMS_LEAF_VERSION) return LEAF_FIELDS_V2;
  if (source.v === COMMITTED_LEAF_VERSION) return source.kind === 'terms_changed' ? LEAF_FIELDS_V3_TERMS : LEAF_FIELDS_V3;
  return LEAF_FIELDS;
}
const LEAF_FIELDS_V3_TERMS: readonly (keyof PublicLeaf)[] = [...LEAF_FIELDS_V3, 'terms'];

/**
 * Picks exactly the hashed fields from a served entry (which may carry more, e.g. leafHash, values,
 * salts): the fields of the entry's format. A format-1 leaf hashes exactly as it always did.
 */
export function toLeaf(entry: object): PublicLeaf {
  const leaf: Record<string, unknown> = {};
  const source = entry as Record<string, unknown>;
  for (const field of leafFieldsOf(entry)) leaf[field] = source[field] === undefined ? null : source[field];
  return leaf as unknown as PublicLeaf;
}

const HEX64 = /^[0-9a-f]{64}$/;

/** The commitment of a format-3 personal field: hex SHA-256(salt || UTF-8 value), the salt 32 bytes of hex. */
export function personalCommitment(saltHex: string, value: string): string {
  if (!HEX64.test(saltHex)) throw new RangeError('commitment salt must be 32 bytes of lower-case hex');
  return personalCommitmentBytes(Buffer.from(saltHex, 'hex'), value).toString('hex');
}

/** `personalCommitment` on bytes: SHA-256(salt || UTF-8 value), salt exactly 32 bytes. */
export function personalCommitmentBytes(salt: Uint8Array, value: string): Buffer {
  if (salt.length !== 32) throw new RangeError('commitment salt must be 32 bytes');
  return createHash('sha256').update(salt).update(value, 'utf8').digest();
}

/**
 * Salt and commitment for a personal value, or nulls when there is nothing personal (no value, or
 * the word "Anonymous" in the donor field). `salt` (32 bytes) may be given (the appender draws all
 * of a batch's salts at once); otherwise one is drawn.
 */
export function commitPersonal(field: PersonalField, value: string | null, salt?: Buffer): { hash: Buffer; salt: Buffer } | null {
  if (!isPersonalValue(field, value)) return null;
  const bytes = salt ?? randomBytes(32);
  return { hash: personalCommitmentBytes(bytes, value), salt: bytes };
}

/** Whether a served value is personal (committed in format 3): any text but "Anonymous" in the donor field. */
export function isPersonalValue(field: PersonalField, value: string | null | undefined): value is string {
  return typeof value === 'string' && value.length > 0 && !(field === 'donor' && value === ANONYMOUS);
}

/** What a verifier concludes about one personal field of a served entry. */
export type PersonalFieldCheck =
  /** Format 3: the value opens the commitment. Formats 1/2: the value is hashed in clear in the leaf. */
  | { field: PersonalField; status: 'open' }
  /** No personal value (none given, or "Anonymous"). */
  | { field: PersonalField; status: 'empty' }
  /** Removed, with the served reason; format 1/2 entries cannot be checked against their leaf once redacted. */
  | { field: PersonalField; status: 'redacted'; reason: RedactionReasonCode; note: string | null; at: string }
  /** The value, salt, commitment or redaction record do not agree: the entry was tampered with. */
  | { field: PersonalField; status: 'tampered'; problem: string };

export interface EntryPrivacyCheck {
  fields: PersonalFieldCheck[];
  /**
   * A redacted format-1/2 entry: its leaf hashed a value that is gone, so the leaf hash cannot be
   * recomputed; the verifier uses the served leaf hash (still bound by the Merkle tree) and says so.
   */
  leafUnverifiable: boolean;
  /** The problems of the tampered fields, in field order (empty when none). */
  problems: string[];
}

function redactionOf(entry: Record<string, unknown>, field: PersonalField): FieldRedaction | 'malformed' | null {
  const all = entry.redacted;
  if (all === undefined || all === null) return null;
  if (typeof all !== 'object' || Array.isArray(all)) return 'malformed';
  const one = (all as Record<string, unknown>)[field];
  if (one === undefined || one === null) return null;
  if (typeof one !== 'object' || Array.isArray(one)) return 'malformed';
  const { reason, note, at } = one as Record<string, unknown>;
  if (!(REDACTION_REASONS as readonly unknown[]).includes(reason) || (note !== null && typeof note !== 'string') || typeof at !== 'string') return 'malformed';
  return { reason: reason as RedactionReasonCode, note: note as string | null, at };
}

/**
 * Checks every personal field of a served entry against its leaf: format 3 opens each commitment
 * with the served value and salt, or accepts a redaction record where both are gone; formats 1/2
 * accept a redaction record (the entry then cannot be checked against its leaf hash). Anything
 * else (a value without a matching commitment, a value re-inserted into a redacted field, a salt
 * without a value, a malformed commitment) is tampering.
 */
export function checkPersonalFields(entry: object): EntryPrivacyCheck {
  const source = entry as Record<string, unknown>;
  const fields: PersonalFieldCheck[] = [];
  let leafUnverifiable = false;
  for (const { field, hash: hashKey, salt: saltKey } of PERSONAL_FIELDS) {
    const value = source[field] ?? null;
    const redaction = redactionOf(source, field);
    const tampered = (problem: string) => fields.push({ field, status: 'tampered', problem: `${field}: ${problem}` });
    if (redaction === 'malformed') {
      tampered('the redaction record is malformed');
      continue;
    }
    if (value !== null && typeof value !== 'string') {
      tampered('the value is not text');
      continue;
    }
    if (!isCommittedFormat(source.v)) {
      // Formats 1 and 2: the value is in the leaf itself.
      if (redaction === null) fields.push({ field, status: value === null || !isPersonalValue(field, value) ? 'empty' : 'open' });
      else if (value !== null) tampered('a value was put back into a redacted field');
      else {
        leafUnverifiable = true;
        fields.push({ field, status: 'redacted', ...redaction });
      }
      continue;
    }
    const hash = source[hashKey] ?? null;
    const salt = source[saltKey] ?? null;
    if (hash !== null && (typeof hash !== 'string' || !HEX64.test(hash))) {
      tampered('the commitment is not 64 lower-case hex digits');
      continue;
    }
    if (hash === null) {
      if (salt !== null) tampered('a salt without a commitment');
      else if (redaction !== null) tampered('a redaction record on an empty field');
      else if (value !== null && isPersonalValue(field, value)) tampered('a value the leaf does not commit to');
      else fields.push({ field, status: 'empty' });
      continue;
    }
    if (redaction !== null) {
      if (value !== null || salt !== null) tampered('a value or salt was put back into a redacted field');
      else fields.push({ field, status: 'redacted', ...redaction });
      continue;
    }
    if (value === null || salt === null) {
      tampered('the value or its salt is missing, with no redaction record');
      continue;
    }
    if (typeof salt !== 'string' || !HEX64.test(salt)) {
      tampered('the salt is not 32 bytes of lower-case hex');
      continue;
    }
    if (personalCommitment(salt, value) !== hash) tampered('the value and salt do not open the commitment');
    else fields.push({ field, status: 'open' });
  }
  const problems = fields.flatMap((f) => (f.status === 'tampered' ? [f.problem] : []));
  return { fields, leafUnverifiable, problems };
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

/**
 * The public identity a gift counts under in the donor total: the name (the clear value: the leaf's
 * in formats 1/2, the served one in format 3), or null for an anonymous gift.
 */
export function publicDonorIdentity(leaf: { donor?: string | null; donorCommitment: string | null }): string | null {
  return leaf.donorCommitment !== null || leaf.donor === null || leaf.donor === undefined || leaf.donor === ANONYMOUS ? null : leaf.donor;
}
