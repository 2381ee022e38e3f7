import fc from 'fast-check';
import { createHash } from 'node:crypto';
import { consistencyProofRanges, inclusionProofRanges, leafHash, merkleRoot, verifyConsistency, verifyInclusion } from './merkle.js';
import {
  bundlesForSize, consistencyProofFromTiles, decodeEntryBundle, encodeEntryBundle, encodeTileIndex, inclusionProofFromTiles, isTileCovered, parseTilePath,
  partialTiles, rootFromTiles, Tile, tileForNode, tileFromLevels, tileKey, tileLevelsFromLeaves, tilePath, tilesForRanges, tilesForSize, tileWidth,
} from './tiles.js';

/** Deterministic leaf hashes: leaf i is SHA-256(0x00 || "leaf i"). */
const leaves = (n: number): Buffer[] => Array.from({ length: n }, (_, i) => leafHash(Buffer.from(`leaf ${i}`)));
const BIG = leaves(70_000);
const BIG_LEVELS = tileLevelsFromLeaves(BIG);

/** A lookup over the tiles of a tree of `size` that only answers the tiles in `allowed` (when given), at their width. */
function lookupFor(levels: Buffer[][], size: number, allowed?: Tile[]) {
  const fetched: string[] = [];
  const keys = allowed ? new Set(allowed.map((t) => `${tileKey(t)}:${t.width}`)) : null;
  const lookup = (tile: Tile) => {
    expect(tile.width).toBe(tileWidth(tile.level, tile.index, size));
    if (keys && !keys.has(`${tileKey(tile)}:${tile.width}`)) throw new Error(`tile ${tilePath(tile)} was not listed`);
    fetched.push(tilePath(tile));
    return tileFromLevels(levels, tile);
  };
  return { lookup, fetched };
}

describe('tile paths (C2SP tlog-tiles)', () => {
  it('writes the index in zero-padded 3-digit groups, all but the last prefixed with x', () => {
    expect(encodeTileIndex(0)).toBe('000');
    expect(encodeTileIndex(67)).toBe('067');
    expect(encodeTileIndex(999)).toBe('999');
    expect(encodeTileIndex(1000)).toBe('x001/000');
    expect(encodeTileIndex(1234067)).toBe('x001/x234/067');
    expect(tilePath({ level: 0, index: 1234067, width: 256 })).toBe('tile/0/x001/x234/067');
    expect(tilePath({ level: 2, index: 5, width: 17 })).toBe('tile/2/005.p/17');
    expect(tilePath({ level: 'entries', index: 1000, width: 112 })).toBe('tile/entries/x001/000.p/112');
    expect(() => tilePath({ level: 0, index: 0, width: 0 })).toThrow(RangeError);
    expect(() => tilePath({ level: 64, index: 0, width: 256 })).toThrow(RangeError);
  });

  it('parses exactly the paths it writes', () => {
    expect(parseTilePath('0/x001/x234/067')).toEqual({ level: 0, index: 1234067, width: 256 });
    expect(parseTilePath('63/000.p/255')).toEqual({ level: 63, index: 0, width: 255 });
    expect(parseTilePath('entries/x001/000.p/1')).toEqual({ level: 'entries', index: 1000, width: 1 });
    fc.assert(fc.property(fc.integer({ min: 0, max: 63 }), fc.nat({ max: Number.MAX_SAFE_INTEGER }), fc.integer({ min: 1, max: 256 }), fc.boolean(), (level, index, width, entries) => {
      const tile = entries ? ({ level: 'entries', index, width } as const) : { level, index, width };
      expect(parseTilePath(tilePath(tile).slice('tile/'.length))).toEqual(tile);
    }));
  });

  it.each([
    ['00/000', 'a level with a leading zero'],
    ['64/000', 'a level above 63'],
    ['-1/000', 'a negative level'],
    ['0/1', 'an index group of one digit'],
    ['0/0001', 'an index group of four digits'],
    ['0/x000/001', 'a leading zero group'],
    ['0/x001', 'a last group with an x'],
    ['0/001/002', 'an inner group without an x'],
    ['0/000.p/0', 'width 0'],
    ['0/000.p/256', 'width 256 (a full tile has no .p)'],
    ['0/000.p/300', 'width above 256'],
    ['0/000.p/07', 'a width with a leading zero'],
    ['0/000.p/', 'an empty width'],
    ['0/000.p', 'no width'],
    ['entries/000.p/00', 'a width of zeros'],
    ['data/000', 'an unknown kind'],
    ['0/000/', 'a trailing slash'],
    ['0/x9007/x199/x254/x740/x993', 'an index beyond 2^53'],
  ])('refuses %s (%s)', (path) => {
    expect(parseTilePath(path)).toBeNull();
  });
});

