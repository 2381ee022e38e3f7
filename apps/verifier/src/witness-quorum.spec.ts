import {
  addSignatureLines, cosignatureLine, createCosigner, createSigner, formatCosignerKey, privateKeyFromSeed, signCheckpoint,
} from '../../../libs/transparency/src/domain/index.js';
import { checkQuorum } from './verifier.js';
import { requireQuorum, witnessPolicy } from './witness-quorum.js';

describe('witness quorum of the verifier (--witness, --quorum)', () => {
  const log = createSigner('ataa.test', privateKeyFromSeed(Buffer.alloc(32, 41)));
  const [a, b, c] = [1, 2, 3].map((i) => createCosigner(`witness.example/${'abc'[i - 1]}`, privateKeyFromSeed(Buffer.alloc(32, 50 + i))));
  const vkey = (w: typeof a) => formatCosignerKey({ name: w.name, publicKey: w.publicKey });
  const checkpoint = signCheckpoint({ origin: 'ataa.test/campaigns/c1', size: 12, rootHash: Buffer.alloc(32, 5) }, log);
  const body = checkpoint.slice(0, checkpoint.indexOf('\n\n') + 1);
  const cosigned = (...lines: string[]) => addSignatureLines(checkpoint, lines);
  const policy = (k?: string) => witnessPolicy([vkey(a), vkey(b), vkey(c)], k)!;

  it('parses the flags: quorum defaults to every witness; bad keys, duplicates and impossible quorums are usage errors', () => {
    expect(witnessPolicy([], undefined)).toBeNull();
    expect(policy().quorum).toBe(3);
    expect(policy('2')).toMatchObject({ quorum: 2, witnesses: [{ name: 'witness.example/a' }, { name: 'witness.example/b' }, { name: 'witness.example/c' }] });
    expect(() => witnessPolicy([], '1')).toThrow('--quorum needs at least one --witness');
    expect(() => policy('4')).toThrow('--quorum 4 cannot be met by 3 witness(es)');
    for (const k of ['0', '-1', '1.5', 'two', '']) expect(() => policy(k)).toThrow('--quorum must be a positive integer');
    expect(() => witnessPolicy([vkey(a), vkey(a)], undefined)).toThrow('witness witness.example/a is given twice');
    // The checkpoint key (type 0x01) is not a cosigner key (type 0x04); a changed key ID does not match.
    const logKey = `ataa.test+${log.keyHash.toString(16).padStart(8, '0')}+${Buffer.concat([Buffer.from([1]), log.publicKey]).toString('base64')}`;
    expect(() => witnessPolicy([logKey], undefined)).toThrow(/--witness .*type 0x04/);
    expect(() => witnessPolicy([vkey(a).replace(/\+[0-9a-f]{8}\+/, '+00000000+')], undefined)).toThrow(/key ID does not match/);
  });

  it('passes with K valid cosignatures and refuses fewer, naming each witness missing or invalid', () => {
    const lineA = cosignatureLine(body, a, 1_790_000_000);
    const lineB = cosignatureLine(body, b, 1_790_000_100);
    expect(requireQuorum(cosigned(lineA, lineB), policy('2')).valid.map((v) => v.name)).toEqual(['witness.example/a', 'witness.example/b']);
    const said: string[] = [];
    checkQuorum(cosigned(lineA, lineB), policy('2'), (l) => said.push(l));
    expect(said).toEqual(['cosigned by 2 of 3 witnesses (quorum 2): witness.example/a at 2026-09-21T14:13:20Z, witness.example/b at 2026-09-21T14:15:00Z']);

    // b's cosignature made over another checkpoint and pasted here: invalid, not counted.
    const other = signCheckpoint({ origin: 'ataa.test/campaigns/c1', size: 12, rootHash: Buffer.alloc(32, 6) }, log);
    const moved = cosignatureLine(other.slice(0, other.indexOf('\n\n') + 1), b, 1_790_000_100);
    expect(() => checkQuorum(cosigned(lineA, moved), policy('2'))).toThrow(
      'witness quorum not met: the checkpoint has 1 valid witness cosignature(s) of the 2 required (quorum 2 of 3); not counted: ' +
        'witness.example/b (cosignature by witness.example/b is invalid (forged, or over another checkpoint)), witness.example/c (no cosignature)',
    );
    expect(() => checkQuorum(checkpoint, policy('1'))).toThrow(/has 0 valid witness cosignature\(s\) of the 1 required/);
    // Two lines by the same witness count once.
    expect(() => checkQuorum(cosigned(lineA, cosignatureLine(body, a, 1_790_000_200)), policy('2'))).toThrow(/has 1 valid/);
    expect(() => checkQuorum(cosigned(lineA), policy('1'))).not.toThrow();
  });
});
