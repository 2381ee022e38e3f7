import { createHash } from 'node:crypto';

/**
 * RFC 6962 / RFC 9162 Merkle tree hashing, proofs and the compact frontier.
 * All positions are plain numbers (safe up to 2^53) and never use 32-bit bit operators.
 */
export const HASH_SIZE = 32;

const EMPTY = createHash('sha256').digest();

export function emptyRoot(): Buffer {
  return Buffer.from(EMPTY);
}

/** Leaf hash: SHA-256(0x00 || data). */
export function leafHash(data: Uint8Array): Buffer {
  return createHash('sha256').update(Buffer.from([0])).update(data).digest();
}

/** Interior node hash: SHA-256(0x01 || left || right). */
export function nodeHash(left: Uint8Array, right: Uint8Array): Buffer {
  return createHash('sha256').update(Buffer.from([1])).update(left).update(right).digest();
}

/** The largest power of two strictly smaller than n (n >= 2). */
export function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** MTH over already leaf-hashed entries: the direct, recursive definition (reference and tests). */
export function merkleRoot(leafHashes: readonly Uint8Array[]): Buffer {
  const n = leafHashes.length;
  if (n === 0) return emptyRoot();
  if (n === 1) return Buffer.from(leafHashes[0]);
  const k = splitPoint(n);
  return nodeHash(merkleRoot(leafHashes.slice(0, k)), merkleRoot(leafHashes.slice(k)));
}

/** A range [start, end) of leaves whose MTH a proof needs. */
export interface LeafRange {
  start: number;
  end: number;
}

/** A perfect, aligned subtree: leaves [index * 2^level, (index + 1) * 2^level). */
export interface NodeRef {
  level: number;
  index: number;
}

export function assertSize(value: number, what: string): void {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`${what} must be a non-negative integer`);
}

/**
 * PATH(m, D[n]) of RFC 6962 2.1.1 as the ranges whose hashes form the audit path, leaf to root.
 */
export function inclusionProofRanges(index: number, size: number): LeafRange[] {
  assertSize(index, 'index');
  assertSize(size, 'size');
  if (index >= size) throw new RangeError('index must be smaller than the tree size');
  const out: LeafRange[] = [];
  const walk = (m: number, start: number, end: number): void => {
    const n = end - start;
    if (n <= 1) return;
    const k = splitPoint(n);
    if (m < k) {
      walk(m, start, start + k);
      out.push({ start: start + k, end });
    } else {
      walk(m - k, start + k, end);
      out.push({ start, end: start + k });
    }
  };
  walk(index, 0, size);
  return out;
}

/** PROOF(m, D[n]) of RFC 6962 2.1.2 (SUBPROOF with b = true) as ranges; empty when m is 0 or m = n. */
export function consistencyProofRanges(first: number, second: number): LeafRange[] {
  assertSize(first, 'first size');
  assertSize(second, 'second size');
  if (first > second) throw new RangeError('the first size must not exceed the second');
  if (first === 0 || first === second) return [];
  const out: LeafRange[] = [];
  const sub = (m: number, start: number, end: number, b: boolean): void => {
    const n = end - start;
    if (m === n) {
      if (!b) out.push({ start, end });
      return;
    }
    const k = splitPoint(n);
    if (m <= k) {
      sub(m, start, start + k, b);
      out.push({ start: start + k, end });
    } else {
      sub(m - k, start + k, end, false);
      out.push({ start, end: start + k });
    }
  };
  sub(first, 0, second, true);
  return out;
}

/**
 * The perfect subtrees that make up a range reached by the RFC recursion (start is a multiple of a
 * power of two at least as large as the range), largest first: one per set bit of the length.
 */
export function rangeNodes(range: LeafRange): NodeRef[] {
  const out: NodeRef[] = [];
  let start = range.start;
  let remaining = range.end - range.start;
  while (remaining > 0) {
    let size = 1;
    let level = 0;
    while (size * 2 <= remaining) {
      size *= 2;
      level++;
    }
    if (start % size !== 0) throw new RangeError(`range [${range.start}, ${range.end}) is not aligned`);
    out.push({ level, index: start / size });
    start += size;
    remaining -= size;
  }
  return out;
}

/** Folds perfect subtree hashes (largest first) into the range's MTH: right to left, as RFC 6962 splits. */
export function foldRange(hashes: readonly Uint8Array[]): Buffer {
  if (hashes.length === 0) return emptyRoot();
  let acc: Buffer = Buffer.from(hashes[hashes.length - 1]);
  for (let i = hashes.length - 2; i >= 0; i--) acc = nodeHash(hashes[i], acc);
  return acc;
}

export const nodeKey = (ref: NodeRef): string => `${ref.level}:${ref.index}`;

/** Hashes of perfect subtrees, looked up by `nodeKey`. */
export type NodeLookup = (ref: NodeRef) => Uint8Array;

export function hashRange(range: LeafRange, lookup: NodeLookup): Buffer {
  return foldRange(rangeNodes(range).map(lookup));
}

/**
 * Interior nodes below this level are not stored: a proof computes each from its leaves (at most
 * four), so an append writes about one node per four leaves instead of one per leaf.
 */
export const STORED_NODE_MIN_LEVEL = 3;

/** Whether a node completed by an append is kept in the node store. */
export const isStoredNode = (ref: { level: number }): boolean => ref.level >= STORED_NODE_MIN_LEVEL;