describe('which tiles a tree has', () => {
  it('follows the spec examples: 70,000 and 256 leaves', () => {
    const tiles = tilesForSize(70_000);
    const at = (level: number) => tiles.filter((t) => t.level === level);
    expect(at(0)).toHaveLength(274);
    expect(at(0).filter((t) => t.width === 256)).toHaveLength(273);
    expect(at(0)[273]).toEqual({ level: 0, index: 273, width: 112 });
    expect(at(1)).toEqual([{ level: 1, index: 0, width: 256 }, { level: 1, index: 1, width: 17 }]);
    expect(at(2)).toEqual([{ level: 2, index: 0, width: 1 }]);
    expect(at(3)).toEqual([]);
    expect(tilesForSize(256)).toEqual([{ level: 0, index: 0, width: 256 }, { level: 1, index: 0, width: 1 }]);
    expect(tilesForSize(0)).toEqual([]);
    expect(tilesForSize(1)).toEqual([{ level: 0, index: 0, width: 1 }]);
    expect(bundlesForSize(300)).toEqual([{ level: 'entries', index: 0, width: 256 }, { level: 'entries', index: 1, width: 44 }]);
    expect(partialTiles(70_000)).toEqual([{ level: 0, index: 273, width: 112 }, { level: 1, index: 1, width: 17 }, { level: 2, index: 0, width: 1 }]);
  });

  it('partial width at level l is floor(s / 256^l) mod 256; never empty; covered only up to the size', () => {
    fc.assert(fc.property(fc.nat({ max: 100_000 }), fc.nat({ max: 2 ** 52 }), (size, huge) => {
      // The partial tiles of any size, without listing its full tiles.
      for (const tile of partialTiles(huge)) {
        expect(tile.width).toBe(Math.floor(huge / 256 ** tile.level) % 256);
        expect(tile.index).toBe(Math.floor(huge / 256 ** (tile.level + 1)));
      }
      for (const tile of tilesForSize(size)) {
        expect(tile.width).toBeGreaterThan(0);
        if (tile.width < 256) expect(tile.width).toBe(Math.floor(size / 256 ** tile.level) % 256);
        expect(isTileCovered(tile, size)).toBe(true);
        expect(isTileCovered({ ...tile, width: tile.width + 1 }, size)).toBe(false);
        // A tile covered at a size stays covered (at the same width) at every larger size.
        expect(isTileCovered(tile, size + 1 + (size % 1000))).toBe(true);
      }
      // The next tile of level 0 does not exist yet.
      expect(isTileCovered({ level: 0, index: Math.ceil(size / 256), width: 1 }, size)).toBe(false);
    }), { numRuns: 30 });
  });

  it('maps a perfect subtree to the hashes of one tile', () => {
    expect(tileForNode({ level: 0, index: 300 }, 1000)).toEqual({ tile: { level: 0, index: 1, width: 256 }, offset: 44, count: 1 });
    expect(tileForNode({ level: 3, index: 5 }, 1000)).toEqual({ tile: { level: 0, index: 0, width: 256 }, offset: 40, count: 8 });
    expect(tileForNode({ level: 8, index: 0 }, 1000)).toEqual({ tile: { level: 1, index: 0, width: 3 }, offset: 0, count: 1 });
    expect(tileForNode({ level: 9, index: 1 }, 1024)).toEqual({ tile: { level: 1, index: 0, width: 4 }, offset: 2, count: 2 });
    expect(() => tileForNode({ level: 3, index: 1 }, 10)).toThrow(RangeError);
  });
});

