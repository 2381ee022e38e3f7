import { CheckpointError, parseNote } from './checkpoint.js';
import { CosignerKey, verifyCosignature } from './cosignature.js';

/**
 * The platform's side of C2SP tlog-witness: what to send each witness for a campaign log of a given
 * size, the add-checkpoint request body, and what the witness's answer means. Pure: the service
 * reads the state, asks this what to do, does the I/O and records the outcome.
 */

/** What the platform knows of one witness for one log. */
export interface WitnessLogState {
  /** The witness's latest cosigned size as last learned (from its cosignature or a 409 answer); null if never heard. */
  knownSize: number | null;
  /** The largest size whose cosignature by this witness is stored; null if none. */
  cosignedSize: number | null;
}

export type SubmissionPlan =
  /** The witness's cosignature of this size is stored: nothing to send. */
  | { kind: 'current' }
  /** Send the checkpoint of `size` with a consistency proof from `oldSize` (empty when 0 or equal). */
  | { kind: 'submit'; oldSize: number; size: number }
  /** The witness says it holds a larger tree than the log has: never submit; someone showed it another history. */
  | { kind: 'ahead'; witnessSize: number };

/**
 * What to send a witness for the log at `logSize`. Its old size is the size it last told us it holds
 * (or cosigned for us), else 0: the spec lets a client that knows nothing start at 0 and learn the
 * witness's size from a 409. The same size again (known but not cosigned here) is sent with an empty
 * proof: the witness compares roots and cosigns.
 */
export function planSubmission(logSize: number, state: WitnessLogState | null): SubmissionPlan {
  if (!Number.isSafeInteger(logSize) || logSize < 0) throw new CheckpointError('log size must be a non-negative integer');
  const cosigned = state?.cosignedSize ?? null;
  if (logSize === 0 || (cosigned !== null && cosigned === logSize)) return { kind: 'current' };
  const known = Math.max(state?.knownSize ?? 0, cosigned ?? 0);
  if (known > logSize) return { kind: 'ahead', witnessSize: known };
  return { kind: 'submit', oldSize: known, size: logSize };
}

/** At most this many consistency proof lines (the spec's limit). */
export const MAX_PROOF_LINES = 63;

/** The add-checkpoint request body: `old <size>`, the proof (one base64 hash a line), a blank line, the signed checkpoint. */
export function addCheckpointBody(oldSize: number, proof: readonly Buffer[], note: string): string {
  if (!Number.isSafeInteger(oldSize) || oldSize < 0) throw new CheckpointError('old size must be a non-negative integer');
  if (proof.length > MAX_PROOF_LINES) throw new CheckpointError(`a consistency proof has at most ${MAX_PROOF_LINES} hashes`);
  if (oldSize === 0 && proof.length > 0) throw new CheckpointError('the proof from size 0 is empty');
  for (const hash of proof) if (hash.length !== 32) throw new CheckpointError('a proof hash is 32 bytes');
  parseNote(note);
  return `old ${oldSize}\n${proof.map((h) => `${h.toString('base64')}\n`).join('')}\n${note}`;
}

export type WitnessAnswer =
  /** 200 with a valid cosignature by the configured key: `line` is that signature line (with its newline). */
  | { kind: 'cosigned'; line: string; timestamp: number }
  /** 409 `text/x.tlog.size`: the witness holds `witnessSize`; resubmit with a proof from there. */
  | { kind: 'conflict'; witnessSize: number }
  /** The witness refused the checkpoint (4xx): it says why by the status (see the spec). */
  | { kind: 'refused'; status: number; reason: string }
  /** Anything else: the witness is unwell or answered what the protocol does not allow. Retried later. */
  | { kind: 'failed'; reason: string };

const REFUSALS: Record<number, string> = {
  400: 'the witness found the request malformed (400)',
  403: 'the witness does not trust the platform key for this origin (403)',
  404: 'the witness does not know this log origin (404)',
  409: 'the witness holds another tree of the same size (409): a split view',
  422: 'the witness could not verify the consistency proof (422)',
};

/**
 * Reads a witness's answer to the checkpoint `note`. A 200 must carry a cosignature by `key` that
 * verifies on that note; lines by other keys are ignored (the spec's rule), a line by `key` that does
 * not verify makes the answer `failed` (never stored).
 */
export function readWitnessAnswer(status: number, contentType: string | null, body: string, note: string, key: CosignerKey): WitnessAnswer {
  if (status === 409 && (contentType ?? '').split(';')[0].trim().toLowerCase() === 'text/x.tlog.size') {
    const match = /^(0|[1-9][0-9]{0,15})\n$/.exec(body);
    if (!match || !Number.isSafeInteger(Number(match[1]))) return { kind: 'failed', reason: 'the witness answered 409 with a malformed size' };
    return { kind: 'conflict', witnessSize: Number(match[1]) };
  }
  if (status === 200) {
    if (!body.endsWith('\n') || body.length === 0) return { kind: 'failed', reason: 'the witness answered 200 without signature lines' };
    let best: { line: string; timestamp: number } | null = null;
    for (const raw of body.slice(0, -1).split('\n')) {
      if (!/^\u2014 \S+ [A-Za-z0-9+/=]+$/.test(raw)) return { kind: 'failed', reason: 'the witness answered 200 with a malformed signature line' };
      const line = `${raw}\n`;
      try {
        const verified = verifyCosignature(`${note}${line}`, key);
        if (verified && (best === null || verified.timestamp > best.timestamp)) best = { line, timestamp: verified.timestamp };
      } catch (error) {
        return { kind: 'failed', reason: `the witness's cosignature does not verify: ${(error as Error).message}` };
      }
    }
    if (best === null) return { kind: 'failed', reason: `the witness answered 200 without a cosignature by ${key.name}` };
    return { kind: 'cosigned', ...best };
  }
  if (REFUSALS[status]) return { kind: 'refused', status, reason: REFUSALS[status] };
  return { kind: 'failed', reason: `the witness answered ${status}` };
}
