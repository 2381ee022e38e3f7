import { evidenceFilePath, evidencePurpose, parseEvidencePurpose, publicLeafHash, toLeaf } from './index.js';

describe('the evidence entry of the public log', () => {
  const reference = { index: 9, sha256: 'ab'.repeat(32), mediaType: 'application/pdf' as const, bytes: 12_345 };

  it('its purpose names the payout entry and commits to the file; parsing gives it back', () => {
    expect(evidencePurpose(reference)).toBe(`evidence for entry 9: sha256 ${'ab'.repeat(32)} application/pdf 12345`);
    expect(parseEvidencePurpose(evidencePurpose(reference))).toEqual(reference);
    expect(evidenceFilePath(reference)).toBe(`/media/evidence/${'ab'.repeat(32)}.pdf`);
  });

  it('anything else is not an evidence purpose (other types, a short hash, a leading zero, text after it)', () => {
    for (const bad of [
      `evidence for entry 9: sha256 ${'ab'.repeat(32)} text/html 10`, `evidence for entry 9: sha256 ${'ab'.repeat(31)} application/pdf 10`,
      `evidence for entry 09: sha256 ${'ab'.repeat(32)} application/pdf 10`, `evidence for entry 9: sha256 ${'ab'.repeat(32)} application/pdf 10 extra`,
      `evidence for entry 9: sha256 ${'AB'.repeat(32)} application/pdf 10`, null, 42,
    ]) expect(parseEvidencePurpose(bad)).toBeNull();
  });

  it('is a format-3 leaf of the usual fields: a changed hash in the purpose changes the leaf hash', () => {
    const leaf = (purpose: string) => toLeaf({
      v: 3, campaign: 'c', index: 10, time: '2026-03-01T00:00:00.000Z', kind: 'evidence', amount: '0', currency: 'usd', donorHash: null, donorCommitment: null, messageHash: null, purpose, balance: '100',
      title: 'not hashed', leafHash: 'x',
    });
    expect(Object.keys(leaf(evidencePurpose(reference)))).toEqual(['v', 'campaign', 'index', 'time', 'kind', 'amount', 'currency', 'donorHash', 'donorCommitment', 'messageHash', 'purpose', 'balance']);
    const swapped = evidencePurpose({ ...reference, sha256: 'cd'.repeat(32) });
    expect(publicLeafHash(leaf(evidencePurpose(reference))).equals(publicLeafHash(leaf(swapped)))).toBe(false);
  });
});
