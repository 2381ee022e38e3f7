/**
 * Rendered campaign pages, split around the form's CSRF token: `head + token + tail` is the page a
 * visitor gets, so a page is rendered once per version of its figures (and state) and each visitor's
 * token is spliced in. The parts are kept UTF-8 encoded: a page is encoded once, not on every
 * write to a socket. Least recently used entries go first; bounded in entries and in bytes. Renders
 * of the same key that miss together run once.
 */
export interface RenderedPage {
  head: Buffer;
  /** null when the page has no form (campaign closed): `head` is the whole page. */
  tail: Buffer | null;
}

export class PageRenderCache {
  private readonly entries = new Map<string, RenderedPage & { bytes: number }>();
  private readonly rendering = new Map<string, Promise<RenderedPage>>();
  private bytes = 0;

  constructor(private readonly maxEntries = 500, private readonly maxBytes = 16 * 1024 * 1024) {}

  get size(): number {
    return this.entries.size;
  }

  get totalBytes(): number {
    return this.bytes;
  }

  /** The page cached under `key`, if any (counted as a use). */
  peek(key: string): RenderedPage | undefined {
    const hit = this.entries.get(key);
    if (hit) {
      // Most recently used last.
      this.entries.delete(key);
      this.entries.set(key, hit);
    }
    return hit;
  }

  /** The page cached under `key`, else the one `render` builds (kept unless larger than the whole cache). */
  async get(key: string, render: () => Promise<RenderedPage>): Promise<RenderedPage> {
    const hit = this.peek(key);
    if (hit) return hit;
    const pending = this.rendering.get(key);
    if (pending) return pending;
    const built = render().then((page) => {
      this.store(key, page);
      return page;
    }).finally(() => this.rendering.delete(key));
    this.rendering.set(key, built);
    return built;
  }

  private store(key: string, page: RenderedPage): void {
    const bytes = 2 * key.length + page.head.length + (page.tail?.length ?? 0);
    if (bytes > this.maxBytes) return;
    const old = this.entries.get(key);
    if (old) {
      this.entries.delete(key);
      this.bytes -= old.bytes;
    }
    this.entries.set(key, { ...page, bytes });
    this.bytes += bytes;
    for (const [oldest, entry] of this.entries) {
      if (this.entries.size <= this.maxEntries && this.bytes <= this.maxBytes) break;
      this.entries.delete(oldest);
      this.bytes -= entry.bytes;
    }
  }
}

/** Splits a page rendered with `slot` in place of the token. */
export function splitAroundSlot(html: string, slot: string): RenderedPage {
  const at = html.indexOf(slot);
  return at < 0 ? { head: Buffer.from(html), tail: null } : { head: Buffer.from(html.slice(0, at)), tail: Buffer.from(html.slice(at + slot.length)) };
}

/** The page with `token` (ASCII) in its slot. */
export function withToken(page: RenderedPage, token: string): Buffer {
  if (page.tail === null) return page.head;
  const body = Buffer.allocUnsafe(page.head.length + token.length + page.tail.length);
  page.head.copy(body, 0);
  body.write(token, page.head.length, 'latin1');
  page.tail.copy(body, page.head.length + token.length);
  return body;
}
