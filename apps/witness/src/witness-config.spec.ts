import { generateKeyPairSync } from 'node:crypto';
import { createSigner, formatVerifierKey } from './domain/transparency.js';
import { loadWitnessConfig, loadWitnessIdentity, WitnessConfigError } from './witness-config.js';

const logKey = (() => {
  const signer = createSigner('ataa.example', generateKeyPairSync('ed25519').privateKey);
  return formatVerifierKey({ keyName: signer.keyName, publicKey: signer.publicKey });
})();
const witnessKey = generateKeyPairSync('ed25519').privateKey.export({ format: 'der', type: 'pkcs8' }).toString('base64');
const production = {
  NODE_ENV: 'production',
  WITNESS_NAME: 'witness.example.org/w1',
  WITNESS_SIGNING_KEY: witnessKey,
  WITNESS_DATABASE_URL: 'postgres://witness:secret@db.example.org:5432/witness',
  WITNESS_LOGS: `ataa.example/campaigns/* ${logKey}`,
};

function error(env: NodeJS.ProcessEnv): string {
  try {
    loadWitnessConfig(env);
  } catch (e) {
    expect(e).toBeInstanceOf(WitnessConfigError);
    return (e as Error).message;
  }
  return 'loaded';
}

describe('witness configuration', () => {
  it('reads a production configuration with its defaults', () => {
    const config = loadWitnessConfig(production);
    expect(config).toMatchObject({
      NODE_ENV: 'production', WITNESS_NAME: 'witness.example.org/w1', developmentKey: false, WITNESS_DATABASE_SCHEMA: 'witness',
      WITNESS_PORT: 7380, WITNESS_HOST: '127.0.0.1', WITNESS_BODY_LIMIT_BYTES: 65_536, WITNESS_DATABASE_POOL_SIZE: 5,
    });
    expect(config.WITNESS_LOGS.map((l) => l.pattern)).toEqual(['ataa.example/campaigns/*']);
    expect(config.WITNESS_SIGNING_KEY.asymmetricKeyType).toBe('ed25519');
  });

  it('derives a fixed development key and name outside production, and says so', () => {
    const a = loadWitnessIdentity({});
    const b = loadWitnessIdentity({ NODE_ENV: 'development' });
    expect(a.developmentKey).toBe(true);
    expect(a.name).toBe('witness.ataa.local/dev');
    expect(a.key.export({ format: 'der', type: 'pkcs8' }).equals(b.key.export({ format: 'der', type: 'pkcs8' }))).toBe(true);
  });

  it.each([
    ['WITNESS_NAME', undefined, 'WITNESS_NAME is required when NODE_ENV=production'],
    ['WITNESS_SIGNING_KEY', undefined, 'WITNESS_SIGNING_KEY is required when NODE_ENV=production'],
    ['WITNESS_DATABASE_URL', undefined, 'WITNESS_DATABASE_URL is required when NODE_ENV=production'],
    ['WITNESS_LOGS', undefined, 'WITNESS_LOGS is required'],
    ['WITNESS_NAME', 'https://witness.example.org', 'WITNESS_NAME must be a schema-less URL'],
    ['WITNESS_NAME', 'witness example', 'WITNESS_NAME must be a key name'],
    ['WITNESS_NAME', 'witness+1', 'WITNESS_NAME must be a key name'],
    ['WITNESS_SIGNING_KEY', 'bm90IGEga2V5', 'WITNESS_SIGNING_KEY must be an Ed25519 private key, PKCS#8 DER in base64 (got (hidden))'],
    ['WITNESS_SIGNING_KEY', generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'der', type: 'pkcs8' }).toString('base64'), 'WITNESS_SIGNING_KEY must be an Ed25519'],
    ['WITNESS_DATABASE_URL', 'mysql://db/witness', 'WITNESS_DATABASE_URL must be a postgres:// URL'],
    ['WITNESS_DATABASE_URL', 'postgres://db.example.org/', 'WITNESS_DATABASE_URL must be a postgres:// URL'],
    ['WITNESS_DATABASE_SCHEMA', 'Witness; DROP', 'WITNESS_DATABASE_SCHEMA must be a lower-case PostgreSQL identifier'],
    ['WITNESS_PORT', '70000', 'WITNESS_PORT must be between 0 and 65535'],
    ['WITNESS_PORT', 'http', 'WITNESS_PORT must be an integer'],
    ['WITNESS_BODY_LIMIT_BYTES', '10', 'WITNESS_BODY_LIMIT_BYTES must be between 1024 and 1048576'],
    ['WITNESS_LOGS', 'ataa.example/campaigns/*', 'WITNESS_LOGS entry 1 is not'],
    ['LOG_LEVEL', 'loud', 'LOG_LEVEL must be one of'],
    ['NODE_ENV', 'staging', 'NODE_ENV must be one of'],
  ])('stops with one line naming %s when it is %j', (variable, value, message) => {
    const env: NodeJS.ProcessEnv = { ...production, [variable]: value };
    if (value === undefined) delete env[variable];
    const text = error(env);
    expect(text).toContain(`Configuration error: ${message}`);
    expect(text).not.toContain('\n');
    expect(text).not.toContain('secret');
    expect(text).not.toContain(witnessKey);
  });
});
