// Tiles mode: verifies a campaign's log from its C2SP tlog-tiles alone (the signed checkpoint, the
// hash tiles and the entry bundles), with nothing but GETs of those static paths below a prefix: a
// mirror or a CDN copy of them is enough, and nothing the server says is taken on trust.
import {
  appendToFrontier, bundlesForSize, canonicalJsonBytes, checkPersonalFields, foldRange, leafHash, merkleRoot, parseVerifierKey, PublicLeaf, reportFromEntries,
  rootFromTiles, SignedCheckpoint, Tile, tileFromLevels, tileHashes, tileKey, tileLevelsFromLeaves, tilePath, tilesForSize, toLeaf, verifyCheckpoint, VerifierKey,
  decodeEntryBundle, CheckpointError, parseCheckpoint, isCommittedFormat, PersonalField, RedactionReasonCode,
} from '../../../libs/transparency/src/domain/index.js';
import { checkEntryFields, EntryCheckState, VerificationFailure } from './verifier.js';

/** A GET answering bytes: global fetch by default (gzip and br decoded by it). */
export type BinaryFetch = (url: string, init?: { headers?: Record<string, string> }) => Promise<{ ok: boolean; status: number; arrayBuffer(): Promise<ArrayBuffer> }>;

export interface TilesVerifyOptions {
  /** The log's checkpoint key (`name+hash+base64`): required, a mirror publishes no key worth trusting. */
  key: string;
  fetch?: BinaryFetch;
  /** A checkpoint saved earlier (signed-note text): the log must extend it. */
  previousCheckpoint?: string;
  log?: (line: string) => void;
  /** Requests in flight at once (default 8). */
  parallel?: number;
}

export interface TilesVerifyResult {
  origin: string;
  size: number;
  rootHash: string;
  checkpoint: string;
  campaignId: string;
  /** Hash tiles and entry bundles fetched and checked. */
  tiles: number;
  bundles: number;
  report: ReturnType<typeof reportFromEntries>;
  redactions: { index: number; field: PersonalField; reason: RedactionReasonCode; note: string | null; at: string; unverifiable: boolean }[];
}

const fail = (reason: string): never => {
  throw new VerificationFailure(reason);
};

