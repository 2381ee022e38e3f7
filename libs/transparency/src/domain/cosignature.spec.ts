import { createHash, sign } from 'node:crypto';
import { createSigner, privateKeyFromSeed, signCheckpoint, verifyCheckpoint } from './checkpoint.js';
import {
  addSignatureLines, checkCosignatures, cosignatureLine, cosignatureMessage, cosignerKeyId, createCosigner, formatCosignerKey,
  parseCosignerKey, verifyCosignature,
} from './cosignature.js';

describe('witness cosignatures (C2SP tlog-cosignature, Ed25519 cosignature/v1)', () => {
  const log = createSigner('ataa.test', privateKeyFromSeed(Buffer.alloc(32, 7)));
  const witnessA = createCosigner('witness.example/a', privateKeyFromSeed(Buffer.alloc(32, 1)));
  const witnessB = createCosigner('witness.example/b', privateKeyFromSeed(Buffer.alloc(32, 2)));
  const keyA = { name: witnessA.name, publicKey: witnessA.publicKey };
  const keyB = { name: witnessB.name, publicKey: witnessB.publicKey };
  const checkpoint = signCheckpoint({ origin: 'ataa.test/campaigns/c1', size: 8, rootHash: Buffer.alloc(32, 9) }, log);
  const body = checkpoint.slice(0, checkpoint.indexOf('\n\n') + 1);

  it('computes the key ID over name, newline, 0x04 and the key (not the checkpoint key type 0x01)', () => {
    const expected = createHash('sha256').update(Buffer.concat([Buffer.from('witness.example/a\n\x04', 'latin1'), witnessA.publicKey])).digest().readUInt32BE(0);
    expect(witnessA.keyId).toBe(expected);
    expect(cosignerKeyId(witnessA.name, witnessA.publicKey)).toBe(expected);
  });

  it('signs "cosignature/v1", the time line and the whole body, as key ID || u64 time || signature', () => {
    expect(cosignatureMessage(body, 1679315147).toString('utf8')).toBe(`cosignature/v1\ntime 1679315147\n${body}`);
    const line = cosignatureLine(body, witnessA, 1679315147);
    const match = /^\u2014 witness\.example\/a (\S+)\n$/.exec(line);
    expect(match).not.toBeNull();
    const blob = Buffer.from(match![1], 'base64');
    expect(blob).toHaveLength(4 + 8 + 64);
    expect(blob.readUInt32BE(0)).toBe(witnessA.keyId);
    expect(blob.readBigUInt64BE(4)).toBe(1679315147n);
    // Ed25519 is deterministic: the same message under the same key gives the same bytes.
    expect(blob.subarray(12).equals(sign(null, cosignatureMessage(body, 1679315147), witnessA.privateKey))).toBe(true);
  });

  it('a cosigned checkpoint still verifies under the log key, and each cosignature under its witness', () => {
    const cosigned = addSignatureLines(checkpoint, [cosignatureLine(body, witnessA, 100), cosignatureLine(body, witnessB, 200)]);
    expect(verifyCheckpoint(cosigned, { keyName: log.keyName, publicKey: log.publicKey }).size).toBe(8);
    expect(verifyCosignature(cosigned, keyA)).toEqual({ name: 'witness.example/a', timestamp: 100 });
    expect(checkCosignatures(cosigned, [keyA, keyB]).valid.map((v) => v.timestamp)).toEqual([100, 200]);
  });

  it('an absent cosigner is reported missing; a forged or moved cosignature is refused', () => {
    const cosigned = addSignatureLines(checkpoint, [cosignatureLine(body, witnessA, 100)]);
    expect(verifyCosignature(cosigned, keyB)).toBeNull();
    expect(checkCosignatures(cosigned, [keyA, keyB])).toEqual({ valid: [{ name: 'witness.example/a', timestamp: 100 }], missing: [{ name: 'witness.example/b', reason: 'no cosignature' }] });
    // The same cosignature moved onto another checkpoint (a split view) does not verify.
    const other = signCheckpoint({ origin: 'ataa.test/campaigns/c1', size: 8, rootHash: Buffer.alloc(32, 10) }, log);
    const moved = addSignatureLines(other, [cosignatureLine(body, witnessA, 100)]);
    expect(() => verifyCosignature(moved, keyA)).toThrow(/invalid/);
    expect(checkCosignatures(moved, [keyA]).missing[0].reason).toMatch(/invalid/);
    // A changed timestamp breaks the signature too.
    const line = cosignatureLine(body, witnessA, 100);
    const blob = Buffer.from(line.trim().split(' ')[2], 'base64');
    blob.writeBigUInt64BE(101n, 4);
    const retimed = addSignatureLines(checkpoint, [`\u2014 witness.example/a ${blob.toString('base64')}`]);
    expect(() => verifyCosignature(retimed, keyA)).toThrow(/invalid/);
  });

  it('adding lines keeps the existing ones and drops exact duplicates; malformed lines are refused', () => {
    const line = cosignatureLine(body, witnessA, 100);
    const once = addSignatureLines(checkpoint, [line]);
    expect(addSignatureLines(once, [line])).toBe(once);
    expect(once.startsWith(checkpoint)).toBe(true);
    expect(() => addSignatureLines(checkpoint, ['not a signature'])).toThrow(/malformed/);
  });

  it('formats and parses vkeys with type 0x04, refusing a checkpoint key or a wrong key ID', () => {
    const vkey = formatCosignerKey(keyA);
    expect(vkey).toMatch(/^witness\.example\/a\+[0-9a-f]{8}\+/);
    expect(parseCosignerKey(vkey)).toEqual(keyA);
    const [name, id] = vkey.split('+');
    const asCheckpointKey = `${name}+${id}+${Buffer.concat([Buffer.from([1]), witnessA.publicKey]).toString('base64')}`;
    expect(() => parseCosignerKey(asCheckpointKey)).toThrow(/0x04/);
    expect(() => parseCosignerKey(`${name}+00000000+${vkey.slice(name.length + 10)}`)).toThrow(/key ID/);
  });
});
