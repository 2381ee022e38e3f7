import {
  appendToFrontier, consistencyProofRanges, emptyRoot, hashRange, inclusionProofRanges, leafHash, merkleRoot,
  NodeRef, nodeHash, rangeNodes, splitPoint, verifyConsistency, verifyInclusion,
} from './merkle.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const h = (s: string) => Buffer.from(s, 'hex');

// The Certificate Transparency reference test data (RFC 6962): 8 leaf inputs and the roots of each prefix.
const LEAVES = ['', '00', '10', '2021', '3031', '40414243', '5051525354555657', '606162636465666768696a6b6c6d6e6f'].map(h);
const ROOTS = [
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
];
const INCLUSION: { index: number; size: number; path: string[] }[] = [
  { index: 0, size: 8, path: ['96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7', '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e', '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4'] },
  { index: 5, size: 8, path: ['bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b', 'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0', 'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7'] },
  { index: 2, size: 3, path: ['fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125'] },
  { index: 1, size: 5, path: ['6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d', '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e', 'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b'] },
];
// Every complete subtree of those 8 leaves, by level (the same reference data set): what the node cache stores.
const NODES = [
  ['6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d', '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
    '0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7', '07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7',
    'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b', '4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658',
    'b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f', '46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1'],
  ['fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125', '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
    '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a', 'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0'],
  ['d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7', '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4'],
  ['5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328'],
];
const CONSISTENCY: { first: number; second: number; proof: string[] }[] = [
  { first: 1, second: 1, proof: [] },
  { first: 1, second: 8, proof: ['96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7', '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e', '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4'] },
  { first: 6, second: 8, proof: ['0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a', 'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0', 'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7'] },
  { first: 2, second: 5, proof: ['5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e', 'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b'] },
];

/** Proof hashes straight from the RFC definitions over an array of leaf hashes (the brute-force reference). */
function referencePath(m: number, d: Buffer[]): Buffer[] {
  if (d.length <= 1) return [];
  const k = splitPoint(d.length);
  return m < k ? [...referencePath(m, d.slice(0, k)), merkleRoot(d.slice(k))] : [...referencePath(m - k, d.slice(k)), merkleRoot(d.slice(0, k))];
}
function referenceSubproof(m: number, d: Buffer[], b: boolean): Buffer[] {
  if (m === d.length) return b ? [] : [merkleRoot(d)];
  const k = splitPoint(d.length);
  return m <= k ? [...referenceSubproof(m, d.slice(0, k), b), merkleRoot(d.slice(k))] : [...referenceSubproof(m - k, d.slice(k), false), merkleRoot(d.slice(0, k))];
}

/** Resolves proof ranges through perfect-node lookups, as the store does. */
function viaNodes(ranges: { start: number; end: number }[], leaves: Buffer[]): Buffer[] {
  const lookup = (ref: NodeRef) => merkleRoot(leaves.slice(ref.index * 2 ** ref.level, (ref.index + 1) * 2 ** ref.level));
  return ranges.map((r) => hashRange(r, lookup));
}

const MAX = 64;
const bigLeaves = Array.from({ length: MAX }, (_, i) => leafHash(Buffer.from(`leaf-${i}`)));

