import { CheckpointError, parseVerifierKey, SignedCheckpoint, verifyCheckpoint, VerifierKey, formatVerifierKey } from './checkpoint.js';
import { HASH_SIZE, inclusionProofRanges, verifyInclusion } from './merkle.js';
import { donorCommitment, leafFieldsOf, PublicLeaf, publicLeafHash, toLeaf } from './public-entry.js';

/**
 * The offline proof a donor's receipt carries (the JSON attachment `ataa-receipt-<number>.json`):
 * the gift's leaf with every hashed field, its inclusion proof in the tree of a signed checkpoint,
 * and the key that signed it. Everything needed to verify the gift with no network; nothing the
 * verifier takes on trust but the key, which must be compared with the one the platform publishes
 * (or pinned with `--key`).
 */
export const RECEIPT_PROOF_FORMAT = 'ataa-receipt-proof';
export const RECEIPT_PROOF_VERSION = 1;

export interface ReceiptProof {
  /** Always `ataa-receipt-proof`. */
  format: typeof RECEIPT_PROOF_FORMAT;
  /** Format version: 1. A verifier refuses versions it does not know. */
  version: typeof RECEIPT_PROOF_VERSION;
  /** The platform's public base URL (no trailing slash). */
  site: string;
  campaign: { id: string; slug: string; url: string };
  /** The campaign's public ledger, naming the gift in the fragment: what the receipt's QR code encodes. */
  ledgerUrl: string;
  /** Index of the gift's leaf in the campaign's log (also `leaf.index`). */
  leafIndex: number;
  /** Hex leaf hash, for comparison with the public ledger; the verifier recomputes it from `leaf`. */
  leafHash: string;
  /** Every field of the leaf exactly as hashed: RFC 8785 canonical JSON, leaf = SHA-256(0x00 || bytes). Format 3: commitments, no name or message. */
  leaf: PublicLeaf;
  /** Tree size of `checkpoint` (greater than `leafIndex`). */
  treeSize: number;
  /** RFC 9162 inclusion proof of the leaf in the tree of `treeSize`: base64 hashes, leaf to root. */
  inclusionProof: string[];
  /** The signed checkpoint (C2SP tlog-checkpoint signed note) that commits to the tree. */
  checkpoint: string;
  /** The signed-note verifier key that signed `checkpoint` (as served at `verifierKeyUrl`). */
  verifierKey: string;
  /** Where the platform publishes the key: compare, or pin it with `--key`. */
  verifierKeyUrl: string;
  /** Anonymous gifts: opens the leaf's `donorCommitment` (private to the donor); null otherwise. */
  donorCommitment: { salt: string; name: string } | null;
}

export interface ReceiptProofInput {
  site: string;
  campaign: { id: string; slug: string };
  leaf: PublicLeaf;
  treeSize: number;
  inclusionProof: readonly Buffer[];
  checkpoint: string;
  verifierKey: VerifierKey;
  donorCommitment?: { salt: string; name: string } | null;
}

export function buildReceiptProof(input: ReceiptProofInput): ReceiptProof {
  const site = input.site.replace(/\/+$/, '');
  const leaf = toLeaf(input.leaf);
  const campaign = { id: input.campaign.id, slug: input.campaign.slug, url: `${site}/c/${input.campaign.slug}` };
  const leafHash = publicLeafHash(leaf).toString('hex');
  return {
    format: RECEIPT_PROOF_FORMAT,
    version: RECEIPT_PROOF_VERSION,
    site,
    campaign,
    ledgerUrl: receiptProofUrl({ campaign, leafIndex: leaf.index, treeSize: input.treeSize, leafHash }),
    leafIndex: leaf.index,
    leafHash,
    leaf,
    treeSize: input.treeSize,
    inclusionProof: input.inclusionProof.map((h) => h.toString('base64')),
    checkpoint: input.checkpoint,
    verifierKey: formatVerifierKey(input.verifierKey),
    verifierKeyUrl: `${site}/.well-known/ataa-transparency.pub`,
    donorCommitment: input.donorCommitment ?? null,
  };
}

/** The link a receipt's QR code carries: the campaign's public ledger, the gift named in the fragment. */
export function receiptProofUrl(proof: Pick<ReceiptProof, 'campaign' | 'leafIndex' | 'treeSize' | 'leafHash'>): string {
  return `${proof.campaign.url}/ledger#leaf=${proof.leafIndex}&size=${proof.treeSize}&hash=${proof.leafHash}`;
}

