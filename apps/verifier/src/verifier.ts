// The independent verifier: trusts nothing the server says that it cannot recompute. It depends only
// on the pure transparency domain (deep relative import on purpose: no Nest, no database driver), so
// it can be copied out and run by anyone with Node.
import {
  appendToFrontier, CheckpointError, checkPersonalFields, COMMITTED_LEAF_VERSION, consistencyProofRanges, donorBounds, isTermChangeList, KIND_SIGN, LEAF_VERSION, parseCheckpoint, isOfflineKind, OFFLINE_GIFT_METHODS, parseOfflineVoidPurpose,
  TERMS_LEAF_VERSION, DESIGNATED_LEAF_VERSION, SPLIT_LEAF_VERSION, DesignationReplay, designationOf, parseVerifierKey, PUBLIC_ENTRY_KINDS, publicLeafHash, reportFromEntries, SignedCheckpoint, toLeaf, verifyCheckpoint, verifyConsistency, VerifierKey,
  merkleRoot, foldRange, formatVerifierKey, ReceiptProofResult, ServedEntry, PersonalField, RedactionReasonCode, PublicLeaf, parseEvidencePurpose, evidenceFilePath, type EvidenceReference,
} from '../../../libs/transparency/src/domain/index.js';
import { createHash } from 'node:crypto';
import { describeCosignatures, QuorumFailure, requireQuorum, WitnessPolicy } from './witness-quorum.js';

export type FetchLike = (url: string, init?: { headers?: Record<string, string> }) => Promise<{ ok: boolean; status: number; text(): Promise<string> }>;

export interface VerifyOptions {
  fetch?: FetchLike;
  /** Pinned verifier key (`name+hash+base64`); otherwise the one published at /.well-known is used. */
  key?: string;
  /** A checkpoint saved earlier (signed-note text): the log must extend it. */
  previousCheckpoint?: string;
  /** Witnesses whose cosignatures count, and how many are required (`--witness`, `--quorum`). */
  witnesses?: WitnessPolicy;
  log?: (line: string) => void;
  /** GETs an evidence file's bytes (null: not found); global fetch by default. */
  fetchBytes?: (url: string) => Promise<Buffer | null>;
}

async function defaultFetchBytes(url: string): Promise<Buffer | null> {
  const response = await fetch(url);
  if (response.status === 404) return null;
  if (!response.ok) throw new Error(`GET ${url}: ${response.status}`);
  return Buffer.from(await response.arrayBuffer());
}

export interface VerifyResult {
  origin: string;
  size: number;
  rootHash: string;
  checkpoint: string;
  campaignId: string;
  entries: number;
  report: ReturnType<typeof reportFromEntries>;
  /**
   * Personal fields removed from entries (erasure, moderation), in entry order. `unverifiable`: a
   * format-1/2 entry, whose leaf hashed the removed value: its leaf hash could not be recomputed and
   * the served one was used (the tree still binds it; its clear fields are checked against it no more).
   */
  redactions: { index: number; field: PersonalField; reason: RedactionReasonCode; note: string | null; at: string; unverifiable: boolean }[];
  /** The report's reconciliation section as served: the platform's statement, printed, not verified (reconciliation-lines.ts). */
  reconciliation: unknown;
}

export class VerificationFailure extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'VerificationFailure';
  }
}

const fail = (reason: string): never => {
  throw new VerificationFailure(reason);
};

/** Splits a campaign URL (…/c/<slug>[/ledger]) into the site and the slug. */
export function parseCampaignUrl(text: string): { site: string; slug: string } {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return fail(`not a URL: ${text}`);
  }
  const match = /^\/c\/([a-z0-9]+(?:-[a-z0-9]+)*)(?:\/.*)?$/.exec(url.pathname);
  if (!match) fail('the campaign URL must look like https://host/c/<campaign>');
  return { site: url.origin, slug: (match as RegExpExecArray)[1] };
}

