import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { canonicalJsonBytes } from './canonical-json.js';
import { leafHash } from './merkle.js';

export const PUBLIC_ENTRY_KINDS = ['donation', 'fee', 'platform_fee', 'refund', 'dispute', 'dispute_reversal', 'payout', 'payout_reversal'] as const;
export type PublicEntryKind = (typeof PUBLIC_ENTRY_KINDS)[number];

/** Money into the campaign is positive, money out negative; each kind has one direction. */
export const KIND_SIGN: Readonly<Record<PublicEntryKind, 1 | -1>> = {
  donation: 1, fee: -1, platform_fee: -1, refund: -1, dispute: -1, dispute_reversal: 1, payout: -1, payout_reversal: 1,
};

export const ANONYMOUS = 'Anonymous';
export const LEAF_VERSION = 1;

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
}

export const LEAF_FIELDS: readonly (keyof PublicLeaf)[] = ['v', 'campaign', 'index', 'time', 'kind', 'amount', 'currency', 'donor', 'donorCommitment', 'message', 'purpose', 'balance'];

/** Picks exactly the hashed fields from a served entry (which may carry more, e.g. leafHash). */
export function toLeaf(entry: object): PublicLeaf {
  const leaf: Record<string, unknown> = {};
  const source = entry as Record<string, unknown>;
  for (const field of LEAF_FIELDS) leaf[field] = source[field] === undefined ? null : source[field];
  return leaf as unknown as PublicLeaf;
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
