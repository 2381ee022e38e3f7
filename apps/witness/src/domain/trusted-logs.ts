import { CheckpointError, formatVerifierKey, parseVerifierKey, type VerifierKey } from './transparency.js';

/**
 * The logs a witness cosigns for: an exact origin, or an origin prefix ending in `*` (every origin
 * that starts with the prefix, e.g. all of a platform's campaign logs `ataa.example/campaigns/*`),
 * each with the log's verifier key in the Go note format (`name+hash+base64(0x01 || key)`).
 */
export interface TrustedLog {
  /** The configured pattern, as written. */
  pattern: string;
  /** The exact origin, or the prefix (without the `*`) when `isPrefix`. */
  origin: string;
  isPrefix: boolean;
  key: VerifierKey;
}

/** Printable ASCII without spaces: what an origin pattern may hold (origins are schema-less URLs). */
const ORIGIN_PATTERN = /^[\x21-\x7e]+$/;
export const MAX_ORIGIN_LENGTH = 1024;

export class TrustedLogsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TrustedLogsError';
  }
}

/**
 * Parses the trusted-logs setting: entries separated by commas, semicolons or newlines, each
 * `<origin or prefix*> <vkey>` (one or more spaces between). Throws TrustedLogsError naming the entry.
 */
export function parseTrustedLogs(text: string): TrustedLog[] {
  const entries = text.split(/[,;\n]/).map((e) => e.trim()).filter(Boolean);
  if (entries.length === 0) throw new TrustedLogsError('names no log (expected "<origin or prefix*> <vkey>", several separated by commas)');
  const logs = entries.map((entry, index) => {
    const parts = entry.split(/\s+/);
    if (parts.length !== 2) throw new TrustedLogsError(`entry ${index + 1} is not "<origin or prefix*> <vkey>"`);
    const [pattern, vkey] = parts;
    if (!ORIGIN_PATTERN.test(pattern) || pattern.length > MAX_ORIGIN_LENGTH) throw new TrustedLogsError(`entry ${index + 1}: the origin must be printable ASCII without spaces, at most ${MAX_ORIGIN_LENGTH} characters`);
    const isPrefix = pattern.endsWith('*');
    const origin = isPrefix ? pattern.slice(0, -1) : pattern;
    if (origin.length === 0) throw new TrustedLogsError(`entry ${index + 1}: a prefix must not be empty ("*" alone would trust the key for every origin)`);
    if (origin.includes('*')) throw new TrustedLogsError(`entry ${index + 1}: "*" may only end an origin prefix`);
    let key: VerifierKey;
    try {
      key = parseVerifierKey(vkey);
    } catch (error) {
      throw new TrustedLogsError(`entry ${index + 1}: ${error instanceof CheckpointError ? error.message : 'malformed verifier key'}`);
    }
    return { pattern, origin, isPrefix, key };
  });
  const seen = new Set<string>();
  for (const log of logs) {
    const id = `${log.pattern} ${formatVerifierKey(log.key)}`;
    if (seen.has(id)) throw new TrustedLogsError(`entry "${log.pattern}" is listed twice with the same key`);
    seen.add(id);
  }
  return logs;
}

/** The keys trusted for an origin: those of its exact entries and of every prefix it starts with. */
export function trustedKeysFor(origin: string, logs: readonly TrustedLog[]): VerifierKey[] {
  const keys: VerifierKey[] = [];
  for (const log of logs) {
    const matches = log.isPrefix ? origin.length > log.origin.length && origin.startsWith(log.origin) : origin === log.origin;
    if (matches && !keys.some((k) => k.keyName === log.key.keyName && k.publicKey.equals(log.key.publicKey))) keys.push(log.key);
  }
  return keys;
}
