import { createHash, KeyObject, sign, verify } from 'node:crypto';
import { CheckpointError, parseNote, publicKeyFromRaw, rawPublicKey } from './checkpoint.js';

/**
 * Witness cosignatures per C2SP tlog-cosignature (Ed25519, cosignature/v1, signature type 0x04).
 *
 * A cosignature is a note signature line on the checkpoint:
 *
 *   — <cosigner name> base64(key ID || u64 big-endian timestamp || Ed25519 signature)
 *
 * The key ID is SHA-256(name || "\n" || 0x04 || 32-byte public key)[:4]; the signed message is
 * "cosignature/v1\ntime <timestamp>\n" followed by the whole checkpoint body (with its final newline).
 * It states that, at that time, this was the largest consistent tree head the cosigner had seen for
 * the log named by the origin line.
 */
export const COSIGNATURE_V1_ALGORITHM = 0x04;
const SIGNATURE_PREFIX = '\u2014 ';
const NAME = /^[^\s+]+$/;
const MAX_TIMESTAMP = 2n ** 63n - 1n;

export interface Cosigner {
  name: string;
  privateKey: KeyObject;
  publicKey: Buffer;
  keyId: number;
}

/** A cosigner's public side, as clients are configured with it. */
export interface CosignerKey {
  name: string;
  publicKey: Buffer;
}

export interface VerifiedCosignature {
  name: string;
  /** POSIX seconds at which the cosigner signed. */
  timestamp: number;
}

export function cosignerKeyId(name: string, publicKey: Buffer): number {
  return createHash('sha256').update(name, 'utf8').update(Buffer.from([0x0a, COSIGNATURE_V1_ALGORITHM])).update(publicKey).digest().readUInt32BE(0);
}

export function createCosigner(name: string, privateKey: KeyObject): Cosigner {
  if (!NAME.test(name)) throw new CheckpointError('cosigner name must not contain spaces or "+"');
  if (privateKey.asymmetricKeyType !== 'ed25519') throw new CheckpointError('a cosigner key must be Ed25519');
  const publicKey = rawPublicKey(privateKey);
  return { name, privateKey, publicKey, keyId: cosignerKeyId(name, publicKey) };
}

/** The message a cosignature/v1 signs: header, time line, then the checkpoint body. */
export function cosignatureMessage(body: string, timestamp: number): Buffer {
  if (!Number.isSafeInteger(timestamp) || timestamp < 0) throw new CheckpointError('cosignature timestamp must be a non-negative integer');
  if (!body.endsWith('\n')) throw new CheckpointError('checkpoint body must end with a newline');
  return Buffer.from(`cosignature/v1\ntime ${timestamp}\n${body}`, 'utf8');
}

/** Cosigns a checkpoint body; returns the signature line (with its newline). */
export function cosignatureLine(body: string, cosigner: Cosigner, timestamp: number): string {
  const signature = sign(null, cosignatureMessage(body, timestamp), cosigner.privateKey);
  const blob = Buffer.alloc(12);
  blob.writeUInt32BE(cosigner.keyId, 0);
  blob.writeBigUInt64BE(BigInt(timestamp), 4);
  return `${SIGNATURE_PREFIX}${cosigner.name} ${Buffer.concat([blob, signature]).toString('base64')}\n`;
}

/**
 * Checks a cosigner's signature on a signed note: returns its timestamp, or null when the note
 * carries no line under that name and key ID. A line under the name and key ID that does not verify
 * throws (a forged or altered cosignature).
 */
export function verifyCosignature(text: string, key: CosignerKey): VerifiedCosignature | null {
  const note = parseNote(text);
  const keyId = cosignerKeyId(key.name, key.publicKey);
  const candidates = note.signatures.filter((s) => s.keyName === key.name && s.keyHash === keyId);
  if (candidates.length === 0) return null;
  for (const candidate of candidates) {
    if (candidate.signature.length !== 72) throw new CheckpointError(`cosignature by ${key.name} is not 8 + 64 bytes`);
    const timestamp = candidate.signature.readBigUInt64BE(0);
    if (timestamp > MAX_TIMESTAMP || timestamp > BigInt(Number.MAX_SAFE_INTEGER)) throw new CheckpointError(`cosignature by ${key.name} has an impossible timestamp`);
    const message = cosignatureMessage(note.body, Number(timestamp));
    if (!verify(null, message, publicKeyFromRaw(key.publicKey), candidate.signature.subarray(8))) {
      throw new CheckpointError(`cosignature by ${key.name} is invalid (forged, or over another checkpoint)`);
    }
  }
  // Several valid lines by one cosigner count once; the latest time is the one reported.
  const latest = candidates.reduce((max, c) => (c.signature.readBigUInt64BE(0) > max ? c.signature.readBigUInt64BE(0) : max), 0n);
  return { name: key.name, timestamp: Number(latest) };
}

export interface QuorumResult {
  valid: VerifiedCosignature[];
  /** Cosigners whose line is absent, with the reason; or whose line did not verify. */
  missing: { name: string; reason: string }[];
}

/** Checks every configured cosigner's signature; never throws for one bad cosignature. */
export function checkCosignatures(text: string, keys: CosignerKey[]): QuorumResult {
  const valid: VerifiedCosignature[] = [];
  const missing: { name: string; reason: string }[] = [];
  for (const key of keys) {
    try {
      const result = verifyCosignature(text, key);
      if (result) valid.push(result);
      else missing.push({ name: key.name, reason: 'no cosignature' });
    } catch (error) {
      missing.push({ name: key.name, reason: (error as Error).message });
    }
  }
  return { valid, missing };
}

/** Adds signature lines to a signed note, keeping the lines it has and dropping exact duplicates. */
export function addSignatureLines(text: string, lines: string[]): string {
  parseNote(text);
  const present = new Set(text.slice(text.indexOf('\n\n') + 2).split('\n').filter(Boolean));
  let out = text;
  for (const raw of lines) {
    const line = raw.endsWith('\n') ? raw.slice(0, -1) : raw;
    if (!/^\u2014 \S+ [A-Za-z0-9+/=]+$/.test(line)) throw new CheckpointError('malformed signature line');
    if (present.has(line)) continue;
    present.add(line);
    out += `${line}\n`;
  }
  return out;
}

/** The vkey text: `<name>+<hex key ID>+<base64(0x04 || public key)>`. */
export function formatCosignerKey(key: CosignerKey): string {
  const id = cosignerKeyId(key.name, key.publicKey).toString(16).padStart(8, '0');
  return `${key.name}+${id}+${Buffer.concat([Buffer.from([COSIGNATURE_V1_ALGORITHM]), key.publicKey]).toString('base64')}`;
}

export function parseCosignerKey(text: string): CosignerKey {
  const match = /^([^\s+]+)\+([0-9a-f]{8})\+([A-Za-z0-9+/=]+)$/.exec(text.trim());
  if (!match) throw new CheckpointError('malformed cosigner key');
  const blob = Buffer.from(match[3], 'base64');
  if (blob.length !== 33 || blob[0] !== COSIGNATURE_V1_ALGORITHM) throw new CheckpointError('cosigner key is not an Ed25519 cosignature/v1 key (type 0x04)');
  const key = { name: match[1], publicKey: Buffer.from(blob.subarray(1)) };
  if (cosignerKeyId(key.name, key.publicKey) !== parseInt(match[2], 16)) throw new CheckpointError('cosigner key ID does not match the key');
  return key;
}
