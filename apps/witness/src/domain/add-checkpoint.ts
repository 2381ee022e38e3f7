import { verify } from 'node:crypto';
import { MAX_ORIGIN_LENGTH } from './trusted-logs.js';
import {
  CheckpointError, emptyRoot, keyHash, parseCheckpointBody, parseNote, publicKeyFromRaw, verifyConsistency, type SignedNote, type VerifierKey,
} from './transparency.js';

/**
 * C2SP tlog-witness `add-checkpoint`, as pure functions: the request body's parser and the decision
 * (given the witness's latest cosigned checkpoint for the log, if any, and the request: cosign or
 * refuse with the status the spec gives). No I/O: the service reads and writes the state.
 */

/** The spec: "The client MUST NOT send more than 63 consistency proof lines." */
export const MAX_PROOF_LINES = 63;
/** signed-note: verifiers MUST accept at least 16 signatures; a few more are tolerated. */
export const MAX_SIGNATURES = 64;

export interface SubmittedCheckpoint {
  origin: string;
  size: number;
  rootHash: Buffer;
  /** The signed text: origin, size, root hash and any extension lines, each with its newline. */
  body: string;
  /** The whole signed note as submitted. */
  note: string;
  signatures: SignedNote['signatures'];
}

export interface AddCheckpointRequest {
  oldSize: number;
  proof: Buffer[];
  checkpoint: SubmittedCheckpoint;
}

/** The witness's record of a log: its latest cosigned checkpoint. */
export interface LogState {
  origin: string;
  size: number;
  rootHash: Buffer;
}

export type RefusalStatus = 400 | 403 | 404 | 409 | 422;

export interface Refusal {
  kind: 'refuse';
  status: RefusalStatus;
  /** Machine-readable reason. */
  code: string;
  detail: string;
  /** For `old_size_mismatch` (409, text/x.tlog.size): the size of the latest cosigned checkpoint. */
  latestSize?: number;
  /**
   * The checkpoint carried a valid signature by a trusted key but does not extend what the witness
   * saw: possible evidence of log misbehaviour, worth keeping (the spec allows logging it).
   */
  evidence?: boolean;
}

export interface Acceptance {
  kind: 'cosign';
  /** The state to store: the submitted checkpoint becomes the latest cosigned one. */
  next: LogState;
}

export type Decision = Refusal | Acceptance;

export class MalformedRequestError extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
    this.name = 'MalformedRequestError';
  }
}

const DECIMAL = /^(0|[1-9][0-9]{0,15})$/;
const PROOF_HASH = /^[A-Za-z0-9+/]{43}=$/;
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function decimal(text: string): number | null {
  if (!DECIMAL.test(text)) return null;
  const value = Number(text);
  return Number.isSafeInteger(value) ? value : null;
}

/**
 * Parses an add-checkpoint body: `old <size>\n`, up to 63 base64 hash lines, an empty line, then
 * the signed checkpoint note. Throws MalformedRequestError (a 400) for anything else.
 */
export function parseAddCheckpointRequest(raw: Buffer | string): AddCheckpointRequest {
  let text: string;
  if (typeof raw === 'string') {
    text = raw;
  } else {
    try {
      text = utf8.decode(raw);
    } catch {
      throw new MalformedRequestError('not_utf8', 'The request body is not valid UTF-8');
    }
  }
  // signed-note: no ASCII control characters but newline (CR, TAB and NUL included).
  if (/[\x00-\x09\x0b-\x1f\x7f]/.test(text)) throw new MalformedRequestError('control_character', 'The request body holds a control character other than newline');
  const split = text.indexOf('\n\n');
  if (split < 0) throw new MalformedRequestError('malformed_body', 'The request body has no empty line between the old size and proof lines and the checkpoint');
  const header = text.slice(0, split).split('\n');
  const oldMatch = /^old (.*)$/.exec(header[0]);
  const oldSize = oldMatch ? decimal(oldMatch[1]) : null;
  if (oldSize === null) throw new MalformedRequestError('malformed_old_size', 'The first line must be "old <size>" (decimal, no leading zeroes)');
  const proofLines = header.slice(1);
  if (proofLines.length > MAX_PROOF_LINES) throw new MalformedRequestError('proof_too_long', `A consistency proof has at most ${MAX_PROOF_LINES} lines`);
  const proof = proofLines.map((line, index) => {
    const hash = PROOF_HASH.test(line) ? Buffer.from(line, 'base64') : null;
    if (!hash || hash.length !== 32 || hash.toString('base64') !== line) {
      throw new MalformedRequestError('malformed_proof', `Consistency proof line ${index + 1} is not a base64 SHA-256 hash`);
    }
    return hash;
  });
  return { oldSize, proof, checkpoint: parseSubmittedCheckpoint(text.slice(split + 2)) };
}

