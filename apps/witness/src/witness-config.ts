import { createHash, type KeyObject } from 'node:crypto';
import { parseTrustedLogs, TrustedLogsError, type TrustedLog } from './domain/trusted-logs.js';
import { privateKeyFromPkcs8, privateKeyFromSeed } from './domain/transparency.js';
import { SCHEMA_NAME } from './persistence/witness-database.js';

/**
 * The witness's configuration, read once from the environment and validated at boot: a bad value
 * stops the process with one line naming the variable (WitnessConfigError, as libs/config's
 * ConfigError does for the platform). The witness is its own program: it reads none of the platform's variables but
 * NODE_ENV and LOG_LEVEL. See .env.example and docs/witness.md.
 */
export interface WitnessConfig {
  NODE_ENV: 'development' | 'test' | 'production';
  LOG_LEVEL: string;
  /** The cosigner name: a schema-less URL-like key name (no spaces, no "+"), e.g. witness.example.org/w1. */
  WITNESS_NAME: string;
  /** Ed25519 private key, PKCS#8 DER in base64 (as TRANSPARENCY_SIGNING_KEY); development: derived from the name. */
  WITNESS_SIGNING_KEY: KeyObject;
  /** True when WITNESS_SIGNING_KEY was not set and a development key was derived. */
  developmentKey: boolean;
  WITNESS_DATABASE_URL: string;
  /** The PostgreSQL schema holding the witness's tables (several witnesses may share a database). */
  WITNESS_DATABASE_SCHEMA: string;
  WITNESS_DATABASE_POOL_SIZE: number;
  WITNESS_HOST: string;
  WITNESS_PORT: number;
  WITNESS_BODY_LIMIT_BYTES: number;
  /** The trusted logs: `<origin or prefix*> <vkey>`, several separated by commas. */
  WITNESS_LOGS: TrustedLog[];
  /** How long to wait for PostgreSQL at start before giving up. */
  WITNESS_DATABASE_WAIT_SECONDS: number;
}

export class WitnessConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WitnessConfigError';
  }
}

/** Names a cosigner key may have: printable ASCII, no space, no "+", no scheme. */
const WITNESS_NAME = /^[\x21-\x2a\x2c-\x7e]{1,255}$/;
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

function fail(variable: string, reason: string, value?: string, secret = false): never {
  const shown = value === undefined ? '' : ` (got ${secret ? '(hidden)' : JSON.stringify(value)})`;
  throw new WitnessConfigError(`Configuration error: ${variable} ${reason}${shown}`);
}

function integer(env: NodeJS.ProcessEnv, variable: string, fallback: number, min: number, max: number): number {
  const text = env[variable];
  if (text === undefined || text === '') return fallback;
  if (!/^-?\d+$/.test(text)) fail(variable, 'must be an integer', text);
  const value = Number(text);
  if (value < min || value > max) fail(variable, `must be between ${min} and ${max}`, text);
  return value;
}

/** The development key: fixed per witness name, so a restarted development witness keeps its key. */
export function developmentWitnessKey(name: string): KeyObject {
  return privateKeyFromSeed(createHash('sha256').update(`ataa development witness key|${name}`).digest());
}

/** The witness's name and key alone (enough for `--print-key`). */
export function loadWitnessIdentity(env: NodeJS.ProcessEnv = process.env): { name: string; key: KeyObject; developmentKey: boolean } {
  const value = (name: string) => (env[name] === undefined || env[name] === '' ? undefined : env[name]);
  const production = (value('NODE_ENV') ?? 'development') === 'production';
  const name = value('WITNESS_NAME') ?? (production ? fail('WITNESS_NAME', 'is required when NODE_ENV=production') : 'witness.ataa.local/dev');
  if (!WITNESS_NAME.test(name)) fail('WITNESS_NAME', 'must be a key name: printable ASCII without spaces or "+" (a schema-less URL such as witness.example.org/w1)', name);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(name)) fail('WITNESS_NAME', 'must be a schema-less URL (no "https://")', name);

  const keyText = value('WITNESS_SIGNING_KEY');
  let key: KeyObject;
  if (keyText === undefined) {
    if (production) fail('WITNESS_SIGNING_KEY', 'is required when NODE_ENV=production');
    key = developmentWitnessKey(name);
  } else {
    try {
      if (!/^[A-Za-z0-9+/]+={0,2}$/.test(keyText) || keyText.length % 4 !== 0) throw new Error('not base64');
      key = privateKeyFromPkcs8(keyText);
    } catch {
      fail('WITNESS_SIGNING_KEY', 'must be an Ed25519 private key, PKCS#8 DER in base64', keyText, true);
    }
    if (key.asymmetricKeyType !== 'ed25519') fail('WITNESS_SIGNING_KEY', 'must be an Ed25519 private key, PKCS#8 DER in base64', keyText, true);
  }

  return { name, key, developmentKey: keyText === undefined };
}

