import { createHash, createPrivateKey, createPublicKey, KeyObject, sign, verify } from 'node:crypto';

/**
 * Checkpoints in the C2SP tlog-checkpoint / signed-note format used by the Go checksum database and
 * Sigstore:
 *
 *   <origin>\n<tree size>\n<base64 root hash>\n\n— <key name> <base64(key hash || Ed25519 signature)>\n
 *
 * The key hash is the first 4 bytes of SHA-256(key name || 0x0A || 0x01 || 32-byte public key), as in
 * golang.org/x/mod/sumdb/note; the signature covers the note body (the first three lines and their
 * newlines).
 */
export const ED25519_ALGORITHM = 0x01;
const SIGNATURE_PREFIX = '\u2014 ';

export interface Checkpoint {
  origin: string;
  size: number;
  rootHash: Buffer;
}

export interface SignedCheckpoint extends Checkpoint, SignedNote {}

export class CheckpointError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CheckpointError';
  }
}

const NAME = /^[^\s+]+$/;

export function checkpointBody(checkpoint: Checkpoint): string {
  if (!checkpoint.origin || /\n/.test(checkpoint.origin)) throw new CheckpointError('origin must be one non-empty line');
  if (checkpoint.rootHash.length !== 32) throw new CheckpointError('root hash must be 32 bytes');
  return `${checkpoint.origin}\n${checkpoint.size}\n${checkpoint.rootHash.toString('base64')}\n`;
}

export function keyHash(keyName: string, publicKey: Buffer): number {
  const digest = createHash('sha256').update(keyName, 'utf8').update(Buffer.from([0x0a, ED25519_ALGORITHM])).update(publicKey).digest();
  return digest.readUInt32BE(0);
}

/** The raw 32-byte Ed25519 public key of a key object. */
export function rawPublicKey(key: KeyObject): Buffer {
  const der = createPublicKey(key).export({ format: 'der', type: 'spki' });
  return Buffer.from(der.subarray(der.length - 32));
}

/** A signer: the key name (shown in the signature line) and the private key. */
export interface CheckpointSigner {
  keyName: string;
  privateKey: KeyObject;
  publicKey: Buffer;
  keyHash: number;
}

export function createSigner(keyName: string, privateKey: KeyObject): CheckpointSigner {
  if (!NAME.test(keyName)) throw new CheckpointError('key name must not contain spaces or "+"');
  if (privateKey.asymmetricKeyType !== 'ed25519') throw new CheckpointError('the checkpoint key must be Ed25519');
  const publicKey = rawPublicKey(privateKey);
  return { keyName, privateKey, publicKey, keyHash: keyHash(keyName, publicKey) };
}

/** PKCS#8 DER (base64) to a key object; the configuration carries keys this way. */
export function privateKeyFromPkcs8(base64: string): KeyObject {
  return createPrivateKey({ key: Buffer.from(base64, 'base64'), format: 'der', type: 'pkcs8' });
}

const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

/** An Ed25519 private key from a 32-byte seed (development keys are derived this way). */
export function privateKeyFromSeed(seed: Buffer): KeyObject {
  if (seed.length !== 32) throw new CheckpointError('an Ed25519 seed is 32 bytes');
  return createPrivateKey({ key: Buffer.concat([PKCS8_ED25519_PREFIX, seed]), format: 'der', type: 'pkcs8' });
}

export function publicKeyFromRaw(raw: Buffer): KeyObject {
  if (raw.length !== 32) throw new CheckpointError('an Ed25519 public key is 32 bytes');
  return createPublicKey({ key: Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), raw]), format: 'der', type: 'spki' });
}

export function signCheckpoint(checkpoint: Checkpoint, signer: CheckpointSigner): string {
  const body = checkpointBody(checkpoint);
  const signature = sign(null, Buffer.from(body, 'utf8'), signer.privateKey);
  const hash = Buffer.alloc(4);
  hash.writeUInt32BE(signer.keyHash);
  return `${body}\n${SIGNATURE_PREFIX}${signer.keyName} ${Buffer.concat([hash, signature]).toString('base64')}\n`;
}

export interface SignedNote {
  text: string;
  /** The signed text: everything before the blank line, with its final newline. */
  body: string;
  signatures: { keyName: string; keyHash: number; signature: Buffer }[];
}