export interface ReceiptCheck {
  ok: boolean;
  /** What was checked, and when it failed, why. */
  what: string;
}

export interface ReceiptProofResult {
  ok: boolean;
  checks: ReceiptCheck[];
  /** Set when the document was well-formed. */
  proof: ReceiptProof | null;
  /** The verified checkpoint, when its signature checked out. */
  checkpoint: SignedCheckpoint | null;
  /** The key the checkpoint was checked with. */
  key: VerifierKey | null;
  /** True when the key was pinned by the caller, false when taken from the receipt itself. */
  keyPinned: boolean;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isIndex = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Shape of the document: which fields are missing or of the wrong type (the first found), or null. */
function shapeError(doc: unknown): string | null {
  if (!isObject(doc)) return 'not a JSON object';
  if (doc.format !== RECEIPT_PROOF_FORMAT) return `format is ${JSON.stringify(doc.format)}, not "${RECEIPT_PROOF_FORMAT}"`;
  if (doc.version !== RECEIPT_PROOF_VERSION) return `version ${JSON.stringify(doc.version)} is not supported (this verifier reads version ${RECEIPT_PROOF_VERSION})`;
  if (typeof doc.site !== 'string') return 'site is missing';
  if (!isObject(doc.campaign) || typeof doc.campaign.id !== 'string' || typeof doc.campaign.slug !== 'string') return 'campaign id or slug is missing';
  if (!isIndex(doc.leafIndex)) return 'leafIndex is not a non-negative integer';
  if (!isIndex(doc.treeSize)) return 'treeSize is not a non-negative integer';
  if (typeof doc.leafHash !== 'string' || !/^[0-9a-f]{64}$/.test(doc.leafHash)) return 'leafHash is not 64 lower-case hex digits';
  if (!isObject(doc.leaf)) return 'leaf is missing';
  // The fields of the leaf's own format (1, 2 or 3: a format-3 leaf holds commitments, not the name).
  const fields = leafFieldsOf(doc.leaf) as readonly string[];
  for (const field of fields) if (!(field in doc.leaf)) return `leaf.${field} is missing`;
  const extra = Object.keys(doc.leaf).filter((k) => !fields.includes(k));
  if (extra.length > 0) return `leaf has fields that are not hashed: ${extra.join(', ')}`;
  if (!Array.isArray(doc.inclusionProof) || doc.inclusionProof.some((h) => typeof h !== 'string' || !BASE64.test(h) || Buffer.from(h, 'base64').length !== HASH_SIZE)) {
    return 'inclusionProof is not a list of base64 SHA-256 hashes';
  }
  if (typeof doc.checkpoint !== 'string') return 'checkpoint is missing';
  if (typeof doc.verifierKey !== 'string') return 'verifierKey is missing';
  const commitment = doc.donorCommitment;
  if (commitment !== undefined && commitment !== null && (!isObject(commitment) || typeof commitment.salt !== 'string' || typeof commitment.name !== 'string')) {
    return 'donorCommitment must be null or { salt, name }';
  }
  return null;
}

/**
 * Verifies a receipt proof offline (pure: no I/O). Every check is reported, in order; `ok` only when
 * all passed. With `pinnedKey` the checkpoint must be signed by that key (and the receipt's own key
 * must be the same); without it, the receipt's key is used and the caller should say so.
 */
export function verifyReceiptProof(doc: unknown, options: { pinnedKey?: string } = {}): ReceiptProofResult {
  const checks: ReceiptCheck[] = [];
  const result: ReceiptProofResult = { ok: false, checks, proof: null, checkpoint: null, key: null, keyPinned: options.pinnedKey !== undefined };
  const check = (ok: boolean, pass: string, failure: string): boolean => {
    checks.push({ ok, what: ok ? pass : failure });
    return ok;
  };

  const shape = shapeError(doc);
  if (!check(shape === null, `receipt proof format ${RECEIPT_PROOF_FORMAT} v${RECEIPT_PROOF_VERSION}`, `not a receipt proof: ${shape}`)) return result;
  const proof = doc as ReceiptProof;
  result.proof = proof;

  // 1. The key: pinned by the caller, or the receipt's own (to be compared with the published one).
  let receiptKey: VerifierKey | null = null;
  try {
    receiptKey = parseVerifierKey(proof.verifierKey);
  } catch (error) {
    check(false, '', `the receipt's verifier key is unusable: ${(error as Error).message}`);
  }
  let key: VerifierKey | null = receiptKey;
  if (options.pinnedKey !== undefined) {
    try {
      key = parseVerifierKey(options.pinnedKey);
    } catch (error) {
      check(false, '', `the pinned key is unusable: ${(error as Error).message}`);
      key = null;
    }
    if (key && receiptKey) {
      check(
        formatVerifierKey(key) === formatVerifierKey(receiptKey),
        `the receipt names the pinned key ${key.keyName}`,
        `the receipt names key ${proof.verifierKey}, not the pinned ${formatVerifierKey(key)}`,
      );
    }
  }
  result.key = key;

  // 2. The checkpoint: signed by the key, for this campaign's log, of the stated size.
  let checkpoint: SignedCheckpoint | null = null;
  if (key) {
    try {
      checkpoint = verifyCheckpoint(proof.checkpoint, key);
      check(true, `checkpoint signature by ${key.keyName} (${checkpoint.origin}, size ${checkpoint.size})`, '');
    } catch (error) {
      check(false, '', `checkpoint signature: ${error instanceof CheckpointError ? error.message : String(error)}`);
    }
  }
  result.checkpoint = checkpoint;
  if (checkpoint) {
    check(
      checkpoint.origin.endsWith(`/campaigns/${proof.campaign.id}`),
      `checkpoint is the log of campaign ${proof.campaign.id}`,
      `checkpoint is for another log (${checkpoint.origin}), not campaign ${proof.campaign.id}`,
    );
    check(checkpoint.size === proof.treeSize, `checkpoint size ${checkpoint.size} is the receipt's tree size`, `checkpoint size ${checkpoint.size} differs from the receipt's tree size ${proof.treeSize}`);
  }

  // 3. The leaf: recomputed from its fields, the campaign's, at the stated index, inside the tree.
  const leaf = toLeaf(proof.leaf);
  check(leaf.campaign === proof.campaign.id, `leaf belongs to campaign ${proof.campaign.id}`, `leaf belongs to campaign ${String(leaf.campaign)}, not ${proof.campaign.id}`);
  check(leaf.index === proof.leafIndex, `leaf index ${proof.leafIndex}`, `leaf.index ${String(leaf.index)} differs from leafIndex ${proof.leafIndex}`);
  const inTree = check(proof.leafIndex < proof.treeSize, `leaf index ${proof.leafIndex} is inside the tree of size ${proof.treeSize}`, `leaf index ${proof.leafIndex} is not below the tree size ${proof.treeSize}`);
  let hash: Buffer | null = null;
  try {
    hash = publicLeafHash(leaf);
  } catch (error) {
    check(false, '', `the leaf cannot be canonicalized: ${(error as Error).message}`);
  }
  if (hash) {
    check(
      hash.toString('hex') === proof.leafHash,
      `leaf hash ${proof.leafHash} recomputed from the leaf's fields`,
      `the leaf's fields hash to ${hash.toString('hex')}, not the stated ${proof.leafHash}: the leaf or its hash was altered`,
    );
  }

  // 4. The inclusion proof: the recomputed leaf hash folds up to the signed root.
  if (hash && inTree && checkpoint) {
    const hashes = proof.inclusionProof.map((h) => Buffer.from(h, 'base64'));
    const expectedLength = inclusionProofRanges(proof.leafIndex, proof.treeSize).length;
    check(
      hashes.length === expectedLength && verifyInclusion(proof.leafIndex, proof.treeSize, hash, hashes, checkpoint.rootHash),
      `inclusion proof (${hashes.length} hashes) leads to the signed root ${checkpoint.rootHash.toString('base64')}`,
      `inclusion proof fails: leaf ${proof.leafIndex} is not in the signed tree of size ${proof.treeSize}`,
    );
  }

  // 5. An anonymous gift: the commitment opens to the name the donor gave.
  if (proof.donorCommitment) {
    let opens = false;
    try {
      opens = leaf.donorCommitment !== null && donorCommitment(proof.donorCommitment.salt, proof.donorCommitment.name) === leaf.donorCommitment;
    } catch {
      opens = false;
    }
    check(opens, 'the donor commitment opens to the name on the receipt', 'the donor commitment does not open to the salt and name on the receipt');
  }

  result.ok = checks.every((c) => c.ok) && checkpoint !== null && hash !== null;
  return result;
}
