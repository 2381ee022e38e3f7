import { generateKeyPairSync } from 'node:crypto';
import {
  CheckpointError, createSigner, formatVerifierKey, parseCheckpoint, parseVerifierKey, privateKeyFromSeed, signCheckpoint,
  verifyCheckpoint, verifyNote,
} from './checkpoint.js';

// golang.org/x/mod/sumdb/note's test vector: a note signed by the key "PeterNeumann".
const PETER_VKEY = 'PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW';
const PETER_NOTE = 'If you think cryptography is the answer to your problem,\nthen you don\'t know what your problem is.\n\n\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n';

describe('signed-note checkpoints', () => {
  const signer = createSigner('ataa.test', privateKeyFromSeed(Buffer.alloc(32, 7)));
  const key = { keyName: signer.keyName, publicKey: signer.publicKey };
  const checkpoint = { origin: 'ataa.test/campaigns/c1', size: 8, rootHash: Buffer.from('5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328', 'hex') };

  it('verifies the Go note package test vector (same key hash and signature layout)', () => {
    const vkey = parseVerifierKey(PETER_VKEY);
    expect(formatVerifierKey(vkey)).toBe(PETER_VKEY);
    expect(verifyNote(PETER_NOTE, vkey).body).toContain('cryptography');
    expect(() => verifyNote(PETER_NOTE.replace('cryptography', 'cryptographY'), vkey)).toThrow(/signature is invalid/);
  });

  it('writes origin, size, base64 root, a blank line and an em-dash signature line', () => {
    const text = signCheckpoint(checkpoint, signer);
    const lines = text.split('\n');
    expect(lines.slice(0, 4)).toEqual(['ataa.test/campaigns/c1', '8', 'XcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=', '']);
    expect(lines[4]).toMatch(/^\u2014 ataa\.test [A-Za-z0-9+/]+=*$/);
    expect(Buffer.from(lines[4].split(' ')[2], 'base64')).toHaveLength(68);
    const parsed = verifyCheckpoint(text, key);
    expect(parsed).toMatchObject({ origin: checkpoint.origin, size: 8 });
    expect(parsed.rootHash.equals(checkpoint.rootHash)).toBe(true);
  });

  it('rejects a forged signature, another key, an altered size and malformed text', () => {
    const text = signCheckpoint(checkpoint, signer);
    const other = createSigner('ataa.test', generateKeyPairSync('ed25519').privateKey);
    expect(() => verifyCheckpoint(signCheckpoint(checkpoint, other), key)).toThrow(CheckpointError);
    expect(() => verifyCheckpoint(text.replace('\n8\n', '\n9\n'), key)).toThrow(/signature is invalid/);
    expect(() => verifyCheckpoint(text.replace('ataa.test ', 'someone.else '), key)).toThrow(/not signed by the published key/);
    expect(() => parseCheckpoint('ataa\n8\nnot-base64\n\n\u2014 k AAAA\n')).toThrow(CheckpointError);
    expect(() => parseCheckpoint('ataa\n-1\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n\n\u2014 k AAAAAAAA\n')).toThrow(/size/);
    expect(() => parseCheckpoint('no signature')).toThrow(/signature block/);
  });
});