describe('hashes, proofs and roots from tiles agree with merkle.ts', () => {
  it('tile hashes are the MTH of the leaves they span', () => {
    // Level-1 hash i = MTH(leaves[256 i, 256 (i + 1))); level-2 hash 0 = MTH(leaves[0, 65536)).
    expect(BIG_LEVELS[1][5].equals(merkleRoot(BIG.slice(5 * 256, 6 * 256)))).toBe(true);
    expect(BIG_LEVELS[2][0].equals(merkleRoot(BIG.slice(0, 65_536)))).toBe(true);
    expect(BIG_LEVELS[1]).toHaveLength(273);
    expect(BIG_LEVELS[2]).toHaveLength(1);
    expect(tileFromLevels(BIG_LEVELS, { level: 0, index: 273, width: 112 })).toEqual(Buffer.concat(BIG.slice(273 * 256, 273 * 256 + 112)));
  });

  it.each([1, 2, 255, 256, 257, 300, 511, 512, 65_535, 65_536, 65_537, 70_000])('the root of %d leaves from its partial tiles alone', (size) => {
    const levels = tileLevelsFromLeaves(BIG.slice(0, size));
    const { lookup, fetched } = lookupFor(levels, size, partialTiles(size).length > 0 ? partialTiles(size) : undefined);
    expect(rootFromTiles(size, lookup).equals(merkleRoot(BIG.slice(0, size)))).toBe(true);
    expect(fetched.every((p) => p.includes('.p/'))).toBe(true);
  });

  it('inclusion and consistency proofs from the listed tiles are RFC 9162 proofs that verify', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 2_000 }), fc.nat(), fc.nat(), (size, a, b) => {
      const tree = BIG.slice(0, size);
      const levels = tileLevelsFromLeaves(tree);
      const root = merkleRoot(tree);
      const index = a % size;
      const needed = tilesForRanges(inclusionProofRanges(index, size), size);
      const proof = inclusionProofFromTiles(index, size, lookupFor(levels, size, needed).lookup);
      expect(proof.map((p) => p.toString('hex'))).toEqual(inclusionProofRanges(index, size).map((r) => merkleRoot(tree.slice(r.start, r.end)).toString('hex')));
      expect(verifyInclusion(index, size, tree[index], proof, root)).toBe(true);
      const first = b % (size + 1);
      const ranges = consistencyProofRanges(first, size);
      const consistency = consistencyProofFromTiles(first, size, lookupFor(levels, size, tilesForRanges(ranges, size)).lookup);
      expect(verifyConsistency(first, size, consistency, merkleRoot(tree.slice(0, first)), root)).toBe(true);
    }), { numRuns: 60 });
  });

  it('proofs deep in a tree of 70,000 leaves read level-1 tiles', () => {
    const size = 70_000;
    const root = merkleRoot(BIG);
    const needed = tilesForRanges(inclusionProofRanges(12_345, size), size);
    // The leaf's own level-0 tile and the partial one, the full level-1 tile 0 and the partial one:
    // the sibling [65536, 70000) is a level-12 node, a level-8 one and small ones of the partial level-0 tile.
    expect(needed.map((t) => `${t.level}/${t.index}.${t.width}`).sort()).toEqual(['0/273.112', '0/48.256', '1/0.256', '1/1.17']);
    const proof = inclusionProofFromTiles(12_345, size, lookupFor(BIG_LEVELS, size, needed).lookup);
    expect(verifyInclusion(12_345, size, BIG[12_345], proof, root)).toBe(true);
    const consistency = consistencyProofFromTiles(65_000, size, lookupFor(BIG_LEVELS, size, tilesForRanges(consistencyProofRanges(65_000, size), size)).lookup);
    expect(verifyConsistency(65_000, size, consistency, merkleRoot(BIG.slice(0, 65_000)), root)).toBe(true);
  });

  it('a tampered tile changes the root', () => {
    const size = 300;
    const levels = tileLevelsFromLeaves(BIG.slice(0, size));
    const lookup = (tile: Tile) => {
      const bytes = Buffer.from(tileFromLevels(levels, tile));
      if (tile.level === 0) bytes[0] ^= 1;
      return bytes;
    };
    expect(rootFromTiles(size, lookup).equals(merkleRoot(BIG.slice(0, size)))).toBe(false);
  });
});

describe('entry bundles', () => {
  it('are uint16 big-endian length-prefixed entries, and decode back', () => {
    const entries = [Buffer.from('{"a":1}'), Buffer.alloc(0), Buffer.from('ü'), Buffer.alloc(0xffff, 7)];
    const bundle = encodeEntryBundle(entries);
    expect(bundle.subarray(0, 9)).toEqual(Buffer.from([0, 7, ...Buffer.from('{"a":1}')]));
    expect(bundle.subarray(9, 11)).toEqual(Buffer.from([0, 0]));
    expect(bundle.subarray(11, 15)).toEqual(Buffer.from([0, 2, 0xc3, 0xbc]));
    expect(decodeEntryBundle(bundle)).toEqual(entries);
    // Each entry hashes (RFC 6962) to its leaf: what a client checks against the level-0 tile.
    expect(decodeEntryBundle(bundle).map((e) => leafHash(e))).toEqual(entries.map((e) => createHash('sha256').update(Buffer.from([0])).update(e).digest()));
  });

  it('refuses an entry too long for a uint16 and a truncated bundle', () => {
    expect(() => encodeEntryBundle([Buffer.alloc(0x10000)])).toThrow(RangeError);
    const bundle = encodeEntryBundle([Buffer.from('abc'), Buffer.from('defg')]);
    expect(() => decodeEntryBundle(bundle.subarray(0, bundle.length - 1))).toThrow(/inside an entry/);
    expect(() => decodeEntryBundle(Buffer.concat([bundle, Buffer.from([0])]))).toThrow(/inside a length/);
  });
});