describe('RFC 6962 hashing', () => {
  const hashed = LEAVES.map(leafHash);

  it('hashes the empty tree, leaves and nodes with domain separation', () => {
    expect(hex(emptyRoot())).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(hex(leafHash(Buffer.alloc(0)))).toBe(ROOTS[0]);
    expect(hex(nodeHash(hashed[0], hashed[1]))).toBe(ROOTS[1]);
  });

  it('matches the published roots of every prefix of the 8 reference leaves', () => {
    for (let n = 1; n <= 8; n++) expect(hex(merkleRoot(hashed.slice(0, n)))).toBe(ROOTS[n - 1]);
  });

  it('generates and verifies the published inclusion proofs', () => {
    for (const v of INCLUSION) {
      const proof = viaNodes(inclusionProofRanges(v.index, v.size), hashed);
      expect(proof.map(hex)).toEqual(v.path);
      expect(verifyInclusion(v.index, v.size, hashed[v.index], v.path.map(h), h(ROOTS[v.size - 1]))).toBe(true);
    }
  });

  it('stores exactly the published complete subtrees and keeps the published compact frontier', () => {
    let frontier: Buffer[] = [];
    const stored = new Map<string, string>();
    for (let n = 0; n < 8; n++) {
      const result = appendToFrontier(frontier, n, hashed[n]);
      frontier = result.frontier;
      for (const node of result.newNodes) stored.set(`${node.level}:${node.index}`, hex(node.hash));
      expect(hex(result.root)).toBe(ROOTS[n]);
      // The frontier of size n + 1 is the published node of each set bit, largest first.
      const expected = rangeNodes({ start: 0, end: n + 1 }).map((ref) => NODES[ref.level][ref.index]);
      expect(frontier.map(hex)).toEqual(expected);
    }
    for (let level = 1; level < NODES.length; level++) NODES[level].forEach((want, index) => expect(stored.get(`${level}:${index}`)).toBe(want));
    expect(stored.size).toBe(7);
    expect(hashed.map(hex)).toEqual(NODES[0]);
    // The single-leaf tree: an empty audit path, and the leaf hash is the root.
    expect(inclusionProofRanges(0, 1)).toEqual([]);
    expect(verifyInclusion(0, 1, hashed[0], [], h(ROOTS[0]))).toBe(true);
  });

  it('generates and verifies the published consistency proofs', () => {
    for (const v of CONSISTENCY) {
      const proof = viaNodes(consistencyProofRanges(v.first, v.second), hashed);
      expect(proof.map(hex)).toEqual(v.proof);
      expect(verifyConsistency(v.first, v.second, v.proof.map(h), h(ROOTS[v.first - 1]), h(ROOTS[v.second - 1]))).toBe(true);
    }
  });
});

describe(`brute force for every tree size up to ${MAX}`, () => {
  it('inclusion proofs equal the RFC recursion, verify, and fail when anything is altered', () => {
    for (let n = 1; n <= MAX; n++) {
      const leaves = bigLeaves.slice(0, n);
      const root = merkleRoot(leaves);
      for (let m = 0; m < n; m++) {
        const proof = viaNodes(inclusionProofRanges(m, n), leaves);
        expect(proof.map(hex)).toEqual(referencePath(m, leaves).map(hex));
        expect(verifyInclusion(m, n, leaves[m], proof, root)).toBe(true);
        expect(verifyInclusion(m, n, bigLeaves[(m + 1) % MAX], proof, root)).toBe(false);
        if (n > 1) expect(verifyInclusion((m + 1) % n, n, leaves[m], proof, root)).toBe(false);
        if (proof.length > 0) expect(verifyInclusion(m, n, leaves[m], proof.slice(1), root)).toBe(false);
      }
    }
  });

  it('consistency proofs equal the RFC recursion, verify, and fail for a rewritten history', () => {
    for (let n = 1; n <= MAX; n++) {
      const leaves = bigLeaves.slice(0, n);
      const root = merkleRoot(leaves);
      for (let m = 1; m <= n; m++) {
        const proof = viaNodes(consistencyProofRanges(m, n), leaves);
        const expected = m === n ? [] : referenceSubproof(m, leaves, true);
        expect(proof.map(hex)).toEqual(expected.map(hex));
        const oldRoot = merkleRoot(leaves.slice(0, m));
        expect(verifyConsistency(m, n, proof, oldRoot, root)).toBe(true);
        // The log was rewritten: the old tree had a different leaf at position m - 1.
        const rewritten = merkleRoot([...leaves.slice(0, m - 1), leafHash(Buffer.from('forged'))]);
        expect(verifyConsistency(m, n, proof, rewritten, root)).toBe(false);
        if (m < n) expect(verifyConsistency(m, n, proof, oldRoot, merkleRoot([...leaves.slice(0, n - 1), leafHash(Buffer.from('x'))]))).toBe(false);
      }
    }
  });

  it('the frontier gives every prefix root and stores exactly the completed perfect subtrees', () => {
    let frontier: Buffer[] = [];
    const stored = new Map<string, Buffer>();
    for (let n = 0; n < MAX; n++) {
      const result = appendToFrontier(frontier, n, bigLeaves[n]);
      frontier = result.frontier;
      expect(hex(result.root)).toBe(hex(merkleRoot(bigLeaves.slice(0, n + 1))));
      for (const node of result.newNodes) {
        const span = 2 ** node.level;
        expect(hex(node.hash)).toBe(hex(merkleRoot(bigLeaves.slice(node.index * span, (node.index + 1) * span))));
        stored.set(`${node.level}:${node.index}`, node.hash);
      }
      // Appends are O(log n): at most log2(n + 1) new nodes.
      expect(result.newNodes.length).toBeLessThanOrEqual(Math.log2(n + 1) + 1);
    }
    expect(stored.size).toBe(MAX - 1);
  });

  it('decomposes ranges into aligned perfect subtrees and rejects misaligned ones', () => {
    expect(rangeNodes({ start: 0, end: 7 })).toEqual([{ level: 2, index: 0 }, { level: 1, index: 2 }, { level: 0, index: 6 }]);
    expect(() => rangeNodes({ start: 1, end: 3 })).toThrow(RangeError);
  });

  it('rejects impossible positions', () => {
    expect(() => inclusionProofRanges(3, 3)).toThrow(RangeError);
    expect(() => inclusionProofRanges(-1, 3)).toThrow(RangeError);
    expect(() => consistencyProofRanges(4, 3)).toThrow(RangeError);
    expect(verifyInclusion(-1, 3, bigLeaves[0], [], emptyRoot())).toBe(false);
    expect(verifyConsistency(3, 2, [], emptyRoot(), emptyRoot())).toBe(false);
  });
});

