/**
 * How far a streaming replica is behind its primary, in time, from WAL positions only (pure: no I/O).
 *
 * Each check samples the primary's current WAL position (`pg_current_wal_lsn()`) with the time it was
 * read; a replica has everything the primary had at a sample once its replayed position
 * (`pg_last_wal_replay_lsn()`) reaches the sample's. What the replica misses was written after the
 * newest sample it has reached, so its lag is the age of the oldest sample it has not reached
 * (0 when it has reached them all). Unlike `now() - pg_last_xact_replay_timestamp()` this stays right
 * on an idle primary (nothing missing: 0) and on a replica cut off from the primary (its receive and
 * replay positions agree, yet it misses every write since: the lag grows). It is a lower bound, at
 * most one check interval short.
 */

/** A pg_lsn as PostgreSQL prints it (`16/B374D848`) as a number of bytes. */
export function parseLsn(text: string): bigint {
  const match = /^([0-9A-Fa-f]{1,8})\/([0-9A-Fa-f]{1,8})$/.exec(text.trim());
  if (!match) throw new Error(`not a WAL position: ${JSON.stringify(text)}`);
  return (BigInt(`0x${match[1]}`) << 32n) + BigInt(`0x${match[2]}`);
}

export class WalSamples {
  private readonly samples: { at: number; lsn: bigint }[] = [];

  /** `keepMs`: how long a sample is kept (at least twice the lag limit, so a lag past the limit is still seen as such). */
  constructor(private readonly keepMs: number) {}

  get size(): number {
    return this.samples.length;
  }

  /** The primary was at `lsn` at time `at` (ms). Samples come in time order; an unchanged position keeps its first time. */
  add(at: number, lsn: bigint): void {
    const last = this.samples[this.samples.length - 1];
    if (last === undefined || lsn > last.lsn) this.samples.push({ at, lsn });
    // Keep the newest sample always; drop the ones older than the window.
    while (this.samples.length > 1 && this.samples[0].at < at - this.keepMs) this.samples.shift();
  }

  /**
   * The replica's lag in ms at `now`, given its replayed position; null when no sample was taken yet
   * (nothing known about the primary). A replica that has replayed nothing (`replay` null) is as far
   * behind as the oldest sample.
   */
  lagMs(replay: bigint | null, now: number): number | null {
    if (this.samples.length === 0) return null;
    const missed = replay === null ? this.samples[0] : this.samples.find((s) => s.lsn > replay);
    return missed === undefined ? 0 : Math.max(0, now - missed.at);
  }
}

/**
 * Errors that say the server (or the way to it) is unavailable, not that the query is wrong: the read
 * is then made on the primary. Connection exceptions (08), operator intervention such as a shutdown
 * (57), insufficient resources (53), a query cancelled by a recovery conflict on a standby (40001),
 * socket errors (ECONNREFUSED, ECONNRESET…) and pg's own connection messages.
 */
export function isUnavailableError(error: unknown): boolean {
  const code = (error as { code?: unknown })?.code;
  if (typeof code === 'string' && (/^(08|57|53)/.test(code) || code === '40001' || /^E[A-Z_]+$/.test(code))) return true;
  const message = String((error as { message?: unknown })?.message ?? '');
  return /Connection terminated|timeout exceeded when trying to connect|connection error|Query read timeout|not queryable/i.test(message);
}
