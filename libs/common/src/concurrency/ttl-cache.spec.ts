import { TtlCache } from './ttl-cache.js';

describe('TtlCache', () => {
  let clock = 0;
  const now = () => clock;
  beforeEach(() => {
    clock = 1_000;
  });

  it('reads a key at most once per ttl, then again', async () => {
    const reads: string[] = [];
    const cache = new TtlCache<string, string>(1000, 10, now);
    const read = (key: string) => async () => {
      reads.push(key);
      return `${key}@${clock}`;
    };
    expect(await cache.get('a', read('a'))).toBe('a@1000');
    clock += 999;
    expect(await cache.get('a', read('a'))).toBe('a@1000');
    expect(await cache.get('b', read('b'))).toBe('b@1999');
    clock += 1;
    expect(await cache.get('a', read('a'))).toBe('a@2000');
    expect(reads).toEqual(['a', 'b', 'a']);
  });

  it('shares one read among misses that come together, and forgets a dropped key at once', async () => {
    let reads = 0;
    let release: () => void = () => undefined;
    const cache = new TtlCache<string, number>(1000, 10, now);
    const read = () => {
      reads++;
      return new Promise<number>((resolve) => {
        release = () => resolve(reads);
      });
    };
    const together = [cache.get('k', read), cache.get('k', read), cache.get('k', read)];
    release();
    expect(await Promise.all(together)).toEqual([1, 1, 1]);
    cache.drop('k');
    const again = cache.get('k', read);
    release();
    expect(await again).toBe(2);
  });

  it('does not keep a failed read, and starts over past its bound', async () => {
    let fail = true;
    let reads = 0;
    const cache = new TtlCache<string, string>(1000, 2, now);
    const read = (key: string) => async () => {
      reads++;
      if (fail) throw new Error('database down');
      return key;
    };
    await expect(cache.get('a', read('a'))).rejects.toThrow('database down');
    fail = false;
    expect(await cache.get('a', read('a'))).toBe('a');
    await cache.get('b', read('b'));
    expect(reads).toBe(3);
    // a third key clears the two kept: 'a' is read again
    await cache.get('c', read('c'));
    await cache.get('a', read('a'));
    expect(reads).toBe(5);
  });
});
