import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Queryable } from './public-ledger.repository.js';

/** What is stored about one witness of one campaign log (the witness is named by its cosigner vkey). */
export interface WitnessStateRow {
  witness: string;
  knownSize: number | null;
  cosignedSize: number | null;
  cosignedAt: Date | null;
  failures: number;
  lastOutcome: string | null;
  lastError: string | null;
  attemptedAt: Date | null;
}

/** A stored cosignature of one checkpoint size. */
export interface StoredCosignature {
  witness: string;
  line: string;
  signedAt: Date;
}

/** A pending row as the relay reads it: the campaign and the row's version. */
export interface PendingRow {
  campaignId: string;
  generation: string;
}

const num = (value: unknown): number | null => (value === null || value === undefined ? null : Number(value));

/** The witness tables (migration 1795003300000): pending submissions, per-witness state, cosignatures. */
@Injectable()
export class WitnessRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Pending rows not handed to the queue yet, oldest first. Not locked: the relay talks to Redis
   * before marking them, and an append must never wait for that; `generation` tells whether an
   * append changed a row meanwhile (see markRelayed).
   */
  async unrelayed(limit: number): Promise<PendingRow[]> {
    const rows: { campaign_id: string; generation: string }[] = await this.dataSource.query(
      `SELECT campaign_id, generation::text FROM transparency_witness_pending WHERE relayed_at IS NULL ORDER BY queued_at LIMIT $1`,
      [limit],
    );
    return rows.map((r) => ({ campaignId: r.campaign_id, generation: r.generation }));
  }

  /** Pending rows relayed long ago and still there: their job was lost or gave up (a witness long down). */
  async stale(staleSeconds: number, limit: number): Promise<PendingRow[]> {
    const rows: { campaign_id: string; generation: string }[] = await this.dataSource.query(
      `SELECT campaign_id, generation::text FROM transparency_witness_pending WHERE relayed_at < now() - make_interval(secs => $1) ORDER BY relayed_at LIMIT $2`,
      [staleSeconds, limit],
    );
    return rows.map((r) => ({ campaignId: r.campaign_id, generation: r.generation }));
  }

  /** Marks rows relayed, each only if no append changed it since it was read (else the next pass relays it again). */
  async markRelayed(rows: readonly PendingRow[]): Promise<void> {
    if (rows.length === 0) return;
    await this.dataSource.query(
      `UPDATE transparency_witness_pending p SET relayed_at = now() FROM unnest($1::uuid[], $2::bigint[]) AS r(campaign_id, generation)
       WHERE p.campaign_id = r.campaign_id AND p.generation = r.generation`,
      [rows.map((r) => r.campaignId), rows.map((r) => r.generation)],
    );
  }

  /** The size waiting for the witnesses, or null when nothing waits. */
  async pendingSize(campaignId: string): Promise<number | null> {
    const rows: { size: string }[] = await this.dataSource.query(`SELECT size FROM transparency_witness_pending WHERE campaign_id = $1`, [campaignId]);
    return rows[0] ? Number(rows[0].size) : null;
  }

  /** Every witness has cosigned `size`: the row goes, unless a later append queued a larger size meanwhile. */
  async finishPending(campaignId: string, size: number): Promise<void> {
    await this.dataSource.query(`DELETE FROM transparency_witness_pending WHERE campaign_id = $1 AND size <= $2`, [campaignId, size]);
  }

  /**
   * Queues every log not cosigned at its size by each of these witnesses (a witness added to the
   * configuration, appends made while none was configured). Run once when the worker starts.
   */
  async queueUnwitnessed(witnesses: readonly string[]): Promise<number> {
    if (witnesses.length === 0) return 0;
    const rows: unknown[] = await this.dataSource.query(
      `INSERT INTO transparency_witness_pending (campaign_id, size)
       SELECT l.campaign_id, l.size FROM transparency_logs l
       WHERE l.size > 0 AND EXISTS (
         SELECT 1 FROM unnest($1::text[]) AS w(witness)
         LEFT JOIN transparency_witness_state s ON s.campaign_id = l.campaign_id AND s.witness = w.witness
         WHERE s.cosigned_size IS NULL OR s.cosigned_size < l.size)
       ORDER BY l.campaign_id
       ON CONFLICT (campaign_id) DO NOTHING RETURNING 1`,
      [witnesses],
    );
    return rows.length;
  }

  async states(campaignId: string, db: Queryable = this.dataSource): Promise<Map<string, WitnessStateRow>> {
    const rows: Record<string, unknown>[] = await db.query(
      `SELECT witness, known_size, cosigned_size, cosigned_at, failures, last_outcome, last_error, attempted_at FROM transparency_witness_state WHERE campaign_id = $1`,
      [campaignId],
    );
    return new Map(rows.map((r) => [r.witness as string, {
      witness: r.witness as string, knownSize: num(r.known_size), cosignedSize: num(r.cosigned_size), cosignedAt: (r.cosigned_at as Date | null) ?? null,
      failures: Number(r.failures), lastOutcome: (r.last_outcome as string | null) ?? null, lastError: (r.last_error as string | null) ?? null, attemptedAt: (r.attempted_at as Date | null) ?? null,
    }]));
  }

  /**
   * Stores a verified cosignature of `size` (its checkpoint row exists: it was signed before it was
   * sent) and moves the witness's state to it, in one statement: the cosignature row is kept once
   * per size (the first one stored), the state only moves forward.
   */
  async recordCosignature(campaignId: string, witness: string, size: number, line: string, signedAt: Date): Promise<void> {
    await this.dataSource.query(
      `WITH cosignature AS (
         INSERT INTO transparency_cosignatures (campaign_id, size, witness, signature_line, signed_at) VALUES ($1, $3, $2, $4, $5)
         ON CONFLICT DO NOTHING RETURNING 1
       )
       INSERT INTO transparency_witness_state AS s (campaign_id, witness, known_size, cosigned_size, cosignature, cosigned_at, revision, failures, last_outcome, last_error, attempted_at)
       VALUES ($1, $2, $3, $3, $4, $5, 1, 0, 'cosigned', NULL, now())
       ON CONFLICT (campaign_id, witness) DO UPDATE SET
         known_size = GREATEST(s.known_size, EXCLUDED.known_size),
         cosigned_size = CASE WHEN s.cosigned_size IS NULL OR s.cosigned_size <= EXCLUDED.cosigned_size THEN EXCLUDED.cosigned_size ELSE s.cosigned_size END,
         cosignature = CASE WHEN s.cosigned_size IS NULL OR s.cosigned_size <= EXCLUDED.cosigned_size THEN EXCLUDED.cosignature ELSE s.cosignature END,
         cosigned_at = CASE WHEN s.cosigned_size IS NULL OR s.cosigned_size <= EXCLUDED.cosigned_size THEN EXCLUDED.cosigned_at ELSE s.cosigned_at END,
         revision = s.revision + 1, failures = 0, last_outcome = 'cosigned', last_error = NULL, attempted_at = now()`,
      [campaignId, witness, size, line, signedAt],
    );
  }

  /**
   * Records an attempt that stored nothing. `knownSize` (from a 409) replaces what we believed: the
   * witness's word about its own state is the truth, even smaller (a witness that lost its state).
   */
  async recordAttempt(campaignId: string, witness: string, outcome: string, error: string | null, knownSize: number | null): Promise<void> {
    const failed = error !== null;
    await this.dataSource.query(
      `INSERT INTO transparency_witness_state AS s (campaign_id, witness, known_size, failures, last_outcome, last_error, attempted_at)
       VALUES ($1, $2, $3, $4::int, $5, $6, now())
       ON CONFLICT (campaign_id, witness) DO UPDATE SET
         known_size = COALESCE(EXCLUDED.known_size, s.known_size),
         failures = CASE WHEN $7::boolean THEN s.failures + 1 ELSE s.failures END,
         last_outcome = EXCLUDED.last_outcome, last_error = EXCLUDED.last_error, attempted_at = now()`,
      [campaignId, witness, knownSize, failed ? 1 : 0, outcome, error === null ? null : error.slice(0, 500), failed],
    );
  }

  /** The stored cosignatures of one checkpoint size, in witness order. */
  async cosignaturesAt(campaignId: string, size: number, db: Queryable = this.dataSource): Promise<StoredCosignature[]> {
    const rows: { witness: string; signature_line: string; signed_at: Date }[] = await db.query(
      `SELECT witness, signature_line, signed_at FROM transparency_cosignatures WHERE campaign_id = $1 AND size = $2 ORDER BY witness`,
      [campaignId, size],
    );
    return rows.map((r) => ({ witness: r.witness, line: r.signature_line, signedAt: r.signed_at }));
  }

  /**
   * Entries not yet cosigned, per witness, over the logs waiting for witnesses (every other log is
   * cosigned at its size by all of them): the lag gauge.
   */
  async lag(witnesses: readonly string[]): Promise<Map<string, number>> {
    if (witnesses.length === 0) return new Map();
    const rows: { witness: string; lag: string }[] = await this.dataSource.query(
      `SELECT w.witness, COALESCE(sum(GREATEST(l.size - COALESCE(s.cosigned_size, 0), 0)), 0)::text AS lag
       FROM unnest($1::text[]) AS w(witness)
       LEFT JOIN transparency_witness_pending p ON true
       LEFT JOIN transparency_logs l ON l.campaign_id = p.campaign_id
       LEFT JOIN transparency_witness_state s ON s.campaign_id = p.campaign_id AND s.witness = w.witness
       GROUP BY w.witness`,
      [witnesses],
    );
    return new Map(rows.map((r) => [r.witness, Number(r.lag)]));
  }
}