/** GETs of the site's public JSON: any failure (HTTP status, not JSON) rejects the verification. */
export function httpReader(options: { fetch?: FetchLike }) {
  const doFetch: FetchLike = options.fetch ?? ((url, init) => fetch(url, init));
  const get = async (url: string): Promise<string> => {
    const res = await doFetch(url, { headers: { accept: 'application/json' } });
    if (!res.ok) fail(`${url} answered HTTP ${res.status}`);
    return res.text();
  };
  const getJson = async <T>(url: string): Promise<T> => {
    const text = await get(url);
    try {
      return JSON.parse(text) as T;
    } catch {
      return fail(`${url} did not answer JSON`);
    }
  };
  return { get, getJson };
}

/** What the entry checks carry from one entry to the next, in leaf order. */
export interface EntryCheckState {
  campaignId: string;
  currency: string | null;
  balance: bigint;
  /**
   * Offline gifts seen so far (index → amount and designation) and those already voided, and the
   * offline money per designation (recorded less voided: never paid out); created on the first one.
   */
  offline?: { gifts: Map<number, { amount: string; designation: string }>; voided: Set<number>; byDesignation?: Map<string, bigint> };
  /** Payout entries seen so far: an evidence entry must name one of them. */
  payouts?: Set<number>;
  /** Evidence entries seen (index → what they commit to): the CLI lists them so a reader can check each file. */
  evidence?: { index: number; reference: EvidenceReference }[];
  /** Designated funds replayed from the entries (format 4; everything else is general): FIFO draws, no designation overdrawn. */
  designations?: DesignationReplay;
}

/**
 * Offline gifts (recorded by the organization, not verified by the payment processor): a gift's
 * purpose is its method; a void names an earlier offline gift of this log, not voided before, and
 * reverses exactly its amount.
 */
function checkOfflineEntry(leaf: PublicLeaf, i: number, state: EntryCheckState): void {
  const offline = (state.offline ??= { gifts: new Map(), voided: new Set(), byDesignation: new Map() });
  // Format 3, or format 4 with its designation (a campaign that declared designations).
  if (leaf.v !== COMMITTED_LEAF_VERSION && leaf.v !== DESIGNATED_LEAF_VERSION) fail(`entry ${i} (${leaf.kind}) must be leaf format ${COMMITTED_LEAF_VERSION} or ${DESIGNATED_LEAF_VERSION}`);
  const designation = designationOf(leaf);
  const byDesignation = (offline.byDesignation ??= new Map());
  if (leaf.kind === 'offline_gift') {
    if (!(OFFLINE_GIFT_METHODS as readonly unknown[]).includes(leaf.purpose)) fail(`entry ${i} (offline_gift) names no method (${OFFLINE_GIFT_METHODS.join(', ')})`);
    offline.gifts.set(i, { amount: leaf.amount, designation });
    byDesignation.set(designation, (byDesignation.get(designation) ?? 0n) + BigInt(leaf.amount));
    return;
  }
  const target = parseOfflineVoidPurpose(leaf.purpose);
  if (!target) fail(`entry ${i} (offline_gift_void) does not name the gift it voids`);
  const gift = offline.gifts.get(target!.index);
  if (gift === undefined) fail(`entry ${i} voids entry ${target!.index}, which is not an earlier offline gift`);
  if (offline.voided.has(target!.index)) fail(`entry ${i} voids entry ${target!.index} a second time`);
  if (BigInt(leaf.amount) !== -BigInt(gift!.amount)) fail(`entry ${i} voids ${leaf.amount}, but entry ${target!.index} recorded ${gift!.amount}`);
  // A void reverses the gift where it was given: it cannot move offline money from one designation to another.
  if (designation !== gift!.designation) fail(`entry ${i} voids entry ${target!.index} of ${gift!.designation} in ${designation}`);
  if ((leaf.donorHash ?? null) !== null || (leaf.messageHash ?? null) !== null || leaf.donorCommitment !== null) fail(`entry ${i} (offline_gift_void) carries a donor or message`);
  offline.voided.add(target!.index);
  byDesignation.set(designation, (byDesignation.get(designation) ?? 0n) + BigInt(leaf.amount));
}

