/**
 * Coalesces reads of small, hot rows (a campaign's log head, a campaign page's figures) without ever answering from a read
 * that started before the caller asked: a caller that arrives while a read is in flight waits for
 * the next one, which then serves every caller that queued meanwhile, for every key at once. So
 * whatever was committed before a caller asked is in its answer (an append shows on the very next
 * request), and under load one query serves many requests instead of one each.
 */
export class FreshReads<K, V> {
  private waiting = new Map<K, { resolve: (value: V | null) => void; reject: (error: unknown) => void }[]>();
  /** Reads in flight. */
  private reading = 0;
  /** A read is to begin once the requests of the current I/O phase are in (`gather`). */
  private starting = false;

  /**
   * `read` answers the keys it found; a key it leaves out is null (not found). `inFlight`: how many
   * reads may run at once (default one); a caller arriving while fewer run starts a read at once,
   * else waits for the next read to begin (the first to finish takes every caller queued meanwhile).
   * More than one suits reads whose time grows with their keys (pages of entries), not tiny rows.
   */
  constructor(
    private readonly read: (keys: K[]) => Promise<Map<K, V>>,
    private readonly inFlight = 1,
    /**
     * Begin an idle read at the end of the event loop's current phase (setImmediate) rather than at
     * once: the requests Node parsed from many sockets in one go then share that read instead of the
     * first taking it alone and the rest waiting for the next (still begun after each of them asked).
     */
    private readonly gather = false,
  ) {}

  get(key: K): Promise<V | null> {
    return new Promise<V | null>((resolve, reject) => {
      const callers = this.waiting.get(key);
      if (callers) callers.push({ resolve, reject });
      else this.waiting.set(key, [{ resolve, reject }]);
      if (this.reading >= this.inFlight) return;
      if (!this.gather) void this.drain();
      else if (!this.starting) {
        this.starting = true;
        setImmediate(() => {
          this.starting = false;
          if (this.reading < this.inFlight && this.waiting.size > 0) void this.drain();
        });
      }
    });
  }

  private async drain(): Promise<void> {
    this.reading++;
    try {
      while (this.waiting.size > 0) {
        const batch = this.waiting;
        this.waiting = new Map();
        try {
          const found = await this.read([...batch.keys()]);
          for (const [key, callers] of batch) for (const caller of callers) caller.resolve(found.get(key) ?? null);
        } catch (error) {
          for (const callers of batch.values()) for (const caller of callers) caller.reject(error);
        }
      }
    } finally {
      this.reading--;
    }
  }
}
