import { PageRenderCache, splitAroundSlot } from './page-render-cache.js';

describe('campaign page render cache', () => {
  it('splits a page around the token slot, or keeps it whole without a form', () => {
    expect(splitAroundSlot('<form><input value="SLOT"></form>', 'SLOT')).toEqual({ head: '<form><input value="', tail: '"></form>' });
    expect(splitAroundSlot('<p>closed</p>', 'SLOT')).toEqual({ head: '<p>closed</p>', tail: null });
  });

  it('renders a key once, also for renders that miss together', async () => {
    const cache = new PageRenderCache();
    let renders = 0;
    const render = async () => ({ head: `page ${++renders}`, tail: null });
    const together = await Promise.all([cache.get('a|v1', render), cache.get('a|v1', render)]);
    expect(together).toEqual([{ head: 'page 1', tail: null }, { head: 'page 1', tail: null }]);
    expect((await cache.get('a|v1', render)).head).toBe('page 1');
    // A new version of the figures is a new key: rendered again.
    expect((await cache.get('a|v2', render)).head).toBe('page 2');
    expect(renders).toBe(2);
  });

  it('is bounded in entries and bytes, least recently used first', async () => {
    const cache = new PageRenderCache(3, 1000);
    const page = (text: string) => async () => ({ head: text, tail: '' });
    for (const k of ['a', 'b', 'c']) await cache.get(k, page(k));
    await cache.get('a', page('again'));
    await cache.get('d', page('d'));
    expect(cache.size).toBe(3);
    // b was the least recently used.
    expect((await cache.get('b', page('b2'))).head).toBe('b2');
    expect((await cache.get('a', page('a2'))).head).toBe('a');

    await cache.get('big', page('x'.repeat(300)));
    expect(cache.totalBytes).toBeLessThanOrEqual(1000);
    // Larger than the whole cache: served, not kept.
    expect((await cache.get('huge', page('y'.repeat(600)))).head).toHaveLength(600);
    expect(cache.totalBytes).toBeLessThanOrEqual(1000);
    expect((await cache.get('huge', page('z'))).head).toBe('z');
  });

  it('keeps nothing when the render fails', async () => {
    const cache = new PageRenderCache();
    await expect(cache.get('a', async () => { throw new Error('db down'); })).rejects.toThrow('db down');
    expect(cache.size).toBe(0);
    expect((await cache.get('a', async () => ({ head: 'ok', tail: null }))).head).toBe('ok');
  });
});
