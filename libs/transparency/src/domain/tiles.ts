import { HASH_SIZE, LeafRange, merkleRoot, NodeRef, nodeKey, nodesFor, rangeNodes, foldRange, inclusionProofRanges, consistencyProofRanges, emptyRoot, hashRange } from './merkle.js';

/**
 * The log as C2SP tlog-tiles (https://c2sp.org/tlog-tiles): static resources any mirror can serve.
 *
 * - Hash tiles `tile/<L>/<N>[.p/<W>]`: the n-th tile at level l holds, for i in 0..255, the Merkle
 *   Tree Hash of leaves [(n·256 + i)·256^l, (n·256 + i + 1)·256^l), i.e. the tree's nodes at height
 *   8·l, indexes n·256 + i (level-0 tiles hold the leaf hashes). A full tile is 256 hashes (8,192
 *   bytes); the rightmost tile of a level is partial: floor(size / 256^l) mod 256 hashes, never empty.
 * - Entry bundles `tile/entries/<N>[.p/<W>]`: the leaves of level-0 tile N, each a big-endian uint16
 *   length and the entry's bytes (whose RFC 6962 leaf hash is the tile's hash at that position).
 * - `<N>` is written in 3-digit groups, all but the last prefixed `x` (1234067: `x001/x234/067`).
 *
 * Pure: paths, which tiles a tree of a size has, and the hashes, proofs and root computed from tiles.
 */
export const TILE_HEIGHT = 8;
export const TILE_WIDTH = 256;
/** A level is a decimal between 0 and 63 (the spec's bound: 256^63 leaves is beyond any log). */
export const MAX_TILE_LEVEL = 63;
/** The largest entry an entry bundle can hold (its length is a uint16). */
export const MAX_BUNDLE_ENTRY = 0xffff;

/** A hash tile (level ≥ 0) or, with `level: 'entries'`, an entry bundle. `width` 1..256 (256: full). */
export interface Tile {
  level: number;
  index: number;
  width: number;
}
export interface BundleRef {
  level: 'entries';
  index: number;
  width: number;
}

const pow256 = (level: number): number => 256 ** level;

/** `N` as the spec writes it: zero-padded 3-digit groups, all but the last prefixed with `x`. */
export function encodeTileIndex(index: number): string {
  if (!Number.isSafeInteger(index) || index < 0) throw new RangeError('tile index must be a non-negative integer');
  let digits = String(index);
  while (digits.length % 3 !== 0) digits = `0${digits}`;
  const groups = digits.match(/.{3}/g) as string[];
  return groups.map((g, i) => (i < groups.length - 1 ? `x${g}` : g)).join('/');
}

/** The path of a tile or bundle below the log's prefix: `tile/0/x001/067.p/12`, `tile/entries/000`. */
export function tilePath(tile: Tile | BundleRef): string {
  if (!Number.isSafeInteger(tile.width) || tile.width < 1 || tile.width > TILE_WIDTH) throw new RangeError('tile width must be between 1 and 256');
  if (tile.level !== 'entries' && (!Number.isInteger(tile.level) || tile.level < 0 || tile.level > MAX_TILE_LEVEL)) throw new RangeError('tile level must be between 0 and 63');
  return `tile/${tile.level}/${encodeTileIndex(tile.index)}${tile.width < TILE_WIDTH ? `.p/${tile.width}` : ''}`;
}

const TILE_PATH = /^(entries|0|[1-9][0-9]?)\/((?:x[0-9]{3}\/)*[0-9]{3})(?:\.p\/([1-9][0-9]{0,2}))?$/;

/**
 * Parses what follows `tile/` in a request path, strictly as the spec writes it: a level between 0
 * and 63 (or `entries`) without leading zeros, the index in canonical 3-digit groups (no leading
 * `x000` group), a width between 1 and 255 without leading zeros after `.p/`. Null otherwise.
 */
