import { createHash, generateKeyPairSync } from 'node:crypto';
import { loadConfig } from './app-config.js';

/** A cosigner vkey built by hand (as @ataa/transparency's formatCosignerKey writes it). */
function vkey(name: string): string {
  const der = generateKeyPairSync('ed25519').publicKey.export({ format: 'der', type: 'spki' });
  const key = der.subarray(der.length - 32);
  const id = createHash('sha256').update(name).update(Buffer.from([0x0a, 0x04])).update(key).digest().subarray(0, 4).toString('hex');
  return `${name}+${id}+${Buffer.concat([Buffer.from([0x04]), key]).toString('base64')}`;
}

describe('TRANSPARENCY_WITNESSES', () => {
  it('is empty by default, with a 10 s bound on each witness call', () => {
    expect(loadConfig({}).TRANSPARENCY_WITNESSES).toEqual([]);
    expect(loadConfig({}).TRANSPARENCY_WITNESS_TIMEOUT_MS).toBe(10_000);
  });

  it('reads any number of "<url> <vkey>" pairs, the URL without its trailing slash', () => {
    const [a, b] = [vkey('w1.example'), vkey('witness.example/w2')];
    const config = loadConfig({ TRANSPARENCY_WITNESSES: ` https://w1.example/ ${a} ,http://10.0.0.7:8080/witness/  ${b}` });
    expect(config.TRANSPARENCY_WITNESSES).toEqual([
      { url: 'https://w1.example', vkey: a, name: 'w1.example' },
      { url: 'http://10.0.0.7:8080/witness', vkey: b, name: 'witness.example/w2' },
    ]);
  });

  it('stops the boot with one line naming the item and the reason', () => {
    const good = vkey('w1.example');
    const tampered = good.replace(/\+([0-9a-f]{8})\+/, (_, id: string) => `+${id === '00000000' ? '00000001' : '00000000'}+`);
    // A note verifier key (type 0x01, what signs checkpoints) is not a cosigner key.
    const [name, id, blob] = good.split('+');
    const raw = Buffer.from(blob, 'base64');
    raw[0] = 0x01;
    const noteKey = `${name}+${id}+${raw.toString('base64')}`;
    const cases: [string, RegExp][] = [
      [`https://w1.example/`, /^Configuration error: TRANSPARENCY_WITNESSES item 1 must be "<url> <name\+keyid\+key>"/],
      [`w1.example ${good}`, /item 1: "w1.example" is not an absolute URL/],
      [`ftp://w1.example ${good}`, /item 1: the witness URL must be http or https/],
      [`https://user:pw@w1.example ${good}`, /item 1: the witness URL must have no credentials, query or fragment/],
      [`https://w1.example ${good}, https://w2.example ${tampered}`, /item 2: ".*" is not a cosigner key/],
      [`https://w1.example ${noteKey}`, /item 1: ".*" is not a cosigner key/],
      [`https://w1.example ${good}, https://w2.example ${good}`, /item 2: witness name w1.example appears twice/],
    ];
    for (const [value, message] of cases) {
      expect(() => loadConfig({ TRANSPARENCY_WITNESSES: value })).toThrow(message);
      try {
        loadConfig({ TRANSPARENCY_WITNESSES: value });
      } catch (error) {
        expect((error as Error).message).not.toContain('\n');
      }
    }
    expect(() => loadConfig({ TRANSPARENCY_WITNESS_TIMEOUT_MS: '10' })).toThrow('Configuration error: TRANSPARENCY_WITNESS_TIMEOUT_MS must not be less than 100 (got "10")');
  });
});
