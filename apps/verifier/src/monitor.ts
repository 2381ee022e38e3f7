// The log monitor: follows one campaign's log, keeps the last checkpoint it verified (and the leaf
// hashes under it) in a local state file, and on every poll checks that the log it is now shown
// extends that one. A split view (another root for a size already verified), a rewrite (a
// consistency proof that does not verify) or a truncation (a smaller tree) is reported with the
// first tree size at which the two histories differ, found by bisecting with consistency proofs.
// Depends only on the pure transparency domain, like the verifier.
import {
  consistencyProofRanges, formatVerifierKey, merkleRoot, parseVerifierKey, SignedCheckpoint, verifyCheckpoint, verifyConsistency, verifyInclusion, VerifierKey,
} from '../../../libs/transparency/src/domain/index.js';
import { checkQuorum, FetchLike, parseCampaignUrl, VerificationFailure } from './verifier.js';
import { WitnessPolicy } from './witness-quorum.js';

/** What the monitor remembers of one log: the last checkpoint it verified and every leaf hash under it. */
export interface LogState {
  origin: string;
  /** The log's key (`name+hash+base64`), pinned at the first poll. */
  key: string;
  size: number;
  rootHash: string;
  /** The signed checkpoint (note text) last verified. */
  checkpoint: string;
  /** The leaf hashes of entries 0 … size-1, concatenated, base64. */
  leaves: string;
  verifiedAt: string;
}

export interface MonitorState {
  version: 1;
  logs: Record<string, LogState>;
}

export interface MonitorOptions {
  fetch?: FetchLike;
  /** Pinned log key; otherwise the key stored at the first poll, or then the site's published one. */
  key?: string;
  witnesses?: WitnessPolicy;
  log?: (line: string) => void;
  now?: () => Date;
}

export type PollOutcome =
  | { kind: 'first'; size: number; rootHash: string }
  | { kind: 'unchanged'; size: number; rootHash: string }
  | { kind: 'extended'; from: number; size: number; rootHash: string };

/** The site could not be read (network, HTTP status, not JSON): not evidence of anything; retried. */
export class FetchFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FetchFailure';
  }
}

/** The log is not an extension of the verified one. `report` is the human-readable account. */
export class InconsistencyFound extends VerificationFailure {
  constructor(
    reason: string,
    readonly firstInconsistentSize: number | null,
    readonly report: string[],
  ) {
    super(reason);
    this.name = 'InconsistencyFound';
  }
}

const fail = (reason: string): never => {
  throw new VerificationFailure(reason);
};
const b64 = (b: Buffer) => b.toString('base64');

/** The state key of a campaign URL: `<site>/c/<slug>`, whatever page of the campaign was given. */
export function monitoredLogKey(url: string): string {
  const { site, slug } = parseCampaignUrl(url);
  return `${site}/c/${slug}`;
}

/** Parses a state file; anything malformed throws (the monitor then stops rather than overwrite it). */
export function parseMonitorState(text: string): MonitorState {
  const doc = JSON.parse(text) as MonitorState;
  if (doc?.version !== 1 || typeof doc.logs !== 'object' || doc.logs === null) throw new Error('not an ataa monitor state file (version 1)');
  return doc;
}

/** Loads one log's stored state and checks it against itself: the leaves fold to the root its own signed checkpoint names. */
function loadLog(stored: LogState): { key: VerifierKey; checkpoint: SignedCheckpoint; leaves: Buffer[] } {
  try {
    const key = parseVerifierKey(stored.key);
    const checkpoint = verifyCheckpoint(stored.checkpoint, key);
    const bytes = Buffer.from(stored.leaves, 'base64');
    if (bytes.length !== checkpoint.size * 32 || checkpoint.size !== stored.size) throw new Error('its leaf hashes do not match its size');
    const leaves = Array.from({ length: checkpoint.size }, (_, i) => Buffer.from(bytes.subarray(i * 32, i * 32 + 32)));
    if (!merkleRoot(leaves).equals(checkpoint.rootHash)) throw new Error('its leaf hashes do not hash to its checkpoint');
    return { key, checkpoint, leaves };
  } catch (error) {
    throw new Error(`the stored state is corrupt (${(error as Error).message}): move it away to start over`);
  }
}

function reader(fetchImpl: FetchLike | undefined) {
  const doFetch: FetchLike = fetchImpl ?? ((url, init) => fetch(url, init));
  const get = async (url: string): Promise<string> => {
    let res: Awaited<ReturnType<FetchLike>>;
    try {
      res = await doFetch(url, { headers: { accept: 'application/json' } });
    } catch (error) {
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      throw new FetchFailure(`${url}: ${(error as Error).message}${cause ? ` (${cause.code ?? cause.message})` : ''}`);
    }
    if (!res.ok) throw new FetchFailure(`${url} answered HTTP ${res.status}`);
    return res.text();
  };
  const getJson = async <T>(url: string): Promise<T> => {
    const text = await get(url);
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new FetchFailure(`${url} did not answer JSON`);
    }
  };
  return { get, getJson };
}