describe('nodes below STORED_NODE_MIN_LEVEL are not stored: proofs hash them from their leaves', () => {
  it('every range of every size hashes the same from the stored nodes and leaves alone as from every node', async () => {
    const { isStoredNode, nodeKey, storedRefs, withUnstoredNodes, STORED_NODE_MIN_LEVEL, nodesFor } = await import('./merkle.js');
    const leaves = Array.from({ length: 41 }, (_, i) => leafHash(Buffer.from([i])));
    // Append all leaves, keeping every completed node (as before) and what the store keeps now.
    const all = new Map<string, Buffer>(leaves.map((leaf, i) => [nodeKey({ level: 0, index: i }), leaf]));
    const stored = new Map(all);
    let frontier: Buffer[] = [];
    for (const [i, leaf] of leaves.entries()) {
      const appended = appendToFrontier(frontier, i, leaf);
      frontier = appended.frontier;
      for (const n of appended.newNodes) {
        all.set(nodeKey(n), n.hash);
        if (isStoredNode(n)) stored.set(nodeKey(n), n.hash);
      }
    }
    expect(STORED_NODE_MIN_LEVEL).toBe(3);
    expect([...stored.keys()].filter((k) => !k.startsWith('0:'))).toEqual(['3:0', '3:1', '4:0', '3:2', '3:3', '4:1', '5:0', '3:4']);
    for (let size = 1; size <= leaves.length; size++) {
      const ranges = [...inclusionProofRanges(size - 1, size), ...consistencyProofRanges(Math.max(1, size >> 1), size), { start: 0, end: size }];
      const read = storedRefs(nodesFor(ranges.filter((r) => r.end > r.start)));
      // The store is asked only for what it has.
      for (const ref of read) expect(stored.has(nodeKey(ref))).toBe(true);
      const lookup = withUnstoredNodes((ref) => stored.get(nodeKey(ref))!);
      for (const range of ranges.filter((r) => r.end > r.start)) {
        expect(hex(hashRange(range, lookup))).toBe(hex(hashRange(range, (ref) => all.get(nodeKey(ref))!)));
      }
      expect(hex(hashRange({ start: 0, end: size }, lookup))).toBe(hex(merkleRoot(leaves.slice(0, size))));
    }
  });
});