/** Splits a signed note into body and signature lines; throws CheckpointError when malformed. */
export function parseNote(text: string): SignedNote {
  const split = text.indexOf('\n\n');
  if (split < 0) throw new CheckpointError('note has no signature block');
  const body = text.slice(0, split + 1);
  const signatureBlock = text.slice(split + 2);
  if (!signatureBlock.endsWith('\n')) throw new CheckpointError('note signature block must end with a newline');
  const signatures = signatureBlock.slice(0, -1).split('\n').map((line) => {
    const match = /^\u2014 (\S+) ([A-Za-z0-9+/=]+)$/.exec(line);
    if (!match) throw new CheckpointError('malformed signature line');
    const blob = Buffer.from(match[2], 'base64');
    if (blob.length < 5) throw new CheckpointError('signature too short');
    return { keyName: match[1], keyHash: blob.readUInt32BE(0), signature: Buffer.from(blob.subarray(4)) };
  });
  if (signatures.length === 0) throw new CheckpointError('note is not signed');
  return { text, body, signatures };
}

/** Parses the three checkpoint body lines: origin, tree size, base64 root hash. */
export function parseCheckpointBody(body: string): Checkpoint {
  if (!body.endsWith('\n')) throw new CheckpointError('checkpoint body must end with a newline');
  const lines = body.slice(0, -1).split('\n');
  if (lines.length !== 3) throw new CheckpointError('checkpoint body must have exactly origin, size and root hash lines');
  const [origin, sizeText, rootText] = lines;
  if (!origin) throw new CheckpointError('checkpoint origin is empty');
  if (!/^(0|[1-9][0-9]{0,15})$/.test(sizeText) || !Number.isSafeInteger(Number(sizeText))) throw new CheckpointError('checkpoint tree size is not a decimal number');
  const rootHash = Buffer.from(rootText, 'base64');
  if (rootHash.length !== 32 || rootHash.toString('base64') !== rootText) throw new CheckpointError('checkpoint root hash is not 32 bytes of base64');
  return { origin, size: Number(sizeText), rootHash };
}

/** Parses a signed checkpoint (without checking the signature). */
export function parseCheckpoint(text: string): SignedCheckpoint {
  const note = parseNote(text);
  return { ...parseCheckpointBody(note.body), ...note };
}

/** A verifier key: name and raw Ed25519 public key. */
export interface VerifierKey {
  keyName: string;
  publicKey: Buffer;
}

/** Verifies a signed note against a key; throws CheckpointError with the reason, returns the note. */
export function verifyNote(text: string, key: VerifierKey): SignedNote {
  const note = parseNote(text);
  const expectedHash = keyHash(key.keyName, key.publicKey);
  const candidate = note.signatures.find((s) => s.keyName === key.keyName && s.keyHash === expectedHash);
  if (!candidate) throw new CheckpointError(`not signed by the published key ${key.keyName}`);
  if (candidate.signature.length !== 64 || !verify(null, Buffer.from(note.body, 'utf8'), publicKeyFromRaw(key.publicKey), candidate.signature)) {
    throw new CheckpointError('signature is invalid (forged or altered checkpoint)');
  }
  return note;
}

/** Verifies a checkpoint against a key; throws CheckpointError with the reason, returns the parsed checkpoint. */
export function verifyCheckpoint(text: string, key: VerifierKey): SignedCheckpoint {
  const note = verifyNote(text, key);
  return { ...parseCheckpointBody(note.body), ...note };
}

/** The Go note verifier key text: `<name>+<hex key hash>+<base64(0x01 || public key)>`. */
export function formatVerifierKey(key: VerifierKey): string {
  const hash = keyHash(key.keyName, key.publicKey).toString(16).padStart(8, '0');
  return `${key.keyName}+${hash}+${Buffer.concat([Buffer.from([ED25519_ALGORITHM]), key.publicKey]).toString('base64')}`;
}

export function parseVerifierKey(text: string): VerifierKey {
  const match = /^([^\s+]+)\+([0-9a-f]{8})\+([A-Za-z0-9+/=]+)$/.exec(text.trim());
  if (!match) throw new CheckpointError('malformed verifier key');
  const blob = Buffer.from(match[3], 'base64');
  if (blob.length !== 33 || blob[0] !== ED25519_ALGORITHM) throw new CheckpointError('verifier key is not an Ed25519 key');
  const key = { keyName: match[1], publicKey: Buffer.from(blob.subarray(1)) };
  if (keyHash(key.keyName, key.publicKey) !== parseInt(match[2], 16)) throw new CheckpointError('verifier key hash does not match the key');
  return key;
}
