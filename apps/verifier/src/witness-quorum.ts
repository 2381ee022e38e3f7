// Witness policy of the verifier and the monitor: a checkpoint counts only when K of the configured
// witnesses (C2SP tlog-cosignature, Ed25519 cosignature/v1) cosigned it. Pure: no I/O.
import { checkCosignatures, CosignerKey, parseCosignerKey, QuorumResult } from '../../../libs/transparency/src/domain/index.js';

export interface WitnessPolicy {
  witnesses: CosignerKey[];
  /** How many distinct witnesses must have cosigned; 1 ≤ quorum ≤ witnesses.length. */
  quorum: number;
}

/** Why a checkpoint falls short of the quorum: each witness not counted, and why. */
export class QuorumFailure extends Error {
  constructor(
    readonly result: QuorumResult,
    readonly quorum: number,
    total: number,
  ) {
    super(
      `the checkpoint has ${result.valid.length} valid witness cosignature(s) of the ${quorum} required (quorum ${quorum} of ${total}); ` +
        `not counted: ${result.missing.map((m) => `${m.name} (${m.reason})`).join(', ')}`,
    );
    this.name = 'QuorumFailure';
  }
}

/**
 * Builds the policy from the CLI's `--witness` values and `--quorum` (default: every witness given).
 * Throws a plain Error (a usage error) for a malformed key, a witness named twice or a quorum that
 * cannot be met or is not a positive integer.
 */
export function witnessPolicy(vkeys: string[], quorum: string | undefined): WitnessPolicy | null {
  if (vkeys.length === 0) {
    if (quorum !== undefined) throw new Error('--quorum needs at least one --witness');
    return null;
  }
  const witnesses = vkeys.map((text) => {
    try {
      return parseCosignerKey(text);
    } catch (error) {
      throw new Error(`--witness ${text}: ${(error as Error).message} (expected <name>+<key ID>+<base64 of 0x04 and the Ed25519 key>)`);
    }
  });
  const names = new Set<string>();
  for (const w of witnesses) {
    if (names.has(w.name)) throw new Error(`witness ${w.name} is given twice`);
    names.add(w.name);
  }
  let k = witnesses.length;
  if (quorum !== undefined) {
    if (!/^[1-9][0-9]{0,5}$/.test(quorum)) throw new Error('--quorum must be a positive integer');
    k = Number(quorum);
    if (k > witnesses.length) throw new Error(`--quorum ${k} cannot be met by ${witnesses.length} witness(es)`);
  }
  return { witnesses, quorum: k };
}

/** Checks the note's cosignatures; returns them when the quorum is met, else throws QuorumFailure. */
export function requireQuorum(note: string, policy: WitnessPolicy): QuorumResult {
  const result = checkCosignatures(note, policy.witnesses);
  if (result.valid.length < policy.quorum) throw new QuorumFailure(result, policy.quorum, policy.witnesses.length);
  return result;
}

/** "witness.example/a at 2026-12-05T15:00:00Z, …": for the `ok` lines. */
export function describeCosignatures(result: QuorumResult): string {
  return result.valid.map((v) => `${v.name} at ${new Date(v.timestamp * 1000).toISOString().replace('.000Z', 'Z')}`).join(', ');
}