/** What a store reads for these nodes: stored ones as they are, lower interior ones as their leaves. */
export function storedRefs(refs: readonly NodeRef[]): NodeRef[] {
  const seen = new Map<string, NodeRef>();
  for (const ref of refs) {
    if (ref.level === 0 || isStoredNode(ref)) seen.set(nodeKey(ref), ref);
    else for (let i = ref.index * 2 ** ref.level; i < (ref.index + 1) * 2 ** ref.level; i++) seen.set(nodeKey({ level: 0, index: i }), { level: 0, index: i });
  }
  return [...seen.values()];
}

/** A lookup over what `storedRefs` read that also answers the unstored interior nodes, hashed from their leaves. */
export function withUnstoredNodes(lookup: NodeLookup): NodeLookup {
  const find = (ref: NodeRef): Uint8Array => (ref.level === 0 || isStoredNode(ref)
    ? lookup(ref)
    : nodeHash(find({ level: ref.level - 1, index: ref.index * 2 }), find({ level: ref.level - 1, index: ref.index * 2 + 1 })));
  return find;
}

/** Every perfect node a set of ranges needs, deduplicated: what a store fetches in one read. */
export function nodesFor(ranges: readonly LeafRange[]): NodeRef[] {
  const seen = new Map<string, NodeRef>();
  for (const range of ranges) for (const ref of rangeNodes(range)) seen.set(nodeKey(ref), ref);
  return [...seen.values()];
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(Buffer.from(a), Buffer.from(b)) === 0;
}

/** RFC 9162 2.1.3.2: verifies that `leaf` is at `index` in the tree of `size` with `root`. */
export function verifyInclusion(index: number, size: number, leaf: Uint8Array, proof: readonly Uint8Array[], root: Uint8Array): boolean {
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(size) || index < 0 || index >= size) return false;
  let fn = index;
  let sn = size - 1;
  let r: Buffer = Buffer.from(leaf);
  for (const p of proof) {
    if (p.length !== HASH_SIZE || sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(p, r);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && equalBytes(r, root);
}

/** RFC 9162 2.1.4.2: verifies that the tree (first, firstRoot) is a prefix of (second, secondRoot). */
export function verifyConsistency(
  first: number,
  second: number,
  proof: readonly Uint8Array[],
  firstRoot: Uint8Array,
  secondRoot: Uint8Array,
): boolean {
  if (!Number.isSafeInteger(first) || !Number.isSafeInteger(second) || first < 0 || first > second) return false;
  if (first === second) return proof.length === 0 && equalBytes(firstRoot, secondRoot);
  // Every tree extends the empty tree; nothing to prove.
  if (first === 0) return proof.length === 0 && equalBytes(firstRoot, emptyRoot());
  if (proof.length === 0 || proof.some((p) => p.length !== HASH_SIZE)) return false;
  const path = isPowerOfTwo(first) ? [firstRoot, ...proof] : [...proof];
  let fn = first - 1;
  let sn = second - 1;
  while (fn % 2 === 1) {
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  let fr: Buffer = Buffer.from(path[0]);
  let sr: Buffer = Buffer.from(path[0]);
  for (const c of path.slice(1)) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      while (fn % 2 === 0 && fn !== 0) {
        fn = Math.floor(fn / 2);
        sn = Math.floor(sn / 2);
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && equalBytes(fr, firstRoot) && equalBytes(sr, secondRoot);
}

function isPowerOfTwo(n: number): boolean {
  let k = 1;
  while (k < n) k *= 2;
  return k === n;
}

/**
 * The compact frontier ("stored frontier"): the roots of the perfect subtrees along the right edge,
 * largest first, one per set bit of the size. Appending touches O(log n) hashes.
 */
export interface AppendResult {
  frontier: Buffer[];
  /** Interior nodes completed by this append (level >= 1), to store in the node cache. */
  newNodes: { level: number; index: number; hash: Buffer }[];
  root: Buffer;
}

export function appendToFrontier(frontier: readonly Buffer[], size: number, leaf: Buffer): AppendResult {
  assertSize(size, 'size');
  if (frontier.length !== popcount(size)) throw new RangeError('frontier does not match the tree size');
  const next = [...frontier];
  const newNodes: AppendResult['newNodes'] = [];
  let node: Buffer = leaf;
  let index = size;
  let level = 0;
  while (index % 2 === 1) {
    const left = next.pop() as Buffer;
    node = nodeHash(left, node);
    index = (index - 1) / 2;
    level++;
    newNodes.push({ level, index, hash: node });
  }
  next.push(node);
  return { frontier: next, newNodes, root: foldRange(next) };
}

export function popcount(n: number): number {
  let count = 0;
  let x = n;
  while (x > 0) {
    count += x % 2;
    x = Math.floor(x / 2);
  }
  return count;
}

/** The frontier's node references for a size (what a store would read to rebuild it). */
export function frontierNodes(size: number): NodeRef[] {
  return size === 0 ? [] : rangeNodes({ start: 0, end: size });
}

export function encodeFrontier(frontier: readonly Buffer[]): Buffer {
  return Buffer.concat(frontier);
}

export function decodeFrontier(bytes: Buffer): Buffer[] {
  if (bytes.length % HASH_SIZE !== 0) throw new RangeError('stored frontier is corrupt');
  const out: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += HASH_SIZE) out.push(Buffer.from(bytes.subarray(i, i + HASH_SIZE)));
  return out;
}