/** The prefix as a URL ending in `/` (a campaign page `…/c/<slug>` is its own prefix). */
export function tilesPrefix(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return fail(`not a URL: ${text}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') fail(`not an http(s) URL: ${text}`);
  url.search = '';
  url.hash = '';
  return url.href.endsWith('/') ? url.href : `${url.href}/`;
}

async function inBatches<T, R>(items: readonly T[], parallel: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const at = next++;
      out[at] = await work(items[at]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallel, items.length) }, worker));
  return out;
}

export async function verifyTiles(prefixText: string, options: TilesVerifyOptions): Promise<TilesVerifyResult> {
  const say = options.log ?? (() => undefined);
  const prefix = tilesPrefix(prefixText);
  const doFetch: BinaryFetch = options.fetch ?? ((url, init) => fetch(url, init));
  const get = async (path: string): Promise<Buffer> => {
    const url = `${prefix}${path}`;
    let res: Awaited<ReturnType<BinaryFetch>>;
    try {
      res = await doFetch(url, { headers: { 'accept-encoding': 'gzip, identity' } });
    } catch (error) {
      return fail(`${url} could not be fetched: ${(error as Error).message}`);
    }
    if (!res.ok) fail(`${url} answered HTTP ${res.status}`);
    return Buffer.from(await res.arrayBuffer());
  };

  // 1. The key (pinned: a mirror's word is worth nothing) and the checkpoint it signed.
  let key: VerifierKey;
  try {
    key = parseVerifierKey(options.key);
  } catch (error) {
    return fail(`the verifier key is unusable: ${(error as Error).message}`);
  }
  say(`key ${key.keyName} (${key.publicKey.toString('base64')})`);
  const note = (await get('checkpoint')).toString('utf8');
  let checkpoint: SignedCheckpoint;
  try {
    checkpoint = verifyCheckpoint(note, key);
  } catch (error) {
    return fail(`checkpoint rejected: ${(error as Error).message}`);
  }
  const originMatch = /\/campaigns\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/.exec(checkpoint.origin);
  if (!originMatch) return fail(`the checkpoint's origin ${checkpoint.origin} names no campaign log`);
  const campaignId = originMatch[1];
  const { size } = checkpoint;
  say(`checkpoint ${checkpoint.origin} size ${size} signature ok`);
  const previous = options.previousCheckpoint ? parsePrevious(options.previousCheckpoint, key) : null;
  if (previous) {
    if (previous.origin !== checkpoint.origin) fail(`the saved checkpoint is for another log (${previous.origin})`);
    if (previous.size > size) fail(`the saved checkpoint (size ${previous.size}) is newer than the log (size ${size}): the log was truncated`);
  }

  // 2. Level 0: each bundle's entries checked as the JSON verifier checks them and hashed; the
  // hashes must be the level-0 tile's. Fetched in order, a few at a time; nothing else is trusted.
  const parallel = Math.max(1, options.parallel ?? 8);
  const bundles = bundlesForSize(size);
  const leafHashes: Buffer[] = [];
  const leaves: PublicLeaf[] = [];
  const redactions: TilesVerifyResult['redactions'] = [];
  const state: EntryCheckState = { campaignId, currency: null, balance: 0n };
  let frontier: Buffer[] = [];
  let prefixRoot: Buffer | null = previous?.size === 0 ? merkleRoot([]) : null;
  let lastTile: { tile: Tile; bytes: Buffer } | null = null;
  // A window of bundles at a time: fetched in parallel, checked in order; memory stays bounded by the window.
  const window = parallel * 4;
  for (let from = 0; from < bundles.length; from += window) {
    const fetched = await inBatches(bundles.slice(from, from + window), parallel, async (bundle) => {
      const tile: Tile = { level: 0, index: bundle.index, width: bundle.width };
      const [tileBytes, bundleBytes] = await Promise.all([get(tilePath(tile)), get(tilePath(bundle))]);
      return { bundle, tile, tileBytes, bundleBytes };
    });
    for (const { bundle, tile, tileBytes, bundleBytes } of fetched) {
      const where = tilePath(bundle);
      let hashes: Buffer[];
      try {
        hashes = tileHashes(tileBytes, bundle.width);
      } catch (error) {
        return fail(`${tilePath(tile)} is malformed: ${(error as Error).message}`);
      }
      let entries: Buffer[];
      try {
        entries = decodeEntryBundle(bundleBytes);
      } catch (error) {
        return fail(`${where} is malformed: ${(error as Error).message}`);
      }
      if (entries.length !== bundle.width) fail(`${where} holds ${entries.length} entries, not ${bundle.width}`);
      for (const [at, bytes] of entries.entries()) {
        const i = bundle.index * 256 + at;
        const hash = checkBundleEntry(bytes, i, hashes[at], state, redactions, leaves, say);
        leafHashes.push(hash);
        frontier = appendToFrontier(frontier, i, hash).frontier;
        if (previous && previous.size === i + 1) prefixRoot = foldRange(frontier);
      }
      lastTile = { tile, bytes: tileBytes };
    }
  }
  const root = foldRange(frontier);
  if (!root.equals(checkpoint.rootHash)) fail('the entries do not hash to the signed root: the log was altered, reordered or truncated');
  say(`${size} entries from ${bundles.length} bundle(s) hash to their level-0 tiles and to the signed root`);

  // 3. The higher tiles: each exactly what the leaves give, and the root computed from the tiles as
  // served (what a client reading only tiles relies on) is the signed one.
  const levels = tileLevelsFromLeaves(leafHashes);
  const upper = tilesForSize(size).filter((t) => t.level > 0);
  const served = new Map<string, Buffer>();
  if (lastTile) served.set(tileKey(lastTile.tile), lastTile.bytes);
  await inBatches(upper, parallel, async (tile) => {
    const bytes = await get(tilePath(tile));
    if (!bytes.equals(tileFromLevels(levels, tile))) fail(`${tilePath(tile)} does not hold the hashes of the tiles below it`);
    served.set(tileKey(tile), bytes);
  });
  const fromTiles = rootFromTiles(size, (tile) => served.get(tileKey(tile)));
  if (!fromTiles.equals(checkpoint.rootHash)) fail('the root computed from the tiles is not the signed root');
  say(`${upper.length} tile(s) above level 0 match the leaves; the root from the tiles is the signed root`);

  // 4. History not rewritten since a checkpoint saved earlier.
  if (previous) {
    if (!prefixRoot || !prefixRoot.equals(previous.rootHash)) fail(`the first ${previous.size} entries no longer hash to the saved checkpoint: the log was rewritten`);
    say(`consistent with the saved checkpoint of size ${previous.size}`);
  }
  const report = reportFromEntries(state.currency ?? '', leaves);
  return {
    origin: checkpoint.origin, size, rootHash: checkpoint.rootHash.toString('base64'), checkpoint: checkpoint.text, campaignId,
    tiles: bundles.length + upper.length, bundles: bundles.length, report, redactions,
  };
}

/**
 * One bundle entry: canonical JSON of exactly its format's leaf fields, hashing to the level-0 tile's
 * hash, its fields checked as the JSON verifier checks a served entry. A redacted format-1/2 entry
 * (its leaf fields and `redacted` records, the removed value null) cannot hash to its leaf: its
 * redaction is reported and the tile's hash is taken (the tree still binds it).
 */
function checkBundleEntry(
  bytes: Buffer, i: number, tileHash: Buffer, state: EntryCheckState, redactions: TilesVerifyResult['redactions'], leaves: PublicLeaf[], say: (line: string) => void,
): Buffer {
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(bytes.toString('utf8'));
  } catch {
    return fail(`entry ${i} in its bundle is not JSON`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) fail(`entry ${i} in its bundle is not a JSON object`);
  const leaf = toLeaf(parsed);
  const redactedLegacy = !isCommittedFormat(parsed.v) && parsed.redacted !== undefined && parsed.redacted !== null;
  const expected = redactedLegacy ? canonicalJsonBytes({ ...leaf, redacted: parsed.redacted }) : canonicalJsonBytes(leaf);
  if (!expected.equals(bytes)) fail(`entry ${i} in its bundle is not the canonical JSON of its leaf fields`);
  checkEntryFields(leaf, { donor: (leaf.donor ?? null) as string | null, message: (leaf.message ?? null) as string | null }, i, state);
  // Format 3: the personal fields are commitments (their values and salts are on the JSON pages, not in the log).
  if (isCommittedFormat(leaf.v)) {
    for (const commitment of [leaf.donorHash, leaf.messageHash]) {
      if (commitment !== null && (typeof commitment !== 'string' || !/^[0-9a-f]{64}$/.test(commitment))) fail(`entry ${i} has a malformed commitment`);
    }
  }
  leaves.push(leaf);
  if (!redactedLegacy) {
    const hash = leafHash(bytes);
    if (!hash.equals(tileHash)) fail(`entry ${i} was altered: it hashes to ${hash.toString('hex')}, the level-0 tile holds ${tileHash.toString('hex')}`);
    return hash;
  }
  const privacy = checkPersonalFields({ ...leaf, redacted: parsed.redacted });
  if (privacy.problems.length > 0) fail(`entry ${i} was tampered with: ${privacy.problems.join('; ')}`);
  if (!privacy.leafUnverifiable) fail(`entry ${i} carries redaction records but no field was redacted`);
  for (const field of privacy.fields) {
    if (field.status !== 'redacted') continue;
    redactions.push({ index: i, field: field.field, reason: field.reason, note: field.note, at: field.at, unverifiable: true });
    say(`entry ${i}: ${field.field} redacted (${field.reason}${field.note ? `: ${field.note}` : ''}), unverifiable (format ${String(leaf.v)})`);
  }
  return tileHash;
}

function parsePrevious(text: string, key: VerifierKey): SignedCheckpoint {
  try {
    return verifyCheckpoint(text, key);
  } catch (error) {
    if (error instanceof CheckpointError) {
      try {
        parseCheckpoint(text);
      } catch {
        return fail(`the saved checkpoint is malformed: ${error.message}`);
      }
    }
    return fail(`the saved checkpoint is not signed by the key: ${(error as Error).message}`);
  }
}
