import { generateKeyPairSync, randomUUID, type KeyObject } from 'node:crypto';
import {
  consistencyProofRanges, createSigner, formatVerifierKey, leafHash, merkleRoot, signCheckpoint, type CheckpointSigner,
} from '../../../../libs/transparency/src/domain/index.js';

/**
 * A platform-style log for tests: one campaign's Merkle log (RFC 6962 hashes from the transparency
 * domain) whose checkpoints are signed with a log key as the platform signs them (key name = the
 * platform origin, origin = `<platform>/campaigns/<id>`), with add-checkpoint bodies built from it.
 */
export class TestLog {
  readonly signer: CheckpointSigner;
  readonly origin: string;
  private readonly leaves: Buffer[] = [];

  constructor(options: { platform?: string; origin?: string; key?: KeyObject } = {}) {
    const platform = options.platform ?? 'ataa.test';
    this.signer = createSigner(platform, options.key ?? generateKeyPairSync('ed25519').privateKey);
    this.origin = options.origin ?? `${platform}/campaigns/${randomUUID()}`;
  }

  /** The log key as a witness is configured with it (Go note vkey). */
  get vkey(): string {
    return formatVerifierKey({ keyName: this.signer.keyName, publicKey: this.signer.publicKey });
  }

  get size(): number {
    return this.leaves.length;
  }

  /** Appends `count` entries (JSON like the platform's public entries). */
  append(count = 1): this {
    for (let i = 0; i < count; i++) {
      const index = this.leaves.length;
      this.leaves.push(leafHash(Buffer.from(JSON.stringify({ v: 3, index, kind: 'donation', amount: String(1000 + index), currency: 'usd' }), 'utf8')));
    }
    return this;
  }

  rootAt(size = this.size): Buffer {
    return merkleRoot(this.leaves.slice(0, size));
  }

  /** The signed checkpoint of the tree at `size` (default: the whole log). */
  checkpoint(size = this.size, signer: CheckpointSigner = this.signer): string {
    return signCheckpoint({ origin: this.origin, size, rootHash: this.rootAt(size) }, signer);
  }

  /** RFC 6962 consistency proof from `first` to `second`. */
  proof(first: number, second = this.size): Buffer[] {
    return consistencyProofRanges(first, second).map((r) => merkleRoot(this.leaves.slice(r.start, r.end)));
  }

  /** An add-checkpoint body: `old <size>`, the proof lines, an empty line, the checkpoint. */
  request(oldSize: number, size = this.size, options: { proof?: Buffer[]; checkpoint?: string } = {}): string {
    const proof = options.proof ?? this.proof(oldSize, size);
    return `old ${oldSize}\n${proof.map((p) => `${p.toString('base64')}\n`).join('')}\n${options.checkpoint ?? this.checkpoint(size)}`;
  }

  /** Rewrites the entry at `index` (a log that changes its history), keeping every other one. */
  rewrite(index: number): this {
    this.leaves[index] = leafHash(Buffer.from(`rewritten ${index} ${randomUUID()}`, 'utf8'));
    return this;
  }
}