/**
 * The checks of one entry's leaf fields, at position `i` of the log (the JSON pages' and the tiles'
 * verifiers alike): its index, campaign, kind and leaf format, a term change's shape, the sign of its
 * amount, one currency, and the running balance. `personal` are the donor and message as served
 * (beside a format-3 leaf, or in a format-1/2 leaf).
 */
export function checkEntryFields(leaf: PublicLeaf, personal: { donor: string | null; message: string | null }, i: number, state: EntryCheckState): void {
  if (leaf.index !== i) fail(`entry ${i} is missing or out of order (found index ${String(leaf.index)} at position ${i})`);
  if (leaf.campaign !== state.campaignId) fail(`entry ${i} belongs to another campaign`);
  if (!PUBLIC_ENTRY_KINDS.includes(leaf.kind)) fail(`entry ${i} has an unknown kind ${String(leaf.kind)}`);
  if (leaf.kind === 'terms_changed') {
    // A change of the campaign's terms (leaf format 2, or 3 since): no money, the changes committed in the leaf.
    if (leaf.v !== TERMS_LEAF_VERSION && leaf.v !== COMMITTED_LEAF_VERSION) fail(`entry ${i} (terms_changed) must be leaf format ${TERMS_LEAF_VERSION} or ${COMMITTED_LEAF_VERSION}`);
    if (leaf.amount !== '0') fail(`entry ${i} (terms_changed) moves money`);
    if (!isTermChangeList(leaf.terms)) fail(`entry ${i} (terms_changed) has malformed terms`);
    if (personal.donor !== null || leaf.donorCommitment !== null || personal.message !== null || leaf.purpose !== null || (leaf.donorHash ?? null) !== null || (leaf.messageHash ?? null) !== null) {
      fail(`entry ${i} (terms_changed) carries a donor, message or purpose`);
    }
  } else if (leaf.kind === 'evidence') {
    // A spending evidence file made public for a payout: no money; the purpose names an earlier payout entry and the file's SHA-256.
    if (leaf.v !== COMMITTED_LEAF_VERSION) fail(`entry ${i} (evidence) must be leaf format ${COMMITTED_LEAF_VERSION}`);
    if (leaf.amount !== '0') fail(`entry ${i} (evidence) moves money`);
    const reference = parseEvidencePurpose(leaf.purpose);
    if (!reference) fail(`entry ${i} (evidence) does not name its payout entry and file`);
    if (!state.payouts?.has(reference!.index)) fail(`entry ${i} is evidence for entry ${reference!.index}, which is not an earlier payout`);
    if (personal.donor !== null || leaf.donorCommitment !== null || personal.message !== null || (leaf.donorHash ?? null) !== null || (leaf.messageHash ?? null) !== null) {
      fail(`entry ${i} (evidence) carries a donor or message`);
    }
    (state.evidence ??= []).push({ index: i, reference: reference! });
  } else {
    if (leaf.v !== LEAF_VERSION && leaf.v !== COMMITTED_LEAF_VERSION && leaf.v !== DESIGNATED_LEAF_VERSION && leaf.v !== SPLIT_LEAF_VERSION) {
      fail(`entry ${i} (${leaf.kind}) must be leaf format ${LEAF_VERSION}, ${COMMITTED_LEAF_VERSION}, ${DESIGNATED_LEAF_VERSION} or ${SPLIT_LEAF_VERSION}`);
    }
    // Format 5: a payout split across designations, or its reversal, and nothing else.
    if (leaf.v === SPLIT_LEAF_VERSION && leaf.kind !== 'payout' && leaf.kind !== 'payout_reversal') fail(`entry ${i} (${leaf.kind}) cannot be leaf format ${SPLIT_LEAF_VERSION}`);
    if (leaf.v === DESIGNATED_LEAF_VERSION && (typeof leaf.designation !== 'string' || !/^[a-z0-9]+(-[a-z0-9]+)*$/.test(leaf.designation))) fail(`entry ${i} (format 4) has a malformed designation`);
    if (leaf.kind === 'payout') (state.payouts ??= new Set()).add(i);
    if (typeof leaf.amount !== 'string' || !/^-?[1-9][0-9]*$/.test(leaf.amount)) fail(`entry ${i} has a malformed amount`);
    if ((BigInt(leaf.amount) > 0n ? 1 : -1) !== KIND_SIGN[leaf.kind]) fail(`entry ${i} (${leaf.kind}) moves money the wrong way`);
    if (isOfflineKind(leaf.kind)) checkOfflineEntry(leaf, i, state);
  }
  state.currency ??= leaf.currency;
  if (leaf.currency !== state.currency) fail(`entry ${i} is in ${leaf.currency}, the log is in ${state.currency}`);
  state.balance += BigInt(leaf.amount);
  if (leaf.balance !== state.balance.toString()) fail(`entry ${i} running balance ${leaf.balance} should be ${state.balance}`);
  // Designated funds: every payout's draws (each part's, when split) add up to it and are first in, first out within its
  // designation, never from what refunds and disputes took from a gift; no designation is overdrawn.
  const problems = (state.designations ??= new DesignationReplay()).apply(leaf);
  if (problems.length > 0) fail(problems.join('; '));
}

