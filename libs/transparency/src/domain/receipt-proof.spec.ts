import { createSigner, formatVerifierKey, privateKeyFromSeed, signCheckpoint } from './checkpoint.js';
import { hashRange, inclusionProofRanges, merkleRoot, NodeRef } from './merkle.js';
import { donorCommitment, PublicLeaf, publicLeafHash } from './public-entry.js';
import { buildReceiptProof, ReceiptProof, verifyReceiptProof } from './receipt-proof.js';

const CAMPAIGN = '3f1c0a52-9d8e-4b7a-8c61-2f0e5d4a1b90';
const signer = createSigner('ataa.test', privateKeyFromSeed(Buffer.alloc(32, 5)));
const other = createSigner('ataa.test', privateKeyFromSeed(Buffer.alloc(32, 6)));
const salt = 'ab'.repeat(32);

/** Seven entries; the sixth (index 5) is an anonymous gift with a message. */
function leaves(): PublicLeaf[] {
  let balance = 0n;
  return Array.from({ length: 7 }, (_, index) => {
    const amount = index % 3 === 1 ? -100n : 2500n + BigInt(index);
    balance += amount;
    const anonymous = index === 5;
    return {
      v: 1, campaign: CAMPAIGN, index, time: `2026-02-0${index + 1}T10:00:00.000Z`, kind: amount > 0n ? 'donation' : 'fee', amount: amount.toString(), currency: 'usd',
      donor: amount > 0n ? (anonymous ? 'Anonymous' : `Donor ${index}`) : null,
      donorCommitment: anonymous ? donorCommitment(salt, 'Layla Haddad') : null,
      message: anonymous ? 'For the winter 🌙' : null, purpose: null, balance: balance.toString(),
    };
  });
}

function proofFor(index: number, size = 7, signWith = signer): ReceiptProof {
  const all = leaves().slice(0, size);
  const hashes = all.map(publicLeafHash);
  const lookup = (ref: NodeRef) => merkleRoot(hashes.slice(ref.index * 2 ** ref.level, (ref.index + 1) * 2 ** ref.level));
  const path = inclusionProofRanges(index, size).map((range) => hashRange(range, lookup));
  const checkpoint = signCheckpoint({ origin: `ataa.test/campaigns/${CAMPAIGN}`, size, rootHash: merkleRoot(hashes) }, signWith);
  return buildReceiptProof({
    site: 'https://give.example/',
    campaign: { id: CAMPAIGN, slug: 'winter-relief' },
    leaf: all[index],
    treeSize: size,
    inclusionProof: path,
    checkpoint,
    verifierKey: { keyName: signWith.keyName, publicKey: signWith.publicKey },
    donorCommitment: index === 5 ? { salt, name: 'Layla Haddad' } : null,
  });
}

/** A deep copy through JSON, as the receipt travels (an attachment), then altered. */
const altered = (proof: ReceiptProof, change: (doc: ReceiptProof) => void): ReceiptProof => {
  const doc = JSON.parse(JSON.stringify(proof)) as ReceiptProof;
  change(doc);
  return doc;
};
const failures = (doc: unknown, pinnedKey?: string) => verifyReceiptProof(doc, { pinnedKey }).checks.filter((c) => !c.ok).map((c) => c.what);

