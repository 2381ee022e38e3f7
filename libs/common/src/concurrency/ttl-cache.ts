/**
 * Small values read at most once per `ttlMs` per key and process: what public pages ask on every
 * request but that changes rarely (a campaign's impact version, the latest reconciliation run, a
 * campaign's designation labels). Misses of one key that come together share one read; a failed read
 * is not kept. Bounded: past `maxKeys` keys it starts over. `drop` forgets a key at once (after this
 * process's own write, so its own change shows on the next request; another process's within `ttlMs`).
 */
export class TtlCache<K, V> {
  private readonly entries = new Map<K, { value: Promise<V>; until: number }>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxKeys = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** The key's value, or the one `read` gives when it is not known or too old. */
  get(key: K, read: () => Promise<V>): Promise<V> {
    const now = this.now();
    const known = this.entries.get(key);
    if (known !== undefined && known.until > now) return known.value;
    if (this.entries.size >= this.maxKeys) this.entries.clear();
    const slot = { value: read(), until: now + this.ttlMs };
    this.entries.set(key, slot);
    slot.value.catch(() => {
      if (this.entries.get(key) === slot) this.entries.delete(key);
    });
    return slot.value;
  }

  drop(key: K): void {
    this.entries.delete(key);
  }
}