/**
 * One line per designation the log moved: card gifts, paid out (net of reversals) and what is left;
 * then, apart, its offline gifts (recorded less voided), which are never paid out by transfer.
 */
export function designationLines(state: Pick<EntryCheckState, 'designations' | 'currency' | 'offline'>): string[] {
  const offline = state.offline?.byDesignation ?? new Map<string, bigint>();
  const card = new Map((state.designations?.summary() ?? []).map((d) => [d.designation, d]));
  const names = [...new Set([...card.keys(), ...offline.keys()])].sort();
  const currency = state.currency ?? '';
  return names.flatMap((name) => {
    const d = card.get(name) ?? { gifts: 0n, paidOut: 0n, funds: 0n };
    const off = offline.get(name) ?? 0n;
    if (d.gifts === 0n && d.paidOut === 0n && off === 0n) return [];
    const line = `designation ${name}: gifts ${d.gifts}, paid out ${d.paidOut} (never beyond its funds; every payout's drawn-from list adds up, first in first out), left ${d.funds} ${currency}`.trimEnd();
    return [off === 0n ? line : `${line}; offline ${`${off} ${currency}`.trimEnd()} apart (recorded by the organization, never paid out)`];
  });
}

export async function verifyCampaign(campaignUrl: string, options: VerifyOptions = {}): Promise<VerifyResult> {
  const say = options.log ?? (() => undefined);
  const { site, slug } = parseCampaignUrl(campaignUrl);
  const api = `${site}/api/v1/public/campaigns/${slug}`;
  const { get, getJson } = httpReader(options);

  // 1. The key: pinned, or the published one.
  let key: VerifierKey;
  try {
    key = parseVerifierKey(options.key ?? (await get(`${site}/.well-known/ataa-transparency.pub`)));
  } catch (error) {
    return fail(`the verifier key is unusable: ${(error as Error).message}`);
  }
  say(`key ${key.keyName} (${key.publicKey.toString('base64')})`);

  // 2. A consistent snapshot: the report's size fixes which checkpoint and entries are checked.
  const served = await getJson<{ campaign: { id: string }; size: number; report: ReturnType<typeof reportFromEntries>; reconciliation?: unknown }>(`${api}/report`);
  const campaignId = served.campaign?.id;
  if (typeof campaignId !== 'string') fail('the report names no campaign');
  const size = served.size;
  if (!Number.isSafeInteger(size) || size < 0) fail('the report has no valid size');
  const checkpointView = await getJson<{ note: string }>(`${api}/checkpoint?size=${size}`);
  let checkpoint: SignedCheckpoint;
  try {
    checkpoint = verifyCheckpoint(checkpointView.note, key);
  } catch (error) {
    return fail(`checkpoint rejected: ${(error as Error).message}`);
  }
  const expectedOriginSuffix = `/campaigns/${campaignId}`;
  if (!checkpoint.origin.endsWith(expectedOriginSuffix)) fail(`checkpoint is for another log (${checkpoint.origin}), not campaign ${campaignId}`);
  if (checkpoint.size !== size) fail(`checkpoint size ${checkpoint.size} differs from the requested size ${size}`);
  say(`checkpoint ${checkpoint.origin} size ${size} signature ok`);
  if (options.witnesses) checkQuorum(checkpointView.note, options.witnesses, say);

  // 3. Every entry, in order, recomputed: leaf hash, index, campaign, kind, sign and running balance.
  const entries: ServedEntry[] = [];
  const redactions: VerifyResult['redactions'] = [];
  let frontier: Buffer[] = [];
  let cursor: string | null = null;
  const state: EntryCheckState = { campaignId, currency: null, balance: 0n };
  const prefixRoots = new Map<number, Buffer>();
  const previous = options.previousCheckpoint ? parsePrevious(options.previousCheckpoint, key) : null;
  while (entries.length < size) {
    const page: { entries: ServedEntry[]; page: { next: string | null } } = await getJson(
      `${api}/ledger?order=asc&limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
    );
    if (!Array.isArray(page.entries) || page.entries.length === 0) break;
    for (const served of page.entries) {
      if (entries.length >= size) break;
      const i = entries.length;
      const leaf = toLeaf(served);
      checkEntryFields(leaf, { donor: served.donor ?? null, message: served.message ?? null }, i, state);
      // The personal fields: each commitment opened by its value and salt, or a redaction record.
      const privacy = checkPersonalFields(served);
      if (privacy.problems.length > 0) fail(`entry ${i} was tampered with: ${privacy.problems.join('; ')}`);
      for (const field of privacy.fields) {
        if (field.status !== 'redacted') continue;
        redactions.push({ index: i, field: field.field, reason: field.reason, note: field.note, at: field.at, unverifiable: privacy.leafUnverifiable });
        say(`entry ${i}: ${field.field} redacted (${field.reason}${field.note ? `: ${field.note}` : ''})${privacy.leafUnverifiable ? `, unverifiable (format ${leaf.v})` : ''}`);
      }
      let hash: Buffer;
      if (privacy.leafUnverifiable) {
        // A redacted format-1/2 entry: its leaf hashed the value that is gone. The served leaf hash is
        // used as is (the root still binds it); the entry's own fields are no longer checked against it.
        if (typeof served.leafHash !== 'string' || !/^[0-9a-f]{64}$/.test(served.leafHash)) fail(`entry ${i} has a malformed leaf hash`);
        hash = Buffer.from(served.leafHash, 'hex');
      } else {
        try {
          hash = publicLeafHash(leaf);
        } catch (error) {
          return fail(`entry ${i} cannot be canonicalized: ${(error as Error).message}`);
        }
        if (hash.toString('hex') !== served.leafHash) fail(`entry ${i} was altered: its content hashes to ${hash.toString('hex')}, not the served ${served.leafHash}`);
      }
      frontier = appendToFrontier(frontier, i, hash).frontier;
      entries.push(served);
      if (previous && previous.size === i + 1) prefixRoots.set(i + 1, foldRange(frontier));
    }
    cursor = page.page?.next ?? null;
    if (!cursor) break;
  }
  if (entries.length !== size) fail(`the ledger served ${entries.length} entries, the checkpoint commits to ${size}`);
  const root = foldRange(frontier);
  if (!root.equals(checkpoint.rootHash)) fail('the entries do not hash to the signed root: the ledger was altered, reordered or truncated');
  say(`${size} entries recomputed; root matches the signed checkpoint`);

  // 4. History not rewritten since a checkpoint saved earlier.
  if (previous) {
    if (previous.origin !== checkpoint.origin) fail(`the saved checkpoint is for another log (${previous.origin})`);
    if (previous.size > size) fail(`the saved checkpoint (size ${previous.size}) is newer than the log (size ${size}): the log was truncated`);
    const proof = await getJson<{ proof: string[] }>(`${api}/proof/consistency?from=${previous.size}&to=${size}`);
    const hashes = (proof.proof ?? []).map((p) => Buffer.from(p, 'base64'));
    if (hashes.length !== consistencyProofRanges(previous.size, size).length || !verifyConsistency(previous.size, size, hashes, previous.rootHash, checkpoint.rootHash)) {
      fail(`consistency proof from size ${previous.size} to ${size} fails: the log was rewritten since the saved checkpoint`);
    }
    const recomputed = previous.size === 0 ? merkleRoot([]) : prefixRoots.get(previous.size);
    if (!recomputed || !recomputed.equals(previous.rootHash)) fail(`the first ${previous.size} entries no longer hash to the saved checkpoint: the log was rewritten`);
    say(`consistent with the saved checkpoint of size ${previous.size}`);
  }

  // 5. The report, recomputed from the entries alone. The donor count is exact without redactions;
  // a redacted name may have been one already counted, so it is then checked within its bounds.
  const report = reportFromEntries(served.report?.currency ?? state.currency ?? '', entries);
  const donors = donorBounds(entries);
  const servedDonors = served.report?.donors;
  if (donors.min !== donors.max && typeof servedDonors === 'number' && servedDonors >= donors.min && servedDonors <= donors.max) report.donors = servedDonors;
  const difference = firstDifference(report, served.report);
  if (difference) fail(`the report does not match the entries: ${difference}`);
  say('report totals recomputed from the entries match');
  // 6. Public spending evidence: each file the log commits to is fetched and must hash to the leaf's SHA-256 (never swapped).
  for (const { index, reference } of state.evidence ?? []) {
    const url = `${site}${evidenceFilePath(reference)}`;
    const response = await (options.fetchBytes ?? defaultFetchBytes)(url);
    if (response === null) fail(`entry ${index}: the evidence file ${url} is not served`);
    const hash = createHash('sha256').update(response!).digest('hex');
    if (hash !== reference.sha256 || response!.length !== reference.bytes) fail(`entry ${index}: the evidence file at ${url} does not hash to the SHA-256 in the log (it was swapped)`);
    say(`entry ${index}: evidence file for payout entry ${reference.index} (${reference.mediaType}, ${reference.bytes} bytes) hashes to the log's SHA-256`);
  }
  for (const line of designationLines(state)) say(line);
  if (redactions.length > 0) say(`${redactions.length} personal field(s) redacted; every other commitment opens`);
  if (report.offline.recorded.count > 0) {
    say(`${report.offline.recorded.count} offline gift(s), ${report.offline.voided.count} voided, net ${report.offline.net}: recorded by the organization, not verified by the payment processor`);
  }

  return { origin: checkpoint.origin, size, rootHash: checkpoint.rootHash.toString('base64'), checkpoint: checkpoint.text, campaignId, entries: size, report, redactions, reconciliation: served.reconciliation ?? null };
}

export interface ReceiptLogResult {
  size: number;
  rootHash: string;
  checkpoint: string;
}

/**
 * The online half of receipt mode: the campaign's current log extends the receipt's checkpoint.
 * Takes a receipt that verified offline; fetches the site's key (unless one is pinned), the current
 * checkpoint and a consistency proof from the receipt's tree size to the current one.
 */
export async function verifyReceiptAgainstLog(receipt: ReceiptProofResult, campaignUrl: string, options: Omit<VerifyOptions, 'previousCheckpoint'> = {}): Promise<ReceiptLogResult> {
  const { proof, checkpoint: saved } = receipt;
  if (!receipt.ok || !proof || !saved || !receipt.key) return fail('the receipt did not verify offline');
  const say = options.log ?? (() => undefined);
  const { site, slug } = parseCampaignUrl(campaignUrl);
  if (slug !== proof.campaign.slug) fail(`the receipt is for campaign ${proof.campaign.slug}, not ${slug}`);
  const api = `${site}/api/v1/public/campaigns/${slug}`;
  const { get, getJson } = httpReader(options);

  // 1. The key: the pinned one, or the receipt's, which must be the one the site publishes.
  let key = receipt.key;
  if (!options.key) {
    let published: VerifierKey;
    try {
      published = parseVerifierKey(await get(`${site}/.well-known/ataa-transparency.pub`));
    } catch (error) {
      if (error instanceof VerificationFailure) throw error;
      return fail(`the site's verifier key is unusable: ${(error as Error).message}`);
    }
    if (formatVerifierKey(published) !== formatVerifierKey(key)) fail(`the site publishes key ${formatVerifierKey(published)}, not the receipt's ${formatVerifierKey(key)}`);
    key = published;
    say(`the site publishes the receipt's key ${formatVerifierKey(key)}`);
  }

  // 2. The current checkpoint, signed by the same key, for the same log, no smaller.
  const current = await getJson<{ note: string }>(`${api}/checkpoint`);
  let checkpoint: SignedCheckpoint;
  try {
    checkpoint = verifyCheckpoint(String(current.note), key);
  } catch (error) {
    return fail(`current checkpoint rejected: ${(error as Error).message}`);
  }
  if (checkpoint.origin !== saved.origin) fail(`the current checkpoint is for another log (${checkpoint.origin}), not ${saved.origin}`);
  if (checkpoint.size < saved.size) fail(`the current log (size ${checkpoint.size}) is smaller than the receipt's checkpoint (size ${saved.size}): the log was truncated`);
  say(`current checkpoint size ${checkpoint.size} signature ok`);
  if (options.witnesses) checkQuorum(String(current.note), options.witnesses, say);

  // 3. History not rewritten: the receipt's tree is a prefix of the current one.
  const consistency = await getJson<{ proof: string[] }>(`${api}/proof/consistency?from=${saved.size}&to=${checkpoint.size}`);
  const hashes = (Array.isArray(consistency.proof) ? consistency.proof : []).map((p) => Buffer.from(String(p), 'base64'));
  if (hashes.length !== consistencyProofRanges(saved.size, checkpoint.size).length || !verifyConsistency(saved.size, checkpoint.size, hashes, saved.rootHash, checkpoint.rootHash)) {
    fail(`consistency proof from size ${saved.size} to ${checkpoint.size} fails: the log was rewritten since the receipt's checkpoint`);
  }
  say(`consistency proof from size ${saved.size} to ${checkpoint.size}: the current log extends the receipt's checkpoint`);
  return { size: checkpoint.size, rootHash: checkpoint.rootHash.toString('base64'), checkpoint: checkpoint.text };
}

/** The witness quorum on a checkpoint note; a shortfall rejects the verification, naming each witness not counted. */
export function checkQuorum(note: string, policy: WitnessPolicy, say: (line: string) => void = () => undefined): void {
  try {
    const result = requireQuorum(note, policy);
    say(`cosigned by ${result.valid.length} of ${policy.witnesses.length} witnesses (quorum ${policy.quorum}): ${describeCosignatures(result)}`);
  } catch (error) {
    if (error instanceof QuorumFailure) fail(`witness quorum not met: ${error.message}`);
    return fail(`witness cosignatures unreadable: ${(error as Error).message}`);
  }
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

/** The first path where two JSON values differ, or null. */
export function firstDifference(expected: unknown, actual: unknown, path = 'report'): string | null {
  if (typeof expected !== 'object' || expected === null) {
    return expected === actual ? null : `${path} is ${JSON.stringify(actual)}, the entries give ${JSON.stringify(expected)}`;
  }
  if (typeof actual !== 'object' || actual === null) return `${path} is missing`;
  const keys = new Set([...Object.keys(expected), ...Object.keys(actual)]);
  for (const key of keys) {
    const found = firstDifference((expected as Record<string, unknown>)[key], (actual as Record<string, unknown>)[key], `${path}.${key}`);
    if (found) return found;
  }
  return null;
}
