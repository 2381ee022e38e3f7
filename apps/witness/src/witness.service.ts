import type { Logger } from 'pino';
import {
  checkAgainstState, checkSubmission, MalformedRequestError, parseAddCheckpointRequest, type AddCheckpointRequest, type LogState, type Refusal,
} from './domain/add-checkpoint.js';
import { trustedKeysFor, type TrustedLog } from './domain/trusted-logs.js';
import { cosignatureLine, formatCosignerKey, type Cosigner } from './domain/transparency.js';
import type { CheckpointStore } from './persistence/checkpoint-store.js';

export interface Cosigned {
  kind: 'cosigned';
  /** The response body: the witness's cosignature line(s), each ending in a newline. */
  cosignature: string;
  origin: string;
  size: number;
}

export type AddCheckpointResult = Cosigned | Refusal;

export interface WitnessServiceOptions {
  cosigner: Cosigner;
  logs: readonly TrustedLog[];
  store: CheckpointStore;
  logger: Logger;
  /** Milliseconds since the epoch; the cosignature's timestamp is this in seconds. */
  now?: () => number;
}

type Attempt =
  | { kind: 'cosigned'; cosignature: string }
  | { kind: 'refused'; decision: Refusal; stored: LogState | null }
  | { kind: 'lost' };

/** How often a first record for a log is retried after losing the race to create it (then the row exists and is locked). */
const ATTEMPTS = 3;

/** add-checkpoint: parse, the stateless checks, then check and swap the log's record in one transaction. */
export class WitnessService {
  private readonly now: () => number;

  constructor(private readonly options: WitnessServiceOptions) {
    this.now = options.now ?? Date.now;
  }

  /** The witness's verifier key (`name+id+base64(0x04 || key)`), to configure it on a platform. */
  get vkey(): string {
    return formatCosignerKey({ name: this.options.cosigner.name, publicKey: this.options.cosigner.publicKey });
  }

  get name(): string {
    return this.options.cosigner.name;
  }

  async addCheckpoint(body: Buffer | string): Promise<AddCheckpointResult> {
    let request: AddCheckpointRequest;
    try {
      request = parseAddCheckpointRequest(body);
    } catch (error) {
      if (!(error instanceof MalformedRequestError)) throw error;
      return { kind: 'refuse', status: 400, code: error.code, detail: error.message };
    }
    const { checkpoint } = request;
    const refusal = checkSubmission(request, trustedKeysFor(checkpoint.origin, this.options.logs));
    if (refusal) return refusal;
    for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
      const result = await this.options.store.withLog<Attempt>(checkpoint.origin, async ({ stored, swap }) => {
        const decision = checkAgainstState(request, stored);
        if (decision.kind === 'refuse') return { commit: false, result: { kind: 'refused', decision, stored } };
        // Never earlier than the log's previous cosignature, even if the clock stepped back: a later
        // (larger) tree head must not look older than the one it replaced.
        const timestamp = Math.max(Math.floor(this.now() / 1000), stored ? Math.floor(stored.cosignedAt.getTime() / 1000) : 0);
        const cosignature = cosignatureLine(checkpoint.body, this.options.cosigner, timestamp);
        const swapped = await swap(stored ? stored.size : null, {
          ...decision.next, note: checkpoint.note, cosignature, cosignedAt: new Date(timestamp * 1000),
        });
        return { commit: swapped, result: swapped ? { kind: 'cosigned', cosignature } : { kind: 'lost' } };
      });
      if (result.kind === 'lost') continue; // another call made the log's first record meanwhile: decide again against it
      if (result.kind === 'cosigned') {
        this.options.logger.info({ origin: checkpoint.origin, oldSize: request.oldSize, size: checkpoint.size }, 'checkpoint cosigned');
        return { kind: 'cosigned', cosignature: result.cosignature, origin: checkpoint.origin, size: checkpoint.size };
      }
      const { decision, stored } = result;
      if (decision.evidence && stored) await this.keepEvidence(request, decision, stored);
      return decision;
    }
    throw new Error(`add-checkpoint for ${checkpoint.origin} lost ${ATTEMPTS} races in a row`);
  }

  /** A validly signed checkpoint that does not extend the cosigned one: logged and kept (the spec allows it). */
  private async keepEvidence(request: AddCheckpointRequest, refusal: Refusal, stored: LogState): Promise<void> {
    const { checkpoint } = request;
    this.options.logger.warn(
      { origin: checkpoint.origin, code: refusal.code, oldSize: request.oldSize, size: checkpoint.size, cosignedSize: stored.size, cosignedRootHash: stored.rootHash.toString('base64'), note: checkpoint.note },
      'a checkpoint signed by the log does not extend the one this witness cosigned (possible split view or rewritten log)',
    );
    try {
      await this.options.store.recordEvidence({
        origin: checkpoint.origin, reason: refusal.code === 'root_hash_mismatch' ? 'root_hash_mismatch' : 'inconsistent',
        oldSize: request.oldSize, proof: request.proof, note: checkpoint.note, cosigned: stored,
      });
    } catch (error) {
      this.options.logger.error({ err: error, origin: checkpoint.origin }, 'could not record the evidence');
    }
  }
}