function parseSubmittedCheckpoint(note: string): SubmittedCheckpoint {
  let parsed: SignedNote;
  try {
    parsed = parseNote(note);
  } catch (error) {
    throw new MalformedRequestError('malformed_checkpoint', `The checkpoint is not a signed note: ${(error as CheckpointError).message}`);
  }
  if (parsed.signatures.length > MAX_SIGNATURES) throw new MalformedRequestError('too_many_signatures', `A checkpoint may carry at most ${MAX_SIGNATURES} signatures`);
  // tlog-checkpoint: origin, tree size, root hash, then optional extension lines (signed and cosigned too).
  const lines = parsed.body.slice(0, -1).split('\n');
  if (lines.length < 3) throw new MalformedRequestError('malformed_checkpoint', 'The checkpoint must have origin, tree size and root hash lines');
  let head;
  try {
    head = parseCheckpointBody(`${lines.slice(0, 3).join('\n')}\n`);
  } catch (error) {
    throw new MalformedRequestError('malformed_checkpoint', `The checkpoint is malformed: ${(error as CheckpointError).message}`);
  }
  if (head.origin.length > MAX_ORIGIN_LENGTH) throw new MalformedRequestError('malformed_checkpoint', `The checkpoint origin is longer than ${MAX_ORIGIN_LENGTH} characters`);
  return { origin: head.origin, size: head.size, rootHash: head.rootHash, body: parsed.body, note, signatures: parsed.signatures };
}

/**
 * signed-note: signatures by unknown keys are ignored; one by a trusted key that fails to verify
 * rejects the note; at least one by a trusted key must verify.
 */
export function checkLogSignature(checkpoint: SubmittedCheckpoint, keys: readonly VerifierKey[]): { ok: true } | { ok: false; reason: string } {
  let verified = 0;
  const message = Buffer.from(checkpoint.body, 'utf8');
  for (const signature of checkpoint.signatures) {
    const key = keys.find((k) => k.keyName === signature.keyName && keyHash(k.keyName, k.publicKey) === signature.keyHash);
    if (!key) continue;
    if (signature.signature.length !== 64 || !verify(null, message, publicKeyFromRaw(key.publicKey), signature.signature)) {
      return { ok: false, reason: `The signature by ${key.keyName} does not verify (forged or altered checkpoint)` };
    }
    verified++;
  }
  return verified > 0 ? { ok: true } : { ok: false, reason: 'The checkpoint carries no signature by a key this witness trusts for its origin' };
}

/**
 * The checks that need no state, in the spec's order: a known origin (404), a valid signature by
 * a trusted key (403), an old size not above the checkpoint's (400). Null when they pass.
 */
export function checkSubmission(request: AddCheckpointRequest, keys: readonly VerifierKey[]): Refusal | null {
  const { checkpoint, oldSize } = request;
  if (keys.length === 0) return { kind: 'refuse', status: 404, code: 'unknown_log', detail: 'This witness does not know the log named by the checkpoint origin' };
  const signature = checkLogSignature(checkpoint, keys);
  if (!signature.ok) return { kind: 'refuse', status: 403, code: 'bad_log_signature', detail: signature.reason };
  if (oldSize > checkpoint.size) return { kind: 'refuse', status: 400, code: 'old_size_too_large', detail: `The old size ${oldSize} is larger than the checkpoint size ${checkpoint.size}` };
  return null;
}

/**
 * The checks against the witness's latest cosigned checkpoint (null: never cosigned one for this
 * origin, which counts as size 0): the old size must be its size (409 with the size), the same size
 * must have the same root hash (409), and the proof must show the checkpoint extends it (422).
 */
export function checkAgainstState(request: AddCheckpointRequest, stored: LogState | null): Decision {
  const { checkpoint, oldSize, proof } = request;
  const latestSize = stored?.size ?? 0;
  if (oldSize !== latestSize) {
    return {
      kind: 'refuse', status: 409, code: 'old_size_mismatch', latestSize,
      detail: `The old size ${oldSize} is not the size of the latest checkpoint this witness cosigned for the log (${latestSize})`,
    };
  }
  const oldRoot = stored?.rootHash ?? emptyRoot();
  if (checkpoint.size === oldSize && !checkpoint.rootHash.equals(oldRoot)) {
    return {
      kind: 'refuse', status: 409, code: 'root_hash_mismatch', evidence: stored !== null,
      detail: `The checkpoint has the size of the latest one this witness cosigned (${latestSize}) but another root hash`,
    };
  }
  if (!verifyConsistency(oldSize, checkpoint.size, proof, oldRoot, checkpoint.rootHash)) {
    return {
      kind: 'refuse', status: 422, code: 'inconsistent', evidence: oldSize > 0,
      detail: `The consistency proof does not show that the checkpoint extends the tree of size ${oldSize} this witness cosigned`,
    };
  }
  return { kind: 'cosign', next: { origin: checkpoint.origin, size: checkpoint.size, rootHash: checkpoint.rootHash } };
}

/** The whole decision: stateless checks first, then those against the stored state. */
export function decideAddCheckpoint(request: AddCheckpointRequest, keys: readonly VerifierKey[], stored: LogState | null): Decision {
  return checkSubmission(request, keys) ?? checkAgainstState(request, stored);
}