/** Reads and validates the witness's configuration; throws ConfigError whose message is one line. */
export function loadWitnessConfig(env: NodeJS.ProcessEnv = process.env): WitnessConfig {
  const value = (name: string) => (env[name] === undefined || env[name] === '' ? undefined : env[name]);
  const nodeEnv = value('NODE_ENV') ?? 'development';
  if (!['development', 'test', 'production'].includes(nodeEnv)) fail('NODE_ENV', 'must be one of development, test, production', nodeEnv);
  const production = nodeEnv === 'production';
  const logLevel = value('LOG_LEVEL') ?? 'info';
  if (!LOG_LEVELS.includes(logLevel)) fail('LOG_LEVEL', `must be one of ${LOG_LEVELS.join(', ')}`, logLevel);

  const { name, key, developmentKey } = loadWitnessIdentity(env);

  const databaseUrl = value('WITNESS_DATABASE_URL') ?? (production ? fail('WITNESS_DATABASE_URL', 'is required when NODE_ENV=production') : 'postgres://postgres@127.0.0.1:5432/ataa_witness');
  let parsedUrl: URL | null = null;
  try {
    parsedUrl = new URL(databaseUrl);
  } catch {
    parsedUrl = null;
  }
  if (!parsedUrl || !['postgres:', 'postgresql:'].includes(parsedUrl.protocol) || !parsedUrl.hostname || !/^\/[A-Za-z0-9_-]+$/.test(parsedUrl.pathname)) {
    fail('WITNESS_DATABASE_URL', 'must be a postgres:// URL with a host and a database name', parsedUrl ? `${parsedUrl.protocol}//${parsedUrl.host}${parsedUrl.pathname}` : undefined);
  }
  const schema = value('WITNESS_DATABASE_SCHEMA') ?? 'witness';
  if (!SCHEMA_NAME.test(schema)) fail('WITNESS_DATABASE_SCHEMA', 'must be a lower-case PostgreSQL identifier (letters, digits, _; at most 63)', schema);

  const logsText = value('WITNESS_LOGS') ?? fail('WITNESS_LOGS', 'is required: the logs to cosign for, "<origin or prefix*> <vkey>", several separated by commas');
  let logs: TrustedLog[];
  try {
    logs = parseTrustedLogs(logsText);
  } catch (error) {
    if (!(error instanceof TrustedLogsError)) throw error;
    fail('WITNESS_LOGS', error.message);
  }

  const host = value('WITNESS_HOST') ?? '127.0.0.1';
  if (!/^[A-Za-z0-9.:[\]-]+$/.test(host)) fail('WITNESS_HOST', 'must be a host name or address', host);

  return {
    NODE_ENV: nodeEnv as WitnessConfig['NODE_ENV'],
    LOG_LEVEL: logLevel,
    WITNESS_NAME: name,
    WITNESS_SIGNING_KEY: key,
    developmentKey,
    WITNESS_DATABASE_URL: databaseUrl,
    WITNESS_DATABASE_SCHEMA: schema,
    WITNESS_DATABASE_POOL_SIZE: integer(env, 'WITNESS_DATABASE_POOL_SIZE', 5, 1, 100),
    WITNESS_HOST: host,
    WITNESS_PORT: integer(env, 'WITNESS_PORT', 7380, 0, 65535),
    WITNESS_BODY_LIMIT_BYTES: integer(env, 'WITNESS_BODY_LIMIT_BYTES', 65_536, 1_024, 1_048_576),
    WITNESS_LOGS: logs,
    WITNESS_DATABASE_WAIT_SECONDS: integer(env, 'WITNESS_DATABASE_WAIT_SECONDS', 60, 0, 3600),
  };
}
