import { CARD_MIN_INTERVAL_MS, ShareCardCache } from './share-card.cache.js';
import type { ShareCardFigures } from './campaign-share.js';

describe('share card cache', () => {
  const figures: ShareCardFigures = { slug: 'a', title: 'T', language: 'en', organization: 'O', raised: 1n, goal: 10n, currency: 'usd' };

  function setup() {
    let clock = 1_000_000;
    const renders: bigint[] = [];
    const cache = new ShareCardCache(2, async (f) => {
      renders.push(f.raised);
      return Buffer.from(`card ${f.raised}`);
    }, () => clock);
    return { cache, renders, tick: (ms: number) => { clock += ms; } };
  }

  it('renders once for the same figures, and concurrent first requests share one render', async () => {
    const { cache, renders } = setup();
    const [a, b] = await Promise.all([cache.get(figures), cache.get(figures)]);
    expect(a.png.toString()).toBe('card 1');
    expect(b).toBe(a);
    expect(await cache.get({ ...figures })).toBe(a);
    expect(renders).toEqual([1n]);
  });

  it('keeps the old card for a minute after the totals change, then redraws off the request path', async () => {
    const { cache, renders, tick } = setup();
    await cache.get(figures);
    tick(CARD_MIN_INTERVAL_MS - 1);
    expect((await cache.get({ ...figures, raised: 5n })).png.toString()).toBe('card 1');
    expect(renders).toEqual([1n]);
    tick(1);
    // The request that finds it stale still gets the old card; the new one is drawn meanwhile.
    expect((await cache.get({ ...figures, raised: 5n })).png.toString()).toBe('card 1');
    await new Promise((resolve) => setImmediate(resolve));
    expect((await cache.get({ ...figures, raised: 5n })).png.toString()).toBe('card 5');
    expect(renders).toEqual([1n, 5n]);
  });

  it('forgets the least recently used campaign beyond its bound', async () => {
    const { cache, renders } = setup();
    await cache.get(figures);
    await cache.get({ ...figures, slug: 'b' });
    await cache.get(figures);
    await cache.get({ ...figures, slug: 'c' });
    await cache.get(figures);
    await cache.get({ ...figures, slug: 'b' });
    expect(renders).toEqual([1n, 1n, 1n, 1n]);
  });
});