describe('receipt proofs (offline verification of one gift)', () => {
  const vkey = formatVerifierKey({ keyName: signer.keyName, publicKey: signer.publicKey });

  it('builds a self-contained document that verifies with the receipt key and with the same key pinned', () => {
    const proof = proofFor(5);
    expect(proof).toMatchObject({
      format: 'ataa-receipt-proof', version: 1, site: 'https://give.example', leafIndex: 5, treeSize: 7, verifierKey: vkey,
      campaign: { id: CAMPAIGN, slug: 'winter-relief', url: 'https://give.example/c/winter-relief' },
      verifierKeyUrl: 'https://give.example/.well-known/ataa-transparency.pub',
    });
    expect(proof.ledgerUrl).toBe(`https://give.example/c/winter-relief/ledger#leaf=5&size=7&hash=${proof.leafHash}`);
    const travelled = JSON.parse(JSON.stringify(proof));
    const result = verifyReceiptProof(travelled);
    expect(result.checks.filter((c) => !c.ok)).toEqual([]);
    expect(result).toMatchObject({ ok: true, keyPinned: false });
    expect(result.checks.map((c) => c.what).join('\n')).toMatch(/inclusion proof \(3 hashes\)[\s\S]*donor commitment opens/);
    expect(verifyReceiptProof(travelled, { pinnedKey: vkey }).ok).toBe(true);
  });

  it('verifies every position of trees of every size up to 7 (first, last, odd sizes, a single leaf)', () => {
    for (let size = 1; size <= 7; size++) {
      for (let index = 0; index < size; index++) expect(failures(JSON.parse(JSON.stringify(proofFor(index, size))))).toEqual([]);
    }
  });

  it('rejects a leaf whose fields were altered, even when the stated hash is altered to match', () => {
    const proof = proofFor(5);
    const bigger = altered(proof, (d) => { d.leaf.amount = '250500'; });
    expect(verifyReceiptProof(bigger).ok).toBe(false);
    expect(failures(bigger).join('\n')).toMatch(/the leaf's fields hash to [0-9a-f]{64}, not the stated/);
    const consistent = altered(proof, (d) => {
      d.leaf.message = 'Someone else';
      d.leafHash = publicLeafHash(d.leaf).toString('hex');
    });
    expect(failures(consistent)).toEqual([expect.stringMatching(/inclusion proof fails/)]);
    // a field that is not hashed would be shown but not proven: refused
    expect(failures(altered(proof, (d) => { (d.leaf as unknown as Record<string, unknown>).note = 'extra'; }))).toEqual([expect.stringMatching(/not hashed: note/)]);
    expect(failures(altered(proof, (d) => { d.leafHash = '00'.repeat(32); }))).toEqual([expect.stringMatching(/not the stated 0{64}/)]);
  });

  it('rejects an altered, missing or extra inclusion proof hash', () => {
    const proof = proofFor(2);
    const flip = altered(proof, (d) => {
      const bytes = Buffer.from(d.inclusionProof[1], 'base64');
      bytes[0] ^= 1;
      d.inclusionProof[1] = bytes.toString('base64');
    });
    expect(failures(flip)).toEqual([expect.stringMatching(/inclusion proof fails: leaf 2 is not in the signed tree of size 7/)]);
    expect(failures(altered(proof, (d) => { d.inclusionProof.pop(); }))).toEqual([expect.stringMatching(/inclusion proof fails/)]);
    expect(failures(altered(proof, (d) => { d.inclusionProof.push(d.inclusionProof[0]); }))).toEqual([expect.stringMatching(/inclusion proof fails/)]);
    expect(failures(altered(proof, (d) => { d.inclusionProof[0] = 'AAAA'; }))).toEqual([expect.stringMatching(/not a list of base64 SHA-256 hashes/)]);
  });

  it('rejects a checkpoint whose signature or signed body was altered, or a tree size that differs from it', () => {
    const proof = proofFor(3);
    const signature = altered(proof, (d) => {
      const [body, sig] = d.checkpoint.split('\n\n');
      const parts = sig.trimEnd().split(' ');
      const blob = Buffer.from(parts[2], 'base64');
      blob[10] ^= 0x40;
      d.checkpoint = `${body}\n\n${parts[0]} ${parts[1]} ${blob.toString('base64')}\n`;
    });
    expect(failures(signature)).toEqual([expect.stringMatching(/checkpoint signature: signature is invalid/)]);
    // a bigger tree claimed in the signed body breaks the signature; claimed beside it, the size check
    expect(failures(altered(proof, (d) => { d.checkpoint = d.checkpoint.replace(/\n7\n/, '\n8\n'); }))).toEqual([expect.stringMatching(/signature is invalid/)]);
    expect(failures(altered(proof, (d) => { d.treeSize = 8; }))).toEqual([expect.stringMatching(/checkpoint size 7 differs from the receipt's tree size 8/)]);
  });

  it('rejects a proof signed by another key: pinned key differs, or the receipt names a key that did not sign', () => {
    const proof = proofFor(4);
    const otherKey = formatVerifierKey({ keyName: other.keyName, publicKey: other.publicKey });
    expect(failures(proof, otherKey)).toEqual([expect.stringMatching(/names key .* not the pinned/), expect.stringMatching(/checkpoint signature: not signed by/)]);
    // a forger re-signs with their own key and names it in the receipt: offline it verifies only against that key,
    // and pinning the platform's key (or comparing with the published one) exposes it
    const forged = proofFor(4, 7, other);
    expect(verifyReceiptProof(forged).ok).toBe(true);
    expect(verifyReceiptProof(forged, { pinnedKey: vkey }).ok).toBe(false);
    expect(failures(altered(proof, (d) => { d.verifierKey = otherKey; }))).toEqual([expect.stringMatching(/checkpoint signature: not signed by/)]);
    expect(failures(altered(proof, (d) => { d.verifierKey = 'not a key'; }))).toEqual([expect.stringMatching(/verifier key is unusable/)]);
  });

  it('rejects an index beyond the tree size, a leaf of another index or campaign, and a checkpoint of another log', () => {
    const proof = proofFor(6);
    const beyond = altered(proof, (d) => {
      d.leafIndex = 7;
      d.leaf.index = 7;
      d.leafHash = publicLeafHash(d.leaf).toString('hex');
    });
    expect(failures(beyond)).toEqual([expect.stringMatching(/leaf index 7 is not below the tree size 7/)]);
    expect(verifyReceiptProof(beyond).ok).toBe(false);
    expect(failures(altered(proof, (d) => { d.leafIndex = 5; })).join('\n')).toMatch(/leaf.index 6 differs from leafIndex 5/);
    const elsewhere = altered(proof, (d) => { d.campaign.id = '00000000-0000-4000-8000-000000000000'; });
    expect(failures(elsewhere)).toEqual([expect.stringMatching(/checkpoint is for another log/), expect.stringMatching(/leaf belongs to campaign/)]);
  });

  it('checks an anonymous gift\'s commitment against the salt and name the receipt carries', () => {
    const proof = proofFor(5);
    expect(failures(altered(proof, (d) => { d.donorCommitment = { salt, name: 'Someone Else' }; }))).toEqual([expect.stringMatching(/does not open/)]);
    expect(failures(altered(proof, (d) => { d.donorCommitment = { salt: 'zz', name: 'Layla Haddad' }; }))).toEqual([expect.stringMatching(/does not open/)]);
  });

  it('refuses documents that are not receipt proofs, or of a version it does not know', () => {
    expect(failures(null)).toEqual(['not a receipt proof: not a JSON object']);
    expect(failures({ format: 'something' })).toEqual([expect.stringMatching(/format is "something"/)]);
    expect(failures(altered(proofFor(0), (d) => { (d as unknown as { version: number }).version = 2; }))).toEqual([expect.stringMatching(/version 2 is not supported/)]);
    expect(failures(altered(proofFor(0), (d) => { delete (d.leaf as Partial<PublicLeaf>).balance; }))).toEqual(['not a receipt proof: leaf.balance is missing']);
    expect(failures(altered(proofFor(0), (d) => { (d as unknown as { treeSize: number }).treeSize = -1; }))).toEqual([expect.stringMatching(/treeSize is not a non-negative integer/)]);
  });
});
