import { createHash } from 'node:crypto';
import pg from 'pg';
import type { LogState } from '../domain/add-checkpoint.js';
import { quoteSchema } from './witness-database.js';

export interface StoredCheckpoint extends LogState {
  note: string;
  cosignature: string;
  cosignedAt: Date;
}

/** What a successful add-checkpoint stores: the same record. */
export type CosignedCheckpoint = StoredCheckpoint;

export interface Evidence {
  origin: string;
  reason: 'inconsistent' | 'root_hash_mismatch';
  oldSize: number;
  proof: Buffer[];
  note: string;
  cosigned: LogState;
}

interface CheckpointRow {
  origin: string;
  tree_size: string;
  root_hash: Buffer;
  note: string;
  cosignature: string;
  cosigned_at: Date;
}

function toStored(row: CheckpointRow): StoredCheckpoint {
  return { origin: row.origin, size: Number(row.tree_size), rootHash: row.root_hash, note: row.note, cosignature: row.cosignature, cosignedAt: row.cosigned_at };
}

/** One transaction on one log's record, with its row locked (see CheckpointStore.withLog). */
export interface LogTransaction {
  /** The latest cosigned checkpoint, read FOR UPDATE; null when the witness never cosigned for this origin. */
  stored: StoredCheckpoint | null;
  /**
   * Records the new latest checkpoint if the record still has `expectedSize` (compare-and-swap; for
   * a log never cosigned, only if no record was made meanwhile). False when it lost a race.
   */
  swap(expectedSize: number | null, next: CosignedCheckpoint): Promise<boolean>;
}

/** The witness's records, in its own schema: per log the latest cosigned checkpoint, and evidence. */
export class CheckpointStore {
  private readonly table: string;
  private readonly evidenceTable: string;

  constructor(private readonly pool: pg.Pool, schema: string) {
    this.table = `${quoteSchema(schema)}.checkpoints`;
    this.evidenceTable = `${quoteSchema(schema)}.evidence`;
  }

  async latest(origin: string): Promise<StoredCheckpoint | null> {
    const result = await this.pool.query<CheckpointRow>(`SELECT origin, tree_size, root_hash, note, cosignature, cosigned_at FROM ${this.table} WHERE origin = $1`, [origin]);
    return result.rows[0] ? toStored(result.rows[0]) : null;
  }

  /**
   * Runs `work` in one transaction with the log's record locked (SELECT … FOR UPDATE), so checking
   * the old size and storing the new checkpoint are atomic: a concurrent call for the same log waits
   * and then sees the new size. A log never cosigned has no row to lock: its first record is an
   * INSERT … ON CONFLICT DO NOTHING, and the loser of that race finds swap() false. The transaction
   * commits when `work` returns `commit: true`, and rolls back otherwise (refusals change nothing).
   */
  async withLog<T>(origin: string, work: (tx: LogTransaction) => Promise<{ commit: boolean; result: T }>): Promise<T> {
    const client = await this.pool.connect();
    let broken = false;
    try {
      await client.query('BEGIN');
      const row = await client.query<CheckpointRow>(
        `SELECT origin, tree_size, root_hash, note, cosignature, cosigned_at FROM ${this.table} WHERE origin = $1 FOR UPDATE`,
        [origin],
      );
      const stored = row.rows[0] ? toStored(row.rows[0]) : null;
      const swap = async (expectedSize: number | null, next: CosignedCheckpoint): Promise<boolean> => {
        if (next.origin !== origin) throw new Error('a log transaction writes its own log only');
        const result = expectedSize === null
          ? await client.query(
            `INSERT INTO ${this.table} (origin, tree_size, root_hash, note, cosignature, cosigned_at) VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (origin) DO NOTHING`,
            [origin, next.size, next.rootHash, next.note, next.cosignature, next.cosignedAt],
          )
          : await client.query(
            `UPDATE ${this.table} SET tree_size = $2, root_hash = $3, note = $4, cosignature = $5, cosigned_at = $6
             WHERE origin = $1 AND tree_size = $7`,
            [origin, next.size, next.rootHash, next.note, next.cosignature, next.cosignedAt, expectedSize],
          );
        return result.rowCount === 1;
      };
      const { commit, result } = await work({ stored, swap });
      await client.query(commit ? 'COMMIT' : 'ROLLBACK');
      return result;
    } catch (error) {
      broken = true;
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release(broken);
    }
  }

  /** Keeps a refused checkpoint that a trusted log key signed (once per note, old size and origin). */
  async recordEvidence(evidence: Evidence): Promise<void> {
    await this.pool.query(
      `INSERT INTO ${this.evidenceTable} (origin, reason, old_size, proof, note, note_sha256, cosigned_size, cosigned_root_hash)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT ON CONSTRAINT evidence_once DO NOTHING`,
      [
        evidence.origin, evidence.reason, evidence.oldSize, evidence.proof.map((p) => p.toString('base64')).join('\n'), evidence.note,
        createHash('sha256').update(evidence.note, 'utf8').digest(), evidence.cosigned.size, evidence.cosigned.rootHash,
      ],
    );
  }

  /** The evidence kept for a log, oldest first. */
  async evidenceFor(origin: string): Promise<{ reason: string; oldSize: number; note: string; cosignedSize: number; receivedAt: Date }[]> {
    const result = await this.pool.query<{ reason: string; old_size: string; note: string; cosigned_size: string; received_at: Date }>(
      `SELECT reason, old_size, note, cosigned_size, received_at FROM ${this.evidenceTable} WHERE origin = $1 ORDER BY id`,
      [origin],
    );
    return result.rows.map((r) => ({ reason: r.reason, oldSize: Number(r.old_size), note: r.note, cosignedSize: Number(r.cosigned_size), receivedAt: r.received_at }));
  }

  async ping(): Promise<void> {
    await this.pool.query('SELECT 1');
  }
}