export function parseTilePath(path: string): Tile | BundleRef | null {
  const match = TILE_PATH.exec(path);
  if (!match) return null;
  const level = match[1] === 'entries' ? 'entries' : Number(match[1]);
  if (level !== 'entries' && level > MAX_TILE_LEVEL) return null;
  const index = Number(match[2].replace(/x|\//g, ''));
  if (!Number.isSafeInteger(index) || encodeTileIndex(index) !== match[2]) return null;
  const width = match[3] === undefined ? TILE_WIDTH : Number(match[3]);
  if (match[3] !== undefined && width >= TILE_WIDTH) return null;
  return level === 'entries' ? { level, index, width } : { level, index, width };
}

/** How many hashes the tiles of a level hold in a tree of `size` leaves: its complete nodes at height 8·level. */
export function levelWidth(level: number, size: number): number {
  return Math.floor(size / pow256(level));
}

/** The width of tile `index` at `level` in a tree of `size` (0: the tile does not exist yet). Bundles are level 0. */
export function tileWidth(level: number | 'entries', index: number, size: number): number {
  const available = levelWidth(level === 'entries' ? 0 : level, size) - index * TILE_WIDTH;
  return Math.max(0, Math.min(TILE_WIDTH, available));
}

/** Whether a tree of `size` leaves has this tile at this width: a full tile once complete, a partial one of any width it reached. */
export function isTileCovered(tile: Tile | BundleRef, size: number): boolean {
  return tile.width >= 1 && tile.width <= tileWidth(tile.level, tile.index, size);
}

/** Every hash tile of a tree of `size`, level by level: full tiles, then the level's partial tile if any. */
export function tilesForSize(size: number): Tile[] {
  const out: Tile[] = [];
  for (let level = 0; level <= MAX_TILE_LEVEL; level++) {
    const n = levelWidth(level, size);
    if (n === 0) break;
    for (let index = 0; index * TILE_WIDTH < n; index++) out.push({ level, index, width: Math.min(TILE_WIDTH, n - index * TILE_WIDTH) });
  }
  return out;
}

/** The entry bundles of a tree of `size`: one per level-0 tile, with its width. */
export function bundlesForSize(size: number): BundleRef[] {
  return tilesForSize(size).filter((t) => t.level === 0).map((t) => ({ level: 'entries', index: t.index, width: t.width }));
}

/** The partial tiles of a tree of `size` (what the root needs: every right-edge subtree lies in one). */
export function partialTiles(size: number): Tile[] {
  const out: Tile[] = [];
  for (let level = 0, n = levelWidth(0, size); n > 0 && level <= MAX_TILE_LEVEL; n = levelWidth(++level, size)) {
    if (n % TILE_WIDTH !== 0) out.push({ level, index: Math.floor(n / TILE_WIDTH), width: n % TILE_WIDTH });
  }
  return out;
}

/** Where a perfect subtree's hash comes from: `count` consecutive hashes of one tile (a power of two), from `offset`. */
export function tileForNode(ref: NodeRef, size: number): { tile: Tile; offset: number; count: number } {
  const level = Math.floor(ref.level / TILE_HEIGHT);
  const count = 2 ** (ref.level - level * TILE_HEIGHT);
  const start = ref.index * count;
  const index = Math.floor(start / TILE_WIDTH);
  const width = tileWidth(level, index, size);
  const offset = start - index * TILE_WIDTH;
  if (offset + count > width) throw new RangeError(`node ${nodeKey(ref)} is not complete in a tree of size ${size}`);
  return { tile: { level, index, width }, offset, count };
}

export const tileKey = (tile: Tile | BundleRef): string => `${tile.level}/${tile.index}`;

/** The tiles (at their widths for `size`) holding every node the ranges need: what a client fetches first. */
export function tilesForRanges(ranges: readonly LeafRange[], size: number): Tile[] {
  const seen = new Map<string, Tile>();
  for (const ref of nodesFor(ranges.filter((r) => r.end > r.start))) {
    const { tile } = tileForNode(ref, size);
    seen.set(tileKey(tile), tile);
  }
  return [...seen.values()];
}

/** Fetched tiles by `tileKey`: bytes of at least the width the lookup needs. */
export type TileLookup = (tile: Tile) => Uint8Array | undefined;

/** The hashes of a tile's bytes; throws when the length is not a whole number of hashes or the width is wrong. */
export function tileHashes(bytes: Uint8Array, width?: number): Buffer[] {
  if (bytes.length % HASH_SIZE !== 0 || bytes.length === 0 || bytes.length > TILE_WIDTH * HASH_SIZE) throw new RangeError('a tile is 1 to 256 hashes of 32 bytes');
  if (width !== undefined && bytes.length !== width * HASH_SIZE) throw new RangeError(`the tile holds ${bytes.length / HASH_SIZE} hashes, not ${width}`);
  const out: Buffer[] = [];
  for (let at = 0; at < bytes.length; at += HASH_SIZE) out.push(Buffer.from(bytes.subarray(at, at + HASH_SIZE)));
  return out;
}

/** A perfect subtree's hash from the tiles of a tree of `size`. */
export function nodeFromTiles(ref: NodeRef, size: number, lookup: TileLookup): Buffer {
  const { tile, offset, count } = tileForNode(ref, size);
  const bytes = lookup(tile);
  if (bytes === undefined) throw new RangeError(`tile ${tilePath(tile)} is missing`);
  if (bytes.length < (offset + count) * HASH_SIZE) throw new RangeError(`tile ${tilePath(tile)} is too short`);
  const hashes = tileHashes(bytes.subarray(offset * HASH_SIZE, (offset + count) * HASH_SIZE));
  return merkleRoot(hashes);
}

/** The MTH of a leaf range (as the RFC recursion reaches it) from tiles. */
export function rangeFromTiles(range: LeafRange, size: number, lookup: TileLookup): Buffer {
  return hashRange(range, (ref) => nodeFromTiles(ref, size, lookup));
}

/** The root of the tree of `size` from its tiles (only the partial tiles are read). */
export function rootFromTiles(size: number, lookup: TileLookup): Buffer {
  return size === 0 ? emptyRoot() : foldRange(rangeNodes({ start: 0, end: size }).map((ref) => nodeFromTiles(ref, size, lookup)));
}

/** RFC 9162 inclusion proof of `index` in the tree of `size`, from tiles (`tilesForRanges(inclusionProofRanges(…))`). */
export function inclusionProofFromTiles(index: number, size: number, lookup: TileLookup): Buffer[] {
  return inclusionProofRanges(index, size).map((range) => rangeFromTiles(range, size, lookup));
}

/** RFC 9162 consistency proof from `first` to `second`, from the tiles of the tree of `second`. */
export function consistencyProofFromTiles(first: number, second: number, lookup: TileLookup): Buffer[] {
  return consistencyProofRanges(first, second).map((range) => rangeFromTiles(range, second, lookup));
}

/**
 * Every level's complete hashes computed from the leaf hashes: `levels[l]` holds the tree's nodes at
 * height 8·l (level 0: the leaves). Tile (l, n) of a tree of that size is `levels[l]` from n·256, at
 * its width. O(n): each level hashes the full groups of 256 of the one below.
 */
export function tileLevelsFromLeaves(leafHashes: readonly Buffer[]): Buffer[][] {
  const levels: Buffer[][] = [[...leafHashes]];
  for (;;) {
    const below = levels[levels.length - 1];
    if (below.length < TILE_WIDTH) break;
    const next: Buffer[] = [];
    for (let at = 0; at + TILE_WIDTH <= below.length; at += TILE_WIDTH) next.push(merkleRoot(below.slice(at, at + TILE_WIDTH)));
    levels.push(next);
  }
  return levels;
}

/** A tile's bytes from `tileLevelsFromLeaves`. */
export function tileFromLevels(levels: readonly Buffer[][], tile: Tile): Buffer {
  const hashes = levels[tile.level]?.slice(tile.index * TILE_WIDTH, tile.index * TILE_WIDTH + tile.width) ?? [];
  if (hashes.length !== tile.width) throw new RangeError(`tile ${tilePath(tile)} is beyond the tree`);
  return Buffer.concat(hashes);
}

/** An entry bundle: each entry as a big-endian uint16 length and its bytes. */
export function encodeEntryBundle(entries: readonly Uint8Array[]): Buffer {
  const parts: Buffer[] = [];
  for (const entry of entries) {
    if (entry.length > MAX_BUNDLE_ENTRY) throw new RangeError(`an entry of ${entry.length} bytes does not fit an entry bundle`);
    const length = Buffer.alloc(2);
    length.writeUInt16BE(entry.length);
    parts.push(length, Buffer.from(entry.buffer, entry.byteOffset, entry.length));
  }
  return Buffer.concat(parts);
}

/** The entries of a bundle; throws when the bytes end inside a length or an entry. */
export function decodeEntryBundle(bytes: Uint8Array): Buffer[] {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  const out: Buffer[] = [];
  let at = 0;
  while (at < buffer.length) {
    if (at + 2 > buffer.length) throw new RangeError('the entry bundle ends inside a length');
    const length = buffer.readUInt16BE(at);
    at += 2;
    if (at + length > buffer.length) throw new RangeError('the entry bundle ends inside an entry');
    out.push(Buffer.from(buffer.subarray(at, at + length)));
    at += length;
  }
  return out;
}
