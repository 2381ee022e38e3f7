import { FreshReads } from './fresh-reads.js';

/** A read whose answers the test releases by hand, recording the keys of every read. */
function manualReads(inFlight?: number) {
  const reads: { keys: string[]; finish: (found: Map<string, number>) => void; fail: (error: Error) => void }[] = [];
  const read = (keys: string[]) =>
    new Promise<Map<string, number>>((resolve, reject) => {
      reads.push({ keys, finish: resolve, fail: reject });
    });
  return { reads, fresh: new FreshReads<string, number>(read, inFlight) };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('FreshReads (shared fresh reads)', () => {
  it('reads at once when idle, and a caller arriving during a read waits for the next read', async () => {
    const { reads, fresh } = manualReads();
    const first = fresh.get('a');
    expect(reads).toHaveLength(1);
    // Arrives while the first read is in flight: that read may predate a commit this caller must see.
    const second = fresh.get('a');
    expect(reads).toHaveLength(1);
    reads[0].finish(new Map([['a', 1]]));
    expect(await first).toBe(1);
    await settle();
    expect(reads).toHaveLength(2);
    reads[1].finish(new Map([['a', 2]]));
    expect(await second).toBe(2);
  });

  it('serves every caller queued during a read with one read of all their keys', async () => {
    const { reads, fresh } = manualReads();
    const first = fresh.get('a');
    const queued = [fresh.get('a'), fresh.get('b'), fresh.get('a'), fresh.get('missing')];
    reads[0].finish(new Map([['a', 1]]));
    await first;
    await settle();
    expect(reads).toHaveLength(2);
    expect(reads[1].keys.sort()).toEqual(['a', 'b', 'missing']);
    reads[1].finish(new Map([['a', 5], ['b', 6]]));
    expect(await Promise.all(queued)).toEqual([5, 6, 5, null]);
    await settle();
    expect(reads).toHaveLength(2);
  });

  it('fails only the callers of a failed read; the next callers read again', async () => {
    const { reads, fresh } = manualReads();
    const failed = fresh.get('a');
    const queued = fresh.get('a');
    reads[0].fail(new Error('connection lost'));
    await expect(failed).rejects.toThrow('connection lost');
    await settle();
    reads[1].finish(new Map([['a', 3]]));
    expect(await queued).toBe(3);
    const later = fresh.get('a');
    expect(reads).toHaveLength(3);
    reads[2].finish(new Map([['a', 4]]));
    expect(await later).toBe(4);
  });

  it('runs up to inFlight reads at once, each caller still served by a read begun after it asked', async () => {
    const { reads, fresh } = manualReads(2);
    const first = fresh.get('a');
    // A second read starts at once: fewer than two are in flight.
    const second = fresh.get('b');
    expect(reads.map((r) => r.keys)).toEqual([['a'], ['b']]);
    // Two in flight: these wait, and the first read to finish takes them all in one.
    const queued = [fresh.get('a'), fresh.get('c')];
    expect(reads).toHaveLength(2);
    reads[1].finish(new Map([['b', 2]]));
    expect(await second).toBe(2);
    await settle();
    expect(reads).toHaveLength(3);
    expect(reads[2].keys.sort()).toEqual(['a', 'c']);
    reads[0].finish(new Map([['a', 1]]));
    expect(await first).toBe(1);
    reads[2].finish(new Map([['a', 5], ['c', 6]]));
    expect(await Promise.all(queued)).toEqual([5, 6]);
    await settle();
    expect(reads).toHaveLength(3);
  });

  it('gathering: an idle read begins once the current phase\'s callers are in, and serves them all', async () => {
    const reads: string[][] = [];
    const fresh = new FreshReads<string, number>(async (keys) => {
      reads.push(keys);
      return new Map(keys.map((k) => [k, reads.length]));
    }, 1, true);
    const together = [fresh.get('a'), fresh.get('b'), fresh.get('a')];
    // nothing read yet: the read begins at the end of this phase, after every caller of it asked
    expect(reads).toHaveLength(0);
    expect(await Promise.all(together)).toEqual([1, 1, 1]);
    expect(reads).toEqual([['a', 'b']]);
    // a later caller gets a read of its own, begun after it asked
    expect(await fresh.get('a')).toBe(2);
    expect(reads).toHaveLength(2);
  });
});