/**
 * One poll: fetches the current checkpoint, verifies its signature (and the witness quorum), checks
 * it extends the stored one, reads the new leaf hashes and returns the state to store. Throws
 * VerificationFailure (InconsistencyFound for a split view or rewrite) or FetchFailure.
 */
export async function pollLog(campaignUrl: string, stored: LogState | null, options: MonitorOptions = {}): Promise<{ outcome: PollOutcome; state: LogState }> {
  const say = options.log ?? (() => undefined);
  const { site, slug } = parseCampaignUrl(campaignUrl);
  const api = `${site}/api/v1/public/campaigns/${slug}`;
  const { get, getJson } = reader(options.fetch);
  const previous = stored ? loadLog(stored) : null;

  // 1. The key: the one this state was started with (a --key must agree), else pinned or published.
  let key: VerifierKey;
  if (previous) {
    key = previous.key;
    if (options.key !== undefined && options.key.trim() !== formatVerifierKey(key)) {
      fail(`the stored state follows the log under key ${formatVerifierKey(key)}, not --key ${options.key.trim()}: use another --state file`);
    }
  } else {
    try {
      key = parseVerifierKey(options.key ?? (await get(`${site}/.well-known/ataa-transparency.pub`)));
    } catch (error) {
      if (error instanceof FetchFailure) throw error;
      return fail(`the verifier key is unusable: ${(error as Error).message}`);
    }
  }

  // 2. The current checkpoint: signed by the key, for the same log, cosigned by the quorum.
  const view = await getJson<{ note?: unknown }>(`${api}/checkpoint`);
  let current: SignedCheckpoint;
  try {
    current = verifyCheckpoint(String(view.note), key);
  } catch (error) {
    return fail(`checkpoint rejected: ${(error as Error).message}`);
  }
  if (previous) {
    if (current.origin !== previous.checkpoint.origin) fail(`the checkpoint is for another log (${current.origin}), not ${previous.checkpoint.origin}`);
  } else {
    const report = await getJson<{ campaign?: { id?: unknown } }>(`${api}/report`);
    const id = report.campaign?.id;
    if (typeof id !== 'string' || !current.origin.endsWith(`/campaigns/${id}`)) fail(`the checkpoint is for another log (${current.origin}), not campaign ${String(id)}`);
  }
  say(`checkpoint ${current.origin} size ${current.size} root ${b64(current.rootHash)} signature ok`);
  if (options.witnesses) checkQuorum(current.text, options.witnesses, say);

  const now = (options.now ?? (() => new Date()))().toISOString();
  const state = (leaves: Buffer[]): LogState => ({
    origin: current.origin, key: formatVerifierKey(key), size: current.size, rootHash: b64(current.rootHash), checkpoint: current.text, leaves: b64(Buffer.concat(leaves)), verifiedAt: now,
  });
  const readLeaves = async (from: number, to: number): Promise<Buffer[]> => {
    const out: Buffer[] = [];
    for (let start = from; start < to; start += 200) {
      const indexes = Array.from({ length: Math.min(200, to - start) }, (_, i) => start + i);
      const batch = await getJson<{ proofs?: { index?: unknown; leafHash?: unknown }[] }>(`${api}/proof/inclusions?indexes=${indexes.join(',')}&size=${current.size}`);
      const proofs = Array.isArray(batch.proofs) ? batch.proofs : [];
      for (const [i, index] of indexes.entries()) {
        const p = proofs[i];
        if (p?.index !== index || typeof p.leafHash !== 'string' || !/^[0-9a-f]{64}$/.test(p.leafHash)) fail(`the log served no valid leaf hash for entry ${index}`);
        out.push(Buffer.from(p!.leafHash as string, 'hex'));
      }
    }
    return out;
  };

  // 3a. First poll: every leaf hash, which must fold to the signed root.
  if (!previous) {
    const leaves = await readLeaves(0, current.size);
    if (!merkleRoot(leaves).equals(current.rootHash)) fail(`the ${current.size} leaf hashes served do not hash to the signed root`);
    say(`${current.size} leaf hashes hash to the signed root; stored as the first verified checkpoint`);
    return { outcome: { kind: 'first', size: current.size, rootHash: b64(current.rootHash) }, state: state(leaves) };
  }

  // 3b. Later polls: the stored tree must be a prefix of the current one.
  const old = previous.checkpoint;
  if (current.size < old.size) {
    return inconsistency(`the log shrank from size ${old.size} to ${current.size}`);
  }
  if (current.size === old.size) {
    if (!current.rootHash.equals(old.rootHash)) return inconsistency(`split view: the log now signs another root for size ${old.size}`);
    say(`unchanged since ${stored!.verifiedAt}`);
    // The same tree; the newer note may carry more cosignatures.
    return { outcome: { kind: 'unchanged', size: current.size, rootHash: b64(current.rootHash) }, state: state(previous.leaves) };
  }
  const proof = await consistency(old.size);
  if (!proof) return inconsistency(`the consistency proof from size ${old.size} to ${current.size} does not verify`);
  const added = await readLeaves(old.size, current.size);
  const leaves = [...previous.leaves, ...added];
  if (!merkleRoot(leaves).equals(current.rootHash)) fail(`the leaf hashes of entries ${old.size} to ${current.size - 1} served do not hash to the signed root`);
  say(`consistent with the verified checkpoint of size ${old.size}; ${added.length} new leaf hash(es) verified`);
  return { outcome: { kind: 'extended', from: old.size, size: current.size, rootHash: b64(current.rootHash) }, state: state(leaves) };

  /** Does the current tree extend the verified tree of size s (a prefix of the stored one)? */
  async function consistency(s: number): Promise<boolean> {
    const oldRoot = s === old.size ? old.rootHash : merkleRoot(previous!.leaves.slice(0, s));
    if (s === 0) return true;
    if (s === current.size) return oldRoot.equals(current.rootHash);
    const answer = await getJson<{ proof?: unknown }>(`${api}/proof/consistency?from=${s}&to=${current.size}`);
    const hashes = (Array.isArray(answer.proof) ? answer.proof : []).map((p) => Buffer.from(String(p), 'base64'));
    return hashes.length === consistencyProofRanges(s, current.size).length && verifyConsistency(s, current.size, hashes, oldRoot, current.rootHash);
  }

  /**
   * Bisects for the first tree size at which the current log differs from the verified history:
   * the smallest s whose verified root the current tree does not extend (consistency proofs from s
   * to the current size against the roots recomputed from the stored leaves). Then reports it.
   */
  async function inconsistency(what: string): Promise<never> {
    let lo = 0;
    let hi = Math.min(old.size, current.size);
    let first: number | null = null;
    let note: string | null = null;
    const lines: string[] = [];
    try {
      if (await consistency(hi)) {
        // Only when the log shrank: what is left is a prefix; the first size it lost is the first inconsistent.
        first = hi + 1;
      } else {
        while (hi - lo > 1) {
          const mid = lo + Math.floor((hi - lo) / 2);
          if (await consistency(mid)) lo = mid;
          else hi = mid;
        }
        first = hi;
      }
    } catch (error) {
      if (!(error instanceof FetchFailure)) throw error;
      note = `the first inconsistent size was not found: ${error.message}`;
    }
    lines.push(`INCONSISTENT: ${what}`);
    lines.push(`  log              ${old.origin} (${monitoredLogKey(campaignUrl)})`);
    if (first !== null) lines.push(`  first inconsistent size: ${first}`);
    else lines.push(`  ${note}`);
    lines.push(`  verified         size ${old.size}, root ${b64(old.rootHash)} (at ${stored!.verifiedAt})`);
    lines.push(`  now signed       size ${current.size}, root ${b64(current.rootHash)}`);
    if (first !== null && first <= current.size) {
      const index = first - 1;
      const verifiedRoot = merkleRoot(previous!.leaves.slice(0, first));
      let nowRoot = 'not served';
      let nowLeaf = 'not served';
      // Details for the report; the inconsistency is established already, so a failure here is only noted.
      try {
        const text = String((await getJson<{ note?: unknown }>(`${api}/checkpoint?size=${first}`)).note);
        try {
          nowRoot = `${b64(verifyCheckpoint(text, key).rootHash)} (signed)`;
        } catch (error) {
          nowRoot = `unsigned (${(error as Error).message})`;
        }
        const inclusion = await getJson<{ leafHash?: unknown; proof?: unknown }>(`${api}/proof/inclusion?index=${index}&size=${current.size}`);
        const leaf = typeof inclusion.leafHash === 'string' && /^[0-9a-f]{64}$/.test(inclusion.leafHash) ? Buffer.from(inclusion.leafHash, 'hex') : null;
        const path = (Array.isArray(inclusion.proof) ? inclusion.proof : []).map((p) => Buffer.from(String(p), 'base64'));
        if (leaf) nowLeaf = `${leaf.toString('hex')}${verifyInclusion(index, current.size, leaf, path, current.rootHash) ? '' : ' (its inclusion proof does not verify)'}`;
      } catch (error) {
        if (!(error instanceof FetchFailure)) throw error;
      }
      lines.push(`  tree of size ${first}: root ${b64(verifiedRoot)} when verified, ${nowRoot} now`);
      lines.push(`  entry ${index}: leaf hash ${previous!.leaves[index].toString('hex')} when verified, ${nowLeaf} now`);
    } else if (first !== null) {
      lines.push(`  entries ${current.size} to ${old.size - 1} are gone from the log`);
    }
    lines.push('  the checkpoint now signed (evidence):');
    for (const line of current.text.trimEnd().split('\n')) lines.push(`    ${line}`);
    const reason = `${what}; ${first !== null ? `first inconsistent size ${first}` : 'first inconsistent size not found'} (verified size ${old.size} root ${b64(old.rootHash)}, now size ${current.size} root ${b64(current.rootHash)})`;
    throw new InconsistencyFound(reason, first, lines);
  }
}
