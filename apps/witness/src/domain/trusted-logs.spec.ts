import { generateKeyPairSync } from 'node:crypto';
import { createSigner, formatVerifierKey } from './transparency.js';
import { parseTrustedLogs, trustedKeysFor, TrustedLogsError } from './trusted-logs.js';

const vkey = (name: string) => {
  const signer = createSigner(name, generateKeyPairSync('ed25519').privateKey);
  return formatVerifierKey({ keyName: signer.keyName, publicKey: signer.publicKey });
};

describe('trusted logs (WITNESS_LOGS)', () => {
  const platformKey = vkey('ataa.example');
  const otherKey = vkey('log.example');

  it('reads exact origins and prefixes, separated by commas, semicolons or newlines', () => {
    const logs = parseTrustedLogs(` ataa.example/campaigns/* ${platformKey} ,\nlog.example/one   ${otherKey}; log.example/two ${otherKey}\n`);
    expect(logs.map((l) => [l.pattern, l.origin, l.isPrefix, l.key.keyName])).toEqual([
      ['ataa.example/campaigns/*', 'ataa.example/campaigns/', true, 'ataa.example'],
      ['log.example/one', 'log.example/one', false, 'log.example'],
      ['log.example/two', 'log.example/two', false, 'log.example'],
    ]);
  });

  it('matches a prefix for the origins below it only, and an exact origin exactly', () => {
    const logs = parseTrustedLogs(`ataa.example/campaigns/* ${platformKey}, log.example/one ${otherKey}`);
    expect(trustedKeysFor('ataa.example/campaigns/0b6f', logs).map((k) => k.keyName)).toEqual(['ataa.example']);
    expect(trustedKeysFor('ataa.example/campaigns/', logs)).toEqual([]);
    expect(trustedKeysFor('ataa.example/campaignsX/1', logs)).toEqual([]);
    expect(trustedKeysFor('log.example/one', logs).map((k) => k.keyName)).toEqual(['log.example']);
    expect(trustedKeysFor('log.example/one/more', logs)).toEqual([]);
    expect(trustedKeysFor('LOG.example/one', logs)).toEqual([]);
  });

  it('trusts every key configured for an origin (a key rotation), each once', () => {
    const next = vkey('ataa.example');
    const logs = parseTrustedLogs(`ataa.example/campaigns/* ${platformKey}, ataa.example/campaigns/* ${next}, ataa.example/campaigns/7 ${platformKey}`);
    expect(trustedKeysFor('ataa.example/campaigns/7', logs)).toHaveLength(2);
  });

  it.each([
    ['', 'names no log'],
    [' , ;', 'names no log'],
    ['ataa.example/campaigns/*', 'entry 1 is not'],
    [`a b ${platformKey}`, 'entry 1 is not'],
    [`* ${platformKey}`, 'must not be empty'],
    [`ataa.*/x ${platformKey}`, 'may only end'],
    [`ataa.example/x ${platformKey.replace(/\+[0-9a-f]{8}\+/, '+00000000+')}`, 'key hash does not match'],
    [`ataa.example/x ${otherKey}, ataa.example/é ${platformKey}`, 'entry 2: the origin must be printable ASCII'],
    [`ataa.example/x ${otherKey}, ataa.example/x ${otherKey}`, 'listed twice'],
    [`ataa.example/x notakey`, 'entry 1: malformed verifier key'],
  ])('refuses %j', (text, message) => {
    expect(() => parseTrustedLogs(text)).toThrow(TrustedLogsError);
    expect(() => parseTrustedLogs(text)).toThrow(message);
  });
});
