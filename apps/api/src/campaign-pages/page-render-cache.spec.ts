import { PageRenderCache, RenderedPage, splitAroundSlot, withToken } from './page-render-cache.js';

const text = (page: RenderedPage) => ({ head: page.head.toString(), tail: page.tail?.toString() ?? null });
const page = (head: string, tail: string | null = null): RenderedPage => ({ head: Buffer.from(head), tail: tail === null ? null : Buffer.from(tail) });

describe('campaign page render cache', () => {
  it('splits a page around the token slot, or keeps it whole without a form', () => {
    const split = splitAroundSlot('<title>⁨عطاء⁩</title><form><input value="SLOT"></form>', 'SLOT');
    expect(text(split)).toEqual({ head: '<title>⁨عطاء⁩</title><form><input value="', tail: '"></form>' });
    expect(withToken(split, 'tok.en-1').toString()).toBe('<title>⁨عطاء⁩</title><form><input value="tok.en-1"></form>');
    const closed = splitAroundSlot('<p>closed</p>', 'SLOT');
    expect(text(closed)).toEqual({ head: '<p>closed</p>', tail: null });
    expect(withToken(closed, 'tok').toString()).toBe('<p>closed</p>');
  });

  it('renders a key once, also for renders that miss together', async () => {
    const cache = new PageRenderCache();
    let renders = 0;
    const render = async () => page(`page ${++renders}`);
    const together = await Promise.all([cache.get('a|v1', render), cache.get('a|v1', render)]);
    expect(together.map(text)).toEqual([{ head: 'page 1', tail: null }, { head: 'page 1', tail: null }]);
    expect(text(await cache.get('a|v1', render)).head).toBe('page 1');
    // A new version of the figures is a new key: rendered again.
    expect(text(await cache.get('a|v2', render)).head).toBe('page 2');
    expect(renders).toBe(2);
  });

  it('is bounded in entries and bytes, least recently used first', async () => {
    const cache = new PageRenderCache(3, 1000);
    const render = (body: string) => async () => page(body, '');
    const head = async (key: string, body: string) => (await cache.get(key, render(body))).head.toString();
    for (const k of ['a', 'b', 'c']) await head(k, k);
    await head('a', 'again');
    await head('d', 'd');
    expect(cache.size).toBe(3);
    // b was the least recently used.
    expect(await head('b', 'b2')).toBe('b2');
    expect(await head('a', 'a2')).toBe('a');

    await head('big', 'x'.repeat(300));
    expect(cache.totalBytes).toBeLessThanOrEqual(1000);
    // Larger than the whole cache: served, not kept.
    expect(await head('huge', 'y'.repeat(1200))).toHaveLength(1200);
    expect(cache.totalBytes).toBeLessThanOrEqual(1000);
    expect(await head('huge', 'z')).toBe('z');
  });

  it('keeps nothing when the render fails', async () => {
    const cache = new PageRenderCache();
    await expect(cache.get('a', async () => { throw new Error('db down'); })).rejects.toThrow('db down');
    expect(cache.size).toBe(0);
    expect(text(await cache.get('a', async () => page('ok'))).head).toBe('ok');
  });
});
